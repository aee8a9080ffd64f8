"""The events of verification and enforcement, and the bodies they carry, parsed strictly.

Cases, findings, penalties and meetings are the mechanism's own public record: each witness
must be able to recompute every status from them, so all of these events are public (their
bodies are never sealed). A case about a confidential report says only what the mechanism
verifies (the accused party, the act, the day); the report's content stays sealed.

===============================  ==============================================================
type                             body
===============================  ==============================================================
``case.opened``                  ``{kind, reports, party, act|commitment, day, sector?, title}``
``case.assigned``                ``{case, monitor}``
``case.information_requested``   ``{case, of, question, due}``
``case.information_provided``    ``{case, request, text, evidence?, reports?}``
``case.reply_requested``         ``{case, due}``: the accused party's right of reply
``case.replied``                 ``{case, position, text, evidence?, reports?}``
``case.closed``                  ``{case, reason}``
``case.reopened``                ``{case, reason, evidence?, reports?}``: new evidence
``finding.proposed``             ``{case, confidence, attribution, party?, acts?, clauses?,
                                 evidence?, reports?, reasons, dissent?}``
``finding.signed``               ``{case, finding, concurs, note?}``: one mediator's signature
``finding.issued``               ``{case, finding}``: only with the quorum's signatures
``penalty.proposed``             ``{party, level, reasons, cases?}``
``penalty.signed``               ``{penalty, concurs, note?}``: imposed at the quorum
``penalty.notified``             ``{penalty, note}``
``penalty.executed``             ``{penalty, note}``
``penalty.appealed``             ``{penalty, grounds}``
``penalty.appeal_decided``       ``{penalty, outcome, reasons}``: one mediator's vote
``meeting.scheduled``            ``{meeting, date, place, purpose, agenda}``
``meeting.attended``             ``{meeting, present, note?}``
``meeting.decision_proposed``    ``{meeting, decision, text, kind, effect?}``
``meeting.decision_signed``      ``{meeting, decision, signatory}``
``meeting.decision_recorded``    ``{meeting, decision}``: only with the required signatures
===============================  ==============================================================

A case, a finding and a penalty are named by the id of the event that opened, proposed or
proposed them; a meeting by the id it was scheduled with, a decision by its id in the meeting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final, TypeAlias

from ceasefire.domain.agreement_parts import DecisionKind
from ceasefire.domain.facts import CaseKind, FindingAttribution
from ceasefire.domain.fields import EVENT_ID, SHA256, Fields, unique
from ceasefire.errors import InvalidInput

CASE_OPENED: Final = "case.opened"
CASE_ASSIGNED: Final = "case.assigned"
INFORMATION_REQUESTED: Final = "case.information_requested"
INFORMATION_PROVIDED: Final = "case.information_provided"
REPLY_REQUESTED: Final = "case.reply_requested"
CASE_REPLIED: Final = "case.replied"
CASE_CLOSED: Final = "case.closed"
CASE_REOPENED: Final = "case.reopened"
FINDING_PROPOSED: Final = "finding.proposed"
FINDING_SIGNED: Final = "finding.signed"
FINDING_ISSUED: Final = "finding.issued"
PENALTY_PROPOSED: Final = "penalty.proposed"
PENALTY_SIGNED: Final = "penalty.signed"
PENALTY_NOTIFIED: Final = "penalty.notified"
PENALTY_EXECUTED: Final = "penalty.executed"
PENALTY_APPEALED: Final = "penalty.appealed"
APPEAL_DECIDED: Final = "penalty.appeal_decided"
MEETING_SCHEDULED: Final = "meeting.scheduled"
MEETING_ATTENDED: Final = "meeting.attended"
DECISION_PROPOSED: Final = "meeting.decision_proposed"
DECISION_SIGNED: Final = "meeting.decision_signed"
DECISION_RECORDED: Final = "meeting.decision_recorded"

CASE_TYPES: Final = frozenset(
    {
        CASE_OPENED,
        CASE_ASSIGNED,
        INFORMATION_REQUESTED,
        INFORMATION_PROVIDED,
        REPLY_REQUESTED,
        CASE_REPLIED,
        CASE_CLOSED,
        CASE_REOPENED,
        FINDING_PROPOSED,
        FINDING_SIGNED,
        FINDING_ISSUED,
    }
)
PENALTY_TYPES: Final = frozenset(
    {
        PENALTY_PROPOSED,
        PENALTY_SIGNED,
        PENALTY_NOTIFIED,
        PENALTY_EXECUTED,
        PENALTY_APPEALED,
        APPEAL_DECIDED,
    }
)
MEETING_TYPES: Final = frozenset(
    {MEETING_SCHEDULED, MEETING_ATTENDED, DECISION_PROPOSED, DECISION_SIGNED, DECISION_RECORDED}
)
CASEWORK_TYPES: Final = CASE_TYPES | PENALTY_TYPES | MEETING_TYPES
CASEWORK_NAMESPACES: Final = ("case.", "finding.", "penalty.", "meeting.")

_MAX_TEXT: Final = 4000


class Position(StrEnum):
    """The accused party's answer to an allegation."""

    DENIES = "denies"
    CONTESTS = "contests"
    PARTLY_ADMITS = "partly_admits"
    ADMITS = "admits"


