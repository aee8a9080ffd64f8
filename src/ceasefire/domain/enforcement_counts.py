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
    Run,
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
    runs: Mapping[tuple[Metric, str], Run] = field(default_factory=dict)
    """The explanations of some of ``items``, with what they add up to kept (the open
    allegations, carried from one evaluation to the next)."""

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
        for key, item in _evidence(agreement, facts, as_of):
            _add(items, key, item)
        frozen = {key: tuple(value) for key, value in items.items()}
        allegations = open_allegations(facts.allegations)
        runs = {}
        for party in agreement.parties:
            alleged, run = allegations.get(party.id, ((), Run(())))
            frozen[Metric.ALLEGED_VIOLATIONS, party.id] = alleged
            runs[Metric.ALLEGED_VIOLATIONS, party.id] = run
        return cls(as_of, frozen, runs=runs)

    def run(self, metric: Metric, party: str, counted: tuple[Counted, ...]) -> Run:
        """The explanations of ``counted`` (all or some of the items of ``metric`` for
        ``party``) as a run: the kept one when they are all of them."""
        kept = self.runs.get((metric, party))
        if kept is not None and counted is self.items.get((metric, party)):
            return kept
        return Run(tuple(c.explanation for c in counted))

    def counted(self, metric: Metric, party: str) -> tuple[Counted, ...]:
        return self.items.get((metric, party), ())

    def tally(self, metric: Metric, party: str) -> tuple[int, Explanation]:
        """The whole count of ``metric`` for ``party``, no window, no narrowing (a metric of
        counted items: the penalty step is in :attr:`steps`)."""
        counted = self.counted(metric, party)
        label = _LABELS[metric][0].format(party=party)
        text = f"{label}: {len(counted)}"
        return len(counted), Explanation.over(text, None, self.run(metric, party, counted))


def _evidence(
    agreement: Agreement, facts: Facts, as_of: datetime
) -> Iterator[tuple[tuple[Metric, str | None], Counted]]:
    """The facts' own items, each with the metric and party it counts for, in index order:
    violations established and replies due before ``as_of`` and missing (the allegations still
    open are counted by :func:`open_allegations`)."""
    for finding in violations(agreement, facts):
        counted = Counted(finding.day, finding.acts, finding_node(finding))
        yield (Metric.VERIFIED_VIOLATIONS, finding.party), counted
    for request in sorted(facts.reply_requests, key=lambda r: r.index):
        if request.replied_at is None and utc(request.due) < as_of:
            due = iso_time(request.due)
            text = f"no reply from {request.party} in case {request.case}, due {due}"
            node = Explanation(text, None, (request.index,))
            yield (Metric.REPLIES_MISSED, request.party), Counted(utc_day(request.due), (), node)


@dataclass(frozen=True)
class _OpenRun:
    """The allegations one count of open allegations was made from, the highest index among
    them, and the count: each party's open allegations as counted, in index order."""

    source: tuple[Allegation, ...]
    last: int
    by_party: Mapping[str, tuple[tuple[Counted, ...], Run]]


_last: dict[str, _OpenRun] = {}
"""The latest count ("run"), kept so that the next, over the same allegations and a few more,
only counts those (a status after each new report would otherwise go over them all)."""


def open_allegations(
    allegations: tuple[Allegation, ...],
) -> Mapping[str, tuple[tuple[Counted, ...], Run]]:
    """Each accused party's open allegations as counted, in index order, and their
    explanations as a run. When ``allegations``
    begin with the ones counted last time (the same values: an allegation resolved since is no
    longer equal) and the others all come after them, the last count is extended by the
    others; otherwise every allegation is counted. Either way the answer is the same."""
    run = _last.get("run")
    if run is not None and _extends(allegations, run):
        rest = allegations[len(run.source) :]
        by_party = dict(run.by_party)
        for party, more in _grouped(rest).items():
            counted, kept = by_party.get(party, ((), Run(())))
            by_party[party] = (counted + more, kept.extended(_nodes(more)))
        last = max((a.index for a in rest), default=run.last)
    else:
        by_party = {p: (more, Run(_nodes(more))) for p, more in _grouped(allegations).items()}
        last = max((a.index for a in allegations), default=-1)
    _last["run"] = _OpenRun(allegations, last, by_party)
    return by_party


def _extends(allegations: tuple[Allegation, ...], run: _OpenRun) -> bool:
    """Whether ``allegations`` are ``run.source`` followed by allegations of later indices
    only (so that counting them after the others keeps the index order)."""
    size = len(run.source)
    if len(allegations) < size or allegations[:size] != run.source:
        return False
    return all(a.index > run.last for a in allegations[size:])


def _nodes(counted: tuple[Counted, ...]) -> tuple[Explanation, ...]:
    return tuple(c.explanation for c in counted)


def _grouped(allegations: tuple[Allegation, ...]) -> dict[str, tuple[Counted, ...]]:
    """The open ones of ``allegations``, counted, by accused party, in index order."""
    found: dict[str, list[Counted]] = {}
    for allegation in sorted(allegations, key=lambda a: a.index):
        if allegation.resolved_at is None:
            found.setdefault(allegation.party, []).append(_open(allegation))
    return {party: tuple(counted) for party, counted in found.items()}


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
    run = ledger.run(condition.metric, party, counted)
    return holds, Explanation.over(text, holds, run)


def _within(
    counted: tuple[Counted, ...], condition: Condition, as_of: datetime
) -> tuple[Counted, ...]:
    """The items a condition counts: those of its acts or commitments (all if it names none),
    dated within its window (``as_of - window < day <= as_of``, in days) if it has one."""
    if not (condition.acts or condition.commitments or condition.window_days):
        return counted
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
