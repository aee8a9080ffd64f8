"""Properties of enforcement over random facts judged by the shipped agreement: it never
raises, is deterministic to the byte, is monotone in time where no window intervenes, and
cites only entries the facts name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.agreements import CommitmentKind, Status
from ceasefire.domain.enforcement import Evaluation, Explanation, assess
from ceasefire.domain.facts import (
    Allegation,
    CaseKind,
    Claim,
    DeadlineSet,
    Facts,
    FindingAttribution,
    ImposedPenalty,
    IssuedFinding,
    ReplyRequest,
)
from ceasefire.log.canonical import canonical_json

AGREEMENT = load_bundled("istanbul-2025")
PARTIES = [p.id for p in AGREEMENT.parties]
ACTS = [a.id for a in AGREEMENT.acts]
CLAUSES = [c.id for c in AGREEMENT.clauses]
COMMITMENTS = [c.id for c in AGREEMENT.commitments]
POSITIVE = [c.id for c in AGREEMENT.commitments if c.kind is CommitmentKind.POSITIVE]
STEPS = sorted({s for c in AGREEMENT.commitments for s in c.steps})
STANDARDS = list(AGREEMENT.verification.standards)
START = datetime(2025, 10, 19, tzinfo=UTC)
SPAN = timedelta(days=150)

moments = st.datetimes(
    min_value=START.replace(tzinfo=None), max_value=(START + SPAN).replace(tzinfo=None)
).map(lambda moment: moment.replace(tzinfo=UTC))
days = st.dates(min_value=START.date(), max_value=(START + SPAN).date())
parties = st.sampled_from(PARTIES)
cases = st.sampled_from([f"case-{n}" for n in range(6)])  # few cases: some are reopened
maybe_index = st.none() | st.integers(1, 400)


def _allegation(index: int) -> st.SearchStrategy[Allegation]:
    return st.builds(
        Allegation,
        report=st.just(f"report-{index}"),
        index=st.just(index),
        act=st.sampled_from(ACTS),
        party=parties,
        day=days,
        resolved_at=maybe_index,
    )


def _claim(index: int) -> st.SearchStrategy[Claim]:
    return st.builds(
        Claim,
        report=st.just(f"claim-{index}"),
        index=st.just(index),
        party=parties,
        commitment=st.sampled_from(COMMITMENTS),
        step=st.sampled_from(STEPS),
        submitted=moments,
        verified=st.none() | st.booleans(),
        decided_at=maybe_index,
    )


def _finding(index: int) -> st.SearchStrategy[IssuedFinding]:
    return st.builds(
        IssuedFinding,
        case=cases,
        finding=st.just(f"finding-{index}"),
        index=st.just(index),
        issued=moments,
        kind=st.sampled_from(CaseKind),
        reports=st.just((f"report-{index}",)),
        day=days,
        confidence=st.sampled_from(STANDARDS),
        attribution=st.sampled_from(FindingAttribution),
        party=st.none() | parties,
        acts=st.lists(st.sampled_from(ACTS), max_size=2, unique=True).map(tuple),
        clauses=st.lists(st.sampled_from(CLAUSES), max_size=2, unique=True).map(tuple),
        commitment=st.none() | st.sampled_from(POSITIVE),
        signatures=st.lists(st.integers(401, 500), max_size=2).map(tuple),
    )


def _reply(index: int) -> st.SearchStrategy[ReplyRequest]:
    return st.builds(
        ReplyRequest,
        case=cases,
        party=parties,
        index=st.just(index),
        due=moments,
        replied_at=maybe_index,
    )


def _penalty(index: int) -> st.SearchStrategy[ImposedPenalty]:
    return st.builds(
        ImposedPenalty,
        penalty=st.just(f"penalty-{index}"),
        party=parties,
        level=st.integers(1, len(AGREEMENT.penalties)),
        index=st.just(index),
        imposed=moments,
        lifted_at=maybe_index,
    )


def _deadline(index: int) -> st.SearchStrategy[DeadlineSet]:
    return st.builds(
        DeadlineSet,
        commitment=st.sampled_from(POSITIVE),
        due=days,
        decided=days,
        index=st.just(index),
    )


KINDS = (_allegation, _claim, _finding, _reply, _penalty, _deadline)


@st.composite
def random_facts(draw: st.DrawFn) -> Facts:
    """Up to 30 facts of every kind, each at its own index (2 and up; 1 is the agreement)."""
    chosen = draw(st.lists(st.integers(0, len(KINDS) - 1), max_size=30))
    indices = draw(st.permutations(range(2, 2 + len(chosen))))
    made = [draw(KINDS[kind](index)) for kind, index in zip(chosen, indices, strict=True)]

    def of(kind: type) -> tuple[Any, ...]:
        return tuple(item for item in made if isinstance(item, kind))

    return Facts(
        allegations=of(Allegation),
        claims=of(Claim),
        findings=of(IssuedFinding),
        reply_requests=of(ReplyRequest),
        penalties=of(ImposedPenalty),
        deadlines=of(DeadlineSet),
        agreement_index=draw(st.none() | st.just(1)),
    )


def _explanations(result: Evaluation) -> Iterator[Explanation]:
    yield result.explanation
    yield from (p.explanation for p in result.parties)
    yield from (s.explanation for s in result.party_statuses)
    yield from (c.explanation for c in result.commitments)


def _known_indices(facts: Facts) -> set[int]:
    """Every index the facts name, as their own or as one they refer to."""
    known: set[int | None] = {facts.agreement_index}
    known.update(a.index for a in facts.allegations)
    known.update(a.resolved_at for a in facts.allegations)
    known.update(c.index for c in facts.claims)
    known.update(c.decided_at for c in facts.claims)
    for f in facts.findings:
        known.update((f.index, *f.signatures))
    known.update(r.index for r in facts.reply_requests)
    known.update(r.replied_at for r in facts.reply_requests)
    known.update(p.index for p in facts.penalties)
    known.update(p.lifted_at for p in facts.penalties)
    known.update(d.index for d in facts.deadlines)
    return {i for i in known if i is not None}


def _reversed(facts: Facts) -> Facts:
    return Facts(
        allegations=facts.allegations[::-1],
        claims=facts.claims[::-1],
        findings=facts.findings[::-1],
        reply_requests=facts.reply_requests[::-1],
        penalties=facts.penalties[::-1],
        deadlines=facts.deadlines[::-1],
        agreement_index=facts.agreement_index,
    )


@given(random_facts(), moments)
def test_the_same_facts_give_the_same_bytes_whatever_their_order(
    facts: Facts, as_of: datetime
) -> None:
    first = assess(AGREEMENT, facts, as_of)
    again = assess(AGREEMENT, facts, as_of)
    shuffled = assess(AGREEMENT, _reversed(facts), as_of)
    assert first == again == shuffled
    assert canonical_json(first.to_document()) == canonical_json(shuffled.to_document())


@given(random_facts(), moments)
def test_every_index_cited_is_one_the_facts_name(facts: Facts, as_of: datetime) -> None:
    result = assess(AGREEMENT, facts, as_of)
    known = _known_indices(facts)
    for explanation in _explanations(result):
        assert set(explanation.all_indices()) <= known


@given(random_facts(), moments, st.timedeltas(min_value=timedelta(0), max_value=SPAN))
def test_window_less_figures_only_grow_with_time(
    facts: Facts, as_of: datetime, later_by: timedelta
) -> None:
    early = assess(AGREEMENT, facts, as_of)
    late = assess(AGREEMENT, facts, as_of + later_by)
    for before, after in zip(early.commitments, late.commitments, strict=True):
        assert after.missed[: len(before.missed)] == before.missed
    for before_party, after_party in zip(early.parties, late.parties, strict=True):
        assert after_party.replies_missed >= before_party.replies_missed
        assert after_party.commitments_overdue >= before_party.commitments_overdue
        assert after_party.verified_violations == before_party.verified_violations
        assert after_party.alleged_violations == before_party.alleged_violations


@given(random_facts(), moments)
def test_the_ceasefire_holds_exactly_when_it_holds_for_every_party(
    facts: Facts, as_of: datetime
) -> None:
    result = assess(AGREEMENT, facts, as_of)
    every_party_holding = all(s.status is Status.HOLDING for s in result.party_statuses)
    assert (result.status is Status.HOLDING) == every_party_holding
    if result.status_party is not None:
        named = result.party_status(result.status_party)
        assert named.rule is not None and result.rule is not None
        assert named.rule <= result.rule


@given(random_facts(), moments)
def test_a_commitment_is_overdue_only_after_a_missed_deadline(
    facts: Facts, as_of: datetime
) -> None:
    for commitment in assess(AGREEMENT, facts, as_of).commitments:
        if commitment.status == "overdue":
            assert commitment.missed
            assert commitment.missed[-1] < as_of.date()
        if commitment.kind is CommitmentKind.NEGATIVE:
            assert commitment.missed == () and commitment.next_deadline is None


def test_the_ladder_counts_the_day_before_the_window_out() -> None:
    """A fixed example beside the properties: the window's first day is excluded."""
    violation = IssuedFinding(
        "case-1",
        "f",
        10,
        START,
        CaseKind.ALLEGATION,
        (),
        date(2025, 10, 20),
        "established",
        FindingAttribution.ATTRIBUTABLE,
        "pk",
        ("artillery_fire",),
        (),
    )
    facts = Facts(findings=(violation,))
    assert assess(AGREEMENT, facts, datetime(2025, 11, 18, tzinfo=UTC)).party("pk").step == 1
    assert assess(AGREEMENT, facts, datetime(2025, 11, 19, tzinfo=UTC)).party("pk").step == 0
