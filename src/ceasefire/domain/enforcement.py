"""Enforcement: the agreement's rules applied to the facts of the record, as of a moment.

:func:`assess` is a pure function (design idea 2): the same agreement, facts and moment give
an equal :class:`Evaluation` and byte-identical JSON, so the operator, each party's witness and
any observer compute the same status. It runs in the order the rules depend on each other:

1. each commitment is judged (:mod:`ceasefire.domain.enforcement_commitments`): met, due,
   overdue or breached, with its missed deadlines;
2. the ledger gathers, per party, what the condition language counts
   (:mod:`ceasefire.domain.enforcement_counts`): verified violations, open allegations, missed
   deadlines, breached commitments, missed replies;
3. the penalty ladder gives each party its step (the highest whose condition holds); the
   ladder may not count steps, so it needs only the ledger;
4. the status rules, read in order, give the ceasefire's status and each party's; they may
   count penalty steps.

Every figure carries an :class:`Explanation` citing the log indices it rests on
(:mod:`ceasefire.domain.enforcement_explain`), and the evaluation names the agreement version
it applied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from ceasefire.domain.agreement_conditions import Metric, Status
from ceasefire.domain.agreements import Agreement, StatusRule
from ceasefire.domain.enforcement_commitments import (
    CommitmentRecord,
    CommitmentState,
    CommitmentStatus,
    judge_commitments,
)
from ceasefire.domain.enforcement_counts import Ledger, Step, evaluate
from ceasefire.domain.enforcement_explain import (
    Counted,
    Explanation,
    as_of_time,
    cite,
    document,
    iso_time,
    to_millisecond,
    write_json,
)
from ceasefire.domain.facts import Facts, ImposedPenalty
from ceasefire.errors import InvalidInput, NotFound

__all__ = [
    "CommitmentState",
    "CommitmentStatus",
    "Evaluation",
    "Explanation",
    "PartyStanding",
    "PartyStatus",
    "assess",
]


@dataclass(frozen=True)
class PartyStanding:
    """One party's figures: whole counts (no window), its step on the ladder (0: none) and the
    highest step imposed on it and not lifted (0: none). ``explanation`` has one child per
    figure, in this order."""

    party: str
    verified_violations: int
    alleged_violations: int
    replies_missed: int
    commitments_overdue: int
    commitments_breached: int
    step: int
    step_name: str | None
    imposed: int
    imposed_name: str | None
    explanation: Explanation

    def to_document(self) -> dict[str, Any]:
        found: dict[str, Any] = document(self.parts())
        return found

    def parts(self) -> dict[str, Any]:
        """The document with its explanation not yet written (:func:`document`,
        :func:`write_json`)."""
        return {
            "party": self.party,
            "verified_violations": self.verified_violations,
            "alleged_violations": self.alleged_violations,
            "replies_missed": self.replies_missed,
            "commitments_overdue": self.commitments_overdue,
            "commitments_breached": self.commitments_breached,
            "step": self.step,
            "step_name": self.step_name,
            "imposed": self.imposed,
            "imposed_name": self.imposed_name,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class PartyStatus:
    """The status the rules give judging one party's conduct alone: the first rule that holds
    for it (``rule`` its position in ``status_rules``), or holding."""

    party: str
    status: Status
    declared_by: str | None
    reason: str | None
    rule: int | None
    explanation: Explanation

    def to_document(self) -> dict[str, Any]:
        found: dict[str, Any] = document(self.parts())
        return found

    def parts(self) -> dict[str, Any]:
        """The document with its explanation not yet written."""
        return {
            "party": self.party,
            "status": self.status.value,
            "declared_by": self.declared_by,
            "reason": self.reason,
            "rule": self.rule,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class Evaluation:
    """The ceasefire as of ``as_of`` under one agreement version: its status (from the first
    status rule that holds, ``rule`` its position; holding when none does), the party that rule
    names, each party's standing and status, and each commitment's."""

    agreement: str
    version: int
    agreement_index: int | None
    as_of: datetime
    status: Status
    status_party: str | None
    declared_by: str | None
    reason: str | None
    rule: int | None
    explanation: Explanation
    parties: tuple[PartyStanding, ...]
    party_statuses: tuple[PartyStatus, ...]
    commitments: tuple[CommitmentStatus, ...]

    def party(self, id: str) -> PartyStanding:
        return _find(self.parties, id, lambda s: s.party, "party")

    def party_status(self, id: str) -> PartyStatus:
        return _find(self.party_statuses, id, lambda s: s.party, "party")

    def commitment(self, id: str) -> CommitmentStatus:
        return _find(self.commitments, id, lambda c: c.id, "commitment")

    def to_document(self) -> dict[str, Any]:
        """The evaluation as JSON-able data: dates YYYY-MM-DD, times YYYY-MM-DDTHH:MM:SSZ,
        every key present (None as null), lists in the agreement's order."""
        found: dict[str, Any] = document(self.parts())
        return found

    def to_json(self) -> str:
        """:meth:`to_document` as compact JSON (:func:`json_text` of it, character for
        character), written from each explanation's kept text: the document holds an
        explanation per open allegation, and those are the same in every evaluation."""
        return write_json(self.parts())

    def parts(self) -> dict[str, Any]:
        """The document with its explanations not yet written."""
        return {
            "agreement": self.agreement,
            "version": self.version,
            "agreement_index": self.agreement_index,
            "as_of": as_of_time(self.as_of),
            "status": self.status.value,
            "status_party": self.status_party,
            "declared_by": self.declared_by,
            "reason": self.reason,
            "rule": self.rule,
            "explanation": self.explanation,
            "parties": [p.parts() for p in self.parties],
            "party_statuses": [p.parts() for p in self.party_statuses],
            "commitments": [c.parts() for c in self.commitments],
        }


