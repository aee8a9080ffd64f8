"""What the agreement's condition language counts, and whether a condition holds.

A condition (:class:`ceasefire.domain.agreement_conditions.Condition`) counts one metric for one
party, within a window of days before the moment of evaluation, narrowed to some acts or
commitments (docs/agreement-format.md §4). The :class:`Ledger` holds, for each metric and
party, the dated items that metric counts, each explained and citing the log entries it rests
on; :func:`evaluate` counts them for a condition and explains the count, and combines ``any``
and ``all``.

Which findings count is decided here once, for every metric and commitment: of a case's issued
findings only the latest stands (a reopened case is decided afresh), and a finding establishes
a violation only when it meets the agreement's standard of proof and attributes the act to a
party.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Final, assert_never

from ceasefire.domain.agreement_conditions import AllOf, AnyOf, Condition, Metric, When
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.enforcement_explain import (
    Counted,
    Explanation,
    cite,
    iso_time,
    listing,
    utc,
    utc_day,
)
from ceasefire.domain.facts import ATTRIBUTING, Allegation, CaseKind, Facts, IssuedFinding

# --- the findings that count ------------------------------------------------------------------


def standing_findings(facts: Facts) -> tuple[IssuedFinding, ...]:
    """The latest issued finding of each case, in index order: a reopened case's earlier
    finding no longer counts."""
    latest: dict[str, IssuedFinding] = {}
    for finding in sorted(facts.findings, key=lambda f: f.index):
        latest[finding.case] = finding
    return tuple(sorted(latest.values(), key=lambda f: f.index))


def meets_standard(agreement: Agreement, finding: IssuedFinding) -> bool:
    """Whether the finding meets the standard a violation needs. A confidence the agreement
    does not know (a finding judged under other terms) fails closed: it establishes nothing."""
    rules = agreement.verification
    return finding.confidence in rules.standards and rules.meets(finding.confidence)


def establishes_violation(agreement: Agreement, finding: IssuedFinding) -> bool:
    """An issued finding on an allegation, to the standard, attributing the act to a party."""
    return (
        finding.kind is CaseKind.ALLEGATION
        and finding.party is not None
        and finding.attribution in ATTRIBUTING
        and meets_standard(agreement, finding)
    )


def violations(agreement: Agreement, facts: Facts) -> tuple[IssuedFinding, ...]:
    """The standing findings that establish a violation, in index order."""
    return tuple(f for f in standing_findings(facts) if establishes_violation(agreement, f))


def finding_node(finding: IssuedFinding) -> Explanation:
    """A finding as evidence: what it found, and its index and its mediators' signatures."""
    acts = listing(finding.acts) or "no act named"
    whom = f"attributed to {finding.party}" if finding.party else "not attributed"
    text = (
        f"finding {finding.finding} in case {finding.case}, issued {iso_time(finding.issued)}: "
        f"{acts} on {finding.day}, {whom} ({finding.attribution.value}, {finding.confidence})"
    )
    return Explanation(text, None, cite([finding.index], finding.signatures))


# --- the ledger -------------------------------------------------------------------------------


OPEN_KEPT: Final = 65_536
"""Open allegations whose counted form is kept between evaluations (a few MB at most)."""

_LABELS: Final = {
    Metric.VERIFIED_VIOLATIONS: ("verified violations by {party}", " of "),
    Metric.ALLEGED_VIOLATIONS: ("open allegations against {party}", " of "),
    Metric.COMMITMENTS_OVERDUE: ("missed deadlines of {party}", " on "),
    Metric.COMMITMENTS_BREACHED: ("commitments breached by {party}", " among "),
    Metric.REPLIES_MISSED: ("replies missed by {party}", ""),
    Metric.PENALTY_STEP: ("penalty step of {party}", ""),
}


@dataclass(frozen=True)
class Step:
    """A party's place on the penalty ladder (0: no step), and why."""

    level: int
    name: str | None
    explanation: Explanation


@dataclass(frozen=True)
class Ledger:
    """Everything the condition language counts, as of ``as_of``: per (metric, party), the
    counted items in index order; ``steps`` each party's ladder step once it is computed (the
    ladder itself cannot count steps, so it is evaluated first, without them)."""

    as_of: datetime
    items: Mapping[tuple[Metric, str], tuple[Counted, ...]]
    steps: Mapping[str, Step] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        agreement: Agreement,
        facts: Facts,
        as_of: datetime,
        overdue: Mapping[str, tuple[Counted, ...]],
        breached: Mapping[str, tuple[Counted, ...]],
    ) -> Ledger:
        """The ledger of ``facts``; ``overdue`` and ``breached`` are each party's missed
        deadlines and breached commitments, computed from its commitments."""
        items: dict[tuple[Metric, str], list[Counted]] = {}
        for party in agreement.parties:
            for metric in Metric:
                items[metric, party.id] = []
            items[Metric.COMMITMENTS_OVERDUE, party.id] = list(overdue.get(party.id, ()))
            items[Metric.COMMITMENTS_BREACHED, party.id] = list(breached.get(party.id, ()))
        for key, counted in _evidence(agreement, facts, as_of):
            _add(items, key, counted)
        frozen = {key: tuple(value) for key, value in items.items()}
        return cls(as_of, frozen)

    def counted(self, metric: Metric, party: str) -> tuple[Counted, ...]:
        return self.items.get((metric, party), ())

    def tally(self, metric: Metric, party: str) -> tuple[int, Explanation]:
        """The whole count of ``metric`` for ``party``, no window, no narrowing (a metric of
        counted items: the penalty step is in :attr:`steps`)."""
        counted = self.counted(metric, party)
        label = _LABELS[metric][0].format(party=party)
        nodes = tuple(c.explanation for c in counted)
        text = f"{label}: {len(counted)}"
        return len(counted), Explanation(text, None, _indices(nodes), nodes)


