"""Where a report is, against the agreement in force: the border, the sectors, the place names.

The geometry and the gazetteer are :mod:`ceasefire.geo` (real boundary and GeoNames data); this
module supplies what the agreement adds — its sectors and the places it names that gazetteers
lack — and answers the two questions the mechanism asks of any location: which side of the
border (with its precision taken into account) and which place a name means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Final

from ceasefire.domain.agreements import Agreement
from ceasefire.domain.report_places import GeoPrecision, Location
from ceasefire.errors import InvalidInput
from ceasefire.geo import (
    BorderPosition,
    Gazetteer,
    Lookup,
    PlaceKind,
    Side,
    default_boundary,
    haversine_km,
)
from ceasefire.geo.boundary import COUNTRY_NAMES
from ceasefire.services.agreements import require_in_force
from ceasefire.services.ports import Store


def agreement_of(store: Store) -> Agreement:
    return require_in_force(store).agreement


def position(
    agreement: Agreement, latitude: float, longitude: float, precision: GeoPrecision
) -> BorderPosition:
    """The side of the border a point lies on (``undetermined`` when its precision reaches the
    line), its distance from the line and the agreement's sector holding it."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidInput(
            f"expected latitude -90..90 and longitude -180..180, found {latitude}, {longitude}",
            field="latitude",
        )
    return default_boundary().position(latitude, longitude, precision, agreement.sectors)


@dataclass(frozen=True)
class PlaceCheck:
    """A report's point measured (its side of the border, its distance from the line, the
    sector holding it) and what in the report's own words about it the measurement contradicts:
    one sentence per contradiction, none when all agree. A contradiction is shown, not refused:
    the established datasets hold such rows (the UCDP GED of Pakistan places a few of its
    events in Afghanistan), and a monitor weighs them rather than never seeing them."""

    position: BorderPosition
    """Measured; its ``sector`` is the one the report names unless the point contradicts it,
    else the one the point lies in (so a report that names no sector still has one)."""
    flags: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        at = self.position
        return {
            "side": at.side.value,
            "country": at.country,
            "border_km": round(at.distance_km, 1),
            "radius_km": at.radius_km,
            "sector": at.sector,
            "reason": at.reason,
            "flags": list(self.flags),
        }


def check_place(agreement: Agreement, location: Location) -> PlaceCheck:
    """:func:`position` of a report's location, and where it contradicts the country and the
    sector the report names. The uncertainty of the location's precision code is granted: a
    point whose disc reaches the border agrees with either country, and a point within its
    radius of a sector's box agrees with that sector. A point in neither country is not
    flagged: the mechanism's question is which of the two sides, and the shipped boundary leaves
    out the areas it counts as disputed (UCDP places events on the Line of Control in
    Pakistan)."""
    at = position(agreement, location.latitude, location.longitude, location.precision)
    flags: list[str] = []
    said = location.country
    if said is not None and at.side in (Side.PK, Side.AF) and at.side.value != said:
        flags.append(
            f"the report says {_country_name(said)}, but {at.reason[:1].lower()}{at.reason[1:]}"
        )
    named, sector = location.sector, at.sector
    if named is not None and named != at.sector:
        box = next(s.bbox for s in agreement.sectors if s.id == named)  # admission checked it
        away = _km_outside(box, location.latitude, location.longitude)
        if at.radius_km is None or away <= at.radius_km:
            sector = named  # of two boxes that may both hold the point, the one the report names
        else:
            flags.append(
                f"the report names sector {named}, but the point lies {away:.0f} km outside its "
                f"box, beyond the {at.radius_km:g} km uncertainty of a location given as "
                f"{location.precision.value!r}"
            )
    far = _far_from_its_name(agreement, location, at.radius_km)
    if far is not None:
        flags.append(far)
    return PlaceCheck(replace(at, sector=sector), tuple(flags))


NAME_SLACK_KM: Final = 15.0
"""What a town's own extent and a gazetteer point's rounding add to a location's radius before
a place name and a point are said to disagree."""


def _far_from_its_name(
    agreement: Agreement, location: Location, radius_km: float | None
) -> str | None:
    """A flag when the town or village the report names lies farther from its point than the
    location's precision allows: every place of that name is measured (an ambiguous name
    agrees if any of its places does); a name the gazetteer lacks, or one of a province or a
    country, is not judged. Nor is a town of that name in another province than the one the
    report names, when the gazetteer knows it: the gazetteer holds the towns of 500 people or
    more, so a village it lacks may share its name with a town far away ("Kahuta village" in
    Azad Kashmir is not Kahuta in Punjab). The country the report names does not narrow: the
    web form derives it from the point, and so it would hide a town named in the other
    country."""
    if location.place is None or radius_km is None:
        return None
    places = gazetteer(agreement)
    named = places.lookup(location.place, suggest=False)
    provinces = places.admin1_codes(location.admin1) if location.admin1 else set()
    towns = [
        p
        for p in named.candidates
        if p.kind is PlaceKind.PLACE and (not provinces or p.admin1_code in provinces)
    ]
    if not towns:
        return None
    lat, lon = location.latitude, location.longitude
    away = min(float(haversine_km(lat, lon, p.latitude, p.longitude)) for p in towns)
    if away <= radius_km + NAME_SLACK_KM:
        return None
    nearest = min(towns, key=lambda p: float(haversine_km(lat, lon, p.latitude, p.longitude)))
    where = ", ".join(x for x in (nearest.name, nearest.admin1) if x)
    return (
        f"the report names {location.place}, but the nearest place of that name ({where}) lies "
        f"{away:.0f} km from the point, beyond the {radius_km:g} km uncertainty of a location "
        f"given as {location.precision.value!r}"
    )


def report_place(store: Store, body: Mapping[str, Any] | None) -> PlaceCheck | None:
    """:func:`check_report_place` against the agreement in force."""
    return check_report_place(agreement_of(store), body)


def check_report_place(agreement: Agreement, body: Mapping[str, Any] | None) -> PlaceCheck | None:
    """:func:`check_place` of a report's body as its reader sees it; None when the reader sees
    no location, or sees it blurred: a blurred point is moved on purpose, and a measurement of
    the true one (how far from the line, which sector) would undo the protection."""
    location = (body or {}).get("location")
    if not isinstance(location, Mapping) or "blurred_km" in location:
        return None
    return check_place(
        agreement,
        Location(
            float(location["latitude"]),
            float(location["longitude"]),
            GeoPrecision(location["precision"]),
            place=location.get("place"),
            admin1=location.get("admin1"),
            country=location.get("country"),
            sector=location.get("sector"),
        ),
    )


def _country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code, code)


def _km_outside(
    bbox: tuple[float, float, float, float], latitude: float, longitude: float
) -> float:
    """How far a point lies outside a box (west, south, east, north): 0 inside it."""
    west, south, east, north = bbox
    nearest_lat, nearest_lon = min(max(latitude, south), north), min(max(longitude, west), east)
    return float(haversine_km(latitude, longitude, nearest_lat, nearest_lon))


def lookup(
    agreement: Agreement,
    name: str,
    *,
    country: str | None = None,
    admin1: str | None = None,
    kind: PlaceKind | None = None,
) -> Lookup:
    """The places a name means: GeoNames, the provinces, and the agreement's own places."""
    if not name.strip():
        raise InvalidInput("must not be empty", field="name")
    return gazetteer(agreement).lookup(name, country=country, admin1=admin1, kind=kind)


@cache
def gazetteer(agreement: Agreement) -> Gazetteer:
    """The gazetteer with the places of this version of the agreement (built once each)."""
    return Gazetteer.default(agreement.places)
