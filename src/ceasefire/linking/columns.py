"""Sightings stored column by column, so that thousands of pairs are compared at once.

Categorical values (act, event type, party, source) become integer codes in order of first
appearance; only their equality is ever used, so the codes need not match between two
``Columns`` — the batch and the one-by-one paths give the same answers all the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt

from ceasefire.domain.report_places import DatePrecision
from ceasefire.linking.model import (
    RADIUS_KM,
    SLACK_DAYS,
    Sighting,
)
from ceasefire.linking.normalise import actors_mask, name_mask, skeleton, token_mask

G = TypeVar("G", bound=np.generic)
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

ACT_FAMILIES: Final[Mapping[str, str]] = {
    "airstrike": "aerial",
    "drone_strike": "aerial",
    "artillery_fire": "ground",
    "armed_incursion": "ground",
    "attack_from_territory": "ground",
}
"""Acts that sources confuse for one another (a drone strike reported as an airstrike, shelling
as an incursion): different acts of one family are compatible, of different families not."""
LATITUDE_LIMIT: Final = 40.0
"""Beyond it the blocking grid's cells get narrower than designed: such reports go to the
coarse (time-only) index, so no pair is ever missed."""
DATE_CODES: Final = {DatePrecision.DAY: 0, DatePrecision.WEEK: 1, DatePrecision.MONTH: 2}
_INT_FIELDS: Final = ("start", "end", "wstart", "wend", "act", "family", "etype", "party")
_MORE_INTS: Final = ("source", "actors", "killed", "klow", "khigh", "level")
_MASKS: Final = ("text0", "text1", "place0", "place1")
_FLOAT_FIELDS: Final = ("lat", "lon", "coslat", "radius")
_SLACK: Final = dict(SLACK_DAYS)
_RADIUS: Final = dict(RADIUS_KM)


class Columns:
    """Append-only column store; ``ints``/``floats`` views are valid up to ``len(self)``.

    ``extend`` builds each column from the whole batch at once (one comprehension per field,
    normalised strings cached by value), so building costs a few microseconds per report.
    """

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.places: list[str] = []
        self._codes: dict[str, dict[str, int]] = {"act": {}, "etype": {}, "party": {}}
        self._codes |= {"source": {}, "family": {}}
        names = (*_INT_FIELDS, *_MORE_INTS, *_MASKS)
        self._ints = {name: np.zeros(0, np.int64) for name in names}
        self._floats = {name: np.zeros(0, np.float64) for name in _FLOAT_FIELDS}

    def __len__(self) -> int:
        return len(self.ids)

    def int_column(self, name: str) -> Ints:
        return self._ints[name][: len(self.ids)]

    def float_column(self, name: str) -> Floats:
        return self._floats[name][: len(self.ids)]

    def extend(self, sightings: Iterable[Sighting]) -> range:
        """Append sightings; returns their positions."""
        batch = list(sightings)
        first, n = len(self.ids), len(batch)
        if not n:
            return range(first, first)
        self.ids.extend(s.report_id for s in batch)
        self.places.extend(skeleton(s.place) if s.place else "" for s in batch)
        ints = self._int_columns(batch)
        floats = self._float_columns(batch)
        ints["level"] = _levels(floats["lat"], floats["radius"])
        size = first + n
        for name, values in ints.items():
            self._ints[name] = _grown(self._ints[name], first, size)
            self._ints[name][first:size] = values
        for name, fvalues in floats.items():
            self._floats[name] = _grown(self._floats[name], first, size)
            self._floats[name][first:size] = fvalues
        return range(first, size)

    def take(self, rows: Ints) -> Columns:
        """The sightings at ``rows``, in that order, as new columns (codes kept, so values
        compare equal across the two)."""
        taken = Columns()
        taken.ids = [self.ids[r] for r in rows.tolist()]
        taken.places = [self.places[r] for r in rows.tolist()]
        taken._codes = {field: dict(codes) for field, codes in self._codes.items()}
        taken._ints = {name: self.int_column(name)[rows] for name in self._ints}
        taken._floats = {name: self.float_column(name)[rows] for name in self._floats}
        return taken

    def _int_columns(self, batch: list[Sighting]) -> dict[str, Ints]:
        n = len(batch)
        start = np.fromiter((s.start.toordinal() for s in batch), np.int64, n)
        end = np.fromiter((s.end.toordinal() for s in batch), np.int64, n)
        slack = np.fromiter((_SLACK[s.date_precision] for s in batch), np.int64, n)
        acts = [s.act for s in batch]
        killed = np.fromiter((-1 if s.killed is None else s.killed for s in batch), np.int64, n)
        low = np.fromiter(
            (-1 if s.killed_low is None else s.killed_low for s in batch), np.int64, n
        )
        high = np.fromiter(
            (-1 if s.killed_high is None else s.killed_high for s in batch), np.int64, n
        )
        # A figure alone is its own range; a range without a best figure gives none.
        low = np.where((low < 0) | (killed < 0), killed, np.minimum(low, killed))
        high = np.where((high < 0) | (killed < 0), killed, np.maximum(high, killed))
        texts = [token_mask(s.text) for s in batch]
        places = [name_mask(s.place) if s.place else (0, 0) for s in batch]
        return {
            "start": start,
            "end": end,
            "wstart": start - slack,
            "wend": end + slack,
            "act": self._codes_of("act", acts),
            "family": self._codes_of(
                "family", [ACT_FAMILIES.get(a, a) if a else None for a in acts]
            ),
            "etype": self._codes_of("etype", [s.event_type for s in batch]),
            "party": self._codes_of("party", [s.party for s in batch]),
            "source": self._codes_of("source", [s.source or None for s in batch]),
            "actors": np.fromiter((actors_mask(s.actors) for s in batch), np.int64, n),
            "killed": killed,
            "klow": low,
            "khigh": high,
            "text0": np.fromiter((t[0] for t in texts), np.int64, n),
            "text1": np.fromiter((t[1] for t in texts), np.int64, n),
            "place0": np.fromiter((p[0] for p in places), np.int64, n),
            "place1": np.fromiter((p[1] for p in places), np.int64, n),
        }

    def _float_columns(self, batch: list[Sighting]) -> dict[str, Floats]:
        n = len(batch)
        nan = math.nan
        lat = np.fromiter((nan if s.latitude is None else s.latitude for s in batch), np.float64, n)
        lon = np.fromiter(
            (nan if s.longitude is None else s.longitude for s in batch), np.float64, n
        )
        radius = np.fromiter((_RADIUS[s.location_precision] for s in batch), np.float64, n)
        unplaced = np.isnan(lat)
        return {
            "lat": lat,
            "lon": lon,
            "coslat": np.where(unplaced, 0.0, np.cos(np.radians(np.nan_to_num(lat)))),
            "radius": np.where(unplaced, math.inf, radius),
        }

    def _codes_of(self, field: str, values: list[str | None]) -> Ints:
        codes = self._codes[field]
        return np.fromiter(
            (-1 if v is None else codes.setdefault(v, len(codes)) for v in values),
            np.int64,
            len(values),
        )


def _levels(lat: Floats, radius: Floats) -> Ints:
    """The blocking level: 0 for fine places (≤ 50 km), 1 for provinces (≤ 150 km), 2 for the
    rest, the unplaced, and places beyond ``LATITUDE_LIMIT``."""
    with np.errstate(invalid="ignore"):
        level = np.where(radius <= 50.0, 0, np.where(radius <= 150.0, 1, 2))
        return np.where(np.isnan(lat) | (np.abs(lat) > LATITUDE_LIMIT), 2, level).astype(np.int64)


def _grown(array: npt.NDArray[G], used: int, needed: int) -> npt.NDArray[G]:
    if needed <= len(array):
        return array
    bigger = np.zeros(max(needed, 2 * len(array), 64), array.dtype)
    bigger[:used] = array[:used]
    return bigger