class AppealOutcome(StrEnum):
    UPHELD = "upheld"
    LIFTED = "lifted"


# --- bodies -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseOpened:
    kind: CaseKind
    reports: tuple[str, ...]
    party: str
    act: str | None
    commitment: str | None
    day: date
    sector: str | None
    title: str


@dataclass(frozen=True)
class CaseAssigned:
    case: str
    monitor: str


@dataclass(frozen=True)
class InformationRequested:
    case: str
    of: str
    question: str
    due: datetime


@dataclass(frozen=True)
class Submission:
    """Text with the files and reports it rests on: a reply, information provided, a reopening
    (``text`` is its reason)."""

    case: str
    text: str
    evidence: tuple[str, ...]
    reports: tuple[str, ...]
    request: str | None = None
    position: Position | None = None


@dataclass(frozen=True)
class ReplyRequested:
    case: str
    due: datetime


@dataclass(frozen=True)
class CaseClosed:
    case: str
    reason: str


@dataclass(frozen=True)
class FindingProposed:
    case: str
    confidence: str
    attribution: FindingAttribution
    party: str | None
    acts: tuple[str, ...]
    clauses: tuple[str, ...]
    evidence: tuple[str, ...]
    reports: tuple[str, ...]
    reasons: str
    dissent: str | None


@dataclass(frozen=True)
class Signed:
    """A mediator's signature on a finding (``subject`` the case) or a penalty: ``concurs``
    False records a dissent, which does not count toward the quorum."""

    subject: str
    target: str
    concurs: bool
    note: str | None


@dataclass(frozen=True)
class FindingIssued:
    case: str
    finding: str


@dataclass(frozen=True)
class PenaltyProposed:
    party: str
    level: int
    reasons: str
    cases: tuple[str, ...]


@dataclass(frozen=True)
class PenaltyNote:
    """A notification, an execution or an appeal of a penalty (``note`` the text)."""

    penalty: str
    note: str


@dataclass(frozen=True)
class AppealDecided:
    penalty: str
    outcome: AppealOutcome
    reasons: str


@dataclass(frozen=True)
class AgendaItem:
    """What a meeting takes up: ``ref`` names a case, a commitment or a reply (its case)."""

    kind: str
    ref: str | None
    text: str


AGENDA_KINDS: Final = ("case", "reply", "commitment", "penalty", "other")


@dataclass(frozen=True)
class MeetingScheduled:
    meeting: str
    date: date
    place: str
    purpose: str
    agenda: tuple[AgendaItem, ...]


@dataclass(frozen=True)
class MeetingAttended:
    meeting: str
    present: tuple[str, ...]
    note: str | None


@dataclass(frozen=True)
class Amend:
    version: int
    digest: str


@dataclass(frozen=True)
class Impose:
    party: str
    level: int


@dataclass(frozen=True)
class SetDeadline:
    commitment: str
    due: date


@dataclass(frozen=True)
class Lift:
    penalty: str


Effect: TypeAlias = Amend | Impose | SetDeadline | Lift

_EFFECT_KINDS: Final[Mapping[str, DecisionKind]] = {
    "amend": DecisionKind.AMEND,
    "impose": DecisionKind.PENALTY,
    "lift": DecisionKind.PENALTY,
    "deadline": DecisionKind.DEADLINE,
}


@dataclass(frozen=True)
class DecisionProposed:
    meeting: str
    decision: str
    text: str
    kind: DecisionKind
    effect: Effect | None


@dataclass(frozen=True)
class DecisionSigned:
    meeting: str
    decision: str
    signatory: str


@dataclass(frozen=True)
class DecisionRecorded:
    meeting: str
    decision: str


# --- parsers ----------------------------------------------------------------------------------


