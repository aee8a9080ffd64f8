"""The casework fold: cases, penalties, meetings and the reports they judge, from the log.

``fold(agreement, entries, as_of)`` replays the public events up to ``as_of`` into a
:class:`Casework`; :meth:`Casework.facts` gives what enforcement counts, and
:func:`evaluate` — ``evaluate(agreement, entries, as_of)`` — what enforcement concludes. Both
are pure: the same entries and ``as_of`` give the same result, wherever they are computed.

The service admits each new event by folding the record so far *strictly* (``strict=True``),
which refuses what the state machines forbid with the reason; a replay trusts the events,
which were checked when they were admitted (``verify`` checks their signatures and keys; a
party's witness may refold them strictly to check the rules too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from ceasefire.domain import casework_events as ce
from ceasefire.domain import events
from ceasefire.domain import meetings as mt
from ceasefire.domain import penalties as pn
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.cases import Case, CaseState, Event, open_case, transition
from ceasefire.domain.enforcement import Evaluation, assess
from ceasefire.domain.facts import (
    Allegation,
    CaseKind,
    Claim,
    DeadlineSet,
    Facts,
    ImposedPenalty,
    ReplyRequest,
)
from ceasefire.domain.projection import Entry
from ceasefire.errors import Conflict, InvalidInput, NotFound

OPEN_STATES = frozenset(
    {
        CaseState.OPENED,
        CaseState.INVESTIGATING,
        CaseState.AWAITING_REPLY,
        CaseState.FINDING_PROPOSED,
    }
)


def parse_time(text: str) -> datetime:
    """An envelope's time (``…Z``) as an aware UTC datetime."""
    return datetime.fromisoformat(text)


