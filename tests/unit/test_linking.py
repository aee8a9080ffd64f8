"""The linking engine: sightings, explained comparisons, incremental linking and overrides."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.errors import Conflict, InvalidInput, NotFound
from ceasefire.linking import (
    Linker,
    LocationPrecision,
    Sighting,
    compare,
    link_all,
    sighting_from_body,
)
from ceasefire.linking import linker as linker_module
from ceasefire.linking.metrics import bcubed, pairwise
from tests.report_bodies import allegation_body

DAY = date(2025, 10, 15)


def sighting(report_id: str, **fields: Any) -> Sighting:
    values: dict[str, Any] = {
        "start": DAY,
        "end": DAY,
        "latitude": 31.0,
        "longitude": 66.4,
        "location_precision": LocationPrecision.NEAR,
        "act": "airstrike",
        "killed": 12,
        "place": "Spin Boldak",
        "text": "Aircraft struck a compound and the market near Spin Boldak, 12 killed",
        "source": f"source of {report_id}",
    }
    return Sighting(report_id, **(values | fields))


def test_sighting_from_body_reads_an_allegation() -> None:
    s = sighting_from_body("r-1", allegation_body())
    assert (s.start, s.act, s.party, s.killed) == (DAY, "airstrike", "pk", 15)
    assert s.location_precision is LocationPrecision.NEAR
    assert s.source == "Bakhtar News Agency"


def test_sighting_from_body_tolerates_an_observation_without_place_or_act() -> None:
    body = {"kind": "observation", "dates": {"start": "2025-10-20"}, "narrative": "Heard fire"}
    s = sighting_from_body("o-1", body)
    assert (s.located, s.act, s.party, s.killed, s.end) == (False, None, None, None, s.start)


def test_sighting_refuses_end_before_start() -> None:
    with pytest.raises(InvalidInput):
        sighting("r", end=DAY - timedelta(days=1))


def test_two_tellings_of_one_strike_link_and_say_why() -> None:
    other = sighting("b", place="Speen Boldak", killed=14, latitude=31.05)
    comparison = compare(sighting("a"), other)
    assert comparison.linked
    text = "\n".join(comparison.explain())
    assert "same dates" in text
    assert "agreed:" in text


def test_reports_a_week_apart_are_blocked_by_time() -> None:
    comparison = compare(
        sighting("a"), sighting("b", start=DAY + timedelta(days=7), end=DAY + timedelta(days=7))
    )
    assert comparison.blocked_by == ("dates too far apart",)
    assert not comparison.linked


def test_incompatible_acts_block_but_related_acts_do_not() -> None:
    assert compare(sighting("a"), sighting("b", act="artillery_fire")).blocked_by == (
        "incompatible acts",
    )
    assert not compare(sighting("a"), sighting("b", act="drone_strike")).blocked_by


def test_distance_beyond_both_precisions_blocks() -> None:
    far = sighting("b", latitude=32.0)
    assert compare(sighting("a"), far).blocked_by == ("places too far apart",)


def test_same_source_with_different_text_counts_strongly_against() -> None:
    same = compare(sighting("a", source="Dawn"), sighting("b", source="Dawn", text="Other words"))
    assert any(o.outcome == "same source, different text" for o in same.outcomes)
    assert not same.linked


def test_linker_joins_the_incident_of_the_best_link() -> None:
    linker = Linker()
    first = linker.add(sighting("a"))
    second = linker.add(sighting("b", killed=13))
    assert first.new_incident and first.incident == "a"
    assert not second.new_incident and second.incident == "a"
    assert second.links[0].report_id == "a"
    assert linker.incidents() == {"a": ("a", "b")}


def test_adding_a_report_twice_is_refused() -> None:
    linker = Linker()
    linker.add(sighting("a"))
    with pytest.raises(Conflict):
        linker.add(sighting("a"))


def test_a_report_split_away_is_not_linked_back() -> None:
    linker = Linker()
    for name in "abc":
        linker.add(sighting(name))
    moved = linker.split("a", ["b"])
    assert moved == "b"
    decision = linker.add(sighting("d"))
    assert decision.incident in {"a", "b"}
    assert linker.incident_of("b") == "b"
    assert "b" not in linker.incidents()["a"]


def test_merge_and_detach_move_members() -> None:
    linker = Linker()
    linker.add(sighting("a"))
    linker.add(sighting("x", start=DAY + timedelta(days=20), end=DAY + timedelta(days=20)))
    assert linker.merge("a", "x") == "a"
    assert linker.incidents() == {"a": ("a", "x")}
    assert linker.detach("x") == "x"
    assert linker.incidents() == {"a": ("a",), "x": ("x",)}
    with pytest.raises(NotFound):
        linker.merge("a", "nope")


def test_confirmed_incident_accepts_newcomers_and_flags_them() -> None:
    linker = Linker()
    linker.add(sighting("a"))
    linker.confirm("a")
    decision = linker.add(sighting("b"))
    assert decision.incident == "a" and decision.confirmed
    linker.split("a", ["b"])
    assert not linker.is_confirmed("a")


def test_split_must_leave_someone_behind() -> None:
    linker = Linker()
    linker.add(sighting("a"))
    with pytest.raises(InvalidInput):
        linker.split("a", ["a"])


# -- the batch path gives what adding one by one gives -------------------------------------------

_PLACES = ("Spin Boldak", "Speen Boldak", "Chaman", "Torkham", "Wana")


@st.composite
def sightings(draw: st.DrawFn) -> list[Sighting]:
    count = draw(st.integers(0, 25))
    out = []
    for n in range(count):
        day = DAY + timedelta(days=draw(st.integers(0, 6)))
        located = draw(st.booleans()) or n % 5
        precision = draw(st.sampled_from(list(LocationPrecision)))
        out.append(
            sighting(
                f"r{n}",
                start=day,
                end=day + timedelta(days=draw(st.sampled_from((0, 0, 6)))),
                latitude=draw(st.floats(30.8, 31.2)) if located else None,
                longitude=draw(st.floats(66.2, 66.6)) if located else None,
                location_precision=precision,
                act=draw(st.sampled_from(("airstrike", "drone_strike", "artillery_fire", None))),
                killed=draw(st.none() | st.integers(0, 20)),
                place=draw(st.sampled_from(_PLACES)),
                source=draw(st.sampled_from(("Dawn", "Tolo", "AFP", ""))),
            )
        )
    return out


@settings(max_examples=60, deadline=None)
@given(sightings())
def test_link_all_equals_adding_one_by_one(batch: list[Sighting]) -> None:
    linker = Linker()
    one_by_one = {s.report_id: linker.add(s).incident for s in batch}
    assert link_all(batch) == one_by_one


@settings(max_examples=60, deadline=None)
@given(sightings(), st.lists(st.integers(1, 9), max_size=6), st.randoms(use_true_random=False))
def test_adding_in_batches_equals_adding_one_by_one(
    batch: list[Sighting], cuts: list[int], rnd: Any
) -> None:
    """Whatever the batches (each one found and scored at once) and the monitors' overrides
    between them, the decisions, their links and the incidents are those of one-by-one adds,
    and a report added alone afterwards finds the same candidates."""
    one_by_one, batched = Linker(), Linker()
    at = 0
    with _batches_always():
        for cut in [*cuts, len(batch)]:
            part, at = batch[at : at + cut], at + cut
            assert batched.add_all(part) == [one_by_one.add(s) for s in part]
            held = sorted(one_by_one.incidents())
            if len(held) >= 2 and rnd.random() < 0.5:
                into, other = rnd.sample(held, 2)
                assert batched.merge(into, other) == one_by_one.merge(into, other)
            assert batched.incidents() == one_by_one.incidents()
    late = sighting("late", start=DAY + timedelta(days=2), end=DAY + timedelta(days=2))
    assert batched.add(late) == one_by_one.add(late)


def test_a_batch_repeating_a_report_is_refused_like_one_by_one() -> None:
    linker = Linker()
    linker.add(sighting("a"))
    with _batches_always(), pytest.raises(Conflict, match="already linked"):
        linker.add_all([sighting("b"), sighting("a")])
    assert linker.incident_of("b") == "a"


def _batches_always() -> Any:
    """Make ``add_all`` take its batch path for any batch, however small."""
    return patch.multiple(linker_module, _BATCH_MIN=1, _BATCH_SHARE=10**9)


# -- metrics -----------------------------------------------------------------------------------


def test_perfect_clustering_scores_one() -> None:
    gold = {"a": 1, "b": 1, "c": 2}
    assert pairwise(gold, gold).f1 == bcubed(gold, gold).f1 == 1.0


def test_all_singletons_have_full_precision_and_known_recall() -> None:
    gold = {"a": 1, "b": 1, "c": 1, "d": 2}
    alone = {k: k for k in gold}
    assert pairwise(alone, gold).precision == 1.0
    assert pairwise(alone, gold).recall == 0.0
    assert bcubed(alone, gold).recall == pytest.approx((1 / 3 * 3 + 1) / 4)


def test_a_small_example_by_hand() -> None:
    gold = {"a": 1, "b": 1, "c": 2, "d": 2}
    predicted = {"a": "x", "b": "x", "c": "x", "d": "y"}
    scores = pairwise(predicted, gold)
    assert scores.precision == pytest.approx(1 / 3)
    assert scores.recall == 0.5
    cubed = bcubed(predicted, gold)
    assert cubed.precision == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)
    assert cubed.recall == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 4), max_size=20))
def test_metrics_lie_between_zero_and_one(gold: dict[str, int]) -> None:
    predicted = {k: v % 2 for k, v in gold.items()}
    for s in (pairwise(predicted, gold), bcubed(predicted, gold)):
        assert 0.0 <= s.precision <= 1.0 and 0.0 <= s.recall <= 1.0


# -- casualty ranges and place names ------------------------------------------------------------


def test_sighting_from_body_reads_the_killed_range() -> None:
    s = sighting_from_body("r-1", allegation_body())
    assert (s.killed_low, s.killed, s.killed_high) == (12, 15, 20)


def test_a_figure_inside_the_others_range_is_not_a_disagreement() -> None:
    ranged = sighting("b", killed=14, killed_low=10, killed_high=20)
    outcomes = {o.feature: o.outcome for o in compare(sighting("a", killed=18), ranged).outcomes}
    assert outcomes["killed"] == "killed figure within the other's range"
    far = {o.feature: o.outcome for o in compare(sighting("a", killed=60), ranged).outcomes}
    assert far["killed"] == "killed disagree"


def test_a_village_named_in_the_others_narrative_is_not_a_different_place() -> None:
    village = sighting("b", place="Kili Haji Hassan", text="Shelling hit Kili Haji Hassan")
    other = sighting("a", place="Spin Boldak", text="Shells fell on Kili Haji Hasan, Spin Boldak")
    outcomes = {o.feature: o.outcome for o in compare(other, village).outcomes}
    assert outcomes["place"] == "place named in the other's narrative"


def test_template_words_do_not_make_two_texts_similar() -> None:
    a = sighting("a", text="Militants attacked the security forces, officials said, 3 killed")
    b = sighting("b", text="Security forces were attacked by militants; 3 killed, officials said")
    assert compare(a, b).text_similarity is None


def test_candidate_pairs_of_a_large_batch_are_those_of_its_parts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Boxes are expanded in slices of rows, the key space cut into slabs of time, and the
    pairs joined in chunks of entries, when a batch is large; the pairs are the same as from
    one slice, one slab and one chunk (here: slices of 97 rows, slabs of 53 rows' first
    buckets and chunks of 101 entries against one of 5,000 rows), each pair once."""
    import random

    import numpy as np

    from ceasefire.linking import index
    from ceasefire.linking.columns import Columns

    rng = random.Random(3)
    precisions = list(LocationPrecision)
    cols = Columns()
    days = [DAY + timedelta(days=rng.randrange(60)) for _ in range(5_000)]
    cols.extend(
        sighting(
            f"r{n}",
            start=days[n],
            end=days[n] + timedelta(days=rng.choice((0, 0, 6))),
            latitude=rng.uniform(30.0, 34.0) if n % 7 else None,
            longitude=rng.uniform(66.0, 71.0) if n % 7 else None,
            location_precision=rng.choice(precisions),
        )
        for n in range(5_000)
    )

    def pairs() -> set[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for left, right in index.batch_pairs(cols):
            found.extend(zip(left.tolist(), right.tolist(), strict=True))
        assert len(set(found)) == len(found)
        return set(found)

    monkeypatch.setattr(index, "_SLAB_ROWS", 10_000)
    whole = pairs()
    monkeypatch.setattr(index, "_SLAB_ROWS", 53)
    assert pairs() == whole
    monkeypatch.setattr(index, "_EXPAND_ROWS", 97)
    assert pairs() == whole
    monkeypatch.setattr(index, "_CHUNK", 101)
    assert pairs() == whole
    assert len(whole) > 5_000
    assert np.all(np.array(sorted(whole))[:, 0] < np.array(sorted(whole))[:, 1])
