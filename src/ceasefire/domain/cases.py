"""Verification cases as a state machine, and the findings that decide them.

::

    opened ─assign→ investigating ─reply requested→ awaiting_reply ─propose→ finding_proposed
                         │  (a compliance claim may be proposed on directly)      │ sign … issue
                         └──────────────────────────────────────────→ finding_proposed → issued
    issued ─close→ closed;  opened|investigating|awaiting_reply ─close→ closed (dismissed)
    issued|closed ─reopen (new evidence)→ investigating

Each transition is one event; :func:`transition` checks it against the case as the events
before it left it, and refuses what the machine forbids with the reason. The accused party's
reply is a step of its own with the agreement's deadline; a finding is proposed only once the
party has replied or its window has closed, and issued only when the agreement's quorum of
mediators has signed it. Checks that need more than the case (that a report exists, that an
actor is enrolled, the policy) are the admission's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, TypeVar

from ceasefire.domain import casework_events as ce
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.enforcement_explain import iso_time
from ceasefire.domain.facts import ATTRIBUTING, CaseKind, IssuedFinding
from ceasefire.errors import Conflict, InvalidInput, NotFound, PermissionDenied

T = TypeVar("T")


class CaseState(StrEnum):
    OPENED = "opened"
    INVESTIGATING = "investigating"
    AWAITING_REPLY = "awaiting_reply"
    FINDING_PROPOSED = "finding_proposed"
    ISSUED = "issued"
    CLOSED = "closed"


_ASSIGNABLE: Final = frozenset(
    {
        CaseState.OPENED,
        CaseState.INVESTIGATING,
        CaseState.AWAITING_REPLY,
        CaseState.FINDING_PROPOSED,
    }
)
_WORKING: Final = frozenset({CaseState.INVESTIGATING, CaseState.AWAITING_REPLY})
_DISMISSABLE: Final = frozenset(
    {CaseState.OPENED, CaseState.INVESTIGATING, CaseState.AWAITING_REPLY}
)


@dataclass(frozen=True)
class Step:
    """One event of a case's timeline, and the state it left the case in."""

    index: int
    type: str
    actor: str
    time: datetime
    state: CaseState


@dataclass(frozen=True)
class Signature:
    signatory: str
    actor: str
    index: int
    concurs: bool
    note: str | None = None


@dataclass(frozen=True)
class Proposal:
    """A proposed finding and the mediators' signatures on it so far."""

    id: str
    index: int
    actor: str
    time: datetime
    finding: ce.FindingProposed
    signatures: tuple[Signature, ...] = ()
    issued_at: int | None = None
    issued_time: datetime | None = None

    def concurring(self) -> tuple[Signature, ...]:
        return tuple(s for s in self.signatures if s.concurs)


@dataclass(frozen=True)
class Request:
    """A request for information in a case; ``answered`` the index of the answer, if any."""

    id: str
    index: int
    request: ce.InformationRequested
    answered: int | None = None


@dataclass(frozen=True)
class ReplyWindow:
    """The accused party's right of reply: asked at ``index``, due by ``due``."""

    index: int
    due: datetime
    replied: int | None = None
    position: ce.Position | None = None


@dataclass(frozen=True)
class Case:
    id: str
    index: int
    actor: str
    time: datetime
    opened: ce.CaseOpened
    state: CaseState = CaseState.OPENED
    monitors: tuple[str, ...] = ()
    requests: tuple[Request, ...] = ()
    windows: tuple[ReplyWindow, ...] = ()
    proposal: Proposal | None = None
    issued: tuple[Proposal, ...] = ()
    steps: tuple[Step, ...] = field(default=())

    @property
    def kind(self) -> CaseKind:
        return self.opened.kind

    @property
    def window(self) -> ReplyWindow | None:
        return self.windows[-1] if self.windows else None

    @property
    def finding(self) -> Proposal | None:
        """The finding in force: the last one issued (a reopened case keeps it until another
        is issued)."""
        return self.issued[-1] if self.issued else None

    def issued_findings(self) -> list[IssuedFinding]:
        return [self._fact(p) for p in self.issued]

    def _fact(self, proposal: Proposal) -> IssuedFinding:
        assert proposal.issued_at is not None
        assert proposal.issued_time is not None
        found = proposal.finding
        acts = found.acts or ((self.opened.act,) if self.opened.act else ())
        return IssuedFinding(
            case=self.id,
            finding=proposal.id,
            index=proposal.issued_at,
            issued=proposal.issued_time,
            kind=self.kind,
            reports=self.opened.reports,
            day=self.opened.day,
            confidence=found.confidence,
            attribution=found.attribution,
            party=found.party,
            acts=acts if self.kind is CaseKind.ALLEGATION else (),
            clauses=found.clauses,
            commitment=self.opened.commitment,
            signatures=tuple(s.index for s in proposal.concurring()),
        )


