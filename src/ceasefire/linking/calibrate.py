"""Reproducing the linker's points, and the experiments recorded in ``docs/linking.md``.

Nothing here runs when linking; it is how the constants in ``features.py`` were measured and
how the alternatives were rejected, so that both can be rechecked:

- :func:`outcome_points`: each feature outcome's log-likelihood ratio (match vs non-match)
  among the candidate pairs of a subset, and the log prior odds — the naive-Bayes points of
  ``features.OUTCOMES``, measured on the calibration subset;
- :func:`fit_logistic`: an L2-regularised logistic regression fitted by Newton (IRLS) steps
  on a one-hot design of the outcomes (:func:`design`), with or without interaction cells —
  the learned alternative, which did *not* beat the hand points on the test subset;
- :func:`one_story_ceiling`: the pairwise precision a linker that is perfect except for
  merging the events UCDP coded from one story would reach (the gold's own ceiling).

``python -m ceasefire.linking.calibrate [GED CSV]`` prints all three.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from ceasefire.linking.columns import Columns, Floats
from ceasefire.linking.features import OUTCOMES, Feature, Scored, score_pairs
from ceasefire.linking.goldset import (
    WHERE_PRECISION,
    Event,
    border_events,
    calibration_events,
    gold_reports,
    read_events,
)
from ceasefire.linking.index import batch_pairs
from ceasefire.linking.metrics import pairwise
from ceasefire.linking.model import RADIUS_KM, Sighting

Interaction = tuple[Feature, Feature]
INTERACTIONS: Final[tuple[Interaction, ...]] = (
    (Feature.TIME, Feature.DISTANCE),
    (Feature.PLACE, Feature.TEXT),
    (Feature.KILLED, Feature.PARTY),
    (Feature.TIME, Feature.KILLED),
    (Feature.PLACE, Feature.DISTANCE),
    (Feature.TIME, Feature.PLACE),
    (Feature.KILLED, Feature.TEXT),
)
"""The interaction cells tried: same-day × distance, place × words, killed × party (a
side's own outlet), and so on."""
_SIZES: Final = [len(OUTCOMES[f]) for f in Feature]
GED: Final = (
    Path(__file__).resolve().parents[4] / "shared/data/real/ucdp_ged_pakistan_hdx_1989_2021.csv"
)


def candidate_pairs(
    reports: Sequence[Sighting], gold: Mapping[str, str]
) -> tuple[Columns, Scored, npt.NDArray[np.bool_]]:
    """Every unblocked candidate pair of ``reports``, scored, and whether it is a true pair."""
    cols = Columns()
    cols.extend(reports)
    parts = [score_pairs(cols, a, b) for a, b in batch_pairs(cols)]
    left = np.concatenate([p.left for p in parts])
    right = np.concatenate([p.right for p in parts])
    scored = Scored(
        left,
        right,
        np.concatenate([p.score for p in parts]),
        np.concatenate([p.outcomes for p in parts]),
        np.concatenate([p.distance_km for p in parts]),
        np.concatenate([p.text_similarity for p in parts]),
    )
    event = np.array([gold[r] for r in cols.ids])
    return cols, scored, event[left] == event[right]


def outcome_points(
    scored: Scored, true: npt.NDArray[np.bool_]
) -> tuple[float, dict[Feature, list[float]]]:
    """The log prior odds of a candidate pair, and each outcome's log-likelihood ratio (NaN
    when the outcome never occurs among matches or non-matches)."""
    matches, others = int(true.sum()), int((~true).sum())
    points: dict[Feature, list[float]] = {}
    for feature in Feature:
        column = scored.outcomes[:, feature]
        row = []
        for k in range(_SIZES[feature]):
            hit, miss = int((true & (column == k)).sum()), int((~true & (column == k)).sum())
            row.append(math.log(hit / matches / (miss / others)) if hit and miss else math.nan)
        points[feature] = row
    return math.log(matches / others), points


def design(
    outcomes: npt.NDArray[np.int8], interactions: Sequence[Interaction] = ()
) -> npt.NDArray[np.float64]:
    """A constant, one column per outcome of each feature, one per cell of each interaction."""
    blocks = [np.ones((len(outcomes), 1))]
    blocks += [np.eye(_SIZES[f])[outcomes[:, f]] for f in Feature]
    for f, g in interactions:
        cell = outcomes[:, f].astype(np.int64) * _SIZES[g] + outcomes[:, g]
        blocks.append(np.eye(_SIZES[f] * _SIZES[g])[cell])
    return np.hstack(blocks)


def fit_logistic(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.bool_], l2: float = 1.0, steps: int = 25
) -> Floats:
    """Coefficients of a logistic regression (the constant unpenalised), by Newton steps."""
    w = np.zeros(x.shape[1])
    penalty = l2 * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    target = y.astype(np.float64)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - target) + penalty @ w
        hessian = (x * (p * (1.0 - p))[:, None]).T @ x + penalty
        w = w - np.linalg.solve(hessian, gradient)
    return w


