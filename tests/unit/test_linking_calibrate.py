"""How the linker's points are measured: outcome log-likelihood ratios and the logistic fit."""

from __future__ import annotations

import math
from datetime import date

import numpy as np

from ceasefire.linking import Sighting
from ceasefire.linking.calibrate import (
    candidate_pairs,
    design,
    fit_logistic,
    outcome_points,
    precision_at_recall,
)
from ceasefire.linking.features import Feature


def test_the_logistic_fit_recovers_known_coefficients() -> None:
    rng = np.random.default_rng(7)
    x = np.hstack([np.ones((20_000, 1)), rng.integers(0, 2, (20_000, 2)).astype(float)])
    truth = np.array([-1.0, 2.0, -0.5])
    y = rng.random(20_000) < 1.0 / (1.0 + np.exp(-(x @ truth)))
    w = fit_logistic(x, y, l2=0.0)
    assert np.allclose(w, truth, atol=0.1)


def test_precision_at_recall_ranks_pairs_by_score() -> None:
    score = np.array([3.0, 2.0, 1.0, 0.0])
    true = np.array([True, False, True, False])
    assert precision_at_recall(score, true, 0.5) == 1.0
    assert math.isclose(precision_at_recall(score, true, 1.0), 2 / 3)


def test_outcome_points_are_log_likelihood_ratios_of_candidate_pairs() -> None:
    day = date(2025, 10, 15)

    def told(report_id: str, place: str, killed: int) -> Sighting:
        return Sighting(
            report_id,
            day,
            day,
            latitude=31.0,
            longitude=66.4,
            place=place,
            killed=killed,
            text=f"Strike on {place}",
            source=report_id,
        )

    reports = [told("a/0", "Spin Boldak", 3), told("a/1", "Spin Boldak", 3)]
    reports += [told("b/0", "Chaman", 9)]
    gold = {r.report_id: r.report_id.split("/")[0] for r in reports}
    _, scored, true = candidate_pairs(reports, gold)
    assert (len(true), int(true.sum())) == (3, 1)
    prior, points = outcome_points(scored, true)
    assert math.isclose(prior, math.log(1 / 2))
    assert math.isnan(points[Feature.KILLED][1])  # same figure: never seen among non-matches
    assert design(scored.outcomes).shape == (3, 1 + sum(len(p) for p in points.values()))