@dataclass(frozen=True)
class Event:
    """A casework event as the machine sees it: who (``affiliation`` the party or mediator
    they act for), when, and the parsed body."""

    index: int
    id: str
    type: str
    actor: str
    affiliation: str | None
    time: datetime
    body: object


def open_case(event: Event, agreement: Agreement | None, strict: bool) -> Case:
    opened = event.body
    assert isinstance(opened, ce.CaseOpened)
    if strict and agreement is not None:
        _check_opening(opened, agreement)
    case = Case(event.id, event.index, event.actor, event.time, opened)
    return _step(case, event, CaseState.OPENED)


def _check_opening(opened: ce.CaseOpened, agreement: Agreement) -> None:
    _known(agreement.party, opened.party, "body.party")
    if opened.act is not None:
        _known(agreement.act, opened.act, "body.act")
    if opened.commitment is not None:
        commitment = _known(agreement.commitment, opened.commitment, "body.commitment")
        if commitment.party != opened.party:
            raise InvalidInput(
                f"commitment {commitment.id} binds {commitment.party}, not {opened.party}",
                field="body.party",
            )
    if opened.sector is not None:
        _known(agreement.sector, opened.sector, "body.sector")


def transition(
    case: Case, event: Event, agreement: Agreement | None, *, strict: bool, role: str | None = None
) -> Case:
    """The case after ``event``; with ``strict``, refuse what the machine or the agreement
    forbids (``role`` is the signer's role, for the rules that depend on it)."""
    body = event.body
    match body:
        case ce.CaseAssigned():
            return _assigned(case, event, body, strict)
        case ce.InformationRequested():
            return _information_requested(case, event, body, strict)
        case ce.Submission() if event.type == ce.INFORMATION_PROVIDED:
            return _provided(case, event, body, strict)
        case ce.ReplyRequested():
            return _reply_requested(case, event, body, agreement, strict)
        case ce.Submission() if event.type == ce.CASE_REPLIED:
            return _replied(case, event, body, strict)
        case ce.FindingProposed():
            return _proposed(case, event, body, agreement, strict, role)
        case ce.Signed():
            return _signed(case, event, body, agreement, strict)
        case ce.FindingIssued():
            return _issued(case, event, body, agreement, strict)
        case ce.CaseClosed() | ce.Submission() if event.type in (ce.CASE_CLOSED, ce.CASE_REOPENED):
            return _closed_or_reopened(case, event, strict)
    raise InvalidInput(f"{event.type} is not an event of a case", field="type")


def _assigned(case: Case, event: Event, body: ce.CaseAssigned, strict: bool) -> Case:
    if strict:
        _require_state(case, _ASSIGNABLE, "assigned")
    state = CaseState.INVESTIGATING if case.state is CaseState.OPENED else case.state
    monitors = case.monitors if body.monitor in case.monitors else (*case.monitors, body.monitor)
    return _step(replace(case, monitors=monitors), event, state)


def _information_requested(
    case: Case, event: Event, body: ce.InformationRequested, strict: bool
) -> Case:
    if strict:
        _require_state(case, _WORKING, "asked for information")
        _require_future(body.due, event.time, "body.due")
    request = Request(event.id, event.index, body)
    return _step(replace(case, requests=(*case.requests, request)), event, case.state)


def _closed_or_reopened(case: Case, event: Event, strict: bool) -> Case:
    if event.type == ce.CASE_REOPENED:
        if strict:
            _require_state(case, {CaseState.ISSUED, CaseState.CLOSED}, "reopened")
        return _step(replace(case, proposal=None), event, CaseState.INVESTIGATING)
    if strict and case.state is not CaseState.ISSUED and case.state not in _DISMISSABLE:
        raise Conflict(
            f"case {case.id} is {case.state}: a case is closed once its finding is "
            "issued, or dismissed before a finding is proposed",
            field="body.case",
        )
    return _step(replace(case, proposal=None), event, CaseState.CLOSED)


def _provided(case: Case, event: Event, body: ce.Submission, strict: bool) -> Case:
    found = next((r for r in case.requests if r.id == body.request), None)
    if found is None:
        if strict:
            raise NotFound(f"no request {body.request} in case {case.id}", field="body.request")
        return case
    if strict:
        if found.answered is not None:
            raise Conflict(
                f"request {found.id} was answered at index {found.answered}",
                field="body.request",
            )
        asked = found.request.of
        if asked not in (event.actor, event.affiliation):
            raise PermissionDenied(
                f"the request was made of {asked!r}; {event.actor} may not answer it",
                field="actor",
            )
    requests = tuple(replace(r, answered=event.index) if r is found else r for r in case.requests)
    return _step(replace(case, requests=requests), event, case.state)