class Casework:
    """Cases, penalties and meetings, and the public reports they judge, as folded so far."""

    def __init__(self, agreement: Agreement | None = None, *, strict: bool = False) -> None:
        self.agreement = agreement
        self.strict = strict
        self.cases: dict[str, Case] = {}
        self.penalties: dict[str, pn.Penalty] = {}
        self.meetings: dict[str, mt.Meeting] = {}
        self.decided_penalties: list[ImposedPenalty] = []
        self.deadlines: list[DeadlineSet] = []
        self.agreement_index: int | None = None
        self._allegations: dict[str, Allegation] = {}
        self._claims: dict[str, Claim] = {}
        self._sealed: dict[str, tuple[int, str, str | None]] = {}

    def copy(self) -> Casework:
        """A copy that folds on independently: applying entries to it leaves this one as it
        is. The tables are copied; their values (cases, penalties, meetings, facts) are
        frozen, so they are shared."""
        other = Casework(self.agreement, strict=self.strict)
        other.cases = dict(self.cases)
        other.penalties = dict(self.penalties)
        other.meetings = dict(self.meetings)
        other.decided_penalties = list(self.decided_penalties)
        other.deadlines = list(self.deadlines)
        other.agreement_index = self.agreement_index
        other._allegations = dict(self._allegations)
        other._claims = dict(self._claims)
        other._sealed = dict(self._sealed)
        return other

    # -- folding ----------------------------------------------------------------------------

    def apply(self, entry: Entry, role: str | None = None) -> None:
        """Fold one entry in (``role``: the signer's, for the rules that depend on it)."""
        if entry.type in ce.CASEWORK_TYPES:
            if entry.body is None:
                if self.strict:
                    raise InvalidInput(f"a {entry.type} event must be public", field="commitment")
                return
            body = ce.PARSERS[entry.type](entry.body)
            event = Event(
                entry.index,
                entry.id,
                entry.type,
                entry.actor,
                entry.affiliation,
                parse_time(entry.time),
                body,
            )
            self._casework(event, role)
        elif entry.type == events.AGREEMENT_PROPOSED and entry.body is not None:
            if self.agreement is not None and entry.body.get("version") == self.agreement.version:
                self.agreement_index = entry.index
        elif entry.type.startswith("report."):
            self._report(entry)

    def _casework(self, event: Event, role: str | None) -> None:
        body = event.body
        if isinstance(body, ce.CaseOpened):
            if self.strict:
                self._refuse_second_case(body)
            self.cases[event.id] = open_case(event, self.agreement, self.strict)
        elif event.type in ce.CASE_TYPES:
            case = self._find(self.cases, _field(body, "case"), "case", "body.case")
            if case is not None:
                self.cases[case.id] = transition(
                    case, event, self.agreement, strict=self.strict, role=role
                )
        elif isinstance(body, ce.PenaltyProposed):
            self.penalties[event.id] = pn.propose(
                event,
                self.agreement,
                self.strict,
                cases=self.cases,
                earlier=self.penalties.values(),
            )
        elif event.type in ce.PENALTY_TYPES:
            penalty = self._find(self.penalties, _field(body, "penalty"), "penalty", "body.penalty")
            if penalty is not None:
                self.penalties[penalty.id] = pn.record(
                    penalty, event, self.agreement, strict=self.strict
                )
        elif isinstance(body, ce.MeetingScheduled):
            if self.strict and body.meeting in self.meetings:
                raise Conflict(
                    f"meeting {body.meeting!r} was scheduled at index "
                    f"{self.meetings[body.meeting].index}",
                    field="body.meeting",
                )
            self.meetings[body.meeting] = mt.schedule(event)
        else:
            meeting = self._find(self.meetings, _field(body, "meeting"), "meeting", "body.meeting")
            if meeting is not None:
                after = mt.record(meeting, event, self.agreement, strict=self.strict)
                self.meetings[meeting.id] = after
                if isinstance(body, ce.DecisionRecorded):
                    self._take_effect(after, body.decision, event)

    def _refuse_second_case(self, opened: ce.CaseOpened) -> None:
        for case in self.cases.values():
            shared = set(case.opened.reports) & set(opened.reports)
            if shared and case.state in OPEN_STATES:
                raise Conflict(
                    f"report {sorted(shared)[0]} is already under verification in case "
                    f"{case.id} (opened at index {case.index}, {case.state})",
                    field="body.reports",
                )

    def _take_effect(self, meeting: mt.Meeting, decision_id: str, event: Event) -> None:
        decision = meeting.decision(decision_id)
        if decision is None:
            # Folded as of a moment, a record can come without its proposal when the entries'
            # times run out of their order in the log: a decision not proposed has no effect.
            return
        match decision.proposed.effect:
            case ce.Impose(party, level):
                self.decided_penalties.append(
                    ImposedPenalty(event.id, party, level, event.index, event.time)
                )
            case ce.Lift(penalty_id):
                if penalty_id in self.penalties:
                    self.penalties[penalty_id] = pn.lift(self.penalties[penalty_id], event.index)
                self.decided_penalties = [
                    replace(p, lifted_at=event.index)
                    if p.penalty == penalty_id and p.lifted_at is None
                    else p
                    for p in self.decided_penalties
                ]
            case ce.SetDeadline(commitment, due):
                self.deadlines.append(DeadlineSet(commitment, due, event.time.date(), event.index))

    def _find(self, table: Mapping[str, Any], key: str, what: str, where: str) -> Any:
        found = table.get(key)
        if found is None and self.strict:
            raise NotFound(f"no {what} {key} in the record", field=where)
        return found

    # -- reports ----------------------------------------------------------------------------

    def _report(self, entry: Entry) -> None:
        """Public reports become facts; a confidential one becomes one when disclosed."""
        body = entry.body
        if entry.type == events.REPORT_SUBMITTED:
            if body is None:
                self._sealed[entry.id] = (entry.index, entry.time, entry.affiliation)
            else:
                self._add(entry.id, entry.index, entry.time, entry.affiliation, body)
        elif entry.type == events.REPORT_CORRECTED:
            if body is None:
                self._sealed[entry.id] = (entry.index, entry.time, entry.affiliation)
            else:
                self._drop(str(body["corrects"]))
                self._add(entry.id, entry.index, entry.time, entry.affiliation, body["report"])
        elif entry.type == events.REPORT_WITHDRAWN and body is not None:
            self._drop(str(body["report"]))
            self._sealed.pop(str(body["report"]), None)
        elif entry.type == events.REPORT_DISCLOSED and body is not None:
            report = str(body["report"])
            content = body["body"]
            sealed = self._sealed.pop(report, None)
            if sealed is None:
                return
            if "corrects" in content:
                self._drop(str(content["corrects"]))
                content = content["report"]
            self._add(report, *sealed, content)

    def add_report(self, fact: Allegation | Claim) -> None:
        """A report fact read from the stored read model rather than folded from its entry."""
        if isinstance(fact, Allegation):
            self._allegations[fact.report] = fact
        else:
            self._claims[fact.report] = fact

    def _add(
        self,
        report: str,
        index: int,
        time: str,
        affiliation: str | None,
        content: Mapping[str, Any],
    ) -> None:
        kind = content.get("kind")
        dates = content.get("dates") or {}
        if kind == "allegation":
            self._allegations[report] = Allegation(
                report=report,
                index=index,
                act=str(content["act"]),
                party=str(content["alleged_party"]),
                day=date.fromisoformat(str(dates["start"])[:10]),
                sector=(content.get("location") or {}).get("sector"),
            )
        elif kind == "compliance_claim" and affiliation is not None:
            self._claims[report] = Claim(
                report=report,
                index=index,
                party=affiliation,
                commitment=str(content["commitment"]),
                step=str(content["step"]),
                submitted=parse_time(time),
            )

    def _drop(self, report: str) -> None:
        self._allegations.pop(report, None)
        self._claims.pop(report, None)

    # -- what it establishes ----------------------------------------------------------------

    def facts(self) -> Facts:
        resolved: dict[str, int] = {}
        verdicts: dict[str, tuple[bool, int]] = {}
        findings = []
        replies = []
        for case in sorted(self.cases.values(), key=lambda c: c.index):
            issued = case.issued_findings()
            findings.extend(issued)
            if case.state is CaseState.CLOSED and not issued:  # dismissed without a finding
                for report in case.opened.reports:
                    resolved[report] = case.steps[-1].index
            if issued and self.agreement is not None:
                latest = issued[-1]
                for report in case.opened.reports:
                    resolved[report] = latest.index
                    if case.kind is CaseKind.COMPLIANCE_CLAIM:
                        met = self.agreement.verification.meets(latest.confidence)
                        verdicts[report] = (met, latest.index)
            for window in case.windows:
                replies.append(
                    ReplyRequest(
                        case.id, case.opened.party, window.index, window.due, window.replied
                    )
                )
        # most allegations are open: the stored fact is already the answer, so none is rebuilt
        allegations = tuple(
            a
            if a.resolved_at == resolved.get(a.report)
            else replace(a, resolved_at=resolved.get(a.report))
            for a in sorted(self._allegations.values(), key=lambda a: a.index)
        )
        claims = tuple(
            replace(c, verified=verdicts[c.report][0], decided_at=verdicts[c.report][1])
            if c.report in verdicts
            else c
            for c in sorted(self._claims.values(), key=lambda c: c.index)
        )
        imposed = [p.fact() for p in self.penalties.values()]
        penalties = sorted(
            [p for p in imposed if p is not None] + self.decided_penalties, key=lambda p: p.index
        )
        return Facts(
            allegations=allegations,
            claims=claims,
            findings=tuple(sorted(findings, key=lambda f: f.index)),
            reply_requests=tuple(replies),
            penalties=tuple(penalties),
            deadlines=tuple(self.deadlines),
            agreement_index=self.agreement_index,
        )


