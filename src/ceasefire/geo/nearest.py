"""The nearest point of a line, for many points at once, in plain numpy.

A GEOS distance walks every segment of the line for every point (about 10 µs a point for the
584-vertex border). Here the line is cut into runs of :data:`RUN` segments, each with its box
on the map. For a batch of points, the distance to the nearest run end bounds the answer from
above, the distance to each box bounds each run from below, and only the runs whose lower
bound is within the upper bound are searched segment by segment. The search is exact on the
map; it usually looks at two to six runs instead of all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from ceasefire.geo.spherical import Floats, from_map, haversine_km, to_map

RUN: Final = 16
"""Segments per run: small runs prune well, large ones cost fewer numpy calls."""
BATCH: Final = 2048
"""Points per batch: keeps the temporaries (batch x runs) in the CPU cache."""
_MARGIN_KM: Final = 0.05
"""More than single precision can be off by on map kilometres (about 1e-4 km at 2,000 km)."""


@dataclass(frozen=True)
class Nearest:
    """For each point: the distance in km to the line, and the nearest point of the line."""

    distance_km: Floats
    latitude: Floats
    longitude: Floats


class SegmentIndex:
    """A polyline (vertices in degrees) ready for nearest-point queries."""

    def __init__(self, lat: Floats, lon: Floats) -> None:
        if lat.shape != lon.shape or lat.ndim != 1 or len(lat) < 2:
            raise ValueError("a line needs two or more vertices, as two 1-D arrays")
        x, y = to_map(lat, lon)
        self._ax, self._ay = x[:-1], y[:-1]
        self._dx, self._dy = np.diff(x), np.diff(y)
        self._len2 = np.maximum(self._dx**2 + self._dy**2, 1e-12)
        starts = np.arange(0, len(x) - 1, RUN)
        self._runs = [(int(s), min(int(s) + RUN, len(x) - 1)) for s in starts]
        ends = np.append(starts, len(x) - 1)
        self._end_x, self._end_y = x[ends].astype(np.float32), y[ends].astype(np.float32)
        self._box = np.array(
            [
                (x[s : e + 1].min(), y[s : e + 1].min(), x[s : e + 1].max(), y[s : e + 1].max())
                for s, e in self._runs
            ],
            dtype=np.float32,
        )

    def nearest(self, lat: Floats, lon: Floats) -> Nearest:
        """The nearest point of the line to each point, and its great-circle distance."""
        foot_x, foot_y = np.empty(len(lat)), np.empty(len(lat))
        for start in range(0, len(lat), BATCH):
            part = slice(start, start + BATCH)
            px, py = to_map(lat[part], lon[part])
            foot_x[part], foot_y[part] = self._feet(px, py)
        foot_lat, foot_lon = from_map(foot_x, foot_y)
        return Nearest(haversine_km(lat, lon, foot_lat, foot_lon), foot_lat, foot_lon)

    def _feet(self, px: Floats, py: Floats) -> tuple[Floats, Floats]:
        # The bounds only choose runs, so single precision does, with a margin for its rounding.
        col_x, col_y = px.astype(np.float32)[:, None], py.astype(np.float32)[:, None]
        upper = ((col_x - self._end_x) ** 2 + (col_y - self._end_y) ** 2).min(axis=1)
        box = self._box
        gap_x = np.maximum(np.maximum(box[:, 0] - col_x, col_x - box[:, 2]), 0.0)
        gap_y = np.maximum(np.maximum(box[:, 1] - col_y, col_y - box[:, 3]), 0.0)
        margin = np.sqrt(upper) + _MARGIN_KM
        candidates = gap_x**2 + gap_y**2 <= (margin * margin)[:, None]
        best = np.full(len(px), np.inf)
        foot_x, foot_y = px.copy(), py.copy()
        for run, (first, last) in enumerate(self._runs):
            rows = np.flatnonzero(candidates[:, run])
            if len(rows):
                self._search(rows, first, last, px, py, best, foot_x, foot_y)
        return foot_x, foot_y

    def _search(
        self,
        rows: npt.NDArray[np.intp],
        first: int,
        last: int,
        px: Floats,
        py: Floats,
        best: Floats,
        foot_x: Floats,
        foot_y: Floats,
    ) -> None:
        """Search segments first..last-1 for the points ``rows``, improving best and feet."""
        ax, ay = self._ax[first:last], self._ay[first:last]
        dx, dy = self._dx[first:last], self._dy[first:last]
        x, y = px[rows, None], py[rows, None]
        t = np.clip(((x - ax) * dx + (y - ay) * dy) / self._len2[first:last], 0.0, 1.0)
        fx, fy = ax + t * dx, ay + t * dy
        d2 = (x - fx) ** 2 + (y - fy) ** 2
        pick = d2.argmin(axis=1)
        take = np.arange(len(rows))
        d2_best = d2[take, pick]
        better = d2_best < best[rows]
        rows = rows[better]
        best[rows] = d2_best[better]
        foot_x[rows] = fx[take, pick][better]
        foot_y[rows] = fy[take, pick][better]