def precision_at_recall(score: Floats, true: npt.NDArray[np.bool_], recall: float) -> float:
    """Pairwise precision of the candidate pairs ranked by ``score``, cut at ``recall``."""
    found = np.cumsum(true[np.argsort(-score, kind="stable")])
    k = int(np.searchsorted(found, recall * true.sum()))
    return float(found[k] / (k + 1))


def one_story_ceiling(events: Sequence[Event], reports: Sequence[Sighting]) -> tuple[int, float]:
    """Event pairs UCDP coded from one story that nothing but the figures tells apart — same
    description, days at most one apart, points within the retellings' jitter — and the
    pairwise precision of the gold clustering with those events merged (recall 1)."""
    parent = {e.id: e.id for e in events}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    ordered = sorted(events, key=lambda e: e.start)
    count = 0
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if (b.start - a.start).days > 1:
                break
            if a.description and a.description == b.description and _within_jitter(a, b):
                count += 1
                ra, rb = root(a.id), root(b.id)
                if ra != rb:
                    parent[ra] = rb
    gold = {r.report_id: r.report_id.split("/")[0] for r in reports}
    merged = {r: root(e) for r, e in gold.items()}
    return count, pairwise(merged, gold).precision


def _within_jitter(a: Event, b: Event) -> bool:
    reach = sum(
        RADIUS_KM[WHERE_PRECISION.get(e.where_prec, WHERE_PRECISION["3"])] * 0.45 for e in (a, b)
    )
    km = math.hypot((a.latitude - b.latitude) * 110.57, (a.longitude - b.longitude) * 93.0)
    return km <= max(2.0, reach)


def main(path: Path = GED) -> None:
    events = read_events(path)
    subsets = {"calibration": calibration_events(events), "test": border_events(events)}
    pairs = {name: candidate_pairs(*gold_reports(chosen)) for name, chosen in subsets.items()}
    _, scored, true = pairs["calibration"]
    prior, points = outcome_points(scored, true)
    print(f"calibration: {len(true)} candidate pairs, log prior odds {prior:+.2f}")
    for feature, row in points.items():
        named = zip(OUTCOMES[feature], row, strict=True)
        measured = ", ".join(f"{name} {p:+.1f}" for (name, _), p in named)
        print(f"  {feature.name.lower()}: {measured}")
    for interactions in ((), INTERACTIONS):
        w = fit_logistic(design(scored.outcomes, interactions), true)
        ranked = [
            precision_at_recall(design(s.outcomes, interactions) @ w, t, 0.93)
            for _, s, t in pairs.values()
        ]
        print(
            f"logistic, {len(interactions)} interactions: precision at recall 0.93 "
            f"calibration {ranked[0]:.3f}, test {ranked[1]:.3f}"
        )
    hand = [precision_at_recall(s.score, t, 0.93) for _, s, t in pairs.values()]
    print(f"hand points: precision at recall 0.93 calibration {hand[0]:.3f}, test {hand[1]:.3f}")
    for name, chosen in subsets.items():
        count, ceiling = one_story_ceiling(chosen, gold_reports(chosen)[0])
        print(f"{name}: {count} one-story event pairs; pairwise precision ceiling {ceiling:.3f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else GED)
