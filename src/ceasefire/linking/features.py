"""Comparing reports pairwise: hard blockers, then features that each add log-odds points.

Every feature has a few *outcomes*, and every outcome a fixed number of points (roughly the
log-odds that two reports agreeing or disagreeing this way describe one event, set by hand
and checked on the benchmark set, see ``docs/linking.md``). A pair's score is ``PRIOR`` plus
its outcomes' points; it links when the score reaches ``THRESHOLD``. Pairs are scored as
arrays, and one pair's ``Comparison`` is read from the same arrays, so the explanation is
always the arithmetic that decided.

Hard blockers — the pair is never a link — are: time windows (widened by both date
precisions) that do not meet; a distance beyond the sum of both location radii; acts of
different families.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from ceasefire.linking.columns import Columns, Floats, Ints

PRIOR: Final = -0.4
THRESHOLD: Final = 0.0
VETO: Final = -1.0
INCIDENT_THRESHOLD: Final = 0.0
KM_PER_DEGREE_LAT: Final = 110.57
KM_PER_DEGREE_LON: Final = 111.32


class Feature(IntEnum):
    TIME = 0
    DISTANCE = 1
    ACT = 2
    EVENT_TYPE = 3
    PARTY = 4
    ACTORS = 5
    KILLED = 6
    TEXT = 7
    PLACE = 8
    SOURCE = 9


OUTCOMES: Final[dict[Feature, tuple[tuple[str, float], ...]]] = {
    Feature.TIME: (("same dates", 1.4), ("dates overlap", -1.5), ("dates apart, in window", -0.9)),
    Feature.DISTANCE: (
        ("place unknown", 0.0),
        ("close together", 0.8),
        ("within both precisions", -0.5),
        ("far apart, at the edge of both precisions", -6.3),
    ),
    Feature.ACT: (("act unknown", -0.1), ("same act", 0.0), ("related acts", 0.1)),
    Feature.EVENT_TYPE: (("type unknown", 0.0), ("same type", -0.1), ("different types", 0.0)),
    Feature.PARTY: (("party unknown", 0.0), ("same party", -0.2), ("different parties", 0.4)),
    Feature.ACTORS: (("actors unknown", 0.3), ("shared actor", 0.0), ("no shared actor", -0.4)),
    Feature.KILLED: (
        ("killed unknown", -0.3),
        ("same killed figure", 1.5),
        ("killed figure within the other's range", 0.1),
        ("killed agree", -0.1),
        ("killed roughly agree", -0.2),
        ("killed disagree", -1.8),
    ),
    Feature.TEXT: (
        ("no distinctive words", -0.5),
        ("same distinctive words", 1.5),
        ("most distinctive words shared", 0.5),
        ("some distinctive words shared", -0.3),
        ("few distinctive words shared", -0.8),
        ("no distinctive word shared", -0.8),
    ),
    Feature.PLACE: (
        ("place name unknown", 0.0),
        ("same place name", 1.0),
        ("similar place name", 0.1),
        ("place named in the other's narrative", -0.1),
        ("different place names", -2.0),
        ("different place names, one only a district or wider", -2.0),
    ),
    Feature.SOURCE: (
        ("different sources", 0.1),
        ("same source, different text", -5.3),
        ("same source, same text", -1.6),
    ),
}
_POINTS: Final = [np.array([p for _, p in OUTCOMES[f]]) for f in Feature]


@dataclass(frozen=True, slots=True)
class Scored:
    """The pairs ``left[k]``–``right[k]`` that no blocker stopped, with score and outcomes."""

    left: Ints
    right: Ints
    score: Floats
    outcomes: npt.NDArray[np.int8]
    """One row per pair, one column per ``Feature``: the outcome's index in ``OUTCOMES``."""
    distance_km: Floats
    text_similarity: Floats


def distances(cols: Columns, a: Ints, b: Ints) -> Floats:
    """Kilometres between the pairs' points (equirectangular; NaN when either is unplaced)."""
    lat, lon, coslat = (
        cols.float_column("lat"),
        cols.float_column("lon"),
        cols.float_column("coslat"),
    )
    dx = (lon[a] - lon[b]) * KM_PER_DEGREE_LON * ((coslat[a] + coslat[b]) * 0.5)
    dy = (lat[a] - lat[b]) * KM_PER_DEGREE_LAT
    return np.sqrt(dx * dx + dy * dy)


def blockers(cols: Columns, a: Ints, b: Ints) -> tuple[npt.NDArray[np.bool_], ...]:
    """(time, distance, act) blockers of each pair, and whether any applies (last)."""
    ws, we = cols.int_column("wstart"), cols.int_column("wend")
    time = (ws[a] > we[b]) | (ws[b] > we[a])
    radius = cols.float_column("radius")
    with np.errstate(invalid="ignore"):
        space = distances(cols, a, b) > radius[a] + radius[b]
    family = cols.int_column("family")
    act = (family[a] >= 0) & (family[b] >= 0) & (family[a] != family[b])
    return time, space, act, time | space | act


