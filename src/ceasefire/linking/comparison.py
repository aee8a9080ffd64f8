"""One pair's comparison, explained in plain words: what agreed, what did not, and the sum."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ceasefire.linking.columns import Columns
from ceasefire.linking.features import (
    OUTCOMES,
    PRIOR,
    THRESHOLD,
    Feature,
    Scored,
    blockers,
    distances,
    score_pairs,
)
from ceasefire.linking.model import Sighting

BLOCKER_WORDS = ("dates too far apart", "places too far apart", "incompatible acts")


@dataclass(frozen=True, slots=True)
class Outcome:
    feature: str
    outcome: str
    points: float


@dataclass(frozen=True, slots=True)
class Comparison:
    """Why two reports are, or are not, one incident."""

    left: str
    right: str
    score: float
    blocked_by: tuple[str, ...]
    outcomes: tuple[Outcome, ...]
    distance_km: float | None
    text_similarity: float | None

    @property
    def linked(self) -> bool:
        return not self.blocked_by and self.score >= THRESHOLD

    def explain(self) -> list[str]:
        """Lines in plain words: the verdict, then agreeing and disagreeing features."""
        if self.blocked_by:
            return [f"not the same incident: {', '.join(self.blocked_by)}"]
        verdict = "same incident" if self.linked else "not the same incident"
        lines = [f"{verdict}: score {self.score:+.1f} (threshold {THRESHOLD:+.1f})"]
        agreed = [f"{o.outcome} ({o.points:+.1f})" for o in self.outcomes if o.points > 0]
        disagreed = [f"{o.outcome} ({o.points:+.1f})" for o in self.outcomes if o.points < 0]
        neutral = [o.outcome for o in self.outcomes if o.points == 0]
        lines.append("agreed: " + (", ".join(agreed) or "nothing"))
        lines.append("disagreed: " + (", ".join(disagreed) or "nothing"))
        if neutral:
            lines.append("no evidence either way: " + ", ".join(neutral))
        lines.append(f"prior for any pair: {PRIOR:+.1f}")
        return lines


_OUTCOMES: tuple[tuple[Outcome, ...], ...] = tuple(
    tuple(Outcome(f.name.lower(), *each) for each in OUTCOMES[f]) for f in Feature
)
"""Every feature's outcomes, made once (a fold builds three comparisons for every report)."""


def comparison_at(cols: Columns, scored: Scored, k: int) -> Comparison:
    """The comparison of the ``k``-th scored pair."""
    picked: list[int] = scored.outcomes[k].tolist()
    outcomes = tuple(each[i] for each, i in zip(_OUTCOMES, picked, strict=True))
    km, text = float(scored.distance_km[k]), float(scored.text_similarity[k])
    return Comparison(
        left=cols.ids[int(scored.left[k])],
        right=cols.ids[int(scored.right[k])],
        score=float(scored.score[k]),
        blocked_by=(),
        outcomes=outcomes,
        distance_km=None if math.isnan(km) else km,
        text_similarity=None if text < 0 else text,
    )


def compare(left: Sighting, right: Sighting) -> Comparison:
    """Compare two reports exactly as the linker does."""
    cols = Columns()
    cols.extend((left, right))
    a, b = np.array([0]), np.array([1])
    stopped = [w for w, hit in zip(BLOCKER_WORDS, blockers(cols, a, b), strict=False) if hit[0]]
    if not stopped:
        return comparison_at(cols, score_pairs(cols, a, b), 0)
    km = float(distances(cols, a, b)[0])
    return Comparison(
        left.report_id,
        right.report_id,
        -math.inf,
        tuple(stopped),
        (),
        None if math.isnan(km) else km,
        None,
    )