def fold(
    agreement: Agreement | None, entries: Iterable[Entry], as_of: datetime | None = None
) -> Casework:
    """The casework of ``entries`` (those up to ``as_of``), trusting that they were admitted."""
    casework = Casework(agreement)
    for entry in entries:
        if as_of is not None and parse_time(entry.time) > as_of:
            continue
        casework.apply(entry)
    return casework


def evaluate(agreement: Agreement, entries: Iterable[Entry], as_of: datetime) -> Evaluation:
    """What enforcement concludes from ``entries`` as of ``as_of``, with its explanations."""
    return assess(agreement, fold(agreement, entries, as_of).facts(), as_of)


def agenda(casework: Casework, evaluation: Evaluation) -> tuple[ce.AgendaItem, ...]:
    """A meeting's agenda, drawn from the record: open cases, pending replies, overdue and
    breached commitments, penalties awaiting signature."""
    items: list[ce.AgendaItem] = []
    for case in sorted(casework.cases.values(), key=lambda c: c.index):
        window = case.window
        if case.state is CaseState.AWAITING_REPLY and window and window.replied is None:
            due = window.due.strftime("%Y-%m-%d %H:%M UTC")
            text = f"{case.opened.title}: {case.opened.party}'s reply due {due}"
            items.append(ce.AgendaItem("reply", case.id, text))
        elif case.state in OPEN_STATES:
            items.append(ce.AgendaItem("case", case.id, f"{case.opened.title} ({case.state})"))
    for status in evaluation.commitments:
        if str(status.status) in ("overdue", "breached"):
            items.append(
                ce.AgendaItem("commitment", status.id, f"commitment {status.id} is {status.status}")
            )
    for penalty in sorted(casework.penalties.values(), key=lambda p: p.index):
        if penalty.imposed_at is None and penalty.lifted_at is None:
            items.append(
                ce.AgendaItem(
                    "penalty",
                    penalty.id,
                    f"step {penalty.level} proposed for {penalty.party}, awaiting signatures",
                )
            )
    return tuple(items)


def _field(body: object, name: str) -> str:
    return str(getattr(body, name if hasattr(body, name) else "subject"))