T = TypeVar("T")


def _find(items: Sequence[T], id_: str, key: Callable[[T], str], what: str) -> T:
    for item in items:
        if key(item) == id_:
            return item
    known = ", ".join(key(item) for item in items) or "none"
    raise NotFound(f"no {what} {id_!r} in this evaluation; there are {known}")


# --- the assessment ---------------------------------------------------------------------------


def assess(agreement: Agreement, facts: Facts, as_of: datetime) -> Evaluation:
    """The status of the ceasefire, each party's standing and each commitment's, as of
    ``as_of`` (an aware time; counted in UTC days), with their explanations."""
    if as_of.tzinfo is None:
        raise InvalidInput(
            f"expected a time with a time zone (UTC), found {as_of.isoformat()}", field="as_of"
        )
    moment = to_millisecond(as_of)
    records = judge_commitments(agreement, facts, moment)
    ledger = Ledger.build(
        agreement, facts, moment, _lapses(agreement, records), _breaches(agreement, records)
    )
    steps = {p.id: _ladder(agreement, ledger, p.id) for p in agreement.parties}
    ledger = replace(ledger, steps=steps)
    verdicts = _verdicts(agreement, ledger)
    overall = next((v for v in verdicts if v.holds), None)
    return Evaluation(
        agreement=agreement.id,
        version=agreement.version,
        agreement_index=facts.agreement_index,
        as_of=moment,
        status=overall.rule.status if overall else Status.HOLDING,
        status_party=overall.party if overall else None,
        declared_by=overall.rule.declared_by if overall else None,
        reason=overall.rule.reason if overall else None,
        rule=overall.position if overall else None,
        explanation=_status_node(overall, verdicts),
        parties=tuple(_standing(agreement, facts, ledger, p.id) for p in agreement.parties),
        party_statuses=tuple(_party_status(p.id, verdicts) for p in agreement.parties),
        commitments=tuple(r.status for r in records),
    )


def _lapses(
    agreement: Agreement, records: tuple[CommitmentRecord, ...]
) -> dict[str, tuple[Counted, ...]]:
    """Each party's missed deadlines, commitment by commitment in the agreement's order."""
    return {
        p.id: tuple(c for r in records if r.status.party == p.id for c in r.lapses)
        for p in agreement.parties
    }


def _breaches(
    agreement: Agreement, records: tuple[CommitmentRecord, ...]
) -> dict[str, tuple[Counted, ...]]:
    """Each party's breached commitments, in the agreement's order."""
    return {
        p.id: tuple(r.breach for r in records if r.status.party == p.id and r.breach)
        for p in agreement.parties
    }


# --- the penalty ladder -----------------------------------------------------------------------


def _ladder(agreement: Agreement, ledger: Ledger, party: str) -> Step:
    """The highest step whose condition holds for ``party``; every step is shown, held or not."""
    level, name = 0, None
    nodes: list[Explanation] = []
    for step in agreement.penalties:
        holds, tree = evaluate(step.when, party, ledger)
        verdict = "applies" if holds else "does not apply"
        nodes.append(Explanation(f"step {step.level} ({step.name}) {verdict}", holds, (), (tree,)))
        if holds:
            level, name = step.level, step.name
    summary = f"{level} ({name})" if name else "0 (no step applies)"
    text = f"penalty step of {party}: {summary}"
    return Step(level, name, Explanation(text, None, (), tuple(nodes)))