def _reply_requested(
    case: Case,
    event: Event,
    body: ce.ReplyRequested,
    agreement: Agreement | None,
    strict: bool,
) -> Case:
    if strict:
        _require_state(case, {CaseState.INVESTIGATING}, "put to the accused party for reply")
        if case.kind is not CaseKind.ALLEGATION:
            raise Conflict(
                "a compliance claim has no accused party to reply; propose the finding",
                field="body.case",
            )
        assert agreement is not None
        due = reply_due(event.time, agreement)
        if body.due != due:
            raise InvalidInput(
                f"the agreement gives the accused party "
                f"{agreement.verification.reply_window_hours} hours: due {iso_time(due)}, "
                f"found {iso_time(body.due)}",
                field="body.due",
            )
    window = ReplyWindow(event.index, body.due)
    return _step(replace(case, windows=(*case.windows, window)), event, CaseState.AWAITING_REPLY)


def reply_due(asked: datetime, agreement: Agreement) -> datetime:
    """When the accused party's reply is due, asked at ``asked``."""
    return asked + timedelta(hours=agreement.verification.reply_window_hours)


def _replied(case: Case, event: Event, body: ce.Submission, strict: bool) -> Case:
    window = case.window
    if strict:
        if case.state is not CaseState.AWAITING_REPLY or window is None:
            raise Conflict(
                f"case {case.id} is {case.state}: no reply is awaited", field="body.case"
            )
        if event.affiliation != case.opened.party:
            raise PermissionDenied(
                f"the reply in case {case.id} is {case.opened.party}'s; "
                f"{event.actor} acts for {event.affiliation or 'no party'}",
                field="actor",
            )
        if window.replied is not None:
            raise Conflict(
                f"{case.opened.party} replied at index {window.replied}", field="body.case"
            )
        if event.time > window.due:
            raise Conflict(
                f"the reply window closed at {iso_time(window.due)}; a reply at "
                f"{iso_time(event.time)} is late (the missed deadline is on record)",
                field="time",
            )
    if window is None or window.replied is not None or event.time > window.due:
        return _step(case, event, case.state)
    replied = replace(window, replied=event.index, position=body.position)
    return _step(replace(case, windows=(*case.windows[:-1], replied)), event, case.state)


def _proposed(
    case: Case,
    event: Event,
    body: ce.FindingProposed,
    agreement: Agreement | None,
    strict: bool,
    role: str | None,
) -> Case:
    if strict:
        assert agreement is not None
        _check_may_propose(case, event, agreement, role)
        _check_finding(case, body, agreement)
    proposal = Proposal(event.id, event.index, event.actor, event.time, body)
    return _step(replace(case, proposal=proposal), event, CaseState.FINDING_PROPOSED)


def _check_may_propose(case: Case, event: Event, agreement: Agreement, role: str | None) -> None:
    if role == "monitor" and not agreement.verification.monitors_may_propose:
        raise PermissionDenied(
            "the agreement lets only mediators propose findings (monitors_may_propose = false)",
            field="actor",
        )
    if case.state is CaseState.FINDING_PROPOSED:
        return  # a new proposal replaces the one before, whose signatures lapse
    if case.kind is CaseKind.COMPLIANCE_CLAIM and case.state is CaseState.INVESTIGATING:
        return
    window = case.window
    if case.state is not CaseState.AWAITING_REPLY or window is None:
        raise Conflict(
            f"case {case.id} is {case.state}: a finding on an allegation is proposed after the "
            "accused party was asked to reply",
            field="body.case",
        )
    if window.replied is None and event.time <= window.due:
        raise Conflict(
            f"{case.opened.party} may reply until {iso_time(window.due)}: a finding waits for its "
            "reply or for the window to close",
            field="body.case",
        )


def _check_finding(case: Case, body: ce.FindingProposed, agreement: Agreement) -> None:
    rules = agreement.verification
    if body.confidence not in rules.standards:
        raise InvalidInput(
            f"unknown standard {body.confidence!r}; the agreement's are "
            f"{', '.join(rules.standards)}",
            field="body.confidence",
        )
    if body.party is not None:
        _known(agreement.party, body.party, "body.party")
    for i, act in enumerate(body.acts):
        _known(agreement.act, act, f"body.acts[{i}]")
    for i, clause in enumerate(body.clauses):
        _known(agreement.clause, clause, f"body.clauses[{i}]")
    establishes = rules.meets(body.confidence) and body.attribution in ATTRIBUTING
    if case.kind is CaseKind.ALLEGATION and establishes and not body.clauses:
        raise InvalidInput(
            "a finding that establishes a violation names the clauses violated",
            field="body.clauses",
        )
    if case.kind is CaseKind.COMPLIANCE_CLAIM and (body.acts or body.clauses):
        raise InvalidInput(
            "a finding on a compliance claim verifies a step; it names no acts or clauses",
            field="body.acts" if body.acts else "body.clauses",
        )


