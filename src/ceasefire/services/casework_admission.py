"""Admitting the events of verification and enforcement.

The rules of cases, findings, penalties and meetings live in the domain's state machines
(``domain.cases``, ``domain.penalties``, ``domain.meetings``): admission folds the record's
casework so far and applies the new event *strictly*, so a forbidden transition, a finding
short of its quorum or a late reply is refused with its reason and leaves the log untouched.
What needs the rest of the record is checked here: the policy, the agreement in force, that
the reports and files an event cites exist and are visible to its signer, that a case says of
its report what the report says, that the ladder supports a proposed penalty, that an amending
decision names an adopted version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from ceasefire.domain import casework_events as ce
from ceasefire.domain import projection as pj
from ceasefire.domain.actors import Actor, Role
from ceasefire.domain.adoption import adoptions
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.casework import Casework, parse_time
from ceasefire.domain.enforcement import assess
from ceasefire.domain.facts import Allegation, CaseKind, Claim
from ceasefire.domain.penalties import check_step
from ceasefire.domain.policy import Action, require
from ceasefire.errors import Conflict, InvalidInput, NotFound
from ceasefire.log.keyring import Keyring
from ceasefire.services.ports import Row

if TYPE_CHECKING:
    from ceasefire.services.record import Admission

ACTIONS: Final = {
    ce.CASE_OPENED: Action.OPEN_CASE,
    ce.CASE_ASSIGNED: Action.WORK_CASE,
    ce.INFORMATION_REQUESTED: Action.WORK_CASE,
    ce.INFORMATION_PROVIDED: Action.PROVIDE_INFORMATION,
    ce.REPLY_REQUESTED: Action.WORK_CASE,
    ce.CASE_REPLIED: Action.REPLY,
    ce.CASE_CLOSED: Action.WORK_CASE,
    ce.CASE_REOPENED: Action.WORK_CASE,
    ce.FINDING_PROPOSED: Action.PROPOSE_FINDING,
    ce.FINDING_SIGNED: Action.SIGN_FINDING,
    ce.FINDING_ISSUED: Action.ISSUE_FINDING,
    ce.PENALTY_PROPOSED: Action.PROPOSE_PENALTY,
    ce.PENALTY_SIGNED: Action.SIGN_PENALTY,
    ce.PENALTY_NOTIFIED: Action.RECORD_PENALTY,
    ce.PENALTY_EXECUTED: Action.RECORD_PENALTY,
    ce.PENALTY_APPEALED: Action.APPEAL_PENALTY,
    ce.APPEAL_DECIDED: Action.DECIDE_APPEAL,
    ce.MEETING_SCHEDULED: Action.RUN_MEETING,
    ce.MEETING_ATTENDED: Action.RUN_MEETING,
    ce.DECISION_PROPOSED: Action.RUN_MEETING,
    ce.DECISION_SIGNED: Action.SIGN_DECISION,
    ce.DECISION_RECORDED: Action.RUN_MEETING,
}
"""The policy action each casework event takes."""


def casework_entry(row: Row) -> pj.Entry:
    """A stored casework row as the entry it was projected from."""
    return pj.Entry(
        index=row["idx"],
        id=row["id"],
        type=row["type"],
        actor=row["actor"],
        affiliation=row["affiliation"],
        time=row["time"],
        body=json.loads(row["body"]),
    )


def report_facts(rows: Iterable[Row]) -> list[Allegation | Claim]:
    """The public, active reports among stored report rows, as enforcement counts them (the
    same facts ``domain.casework`` folds from the report events)."""
    facts: list[Allegation | Claim] = []
    for row in rows:
        public = not row["confidential"] or row["disclosed_at"] is not None
        if row["status"] != pj.ACTIVE or not public:
            continue
        if row["kind"] == "allegation":
            facts.append(
                Allegation(
                    report=row["id"],
                    index=row["idx"],
                    act=row["act"],
                    party=row["alleged_party"],
                    day=date.fromisoformat(row["start_date"][:10]),
                    sector=row["sector"],
                )
            )
        elif row["kind"] == "compliance_claim" and row["affiliation"] is not None:
            facts.append(
                Claim(
                    report=row["id"],
                    index=row["idx"],
                    party=row["affiliation"],
                    commitment=row["commitment"],
                    step=row["step"],
                    submitted=parse_time(row["time"]),
                )
            )
    return facts


class CaseworkAdmission:
    """The casework part of one batch's admission: the record's casework is folded once, and
    each admitted event of the batch is applied to it in turn."""

    def __init__(self, admission: Admission, keyring: Keyring) -> None:
        self._admission = admission
        self._keyring = keyring
        self._casework: Casework | None = None
        self._agreement: Agreement | None = None

    def check(self, entry: pj.Entry, actor: Actor, content: Any) -> None:
        require(actor, ACTIONS[entry.type])
        adoption = self._admission.in_force()
        if adoption is None:
            raise Conflict(
                "no version of the agreement is in force yet: casework follows the adopted "
                "agreement",
                field="type",
            )
        casework = self._fold(adoption.proposal.agreement)
        body = ce.PARSERS[entry.type](content)
        self._cross_check(entry, actor, body, casework)
        casework.strict = True
        try:
            casework.apply(entry, role=actor.role)
        finally:
            casework.strict = False

    def _fold(self, agreement: Agreement) -> Casework:
        if self._casework is None or self._agreement is not agreement:
            # The stored casework and this batch's (a version adopted mid-batch refolds both).
            rows = [*self._admission.view.all_rows(pj.CASEWORK), *self._admission.batch_rows()]
            casework = Casework(agreement)
            for row in sorted(rows, key=lambda r: r["idx"]):
                casework.apply(casework_entry(row))
            self._casework, self._agreement = casework, agreement
        return self._casework

    # -- what needs the rest of the record --------------------------------------------------

    def _cross_check(self, entry: pj.Entry, actor: Actor, body: object, casework: Casework) -> None:
        match body:
            case ce.CaseOpened():
                for i, report in enumerate(body.reports):
                    row = self._admission.report(report, f"body.reports[{i}]", actor)
                    _check_case_matches(body, row, f"body.reports[{i}]")
            case ce.CaseAssigned():
                if not any(k.role == Role.MONITOR for k in self._keyring.keys_of(body.monitor)):
                    raise NotFound(f"no monitor {body.monitor!r} is enrolled", field="body.monitor")
            case ce.InformationRequested():
                agreement = casework.agreement
                assert agreement is not None
                if body.of not in agreement.signatories() and not self._keyring.keys_of(body.of):
                    raise NotFound(
                        f"{body.of!r} is neither a party, a mediator nor an enrolled actor",
                        field="body.of",
                    )
            case ce.Submission() | ce.FindingProposed():
                self._cited(body.reports, body.evidence, actor)
            case ce.PenaltyProposed():
                self._supported(entry, body, casework)
            case ce.DecisionProposed() if isinstance(body.effect, ce.Amend):
                self._amends(body.effect, adopted_only=False)
            case ce.DecisionRecorded():
                meeting = casework.meetings.get(body.meeting)
                decision = meeting.decision(body.decision) if meeting else None
                if decision is not None and isinstance(decision.proposed.effect, ce.Amend):
                    self._amends(decision.proposed.effect, adopted_only=True)

    def _cited(self, reports: tuple[str, ...], files: tuple[str, ...], actor: Actor) -> None:
        for i, report in enumerate(reports):
            self._admission.report(report, f"body.reports[{i}]", actor)
        for i, sha256 in enumerate(files):
            if not self._admission.may_see_evidence(actor, sha256):
                raise NotFound(f"no evidence {sha256} in the locker", field=f"body.evidence[{i}]")

    def _supported(self, entry: pj.Entry, body: ce.PenaltyProposed, casework: Casework) -> None:
        """The ladder must put the party on the step proposed (or higher), as of now."""
        agreement = casework.agreement
        assert agreement is not None
        check_step(agreement, body.party, body.level, "body")
        for fact in report_facts(self._admission.report_rows()):
            casework.add_report(fact)
        evaluation = assess(agreement, casework.facts(), parse_time(entry.time))
        standing = evaluation.party(body.party)
        if standing.step < body.level:
            raise Conflict(
                f"the penalty ladder does not support step {body.level} for {body.party}: it "
                f"stands on step {standing.step} as of {entry.time} (ceasefire status explains "
                "why)",
                field="body.level",
            )

    def _amends(self, effect: ce.Amend, *, adopted_only: bool) -> None:
        proposals = self._admission.proposals()
        proposal = next((p for p in proposals if p.version == effect.version), None)
        if proposal is None or proposal.digest != effect.digest:
            raise NotFound(
                f"no version {effect.version} with digest {effect.digest} was proposed",
                field="body.effect.amend",
            )
        if adopted_only:
            adopted = adoptions(proposals, self._admission.signatures())
            if not any(a.proposal.version == effect.version for a in adopted):
                raise Conflict(
                    f"version {effect.version} is not adopted yet: every party and mediator "
                    "signs it (ceasefire agreement sign) before the decision is recorded",
                    field="body.decision",
                )


def _check_case_matches(opened: ce.CaseOpened, row: Row, where: str) -> None:
    """A case states in public what its report says; they must agree."""
    is_act = row["kind"] in ("allegation", "observation")
    kind = CaseKind.ALLEGATION if is_act else CaseKind.COMPLIANCE_CLAIM
    if row["status"] != pj.ACTIVE:
        raise Conflict(f"report {row['id']} is {row['status']}", field=where)
    party = row["alleged_party"] if kind is CaseKind.ALLEGATION else row["affiliation"]
    expected = {
        "kind": kind.value,
        "party": party,
        "act": row["act"],
        "commitment": row["commitment"],
        "day": date.fromisoformat(row["start_date"][:10]) if row["start_date"] else None,
    }
    stated = {
        "kind": opened.kind.value,
        "party": opened.party,
        "act": opened.act,
        "commitment": opened.commitment,
        "day": opened.day,
    }
    for name, value in expected.items():
        if value is not None and stated[name] != value:
            raise InvalidInput(
                f"report {row['id']} says {name} {value}, the case says {stated[name]}",
                field=f"body.{name}",
            )