def score_pairs(cols: Columns, a: Ints, b: Ints) -> Scored:
    """Score the pairs that pass the blockers (blocked pairs are left out)."""
    keep = ~blockers(cols, a, b)[-1]
    a, b = a[keep], b[keep]
    out = np.zeros((len(a), len(Feature)), np.int8)
    km = distances(cols, a, b)
    out[:, Feature.TIME] = _time(cols, a, b)
    out[:, Feature.DISTANCE] = _distance(cols, a, b, km)
    act = cols.int_column("act")
    out[:, Feature.ACT] = np.where((act[a] < 0) | (act[b] < 0), 0, np.where(act[a] == act[b], 1, 2))
    for feature, name in ((Feature.EVENT_TYPE, "etype"), (Feature.PARTY, "party")):
        column = cols.int_column(name)
        out[:, feature] = _equal(column[a], column[b])
    masks = cols.int_column("actors")
    shared = (masks[a] & masks[b]) != 0
    out[:, Feature.ACTORS] = np.where((masks[a] == 0) | (masks[b] == 0), 0, np.where(shared, 1, 2))
    out[:, Feature.KILLED] = _killed(cols, a, b)
    similarity = _text_similarity(cols, a, b)
    out[:, Feature.TEXT] = _text_outcome(similarity)
    out[:, Feature.PLACE] = _place(cols, a, b)
    source = cols.int_column("source")
    same_source = (source[a] >= 0) & (source[a] == source[b])
    out[:, Feature.SOURCE] = np.where(same_source, np.where(similarity >= 90.0, 2, 1), 0)
    score = np.full(len(a), PRIOR)
    for feature in Feature:
        score += _POINTS[feature][out[:, feature]]
    return Scored(a, b, score, out, km, similarity)


def _equal(x: Ints, y: Ints) -> Ints:
    return np.where((x < 0) | (y < 0), 0, np.where(x == y, 1, 2))


def _time(cols: Columns, a: Ints, b: Ints) -> Ints:
    start, end = cols.int_column("start"), cols.int_column("end")
    same = (start[a] == start[b]) & (end[a] == end[b])
    overlap = (start[a] <= end[b]) & (start[b] <= end[a])
    return np.where(same, 0, np.where(overlap, 1, 2))


def _distance(cols: Columns, a: Ints, b: Ints, km: Floats) -> Ints:
    allowed = cols.float_column("radius")[a] + cols.float_column("radius")[b]
    with np.errstate(invalid="ignore"):
        close = (km <= 0.25 * allowed) | (km <= 2.0)
        within = km <= 0.6 * allowed
    return np.where(np.isnan(km), 0, np.where(close, 1, np.where(within, 2, 3)))


def _killed(cols: Columns, a: Ints, b: Ints) -> Ints:
    """Figures compared as ranges (a lone figure is its own range)."""
    best, low, high = cols.int_column("killed"), cols.int_column("klow"), cols.int_column("khigh")
    top = np.maximum(low[a], low[b])
    bottom = np.minimum(high[a], high[b])
    unknown = (best[a] < 0) | (best[b] < 0)
    same = best[a] == best[b]
    overlap = top <= bottom
    agree = (top - bottom <= 1) | (bottom * 4 >= top * 3)
    rough = (top - bottom <= 3) | (bottom * 2 >= top)
    return np.select([unknown, same, overlap, agree, rough], [0, 1, 2, 3, 4], 5).astype(np.int64)


def _popcount(x: Ints) -> Ints:
    return np.bitwise_count(x).astype(np.int64)


def _text_similarity(cols: Columns, a: Ints, b: Ints) -> Floats:
    """Dice coefficient (0–100) of the two texts' distinctive tokens; −1 when either has none."""
    t0, t1 = cols.int_column("text0"), cols.int_column("text1")
    shared = _popcount(t0[a] & t0[b]) + _popcount(t1[a] & t1[b])
    size_a, size_b = _popcount(t0[a]) + _popcount(t1[a]), _popcount(t0[b]) + _popcount(t1[b])
    total = size_a + size_b
    with np.errstate(invalid="ignore", divide="ignore"):
        dice = 200.0 * shared / total
    return np.where((size_a == 0) | (size_b == 0), -1.0, dice)


def _text_outcome(similarity: Floats) -> Ints:
    bands = np.select(
        [similarity < 0, similarity >= 80, similarity >= 50, similarity >= 30, similarity > 0],
        [0, 1, 2, 3, 4],
        5,
    )
    return bands.astype(np.int64)


def _place(cols: Columns, a: Ints, b: Ints) -> Ints:
    places = cols.places
    left = [places[i] for i in a.tolist()]
    right = [places[i] for i in b.tolist()]
    if not left:
        return np.zeros(0, np.int64)
    ratio = np.asarray(process.cpdist(left, right, scorer=fuzz.ratio, dtype=np.float64, workers=-1))
    unknown = np.array([not p for p in left]) | np.array([not p for p in right])
    named = _named_in(cols, a, b) | _named_in(cols, b, a)
    radius = cols.float_column("radius")
    vague = np.maximum(radius[a], radius[b]) >= 50.0
    return np.select([unknown, ratio >= 90, ratio >= 75, named, ~vague], [0, 1, 2, 3, 4], 5).astype(
        np.int64
    )


def _named_in(cols: Columns, a: Ints, b: Ints) -> npt.NDArray[np.bool_]:
    """Whether every distinctive word of ``a``'s place name is in ``b``'s narrative."""
    p0, p1 = cols.int_column("place0")[a], cols.int_column("place1")[a]
    t0, t1 = cols.int_column("text0")[b], cols.int_column("text1")[b]
    named: npt.NDArray[np.bool_] = ((p0 | p1) != 0) & ((p0 & ~t0) == 0) & ((p1 & ~t1) == 0)
    return named
