"""The sector a report is in: the one it names, else the one its point lies in.

A report may name the agreement's sector it lies in (``location.sector``); the rows imported
from ACLED and UCDP never do. Every list, filter and count by sector therefore files a report
under :meth:`Sectors.of_place`: the sector its location names, or, when it names none, the one
its point lies in (:meth:`Sectors.holding`) — the point as the reader sees it, so that a
blurred place is measured where it is shown and a filter cannot locate the true one.

The point's sector is the one whose box holds it; of several, the one whose box centre is
nearest; of equally near ones, the first in the agreement. "Nearest" is measured on a plane:
degrees of latitude as they are, degrees of longitude shrunk by the cosine of one latitude for
the whole agreement, midway between its southernmost and northernmost sector centres
(:attr:`Sectors.scale`). One scale for every sector makes "nearest" a ranking by one number per
sector (:meth:`Sectors.distance`), so a point that boxes hold has exactly one sector however
many boxes overlap there; and that number is two subtractions, three multiplications and an
addition of doubles, which SQL computes exactly as Python does. ``storage.report_queries``
filters by sector with this very arithmetic, and ``tests/integration/test_sector_rule.py`` holds
the two to agree, on SQLite and PostgreSQL, for random points and boxes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class SectorLike(Protocol):
    """A sector of the agreement as the geography needs it: an id and a box
    ``(min_lon, min_lat, max_lon, max_lat)``. :class:`ceasefire.domain.agreements.Sector` is one.
    """

    @property
    def id(self) -> str: ...

    @property
    def bbox(self) -> tuple[float, float, float, float]: ...


@dataclass(frozen=True)
class SectorBox:
    """A sector given as plain values (see :class:`SectorLike`)."""

    id: str
    bbox: tuple[float, float, float, float]

    @property
    def centre(self) -> tuple[float, float]:
        """The centre of the box, ``(latitude, longitude)``."""
        west, south, east, north = self.bbox
        return (south + north) / 2, (west + east) / 2

    def holds(self, latitude: float, longitude: float) -> bool:
        """Whether the point lies in the box, its edges included."""
        west, south, east, north = self.bbox
        return west <= longitude <= east and south <= latitude <= north

    def meets(self, other: SectorBox) -> bool:
        """Whether some point lies in both boxes (edges included)."""
        west, south, east, north = self.bbox
        o_west, o_south, o_east, o_north = other.bbox
        return west <= o_east and o_west <= east and south <= o_north and o_south <= north


@dataclass(frozen=True)
class Sectors:
    """The agreement's sector boxes, in its order, and the east–west scale of the plane on
    which the nearest centre is found (see the module docstring)."""

    boxes: tuple[SectorBox, ...]
    scale: float
    """The square of the cosine of the latitude midway between the southernmost and the
    northernmost centre: what a squared degree of longitude weighs against one of latitude."""

    @classmethod
    def of(cls, sectors: Iterable[SectorLike]) -> Sectors:
        boxes = tuple(SectorBox(sector.id, sector.bbox) for sector in sectors)
        latitudes = [box.centre[0] for box in boxes]
        if not latitudes:
            return cls(boxes, 1.0)
        midway = (min(latitudes) + max(latitudes)) / 2
        return cls(boxes, math.cos(math.radians(midway)) ** 2)

    def box(self, sector: str) -> SectorBox | None:
        return next((box for box in self.boxes if box.id == sector), None)

    def distance(self, box: SectorBox, latitude: float, longitude: float) -> float:
        """How far the point lies from the box's centre, as the square of the distance on the
        plane in degrees of latitude: the one number the nearest centre is chosen by.
        ``storage.report_queries`` writes the same operations, in the same order, in SQL."""
        centre_lat, centre_lon = box.centre
        east, north = longitude - centre_lon, latitude - centre_lat
        return self.scale * east * east + north * north

    def holding(self, latitude: float, longitude: float) -> str | None:
        """The id of the sector the point lies in: of the boxes that hold it, the one whose
        centre is nearest (:meth:`distance`), the first in the agreement of equally near ones;
        None when no box holds it."""
        holding = [box for box in self.boxes if box.holds(latitude, longitude)]
        if not holding:
            return None
        return min(holding, key=lambda box: self.distance(box, latitude, longitude)).id

    def rivals(self, sector: str) -> list[tuple[SectorBox, bool]]:
        """The other boxes that can hold a point together with ``sector``'s, each with whether
        ``sector`` takes a point both hold at an equal distance (it comes first): a point of
        ``sector``'s box is its own when it is nearer than every rival that also holds it."""
        mine = self.box(sector)
        if mine is None:
            return []
        found: list[tuple[SectorBox, bool]] = []
        mine_first = False
        for box in self.boxes:
            if box is mine:
                mine_first = True
            elif box.meets(mine):
                found.append((box, mine_first))
        return found

    def of_place(self, location: Mapping[str, Any] | None) -> str | None:
        """The sector a report's location is in, as the reader sees it (the body's
        ``location`` or its public view): the one it names, else the one its point lies in."""
        if not location:
            return None
        named = location.get("sector")
        if named is not None:
            return str(named)
        latitude, longitude = location.get("latitude"), location.get("longitude")
        if latitude is None or longitude is None:
            return None
        return self.holding(float(latitude), float(longitude))


NO_SECTORS = Sectors((), 1.0)
"""No boxes: a report is in the sector it names, or in none."""