def _imposed(agreement: Agreement, facts: Facts, party: str) -> tuple[int, str | None, Explanation]:
    """The highest step imposed on ``party`` and not lifted, with every penalty imposed on it."""
    mine = sorted((p for p in facts.penalties if p.party == party), key=lambda p: p.index)
    active = [p for p in mine if p.lifted_at is None]
    top = max(active, key=lambda p: (p.level, p.index), default=None)
    names = {step.level: step.name for step in agreement.penalties}
    children = tuple(_penalty_node(p, names.get(p.level)) for p in mine)
    if top is None:
        text = f"penalty imposed on {party}: none in force"
        return 0, None, Explanation(text, None, (), children)
    name = names.get(top.level)
    text = f"penalty imposed on {party}: step {top.level}" + (f" ({name})" if name else "")
    return top.level, name, Explanation(text, None, (top.index,), children)


def _penalty_node(penalty: ImposedPenalty, name: str | None) -> Explanation:
    step = f"step {penalty.level}" + (f" ({name})" if name else "")
    text = f"penalty {penalty.penalty}: {step} imposed {iso_time(penalty.imposed)}"
    if penalty.lifted_at is not None:
        text += ", since lifted"
    return Explanation(text, penalty.lifted_at is None, cite([penalty.index, penalty.lifted_at]))


def _standing(agreement: Agreement, facts: Facts, ledger: Ledger, party: str) -> PartyStanding:
    counts = {
        metric: ledger.tally(metric, party)
        for metric in (
            Metric.VERIFIED_VIOLATIONS,
            Metric.ALLEGED_VIOLATIONS,
            Metric.REPLIES_MISSED,
            Metric.COMMITMENTS_OVERDUE,
            Metric.COMMITMENTS_BREACHED,
        )
    }
    step = ledger.steps[party]
    imposed, imposed_name, imposed_node = _imposed(agreement, facts, party)
    children = (*(node for _, node in counts.values()), step.explanation, imposed_node)
    return PartyStanding(
        party=party,
        verified_violations=counts[Metric.VERIFIED_VIOLATIONS][0],
        alleged_violations=counts[Metric.ALLEGED_VIOLATIONS][0],
        replies_missed=counts[Metric.REPLIES_MISSED][0],
        commitments_overdue=counts[Metric.COMMITMENTS_OVERDUE][0],
        commitments_breached=counts[Metric.COMMITMENTS_BREACHED][0],
        step=step.level,
        step_name=step.name,
        imposed=imposed,
        imposed_name=imposed_name,
        explanation=Explanation(f"standing of {party}", None, (), children),
    )


# --- the status -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Verdict:
    """One status rule evaluated for one party."""

    position: int
    rule: StatusRule
    party: str
    holds: bool
    tree: Explanation

    def node(self) -> Explanation:
        """The verdict as the status it gives: the rule, the party, and the condition tree."""
        head = f"status_rules[{self.position}] ({self.rule.status.value}) for {self.party}"
        if not self.holds:
            return Explanation(f"{head}: does not hold", False, (), (self.tree,))
        declared = f", as declared by {self.rule.declared_by}" if self.rule.declared_by else ""
        status = self.rule.status.value
        text = f"{status}: status_rules[{self.position}] holds for {self.party}{declared}: "
        text += self.rule.reason
        return Explanation(text, True, (), (self.tree,))


def _verdicts(agreement: Agreement, ledger: Ledger) -> tuple[_Verdict, ...]:
    """Every status rule for every party it judges, in rule order then party order: a rule
    with a ``party`` judges that party, one without judges each party in turn."""
    everyone = tuple(p.id for p in agreement.parties)
    return tuple(
        _Verdict(position, rule, party, *evaluate(rule.when, party, ledger))
        for position, rule in enumerate(agreement.status_rules)
        for party in ((rule.party,) if rule.party else everyone)
    )


def _status_node(chosen: _Verdict | None, verdicts: Sequence[_Verdict]) -> Explanation:
    """The status's explanation: the rule that holds, or every rule found not to."""
    if chosen is not None:
        return chosen.node()
    children = tuple(v.node() for v in verdicts)
    return Explanation(f"{Status.HOLDING.value}: no status rule holds", None, (), children)


def _party_status(party: str, verdicts: Sequence[_Verdict]) -> PartyStatus:
    mine = [v for v in verdicts if v.party == party]
    chosen = next((v for v in mine if v.holds), None)
    explanation = _status_node(chosen, mine)
    if chosen is None:
        return PartyStatus(party, Status.HOLDING, None, None, None, explanation)
    rule = chosen.rule
    return PartyStatus(
        party, rule.status, rule.declared_by, rule.reason, chosen.position, explanation
    )