def case_opened(body: Mapping[str, Any]) -> CaseOpened:
    f = Fields(body, "body")
    kind = f.enum("kind", CaseKind)
    reports = _ids(f, "reports", empty=False)
    party = f.ident("party")
    act = f.optional("act", f.ident)
    commitment = f.optional("commitment", f.ident)
    opened = CaseOpened(
        kind=kind,
        reports=reports,
        party=party,
        act=act,
        commitment=commitment,
        day=f.day("day"),
        sector=f.optional("sector", f.ident),
        title=f.text("title", max_length=200),
    )
    f.done()
    if kind is CaseKind.ALLEGATION and (act is None or commitment is not None):
        raise InvalidInput(
            "a case on an allegation names the act (and no commitment)", field="body.act"
        )
    if kind is CaseKind.COMPLIANCE_CLAIM and (commitment is None or act is not None):
        raise InvalidInput(
            "a case on a compliance claim names the commitment (and no act)",
            field="body.commitment",
        )
    return opened


def case_assigned(body: Mapping[str, Any]) -> CaseAssigned:
    f = Fields(body, "body")
    assigned = CaseAssigned(case=f.event_id("case"), monitor=f.ident("monitor"))
    f.done()
    return assigned


def information_requested(body: Mapping[str, Any]) -> InformationRequested:
    f = Fields(body, "body")
    requested = InformationRequested(
        case=f.event_id("case"),
        of=f.ident("of"),
        question=f.text("question", max_length=_MAX_TEXT),
        due=f.moment("due"),
    )
    f.done()
    return requested


def information_provided(body: Mapping[str, Any]) -> Submission:
    f = Fields(body, "body")
    case, request = f.event_id("case"), f.event_id("request")
    return _submission(f, case, "text", request=request)


def reply_requested(body: Mapping[str, Any]) -> ReplyRequested:
    f = Fields(body, "body")
    requested = ReplyRequested(case=f.event_id("case"), due=f.moment("due"))
    f.done()
    return requested


def case_replied(body: Mapping[str, Any]) -> Submission:
    f = Fields(body, "body")
    case, position = f.event_id("case"), f.enum("position", Position)
    return _submission(f, case, "text", position=position)


def case_closed(body: Mapping[str, Any]) -> CaseClosed:
    f = Fields(body, "body")
    closed = CaseClosed(case=f.event_id("case"), reason=f.text("reason", max_length=_MAX_TEXT))
    f.done()
    return closed


def case_reopened(body: Mapping[str, Any]) -> Submission:
    f = Fields(body, "body")
    reopened = _submission(f, f.event_id("case"), "reason")
    if not reopened.evidence and not reopened.reports:
        raise InvalidInput(
            "a case is reopened by new evidence: name the files (evidence) or reports",
            field="body.evidence",
        )
    return reopened


def finding_proposed(body: Mapping[str, Any]) -> FindingProposed:
    f = Fields(body, "body")
    attribution = f.enum("attribution", FindingAttribution)
    party = f.optional("party", f.ident)
    proposed = FindingProposed(
        case=f.event_id("case"),
        confidence=f.ident("confidence"),
        attribution=attribution,
        party=party,
        acts=_unique_texts(f, "acts", ident=True),
        clauses=_unique_texts(f, "clauses"),
        evidence=_hashes(f, "evidence"),
        reports=_ids(f, "reports"),
        reasons=f.text("reasons", max_length=_MAX_TEXT),
        dissent=f.optional("dissent", lambda n: f.text(n, max_length=_MAX_TEXT)),
    )
    f.done()
    attributing = attribution in (
        FindingAttribution.ATTRIBUTABLE,
        FindingAttribution.LARGELY_ATTRIBUTABLE,
    )
    if attributing and party is None:
        raise InvalidInput(
            f"a finding that is {attribution} names the party it attributes the act to",
            field="body.party",
        )
    if not attributing and party is not None:
        raise InvalidInput(
            f"a finding that is {attribution} attributes the act to no party", field="body.party"
        )
    return proposed


def finding_signed(body: Mapping[str, Any]) -> Signed:
    f = Fields(body, "body")
    signed = Signed(
        subject=f.event_id("case"),
        target=f.event_id("finding"),
        concurs=f.flag("concurs"),
        note=f.optional("note", lambda n: f.text(n, max_length=_MAX_TEXT)),
    )
    f.done()
    return signed


