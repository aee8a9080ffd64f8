"""The casework and enforcement a brief reports, with less work than two whole folds and two
whole assessments — and the same answers.

The casework at the period's start and end is folded in one pass where the log's times allow
it (:func:`casework_at`). The enforcement is assessed from just enough of the open
allegations (:func:`assess_standing`):

A brief shows the ceasefire's status, each party's penalty step and each commitment's status
(``briefs.content``), never the count of open allegations nor the explanations citing them.
Those three answers depend on the allegations only through the agreement's
``alleged_violations`` conditions, and a condition only asks whether its count reaches
``at_least`` (``domain.enforcement_counts._condition``). So the assessment is handed, for every
such condition and every party it can be counted for, the first ``at_least`` open allegations
it would count — never more, never fewer than the whole record would give it up to that
threshold — and every condition holds exactly when it holds over the whole record.

Why: ``assess`` builds an explanation citing every open allegation (tens of microseconds
each); a log of a million open allegations made the brief's two assessments its costliest step
after linking. The figures the brief prints are the same (``tests/briefs/test_standing.py``
checks the status, steps and commitments against ``assess`` over every allegation).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from ceasefire.domain.agreement_conditions import AllOf, AnyOf, Condition, Metric, When
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.casework import Casework, fold, parse_time
from ceasefire.domain.enforcement import Evaluation, assess
from ceasefire.domain.enforcement_explain import utc
from ceasefire.domain.facts import Allegation, Facts
from ceasefire.domain.projection import Entry


def casework_at(
    agreement: Agreement, entries: Sequence[Entry], first: datetime, last: datetime
) -> tuple[Casework, Casework]:
    """``(fold(agreement, entries, first), fold(agreement, entries, last))`` (``first`` <=
    ``last``), in one pass where the log allows it.

    ``fold(…, as_of)`` applies, in log order, the entries signed at or before ``as_of``. When
    every entry signed by ``first`` comes before every entry signed after it (the log's times
    run forward, as they do when the operator signs at append), the entries up to ``last`` are
    those up to ``first`` followed by the rest, so the casework at ``last`` is a copy of the
    one at ``first`` carried on. Where the log's times go back across ``first``, both are folded
    in full, as before."""
    if last < first:
        raise ValueError(f"{last.isoformat()} is before {first.isoformat()}")
    opening = Casework(agreement)
    closing: Casework | None = None
    for entry in entries:
        time = parse_time(entry.time)
        if time <= first:
            if closing is not None:  # signed by ``first`` yet after one signed later
                return fold(agreement, entries, first), fold(agreement, entries, last)
            opening.apply(entry)
        elif time <= last:
            if closing is None:
                closing = opening.copy()
            closing.apply(entry)
    return opening, closing if closing is not None else opening.copy()


def assess_standing(agreement: Agreement, facts: Facts, as_of: datetime) -> Evaluation:
    """``assess`` of ``facts`` with only the allegations that decide a condition: the same
    status, party steps and commitment statuses; counts and explanations of open allegations
    are not the whole record's (a brief shows neither)."""
    return assess(agreement, deciding(agreement, facts, as_of), as_of)


def deciding(agreement: Agreement, facts: Facts, as_of: datetime) -> Facts:
    """``facts`` with, among the allegations, only the first ``at_least`` (in index order)
    that each ``alleged_violations`` condition counts for each party it may count them for."""
    conditions = allegation_conditions(agreement)
    parties = {p.id for p in agreement.parties}
    """The ledger counts only for the parties the agreement names (``_add``)."""
    today = utc(as_of).date()
    wanted: dict[tuple[int, str], int] = {
        (i, party): c.at_least
        for i, c in enumerate(conditions)
        for party in parties
        if c.party is None or c.party == party
    }
    kept: list[Allegation] = []
    for allegation in sorted(facts.allegations, key=lambda a: a.index):
        if not wanted:
            break
        if allegation.resolved_at is not None or allegation.party not in parties:
            continue
        take = False
        for i, c in enumerate(conditions):
            key = (i, allegation.party)
            if key in wanted and _counts(c, allegation, today):
                take = True
                wanted[key] -= 1
                if wanted[key] == 0:
                    del wanted[key]
        if take:
            kept.append(allegation)
    return replace(facts, allegations=tuple(kept))


def allegation_conditions(agreement: Agreement) -> list[Condition]:
    """Every ``alleged_violations`` condition of the penalty ladder and the status rules."""
    return [
        c
        for when in (
            *(step.when for step in agreement.penalties),
            *(rule.when for rule in agreement.status_rules),
        )
        for c in _leaves(when)
        if c.metric is Metric.ALLEGED_VIOLATIONS
    ]


def _counts(condition: Condition, allegation: Allegation, today: date) -> bool:
    """Whether ``condition`` counts ``allegation`` (``enforcement_counts._within``)."""
    wanted = condition.acts or condition.commitments
    if wanted and allegation.act not in wanted:
        return False
    if condition.window_days is None:
        return True
    start = today - timedelta(days=condition.window_days)
    return start < allegation.day <= today


def _leaves(when: When) -> Iterator[Condition]:
    match when:
        case Condition():
            yield when
        case AnyOf(parts) | AllOf(parts):
            for part in parts:
                yield from _leaves(part)
