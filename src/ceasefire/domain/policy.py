"""Who may do and see what: the one policy function every edge calls.

``decide(actor, action, record)`` answers every question of permission in the mechanism, for
the CLI, the service's admission of events, the API and the web pages alike, so a rule is
written once. ``actor`` is None for the public (an anonymous observer).

Reading: the public record (everything not confidential, and confidential records once
disclosed) is readable by anyone. A confidential record is readable by its submitter, by the
liaison officers of the submitter's party, and by the mediators' side (mediators and
monitors). The secretariat runs the server but does not read confidential content through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ceasefire.domain.actors import Actor, Role
from ceasefire.errors import PermissionDenied


class Action(StrEnum):
    PROPOSE_AGREEMENT = "propose_agreement"
    SIGN_AGREEMENT = "sign_agreement"
    SUBMIT_ALLEGATION = "submit_allegation"
    SUBMIT_COMPLIANCE_CLAIM = "submit_compliance_claim"
    SUBMIT_OBSERVATION = "submit_observation"
    """File what an open source or a dataset recorded (an importer brings datasets in)."""
    CORRECT_REPORT = "correct_report"
    WITHDRAW_REPORT = "withdraw_report"
    DISCLOSE_REPORT = "disclose_report"
    SUBMIT_EVIDENCE = "submit_evidence"
    RECORD_CUSTODY = "record_custody"
    OPEN_CASE = "open_case"
    WORK_CASE = "work_case"
    """Assign a case, ask for information or for the accused party's reply, close, reopen."""
    PROVIDE_INFORMATION = "provide_information"
    REPLY = "reply"
    PROPOSE_FINDING = "propose_finding"
    SIGN_FINDING = "sign_finding"
    ISSUE_FINDING = "issue_finding"
    PROPOSE_PENALTY = "propose_penalty"
    SIGN_PENALTY = "sign_penalty"
    RECORD_PENALTY = "record_penalty"
    """Record a penalty's notification or execution."""
    APPEAL_PENALTY = "appeal_penalty"
    DECIDE_APPEAL = "decide_appeal"
    RUN_MEETING = "run_meeting"
    """Schedule a meeting, record attendance, put a decision to be signed, record it."""
    SIGN_DECISION = "sign_decision"
    LINK_INCIDENTS = "link_incidents"
    """Confirm, split or merge the incidents the linker formed."""
    PUBLISH_BRIEF = "publish_brief"
    """Record a published brief's digests in the log."""
    READ = "read"
    READ_SOURCES = "read_sources"
    """See withheld source identities and unblurred locations (reporter protection)."""


_DOING: Final[Mapping[Action, str]] = {
    Action.PROPOSE_AGREEMENT: "propose an agreement",
    Action.SIGN_AGREEMENT: "sign an agreement",
    Action.SUBMIT_ALLEGATION: "submit an allegation",
    Action.SUBMIT_COMPLIANCE_CLAIM: "submit a compliance claim",
    Action.SUBMIT_OBSERVATION: "submit an observation",
    Action.CORRECT_REPORT: "correct this report",
    Action.WITHDRAW_REPORT: "withdraw this report",
    Action.DISCLOSE_REPORT: "disclose this report",
    Action.SUBMIT_EVIDENCE: "submit evidence",
    Action.RECORD_CUSTODY: "record custody of evidence",
    Action.OPEN_CASE: "open a case",
    Action.WORK_CASE: "work a case (assign it, ask for information or a reply, close, reopen)",
    Action.PROVIDE_INFORMATION: "provide information to a case",
    Action.REPLY: "reply in a case",
    Action.PROPOSE_FINDING: "propose a finding",
    Action.SIGN_FINDING: "sign a finding",
    Action.ISSUE_FINDING: "issue a finding",
    Action.PROPOSE_PENALTY: "propose a penalty",
    Action.SIGN_PENALTY: "sign a penalty",
    Action.RECORD_PENALTY: "record a penalty's notice or execution",
    Action.APPEAL_PENALTY: "appeal a penalty",
    Action.DECIDE_APPEAL: "decide an appeal",
    Action.RUN_MEETING: "run a meeting",
    Action.SIGN_DECISION: "sign a meeting's decision",
    Action.LINK_INCIDENTS: "confirm, split or merge incidents",
    Action.PUBLISH_BRIEF: "publish a brief",
    Action.READ: "read this",
    Action.READ_SOURCES: "see withheld sources and unblurred places",
}
"""What each action is, in the words of a refusal ("… may not submit an allegation")."""


@dataclass(frozen=True)
class Record:
    """What the policy needs to know about the record an action touches."""

    owner: str
    owner_affiliation: str | None
    confidential: bool = False
    disclosed: bool = False

    @property
    def public(self) -> bool:
        return not self.confidential or self.disclosed


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


