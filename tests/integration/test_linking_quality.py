"""Linking quality on real UCDP events retold by several sources (``linking.goldset``).

The test subset (border events 2008–2014) is measured; the calibration subset (other years),
on which the linker's points were set, is measured too. Reads ``../shared/data/real``; skips
when it is absent, unless ``CI=true`` (then fails).
"""

from __future__ import annotations

import pytest

from ceasefire.linking import link_all
from ceasefire.linking.goldset import border_events, calibration_events, gold_reports, read_events
from ceasefire.linking.metrics import Scores, bcubed, pairwise
from tests.real_data import real_file

GED_NAME = "ucdp_ged_pakistan_hdx_1989_2021.csv"
# Floors: the figures measured when the test was last updated (docs/linking.md), rounded down.
FLOORS = {
    "test": {"pairwise": (0.76, 0.76), "bcubed": (0.90, 0.86)},
    "calibration": {"pairwise": (0.90, 0.81), "bcubed": (0.96, 0.89)},
}


@pytest.fixture(scope="module")
def measured() -> dict[str, dict[str, Scores]]:
    events = read_events(real_file(GED_NAME))
    out = {}
    for name, chosen in (
        ("test", border_events(events)),
        ("calibration", calibration_events(events)),
    ):
        reports, gold = gold_reports(chosen)
        predicted = link_all(reports)
        out[name] = {"pairwise": pairwise(predicted, gold), "bcubed": bcubed(predicted, gold)}
        print(
            f"\n{name}: {len(reports)} reports; "
            + "; ".join(f"{k} {v}" for k, v in out[name].items())
        )
    return out


@pytest.mark.parametrize("subset", ["test", "calibration"])
@pytest.mark.parametrize("metric", ["pairwise", "bcubed"])
def test_linking_quality_does_not_fall_below_what_was_measured(
    measured: dict[str, dict[str, Scores]], subset: str, metric: str
) -> None:
    scores = measured[subset][metric]
    precision, recall = FLOORS[subset][metric]
    assert scores.precision >= precision
    assert scores.recall >= recall


@pytest.mark.xfail(
    strict=True, reason="targets out of reach on this gold: see docs/linking.md, Quality"
)
def test_linking_meets_the_quality_targets(measured: dict[str, dict[str, Scores]]) -> None:
    scores = measured["test"]["pairwise"]
    assert scores.precision >= 0.97
    assert scores.recall >= 0.93