def _evidence(
    agreement: Agreement, facts: Facts, as_of: datetime
) -> Iterator[tuple[tuple[Metric, str | None], Counted]]:
    """The facts' own items, each with the metric and party it counts for, in index order:
    violations established, allegations still open, replies due before ``as_of`` and missing."""
    for finding in violations(agreement, facts):
        counted = Counted(finding.day, finding.acts, finding_node(finding))
        yield (Metric.VERIFIED_VIOLATIONS, finding.party), counted
    for allegation in sorted(facts.allegations, key=lambda a: a.index):
        if allegation.resolved_at is None:
            yield (Metric.ALLEGED_VIOLATIONS, allegation.party), _open(allegation)
    for request in sorted(facts.reply_requests, key=lambda r: r.index):
        if request.replied_at is None and utc(request.due) < as_of:
            due = iso_time(request.due)
            text = f"no reply from {request.party} in case {request.case}, due {due}"
            node = Explanation(text, None, (request.index,))
            yield (Metric.REPLIES_MISSED, request.party), Counted(utc_day(request.due), (), node)


@lru_cache(maxsize=OPEN_KEPT)
def _open(allegation: Allegation) -> Counted:
    """An open allegation as counted: the same value for the same allegation in every
    evaluation, so it is made once (a status after each new report would make them all again)."""
    text = f"allegation {allegation.report}: {allegation.act} on {allegation.day}, open"
    node = Explanation(text, None, (allegation.index,))
    return Counted(allegation.day, (allegation.act,), node)


def _add(
    items: dict[tuple[Metric, str], list[Counted]],
    key: tuple[Metric, str | None],
    counted: Counted,
) -> None:
    """Count ``counted``; a party the agreement does not name has no standing to count in."""
    metric, party = key
    if party is not None and (metric, party) in items:
        items[metric, party].append(counted)


def _indices(nodes: tuple[Explanation, ...]) -> tuple[int, ...]:
    """What a count rests on: every index its items cite, however deep."""
    return cite(*(n.all_indices() for n in nodes))


# --- conditions -------------------------------------------------------------------------------


def evaluate(when: When, party: str, ledger: Ledger) -> tuple[bool, Explanation]:
    """Whether ``when`` holds for ``party``, and why; every part is evaluated, so the
    explanation shows each one, not only the first that decided."""
    match when:
        case Condition():
            return _condition(when, when.party or party, ledger)
        case AnyOf(parts) | AllOf(parts):
            results = [evaluate(part, party, ledger) for part in parts]
            held = [holds for holds, _ in results]
            if isinstance(when, AnyOf):
                holds, text = any(held), "at least one of these holds"
            else:
                holds, text = all(held), "all of these hold"
            return holds, Explanation(text, holds, (), tuple(node for _, node in results))
        case _:
            assert_never(when)


def _condition(condition: Condition, party: str, ledger: Ledger) -> tuple[bool, Explanation]:
    label = _LABELS[condition.metric][0].format(party=party)
    if condition.metric is Metric.PENALTY_STEP:
        step = ledger.steps[party]
        holds = step.level >= condition.at_least
        text = f"{label}: {step.level} (at least {condition.at_least} needed)"
        return holds, Explanation(text, holds, (), (step.explanation,))
    counted = _within(ledger.counted(condition.metric, party), condition, ledger.as_of)
    holds = len(counted) >= condition.at_least
    wanted = condition.acts or condition.commitments
    narrowing = _LABELS[condition.metric][1] + listing(wanted) if wanted else ""
    window = _window(condition.window_days, ledger.as_of)
    text = f"{label}{narrowing}{window}: {len(counted)} (at least {condition.at_least} needed)"
    nodes = tuple(c.explanation for c in counted)
    return holds, Explanation(text, holds, _indices(nodes), nodes)


def _within(
    counted: tuple[Counted, ...], condition: Condition, as_of: datetime
) -> tuple[Counted, ...]:
    """The items a condition counts: those of its acts or commitments (all if it names none),
    dated within its window (``as_of - window < day <= as_of``, in days) if it has one."""
    wanted = set(condition.acts or condition.commitments)
    today = as_of.date()
    start = today - timedelta(days=condition.window_days) if condition.window_days else None
    return tuple(
        c
        for c in counted
        if (not wanted or wanted.intersection(c.keys)) and (start is None or start < c.day <= today)
    )


def _window(days: int | None, as_of: datetime) -> str:
    return f" in the {days} days to {as_of.date()}" if days is not None else ""
