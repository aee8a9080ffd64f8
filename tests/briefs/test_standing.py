"""The brief's assessment from the deciding allegations only gives the answers the brief
prints — status, party steps, commitments — exactly as ``assess`` over every allegation, and
the briefs it makes are byte for byte those of the whole assessment."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceasefire.briefs import content
from ceasefire.briefs.content import TICK
from ceasefire.briefs.model import Brief, Checkpoint
from ceasefire.briefs.periods import window
from ceasefire.briefs.record import agreement_at
from ceasefire.briefs.render import Format
from ceasefire.briefs.standing import assess_standing, casework_at, deciding
from ceasefire.domain.agreement_conditions import AnyOf, Condition, Metric, Status, StatusRule
from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.brief_events import BriefPeriod, Edition
from ceasefire.domain.casework import Casework, fold, parse_time
from ceasefire.domain.enforcement import Evaluation, assess
from ceasefire.domain.facts import Allegation, Facts
from ceasefire.domain.projection import Entry
from ceasefire.log.envelope import format_time
from ceasefire.services import briefs
from ceasefire.services.ports import Store
from ceasefire.services.reports import viewer_of
from tests.briefs.conftest import BUSY_WEEK, WEEK

AS_OF = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
BASE = load_bundled()
ACTS = tuple(a.id for a in BASE.acts)


def _agreement(extra: list[tuple[int, int | None, tuple[str, ...], str | None]]) -> Agreement:
    """The bundled agreement with more ``alleged_violations`` rules: (at_least, window, acts,
    party) each, as a strained rule ahead of the bundled ones, and one on the ladder."""
    rules = tuple(
        StatusRule(
            Status.STRAINED,
            party,
            None,
            f"rule {i}",
            Condition(Metric.ALLEGED_VIOLATIONS, at_least, window, acts),
        )
        for i, (at_least, window, acts, party) in enumerate(extra)
    )
    ladder = BASE.penalties
    if extra:
        first = ladder[0]
        at_least, window, acts, _ = extra[0]
        ladder = (
            replace(
                first,
                when=AnyOf(
                    (first.when, Condition(Metric.ALLEGED_VIOLATIONS, at_least, window, acts))
                ),
            ),
            *ladder[1:],
        )
    return replace(BASE, status_rules=(*rules, *BASE.status_rules), penalties=ladder)


def _printed(evaluation: Evaluation) -> object:
    """What a brief takes from an evaluation."""
    return (
        evaluation.status,
        evaluation.status_party,
        tuple((p.party, p.step, p.step_name) for p in evaluation.parties),
        evaluation.commitments,
    )


allegations = st.lists(
    st.builds(
        lambda i, act, party, days, resolved: Allegation(
            f"r{i}", i, act, party, AS_OF.date() - timedelta(days=days), None, resolved
        ),
        st.integers(0, 10_000),
        st.sampled_from(ACTS),
        st.sampled_from(["pk", "af", "un"]),
        st.integers(-3, 60),
        st.one_of(st.none(), st.integers(0, 10)),
    ),
    max_size=40,
    unique_by=lambda a: a.index,
)
rules = st.lists(
    st.tuples(
        st.integers(1, 6),
        st.one_of(st.none(), st.integers(1, 30)),
        st.one_of(st.just(()), st.lists(st.sampled_from(ACTS), min_size=1, max_size=2).map(tuple)),
        st.sampled_from([None, "pk", "af"]),
    ),
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(allegations, rules, st.integers(0, 40))
def test_the_deciding_allegations_give_what_the_whole_record_gives(
    found: list[Allegation],
    extra: list[tuple[int, int | None, tuple[str, ...], str | None]],
    back: int,
) -> None:
    agreement = _agreement(extra)
    facts = Facts(allegations=tuple(found))
    as_of = AS_OF - timedelta(days=back)
    whole = assess(agreement, facts, as_of)
    assert _printed(assess_standing(agreement, facts, as_of)) == _printed(whole)
    kept = deciding(agreement, facts, as_of).allegations
    assert set(kept) <= set(found)
    # each rule and the ladder's copy of the first, for each party; the bundled rule's three
    at_most = 2 * (sum(c[0] for c in extra) + (extra[0][0] if extra else 0) + 3)
    assert len(kept) <= at_most


def test_a_thousand_open_allegations_are_assessed_from_a_handful() -> None:
    found = tuple(
        Allegation(f"r{i}", i, ACTS[i % len(ACTS)], ("pk", "af")[i % 2], date(2026, 2, 1))
        for i in range(1_000)
    )
    facts = Facts(allegations=found)
    kept = deciding(BASE, facts, AS_OF).allegations
    assert len(kept) == 6  # three open allegations against each party decide the strained rule
    whole = assess(BASE, facts, AS_OF)
    assert [p.alleged_violations for p in whole.parties] == [500, 500]
    assert _printed(assess_standing(BASE, facts, AS_OF)) == _printed(whole)


def _whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """The brief as it was computed before: both casework folds in full, every allegation
    assessed — the reference the one-pass, deciding-allegations brief must equal."""
    monkeypatch.setattr(
        content, "casework_at", lambda a, e, first, last: (fold(a, e, first), fold(a, e, last))
    )
    monkeypatch.setattr(content, "assess_standing", assess)


def _renders(brief: Brief) -> tuple[bytes, bytes]:
    html = briefs.render_brief(brief, Format.HTML).content
    return html, briefs.render_brief(brief, Format.MD).content


@pytest.mark.parametrize("period", ["daily", "weekly", "monthly"])
@pytest.mark.parametrize("day", [WEEK, BUSY_WEEK, "2025-10-26"])
@pytest.mark.parametrize("edition", ["public", "confidential"])
def test_briefs_are_byte_identical_to_the_whole_fold(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, period: str, day: str, edition: str
) -> None:
    viewer = viewer_of(demo_store, "tr-mediator-1") if edition == "confidential" else None
    sizes = sorted(c.size for c in demo_store.checkpoints())
    for size in (sizes[len(sizes) // 2], sizes[-1]):
        request = briefs.brief_request(period, day, edition, size)
        fast = briefs.compute_brief(demo_store, request, viewer)
        with monkeypatch.context() as patched:
            _whole(patched)
            whole = briefs.compute_brief(demo_store, request, viewer)
        assert fast == whole
        assert _renders(fast) == _renders(whole)


def _generated(entries: list[Entry], count: int, seed: int) -> list[Entry]:
    """The demo's log followed by ``count`` more public reports: copies of its own, each
    signed at a random time of the demo's weeks (so the log's times go back), its event
    dated that day and moved a little."""
    rng = random.Random(seed)
    public = [
        e
        for e in entries
        if e.type == "report.submitted"
        and e.body is not None
        and e.body.get("kind") == "allegation"
    ]
    start = datetime(2025, 10, 20, tzinfo=UTC)
    made = list(entries)
    for n in range(count):
        model = rng.choice(public)
        when = start + timedelta(seconds=rng.randrange(40 * 86_400))
        body = dict(model.body or {})
        day = when.date().isoformat()
        body["dates"] = {"start": day, "end": day, "precision": "day"}
        place = dict(body.get("location") or {})
        if "latitude" in place:
            place["latitude"] = round(place["latitude"] + rng.uniform(-0.2, 0.2), 5)
            place["longitude"] = round(place["longitude"] + rng.uniform(-0.2, 0.2), 5)
        body["location"] = place
        made.append(
            replace(
                model,
                index=len(made),
                id=f"generated-{seed}-{n}",
                time=format_time(when),
                body=body,
            )
        )
    return made


@pytest.mark.no_cover  # heavy, and of code other tests cover: run without the coverage tracer
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.integers(0, 2**32),
    st.sampled_from(list(BriefPeriod)),
    st.sampled_from(["2025-10-28", WEEK, BUSY_WEEK, "2025-11-25"]),
    st.sampled_from(list(Edition)),
)
def test_a_log_of_many_reports_gives_the_same_bytes_as_the_whole_fold(
    demo_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    period: BriefPeriod,
    day: str,
    edition: Edition,
) -> None:
    entries = _generated(
        briefs.entries_until(demo_store, demo_store.head().size, sealed=True), 1_500, seed
    )
    viewer = viewer_of(demo_store, "tr-mediator-1") if edition is Edition.CONFIDENTIAL else None
    checkpoint = Checkpoint(len(entries), "00" * 32)
    args = (entries, checkpoint, period, date.fromisoformat(day), edition, viewer)
    fast = content.compute(*args)
    with monkeypatch.context() as patched:
        _whole(patched)
        whole = content.compute(*args)
    assert fast.received > 0
    assert fast == whole
    assert _renders(fast) == _renders(whole)


def _same(one: Casework, other: Casework) -> bool:
    return (
        one.facts() == other.facts()
        and one.cases == other.cases
        and one.penalties == other.penalties
        and one.meetings == other.meetings
    )


@pytest.mark.parametrize("day", [WEEK, BUSY_WEEK, "2025-10-26", "2025-12-31"])
def test_one_pass_gives_the_casework_of_both_folds(demo_store: Store, day: str) -> None:
    entries = briefs.entries_until(demo_store, demo_store.head().size, sealed=False)
    agreement = agreement_at(entries).agreement
    current = window(BriefPeriod.WEEKLY, date.fromisoformat(day))
    first, last = current.start - TICK, current.end - TICK
    started, ended = casework_at(agreement, entries, first, last)
    assert _same(started, fold(agreement, entries, first))
    assert _same(ended, fold(agreement, entries, last))
    assert ended.cases or day == "2025-10-26"


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_one_pass_where_the_log_s_times_go_back(demo_store: Store, data: st.DataObject) -> None:
    """Entries signed out of order across the period's start: both folds, as before."""
    entries = briefs.entries_until(demo_store, demo_store.head().size, sealed=False)
    agreement = agreement_at(entries).agreement
    moved = data.draw(st.lists(st.integers(0, len(entries) - 1), max_size=8))
    shift = data.draw(st.integers(-20, 20))
    shuffled = [
        replace(e, time=format_time(parse_time(e.time) + timedelta(days=shift)))
        if i in moved
        else e
        for i, e in enumerate(entries)
    ]
    current = window(BriefPeriod.WEEKLY, date.fromisoformat(BUSY_WEEK))
    first, last = current.start - TICK, current.end - TICK
    started, ended = casework_at(agreement, shuffled, first, last)
    assert _same(started, fold(agreement, shuffled, first))
    assert _same(ended, fold(agreement, shuffled, last))