def _signed(
    case: Case, event: Event, body: ce.Signed, agreement: Agreement | None, strict: bool
) -> Case:
    proposal = case.proposal
    if strict:
        assert agreement is not None
        if case.state is not CaseState.FINDING_PROPOSED or proposal is None:
            raise Conflict(f"case {case.id} is {case.state}: no finding to sign", field="body.case")
        if body.target != proposal.id:
            raise Conflict(
                f"finding {body.target} is not case {case.id}'s current proposal "
                f"({proposal.id}, index {proposal.index})",
                field="body.finding",
            )
        check_signatory(event, agreement, [s.signatory for s in proposal.signatures], "finding")
    if proposal is None or body.target != proposal.id or event.affiliation is None:
        return _step(case, event, case.state)
    signature = Signature(event.affiliation, event.actor, event.index, body.concurs, body.note)
    signed = replace(proposal, signatures=(*proposal.signatures, signature))
    return _step(replace(case, proposal=signed), event, case.state)


def check_signatory(event: Event, agreement: Agreement, signed: list[str], what: str) -> None:
    """A mediator signs a finding or a penalty once, for the mediator it acts for."""
    mediators = agreement.verification.mediators
    if event.affiliation not in mediators:
        raise PermissionDenied(
            f"{event.actor} acts for {event.affiliation or 'no one'}: only the mediators "
            f"{', '.join(mediators)} sign a {what}",
            field="actor",
        )
    if event.affiliation in signed:
        raise Conflict(f"{event.affiliation} has already signed this {what}", field="actor")


def _issued(
    case: Case, event: Event, body: ce.FindingIssued, agreement: Agreement | None, strict: bool
) -> Case:
    proposal = case.proposal
    if strict:
        assert agreement is not None
        if case.state is not CaseState.FINDING_PROPOSED or proposal is None:
            raise Conflict(
                f"case {case.id} is {case.state}: no finding to issue", field="body.case"
            )
        if body.finding != proposal.id:
            raise Conflict(
                f"finding {body.finding} is not case {case.id}'s current proposal ({proposal.id})",
                field="body.finding",
            )
        check_quorum(proposal.signatures, agreement, "finding")
    if proposal is None or body.finding != proposal.id:
        return _step(case, event, case.state)
    issued = replace(proposal, issued_at=event.index, issued_time=event.time)
    return _step(
        replace(case, proposal=None, issued=(*case.issued, issued)), event, CaseState.ISSUED
    )


def check_quorum(signatures: tuple[Signature, ...], agreement: Agreement, what: str) -> None:
    """Refuse a finding or penalty short of the agreement's quorum of concurring mediators."""
    rules = agreement.verification
    concurring = [s for s in signatures if s.concurs]
    if len(concurring) >= rules.quorum:
        return
    said = ", ".join(
        f"{s.signatory} {'concurs' if s.concurs else 'dissents'} (index {s.index})"
        for s in signatures
    )
    missing = [m for m in rules.mediators if m not in {s.signatory for s in signatures}]
    raise Conflict(
        f"short of the quorum: the agreement needs {rules.quorum} of "
        f"{', '.join(rules.mediators)} to concur, {len(concurring)} did"
        + (f" ({said})" if said else "")
        + (f"; not yet signed: {', '.join(missing)}" if missing else ""),
        field="body",
    )


def _require_state(case: Case, states: frozenset[CaseState] | set[CaseState], what: str) -> None:
    if case.state not in states:
        allowed = ", ".join(sorted(states))
        raise Conflict(
            f"case {case.id} is {case.state}: it can be {what} only when {allowed}",
            field="body.case",
        )


def _require_future(due: datetime, now: datetime, where: str) -> None:
    if due <= now:
        raise InvalidInput(f"the deadline {iso_time(due)} has passed already", field=where)


def _known(find: Callable[[str], T], key: str, where: str) -> T:
    """``find(key)``, an id the agreement must know, refused as input at ``where``."""
    try:
        return find(key)
    except NotFound as exc:
        raise InvalidInput(exc.message, field=where) from exc


def _step(case: Case, event: Event, state: CaseState) -> Case:
    step = Step(event.index, event.type, event.actor, event.time, state)
    return replace(case, state=state, steps=(*case.steps, step))
