"""Candidate generation: which earlier reports a report could possibly describe the same event as.

Each report covers a box in (time bucket × grid cell) keys: its date window cut into buckets
of ``BUCKET_DAYS`` days and the square of side twice its location radius cut into cells. Two
reports that pass the time and distance blockers always share a key, so comparing only
reports that share one loses nothing. There are three levels so that a vague report does not
cover hundreds of fine cells:

- level 0: places known within 50 km, on a grid of 50 km cells;
- level 1: places known within 150 km (a province), on a grid of 150 km cells;
- level 2: a country, no place, or north of 40° — by time bucket only.

A pair is looked for at the coarser of its two levels, in the grid of that level, which holds
every report of that level or finer. ``batch_pairs`` does this for a whole array at once with
numpy; ``BucketIndex`` does it for one new report against the reports added before it. Both
give exactly the pairs that share a key, so the two linking paths agree.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Final

import numpy as np

from ceasefire.linking.columns import LATITUDE_LIMIT, Columns, Ints
from ceasefire.linking.features import KM_PER_DEGREE_LAT, KM_PER_DEGREE_LON

BUCKET_DAYS: Final = 4
CELL_KM: Final = (50.0, 150.0)
LEVELS: Final = 3
_LON_KM: Final = KM_PER_DEGREE_LON * math.cos(math.radians(LATITUDE_LIMIT))
"""Kilometres per degree of longitude at the latitude limit: the narrowest the grid assumes,
so a cell is never narrower than ``CELL_KM`` on the ground where the grid is used."""
_OFFSET: Final = 1 << 11
_CHUNK: Final = 1 << 18
_EXPAND_ROWS: Final = 1 << 15
_SLAB_ROWS: Final = 1 << 14


def _boxes(cols: Columns, rows: Ints, level: int) -> tuple[Ints, ...]:
    """Low and high key coordinates (t, x, y) of each row's box at ``level``."""
    t_lo = cols.int_column("wstart")[rows] // BUCKET_DAYS
    t_hi = cols.int_column("wend")[rows] // BUCKET_DAYS
    if level == LEVELS - 1:
        zero = np.zeros(len(rows), np.int64)
        return t_lo, t_hi, zero, zero, zero, zero
    cell = CELL_KM[level]
    radius = cols.float_column("radius")[rows]
    x = cols.float_column("lon")[rows] * _LON_KM
    y = cols.float_column("lat")[rows] * KM_PER_DEGREE_LAT
    x_lo, x_hi = np.floor((x - radius) / cell), np.floor((x + radius) / cell)
    y_lo, y_hi = np.floor((y - radius) / cell), np.floor((y + radius) / cell)
    boxes = (x_lo, x_hi, y_lo, y_hi)
    return (t_lo, t_hi, *(b.astype(np.int64) + _OFFSET for b in boxes))


def _key(t: Ints, x: Ints, y: Ints) -> Ints:
    return (t << 24) | (x << 12) | y


def _expand(cols: Columns, rows: Ints, level: int) -> tuple[Ints, Ints, Ints]:
    """Every (row, key) of the rows' boxes, and the box's low key of each (for dedup).

    Made ``_EXPAND_ROWS`` rows at a time: over a whole million-row array the temporaries
    outgrow the CPU's caches and the same arithmetic takes five times as long."""
    if len(rows) <= _EXPAND_ROWS:
        return _expand_some(cols, rows, level)
    parts = [
        _expand_some(cols, rows[start : start + _EXPAND_ROWS], level)
        for start in range(0, len(rows), _EXPAND_ROWS)
    ]
    owners, keys, lows = zip(*parts, strict=True)
    return np.concatenate(owners), np.concatenate(keys), np.concatenate(lows)


def _expand_some(cols: Columns, rows: Ints, level: int) -> tuple[Ints, Ints, Ints]:
    t_lo, t_hi, x_lo, x_hi, y_lo, y_hi = _boxes(cols, rows, level)
    nt, nx, ny = t_hi - t_lo + 1, x_hi - x_lo + 1, y_hi - y_lo + 1
    counts = nt * nx * ny
    owner = np.repeat(np.arange(len(rows)), counts)
    k = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    plane = (nx * ny)[owner]
    t = t_lo[owner] + k // plane
    x = x_lo[owner] + (k % plane) // ny[owner]
    y = y_lo[owner] + k % ny[owner]
    return rows[owner], _key(t, x, y), _key(t_lo, x_lo, y_lo)


def batch_pairs(cols: Columns) -> Iterator[tuple[Ints, Ints]]:
    """All candidate pairs (left < right), in chunks, each pair exactly once.

    At each level the (row, key) entries of every row at that level or finer are sorted by
    key; the rows *of* that level are a subset of them, so each of their entries finds the run
    of its key where it lies, in one linear pass, instead of a binary search per entry (a
    million random searches into the sorted keys missed the CPU's caches).

    The key space is cut into slabs of time buckets, each holding about ``_SLAB_ROWS`` rows'
    boxes, and each slab is expanded, sorted and joined on its own, so that its arrays stay in
    the CPU's caches whatever the size of the batch (sorted whole, a million reports' keys
    took 16 times as long as a hundred thousand's). A pair is emitted at one key, the low
    corner of the two boxes' intersection, whose time bucket is the later of the two boxes'
    first buckets: both rows have an entry there, in the one slab holding that bucket."""
    level = cols.int_column("level")
    for lv in range(LEVELS):
        if not (level == lv).any():
            continue
        rows_b = np.flatnonzero(level <= lv)
        t_lo = cols.int_column("wstart")[rows_b] // BUCKET_DAYS
        t_hi = cols.int_column("wend")[rows_b] // BUCKET_DAYS
        by_time = np.argsort(t_lo, kind="stable")
        rows_b, t_lo, t_hi = rows_b[by_time], t_lo[by_time], t_hi[by_time]
        low = np.zeros(len(cols), np.int64)
        low[rows_b] = _expand_low(cols, rows_b, lv)
        span = int((t_hi - t_lo).max())
        for first_bucket, end_bucket in _slabs(t_lo):
            begin = int(np.searchsorted(t_lo, first_bucket - span))
            end = int(np.searchsorted(t_lo, end_bucket))
            rows = rows_b[begin + np.flatnonzero(t_hi[begin:end] >= first_bucket)]
            yield from _slab_pairs(cols, rows, lv, (first_bucket, end_bucket), low, level)