def finding_issued(body: Mapping[str, Any]) -> FindingIssued:
    f = Fields(body, "body")
    issued = FindingIssued(case=f.event_id("case"), finding=f.event_id("finding"))
    f.done()
    return issued


def penalty_proposed(body: Mapping[str, Any]) -> PenaltyProposed:
    f = Fields(body, "body")
    proposed = PenaltyProposed(
        party=f.ident("party"),
        level=f.integer("level", minimum=1, maximum=20),
        reasons=f.text("reasons", max_length=_MAX_TEXT),
        cases=_ids(f, "cases"),
    )
    f.done()
    return proposed


def penalty_signed(body: Mapping[str, Any]) -> Signed:
    f = Fields(body, "body")
    penalty = f.event_id("penalty")
    signed = Signed(
        subject=penalty,
        target=penalty,
        concurs=f.flag("concurs"),
        note=f.optional("note", lambda n: f.text(n, max_length=_MAX_TEXT)),
    )
    f.done()
    return signed


def penalty_note(body: Mapping[str, Any], name: str = "note") -> PenaltyNote:
    f = Fields(body, "body")
    noted = PenaltyNote(penalty=f.event_id("penalty"), note=f.text(name, max_length=_MAX_TEXT))
    f.done()
    return noted


def penalty_appealed(body: Mapping[str, Any]) -> PenaltyNote:
    return penalty_note(body, "grounds")


def appeal_decided(body: Mapping[str, Any]) -> AppealDecided:
    f = Fields(body, "body")
    decided = AppealDecided(
        penalty=f.event_id("penalty"),
        outcome=f.enum("outcome", AppealOutcome),
        reasons=f.text("reasons", max_length=_MAX_TEXT),
    )
    f.done()
    return decided


def meeting_scheduled(body: Mapping[str, Any]) -> MeetingScheduled:
    f = Fields(body, "body")
    scheduled = MeetingScheduled(
        meeting=f.ident("meeting"),
        date=f.day("date"),
        place=f.text("place", max_length=200),
        purpose=f.text("purpose", max_length=_MAX_TEXT),
        agenda=f.items("agenda", _agenda_item, max_items=200),
    )
    f.done()
    return scheduled


def _agenda_item(f: Fields) -> AgendaItem:
    kind = f.text("kind", max_length=20)
    if kind not in AGENDA_KINDS:
        raise InvalidInput(
            f"expected one of {', '.join(AGENDA_KINDS)}, found {kind!r}", field=f.where("kind")
        )
    item = AgendaItem(
        kind=kind,
        ref=f.optional("ref", lambda n: f.text(n, max_length=64)),
        text=f.text("text", max_length=_MAX_TEXT),
    )
    f.done()
    return item


def meeting_attended(body: Mapping[str, Any]) -> MeetingAttended:
    f = Fields(body, "body")
    attended = MeetingAttended(
        meeting=f.ident("meeting"),
        present=_unique_texts(f, "present", ident=True, empty=False),
        note=f.optional("note", lambda n: f.text(n, max_length=_MAX_TEXT)),
    )
    f.done()
    return attended


def decision_proposed(body: Mapping[str, Any]) -> DecisionProposed:
    f = Fields(body, "body")
    kind = f.enum("kind", DecisionKind)
    effect = f.optional("effect", lambda n: _effect(f.object(n)))
    proposed = DecisionProposed(
        meeting=f.ident("meeting"),
        decision=f.ident("decision"),
        text=f.text("text", max_length=_MAX_TEXT),
        kind=kind,
        effect=effect,
    )
    f.done()
    if effect is not None:
        (name,) = (n for n, _ in _EFFECT_KINDS.items() if n in body["effect"])
        if _EFFECT_KINDS[name] is not kind:
            raise InvalidInput(
                f"a decision with the effect {name} is of kind {_EFFECT_KINDS[name]}, not {kind}",
                field="body.kind",
            )
    elif kind in (DecisionKind.AMEND, DecisionKind.PENALTY, DecisionKind.DEADLINE):
        raise InvalidInput(
            f"a decision of kind {kind} states its effect: "
            + {
                DecisionKind.AMEND: "{amend = {version, digest}}",
                DecisionKind.PENALTY: "{impose = {party, level}} or {lift = {penalty}}",
                DecisionKind.DEADLINE: "{deadline = {commitment, due}}",
            }[kind],
            field="body.effect",
        )
    return proposed


