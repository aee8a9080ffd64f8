"""Which side of the Afghanistan–Pakistan border a point lies on, and how far from it.

The border is Natural Earth's (1:10m, public domain; ``data/README.md``): the two country
polygons and the line they share. A report's point comes with a precision code, and each code
means a disc of uncertainty around the point (:data:`RADIUS_KM`). The side is decided only when
the disc stays on one side:

- ``PK`` or ``AF`` when the point lies in that country and the whole disc does too;
- ``undetermined`` when the disc reaches the border line (the distance is at most the radius);
- ``outside`` when the point lies in neither country and its disc does not reach the line.

A location known only to the country (``country`` precision) keeps that country's side: it is
somewhere in the country, possibly at the border. This is how the mechanism answers "was the
act launched from Afghan soil?" without claiming more than the report says.

:class:`Boundary` is built once (prepared polygons, a segment index); :meth:`Boundary.position`
answers for one point and explains itself, :meth:`Boundary.classify` answers for numpy arrays.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape

from ceasefire.domain.report_places import GeoPrecision
from ceasefire.domain.sectors import SectorLike, Sectors
from ceasefire.errors import InvalidInput
from ceasefire.geo.nearest import SegmentIndex
from ceasefire.geo.spherical import Floats

COUNTRIES_FILE: Final = "ne_10m_admin0_afg_pak.geojson"
LINE_FILE: Final = "afg_pak_border_line.geojson"

RADIUS_KM: Final[Mapping[GeoPrecision, float | None]] = {
    GeoPrecision.EXACT: 1.0,
    GeoPrecision.NEAR: 25.0,
    GeoPrecision.DISTRICT: 50.0,
    GeoPrecision.PROVINCE: 150.0,
    GeoPrecision.COUNTRY: None,
}
"""The uncertainty radius of each precision code; ``None`` is the whole country."""

COUNTRY_NAMES: Final = {"PK": "Pakistan", "AF": "Afghanistan"}


class Side(StrEnum):
    PK = "PK"
    AF = "AF"
    UNDETERMINED = "undetermined"
    OUTSIDE = "outside"


SIDES: Final = (Side.OUTSIDE, Side.PK, Side.AF, Side.UNDETERMINED)
"""The side of each code in :attr:`Classification.codes`: ``SIDES[code]``."""


@dataclass(frozen=True)
class BorderPosition:
    """Where a point stands with respect to the border, with the reason in one sentence."""

    latitude: float
    longitude: float
    precision: GeoPrecision
    side: Side
    country: str | None
    """The country the point itself lies in (``PK``, ``AF``), whatever its disc."""
    distance_km: float
    radius_km: float | None
    sector: str | None
    reason: str


@dataclass(frozen=True)
class Classification:
    """Sides (as codes into :data:`SIDES`) and distances in km, one per point."""

    codes: npt.NDArray[np.int8]
    distance_km: Floats

    def sides(self) -> list[Side]:
        return [SIDES[code] for code in self.codes.tolist()]


class Boundary:
    """The two countries and their shared border line, ready for many queries."""

    def __init__(self, pakistan: Any, afghanistan: Any, line: Any) -> None:
        self._pk, self._af = pakistan, afghanistan
        shapely.prepare(self._pk)
        shapely.prepare(self._af)
        self.line = line
        coords = np.asarray(shapely.get_coordinates(line), dtype=np.float64)
        self._index = SegmentIndex(coords[:, 1].copy(), coords[:, 0].copy())

    @classmethod
    def load(cls) -> Boundary:
        """The boundary shipped with ceasefire (Natural Earth 1:10m)."""
        countries = {
            feature["properties"]["ISO_A2"]: shape(feature["geometry"])
            for feature in _read_geojson(COUNTRIES_FILE)["features"]
        }
        line = shape(_read_geojson(LINE_FILE)["features"][0]["geometry"])
        return cls(countries["PK"], countries["AF"], line)

    def country_at(self, latitude: float, longitude: float) -> str | None:
        """``PK`` or ``AF`` for a point inside that country, else None."""
        return _country(self.country_codes(np.array([latitude]), np.array([longitude]))[0])

    def country_codes(self, lat: Floats, lon: Floats) -> npt.NDArray[np.int8]:
        """1 in Pakistan, 2 in Afghanistan, 0 elsewhere (see :data:`SIDES`)."""
        codes = np.zeros(len(lat), dtype=np.int8)
        codes[shapely.contains_xy(self._pk, lon, lat)] = 1
        codes[shapely.contains_xy(self._af, lon, lat)] = 2
        return codes

    def distances_km(self, lat: Floats, lon: Floats) -> Floats:
        """The great-circle distance from each point to the border line, in km."""
        return self._index.nearest(lat, lon).distance_km

    def classify(self, lat: Floats, lon: Floats, radius_km: float | Floats) -> Classification:
        """Side and distance for arrays of points with a radius each (or one for all).

        An infinite or NaN radius stands for ``country`` precision: the point's country.
        """
        lat, lon = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        if lat.shape != lon.shape or lat.ndim != 1:
            raise InvalidInput("expected two 1-D arrays of the same length", field="latitude")
        radius = np.broadcast_to(np.asarray(radius_km, dtype=np.float64), lat.shape)
        codes = self.country_codes(lat, lon)
        distance = self.distances_km(lat, lon)
        codes[np.isfinite(radius) & (distance <= radius)] = SIDES.index(Side.UNDETERMINED)
        return Classification(codes, distance)

    def position(
        self,
        latitude: float,
        longitude: float,
        precision: GeoPrecision,
        sectors: Sequence[SectorLike] = (),
    ) -> BorderPosition:
        """The side of the border, the distance to it and the sector, for one report point."""
        return self.positions([latitude], [longitude], [precision], sectors)[0]

    def positions(
        self,
        latitudes: Sequence[float],
        longitudes: Sequence[float],
        precisions: Sequence[GeoPrecision],
        sectors: Sequence[SectorLike] = (),
    ) -> list[BorderPosition]:
        """:meth:`position` of many points, measured at once (a list of incidents)."""
        radii = [RADIUS_KM[p] for p in precisions]
        lat, lon = np.array(latitudes, np.float64), np.array(longitudes, np.float64)
        found = self.classify(lat, lon, np.array([np.inf if r is None else r for r in radii]))
        countries = self.country_codes(lat, lon).tolist()
        measured = zip(found.codes.tolist(), found.distance_km.tolist(), countries, strict=True)
        boxes = Sectors.of(sectors)
        placed = []
        for latitude, longitude, precision, radius, (code, distance, inside) in zip(
            latitudes, longitudes, precisions, radii, measured, strict=True
        ):
            side, country = SIDES[code], _country(inside)
            placed.append(
                BorderPosition(
                    latitude,
                    longitude,
                    precision,
                    side,
                    country,
                    distance,
                    radius,
                    boxes.holding(latitude, longitude),
                    _reason(side, country, distance, radius, precision),
                )
            )
        return placed


@cache
def default_boundary() -> Boundary:
    """The shipped boundary, loaded once per process."""
    return Boundary.load()


def sector_of(latitude: float, longitude: float, sectors: Sequence[SectorLike]) -> str | None:
    """The id of the sector whose box holds the point; of several, the one whose box centre is
    nearest, on the plane of :mod:`ceasefire.domain.sectors` (one east–west scale for the
    agreement: the arithmetic the report list's SQL filter uses, so the two agree exactly);
    None when no box holds it."""
    return Sectors.of(sectors).holding(latitude, longitude)


def _country(code: int) -> str | None:
    side = SIDES[code]
    return None if side is Side.OUTSIDE else side.value


def _reason(
    side: Side, country: str | None, distance: float, radius: float | None, precision: GeoPrecision
) -> str:
    where = f"in {COUNTRY_NAMES[country]}" if country else "in neither Pakistan nor Afghanistan"
    if radius is None:
        if country is None:
            return f"Only the country is known, and the point lies {where}."
        return f"Only the country is known: somewhere {where}, possibly at the border."
    away = f"{distance:.1f} km from the border line"
    disc = f"the {radius:g} km uncertainty of a location given as {precision.value!r}"
    if side is Side.UNDETERMINED:
        return f"The point lies {where}, {away}: within {disc}, which reaches both sides."
    return f"The point lies {where}, {away}: beyond {disc}."


def _read_geojson(name: str) -> dict[str, Any]:
    text = files("ceasefire.geo").joinpath("data", name).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document