def _slabs(t_lo: Ints) -> Iterator[tuple[int, int]]:
    """``[first, end)`` time buckets, each the first buckets of about ``_SLAB_ROWS`` rows
    (``t_lo`` sorted), together covering every row's first bucket."""
    starts = np.unique(t_lo[::_SLAB_ROWS]).tolist()
    bounds = [*starts, int(t_lo[-1]) + 1]
    yield from itertools.pairwise(bounds)


def _slab_pairs(
    cols: Columns, rows: Ints, lv: int, buckets: tuple[int, int], low: Ints, level: Ints
) -> Iterator[tuple[Ints, Ints]]:
    """The pairs whose key lies in the slab's time ``buckets``, from the boxes of ``rows``."""
    owners_b, keys_b, _ = _expand(cols, rows, lv)
    t = keys_b >> 24
    inside = (t >= buckets[0]) & (t < buckets[1])
    owners_b, keys_b = owners_b[inside], keys_b[inside]
    order = np.argsort(keys_b, kind="stable")
    owners_b, keys_b = owners_b[order], keys_b[order]
    lo, hi = _runs(keys_b)
    coarse = np.flatnonzero(level[owners_b] == lv)
    for start in range(0, len(coarse), _CHUNK):
        at = coarse[start : start + _CHUNK]
        yield _join(owners_b[at], keys_b[at], lo[at], hi[at], owners_b, low, level, lv)


def _runs(keys: Ints) -> tuple[Ints, Ints]:
    """For each entry of sorted ``keys``, the bounds of the run of equal keys it belongs to."""
    if not len(keys):
        return keys, keys
    first = np.empty(len(keys), bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    run = np.cumsum(first) - 1
    ends = np.append(starts[1:], len(keys))
    return starts[run], ends[run]


def _expand_low(cols: Columns, rows: Ints, level: int) -> Ints:
    t_lo, _, x_lo, _, y_lo, _ = _boxes(cols, rows, level)
    return _key(t_lo, x_lo, y_lo)


def _join(
    owners_a: Ints,
    keys_a: Ints,
    lo: Ints,
    hi: Ints,
    owners_b: Ints,
    low: Ints,
    level: Ints,
    lv: int,
) -> tuple[Ints, Ints]:
    """The pairs of each entry (owner, key) with every entry of its key's run [lo, hi)."""
    counts = hi - lo
    a = np.repeat(owners_a, counts)
    key = np.repeat(keys_a, counts)
    k = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    b = owners_b[np.repeat(lo, counts) + k]
    # The pair is emitted at one key only: the low corner of the two boxes' intersection.
    low_a, low_b = low[a], low[b]
    canonical = _key(*(np.maximum(_part(low_a, s), _part(low_b, s)) for s in (24, 12, 0)))
    keep = (key == canonical) & (a != b) & ((level[b] < lv) | (a < b))
    a, b = a[keep], b[keep]
    return np.minimum(a, b), np.maximum(a, b)


def _part(key: Ints, shift: int) -> Ints:
    return key >> shift if shift == 24 else (key >> shift) & 0xFFF


class BucketIndex:
    """The same keys, kept in dictionaries, for one report at a time."""

    def __init__(self, cols: Columns) -> None:
        self._cols = cols
        self._grids: list[dict[int, list[int]]] = [{} for _ in range(LEVELS)]

    def candidates(self, row: int) -> Ints:
        """Earlier rows sharing a key with ``row`` at the coarser of the two levels, sorted."""
        levels = self._cols.int_column("level")
        own = int(levels[row])
        found: set[int] = set()
        one = np.array([row])
        for lv in range(own, LEVELS):
            grid = self._grids[lv]
            for key in _expand(self._cols, one, lv)[1].tolist():
                found.update(r for r in grid.get(key, ()) if max(own, int(levels[r])) == lv)
        return np.array(sorted(found), np.int64)

    def add_rows(self, rows: Ints) -> None:
        """``add`` each of ``rows`` (in increasing order), their keys computed at once."""
        levels = self._cols.int_column("level")[rows]
        for lv in range(LEVELS):
            at = rows[levels <= lv]
            if not len(at):
                continue
            grid = self._grids[lv]
            owners, keys, _ = _expand(self._cols, at, lv)
            for owner, key in zip(owners.tolist(), keys.tolist(), strict=True):
                grid.setdefault(key, []).append(owner)

    def add(self, row: int) -> None:
        """Index ``row`` in the grid of its level and every coarser one."""
        own = int(self._cols.int_column("level")[row])
        one = np.array([row])
        for lv in range(own, LEVELS):
            grid = self._grids[lv]
            for key in _expand(self._cols, one, lv)[1].tolist():
                grid.setdefault(key, []).append(row)