_MAY: Final[dict[Action, frozenset[Role]]] = {
    Action.PROPOSE_AGREEMENT: frozenset({Role.OPERATOR, Role.SECRETARIAT}),
    Action.SIGN_AGREEMENT: frozenset({Role.LIAISON, Role.MEDIATOR}),
    Action.SUBMIT_ALLEGATION: frozenset({Role.LIAISON, Role.MONITOR, Role.IMPORTER}),
    Action.SUBMIT_COMPLIANCE_CLAIM: frozenset({Role.LIAISON, Role.MONITOR}),
    Action.SUBMIT_OBSERVATION: frozenset({Role.MONITOR, Role.IMPORTER}),
    Action.SUBMIT_EVIDENCE: frozenset({Role.LIAISON, Role.MONITOR, Role.MEDIATOR}),
    Action.RECORD_CUSTODY: frozenset(
        {Role.LIAISON, Role.MONITOR, Role.MEDIATOR, Role.SECRETARIAT, Role.OPERATOR}
    ),
    Action.OPEN_CASE: frozenset({Role.MONITOR, Role.MEDIATOR, Role.SECRETARIAT, Role.OPERATOR}),
    Action.WORK_CASE: frozenset({Role.MONITOR, Role.MEDIATOR, Role.SECRETARIAT, Role.OPERATOR}),
    Action.PROVIDE_INFORMATION: frozenset({Role.LIAISON, Role.MONITOR, Role.MEDIATOR}),
    Action.REPLY: frozenset({Role.LIAISON}),
    Action.PROPOSE_FINDING: frozenset({Role.MONITOR, Role.MEDIATOR}),
    Action.SIGN_FINDING: frozenset({Role.MEDIATOR}),
    Action.ISSUE_FINDING: frozenset({Role.MEDIATOR, Role.SECRETARIAT, Role.OPERATOR}),
    Action.PROPOSE_PENALTY: frozenset({Role.MEDIATOR, Role.SECRETARIAT, Role.OPERATOR}),
    Action.SIGN_PENALTY: frozenset({Role.MEDIATOR}),
    Action.RECORD_PENALTY: frozenset({Role.MEDIATOR, Role.SECRETARIAT, Role.OPERATOR}),
    Action.APPEAL_PENALTY: frozenset({Role.LIAISON}),
    Action.DECIDE_APPEAL: frozenset({Role.MEDIATOR}),
    Action.RUN_MEETING: frozenset({Role.MEDIATOR, Role.SECRETARIAT, Role.OPERATOR}),
    Action.SIGN_DECISION: frozenset({Role.LIAISON, Role.MEDIATOR}),
    Action.LINK_INCIDENTS: frozenset({Role.MONITOR, Role.MEDIATOR, Role.SECRETARIAT}),
    Action.PUBLISH_BRIEF: frozenset({Role.SECRETARIAT, Role.OPERATOR}),
}
_OWNER_ACTIONS: Final = frozenset({Action.CORRECT_REPORT, Action.WITHDRAW_REPORT})


def decide(actor: Actor | None, action: Action, record: Record | None = None) -> Decision:
    """May ``actor`` (None: the public) take ``action`` on ``record``? With the reason why."""
    if action in (Action.READ, Action.READ_SOURCES):
        return _read(actor, action, record)
    if actor is None:
        return Decision(
            False, f"the public may only read; to {_DOING[action]} needs an enrolled actor"
        )
    if action in _OWNER_ACTIONS or action is Action.DISCLOSE_REPORT:
        return _owner_action(actor, action, _required(record, action))
    roles = _MAY[action]
    if actor.role in roles:
        return Decision(True, f"{_a(actor.role)} may {_DOING[action]}")
    return Decision(
        False, f"{actor.describe()} may not {_DOING[action]}: only {_any_of(roles)} may"
    )


def _a(role: str) -> str:
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"


def _any_of(roles: Iterable[str]) -> str:
    """``an importer, a liaison or a monitor``."""
    named = [_a(role) for role in sorted(roles)]
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} or {named[-1]}"


def require(actor: Actor | None, action: Action, record: Record | None = None) -> None:
    """Raise PermissionDenied with the policy's reason unless the action is allowed."""
    decision = decide(actor, action, record)
    if not decision:
        raise PermissionDenied(decision.reason, field="actor")


def may_read(actor: Actor | None, record: Record) -> bool:
    return decide(actor, Action.READ, record).allowed


def may_see_file(actor: Actor | None, file: Record, report: Record | None) -> bool:
    """An evidence file is seen by whoever may read its own submission and the report it
    supports (``report`` None: it supports none)."""
    return may_read(actor, file) and (report is None or may_read(actor, report))


def _required(record: Record | None, action: Action) -> Record:
    if record is None:
        raise ValueError(f"{action} is decided about a record; none given")
    return record


def _read(actor: Actor | None, action: Action, record: Record | None) -> Decision:
    record = _required(record, action)
    if action is Action.READ and record.public:
        return Decision(True, "the record is public")
    if actor is None:
        return Decision(
            False,
            "the record is confidential"
            if action is Action.READ
            else "the public sees withheld sources as withheld",
        )
    if actor.is_staff:
        return Decision(True, f"a {actor.role} sees every record")
    if _same_side(actor, record):
        return Decision(True, "the record is the actor's own or its party's")
    what = "confidential" if action is Action.READ else "protected (withheld sources)"
    return Decision(False, f"{actor.describe()} may not see this {what} record")


def _owner_action(actor: Actor, action: Action, record: Record) -> Decision:
    if _same_side(actor, record):
        return Decision(True, "the report is the actor's own or its party's")
    if action is Action.DISCLOSE_REPORT and actor.role is Role.MEDIATOR:
        return Decision(True, "a mediator may disclose a confidential report")
    return Decision(
        False,
        f"{actor.describe()} may not {_DOING[action]}: only its submitter {record.owner!r}"
        + (f" or a liaison of {record.owner_affiliation}" if record.owner_affiliation else "")
        + " may",
    )


def _same_side(actor: Actor, record: Record) -> bool:
    if actor.id == record.owner:
        return True
    return (
        actor.role is Role.LIAISON
        and record.owner_affiliation is not None
        and actor.affiliation == record.owner_affiliation
    )