def _effect(f: Fields) -> Effect:
    given = [name for name in _EFFECT_KINDS if f.has(name)]
    if len(given) != 1:
        raise InvalidInput(
            f"expected exactly one of {', '.join(_EFFECT_KINDS)}, found "
            f"{', '.join(given) or 'none'}",
            field=f.path,
        )
    g = f.object(given[0])
    effect: Effect
    match given[0]:
        case "amend":
            effect = Amend(g.integer("version", minimum=1), g.digest("digest"))
        case "impose":
            effect = Impose(g.ident("party"), g.integer("level", minimum=1, maximum=20))
        case "lift":
            effect = Lift(g.event_id("penalty"))
        case _:
            effect = SetDeadline(g.ident("commitment"), g.day("due"))
    g.done()
    f.done()
    return effect


def decision_signed(body: Mapping[str, Any]) -> DecisionSigned:
    f = Fields(body, "body")
    signed = DecisionSigned(
        meeting=f.ident("meeting"), decision=f.ident("decision"), signatory=f.ident("signatory")
    )
    f.done()
    return signed


def decision_recorded(body: Mapping[str, Any]) -> DecisionRecorded:
    f = Fields(body, "body")
    recorded = DecisionRecorded(meeting=f.ident("meeting"), decision=f.ident("decision"))
    f.done()
    return recorded


PARSERS: Final[Mapping[str, Callable[[Mapping[str, Any]], object]]] = {
    CASE_OPENED: case_opened,
    CASE_ASSIGNED: case_assigned,
    INFORMATION_REQUESTED: information_requested,
    INFORMATION_PROVIDED: information_provided,
    REPLY_REQUESTED: reply_requested,
    CASE_REPLIED: case_replied,
    CASE_CLOSED: case_closed,
    CASE_REOPENED: case_reopened,
    FINDING_PROPOSED: finding_proposed,
    FINDING_SIGNED: finding_signed,
    FINDING_ISSUED: finding_issued,
    PENALTY_PROPOSED: penalty_proposed,
    PENALTY_SIGNED: penalty_signed,
    PENALTY_NOTIFIED: penalty_note,
    PENALTY_EXECUTED: penalty_note,
    PENALTY_APPEALED: penalty_appealed,
    APPEAL_DECIDED: appeal_decided,
    MEETING_SCHEDULED: meeting_scheduled,
    MEETING_ATTENDED: meeting_attended,
    DECISION_PROPOSED: decision_proposed,
    DECISION_SIGNED: decision_signed,
    DECISION_RECORDED: decision_recorded,
}
"""The parser of each casework event type's body."""


def subject_of(event_type: str, event_id: str, body: Mapping[str, Any]) -> str:
    """What a casework event is about, the key its read-model row is found by: the case, the
    penalty or the meeting (an opening or proposal is about itself)."""
    if event_type in (CASE_OPENED, PENALTY_PROPOSED):
        return event_id
    if event_type in PENALTY_TYPES:
        return str(body["penalty"])
    if event_type in MEETING_TYPES:
        return str(body["meeting"])
    return str(body["case"])


# --- readers ----------------------------------------------------------------------------------


def _submission(
    f: Fields,
    case: str,
    text: str,
    *,
    request: str | None = None,
    position: Position | None = None,
) -> Submission:
    submission = Submission(
        case=case,
        text=f.text(text, max_length=_MAX_TEXT),
        evidence=_hashes(f, "evidence"),
        reports=_ids(f, "reports"),
        request=request,
        position=position,
    )
    f.done()
    return submission


def _unique_texts(
    f: Fields, name: str, *, ident: bool = False, empty: bool = True
) -> tuple[str, ...]:
    values = f.texts(name, ident=ident, max_items=50)
    if not empty and not values:
        raise InvalidInput("must not be empty", field=f.where(name))
    unique(values, f.where(name), "the value")
    return values


def _ids(f: Fields, name: str, *, empty: bool = True) -> tuple[str, ...]:
    values = _unique_texts(f, name, empty=empty)
    for i, value in enumerate(values):
        if not EVENT_ID.fullmatch(value):
            raise InvalidInput(
                f"expected an event id (32 lowercase hex digits), found {value!r}",
                field=f"{f.where(name)}[{i}]",
            )
    return values


def _hashes(f: Fields, name: str) -> tuple[str, ...]:
    values = _unique_texts(f, name)
    for i, value in enumerate(values):
        if not SHA256.fullmatch(value):
            raise InvalidInput(
                f"expected a file's SHA-256 (64 lowercase hex digits), found {value!r}",
                field=f"{f.where(name)}[{i}]",
            )
    return values
