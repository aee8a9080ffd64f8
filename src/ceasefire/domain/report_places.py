"""Where and when a report's event happened: its dates, its location, and blurring.

Like every report part (:mod:`ceasefire.domain.report_parts`), each is a frozen dataclass whose
constructor checks its invariants, with a ``parse_*`` function that reads it from a body and a
``*_body`` function that writes the canonical body back, so that ``parse(body(x)) == x``. A
location may ask to be blurred in every public view (:func:`public_location`), to protect the
person who reported it.

Precision codes follow the two event datasets the mechanism imports and exports. Dates:

=========  =======================  ==============================================
ours       ACLED ``time_precision``  UCDP GED ``date_prec``
=========  =======================  ==============================================
day        1  the day is known       1  the exact date is known
week       2  within a week          3  only the week (2, a 2-6 day span, reads as week)
month      3  only the month         4  only the month (5, a longer span, reads as month)
=========  =======================  ==============================================

Places (the point is always given; the code says how far to trust it):

=========  ========================  ==============================================
ours       ACLED ``geo_precision``   UCDP GED ``where_prec``
=========  ========================  ==============================================
exact      1  the town or village    1  the exact location
near       2  near a named place     2  within about 25 km of a known place
district   2  part of a district     3  only the district (second-order division)
province   3  only the province      4  only the province (5, a line such as the border, too)
country    3                          6  only the country (7, waters or airspace, too)
=========  ========================  ==============================================
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final, Self

from ceasefire.domain.fields import Fields
from ceasefire.domain.report_parts import MAX_NAME, check_ident, check_text, located
from ceasefire.errors import InvalidInput

MIN_BLUR_KM: Final = 1.0
"""Less than this does not hide a house from a neighbour."""
MAX_BLUR_KM: Final = 100.0
"""More than this says less than a province code would."""
KM_PER_DEGREE: Final = 111.32

_COUNTRY: Final = re.compile(r"[A-Z]{2}")


# --- dates -----------------------------------------------------------------------------------


class DatePrecision(StrEnum):
    """How well the date of the event is known (see the module table for ACLED and UCDP)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"

    @property
    def acled(self) -> int:
        return _ACLED_TIME[self]

    @property
    def ucdp(self) -> int:
        return _UCDP_DATE[self]

    @classmethod
    def from_acled(cls, code: int) -> Self:
        return cls(_decode(code, {1: "day", 2: "week", 3: "month"}, "ACLED time_precision"))

    @classmethod
    def from_ucdp(cls, code: int) -> Self:
        codes = {1: "day", 2: "week", 3: "week", 4: "month", 5: "month"}
        return cls(_decode(code, codes, "UCDP date_prec"))


_ACLED_TIME: Final = {DatePrecision.DAY: 1, DatePrecision.WEEK: 2, DatePrecision.MONTH: 3}
_UCDP_DATE: Final = {DatePrecision.DAY: 1, DatePrecision.WEEK: 3, DatePrecision.MONTH: 4}


@dataclass(frozen=True)
class EventDates:
    """The event happened on or between ``start`` and ``end`` (equal for one day)."""

    start: date
    end: date
    precision: DatePrecision

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput(
                f"the end {self.end.isoformat()} is before the start {self.start.isoformat()}",
                field="end",
            )


def parse_dates(f: Fields) -> EventDates:
    start, end = f.day("start"), f.day("end")
    precision = f.enum("precision", DatePrecision)
    f.done()
    with located(f.path):
        return EventDates(start, end, precision)


def dates_body(dates: EventDates) -> dict[str, Any]:
    return {
        "start": dates.start.isoformat(),
        "end": dates.end.isoformat(),
        "precision": dates.precision.value,
    }


# --- location --------------------------------------------------------------------------------


class GeoPrecision(StrEnum):
    """How well the place of the event is known (see the module table for ACLED and UCDP)."""

    EXACT = "exact"
    NEAR = "near"
    DISTRICT = "district"
    PROVINCE = "province"
    COUNTRY = "country"

    @property
    def acled(self) -> int:
        return _ACLED_GEO[self]

    @property
    def ucdp(self) -> int:
        return _UCDP_WHERE[self]

    @classmethod
    def from_acled(cls, code: int) -> Self:
        return cls(_decode(code, {1: "exact", 2: "near", 3: "province"}, "ACLED geo_precision"))

    @classmethod
    def from_ucdp(cls, code: int) -> Self:
        codes = {1: "exact", 2: "near", 3: "district", 4: "province", 5: "province"}
        return cls(_decode(code, codes | {6: "country", 7: "country"}, "UCDP where_prec"))


_ACLED_GEO: Final = dict(zip(GeoPrecision, (1, 2, 2, 3, 3), strict=True))
_UCDP_WHERE: Final = dict(zip(GeoPrecision, (1, 2, 3, 4, 6), strict=True))


def _decode(code: int, codes: dict[int, str], what: str) -> str:
    if code not in codes:
        raise InvalidInput(f"expected a {what} code {min(codes)}-{max(codes)}, found {code!r}")
    return codes[code]


@dataclass(frozen=True)
class Location:
    """A point with a precision code and the names of where it is.

    ``blur_km`` protects a reporter: every public view shows the point snapped to a grid about
    that many kilometres across and drops ``place`` and ``admin2`` (:func:`public_location`).
    ``country`` is an ISO 3166-1 alpha-2 code; ``sector`` an id from the agreement.
    """

    latitude: float
    longitude: float
    precision: GeoPrecision
    place: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    country: str | None = None
    sector: str | None = None
    blur_km: float | None = None

    def __post_init__(self) -> None:
        # Messages are built only on refusal (see report_parts): a float's repr is slow.
        lat, lon = self.latitude, self.longitude
        if not -90 <= lat <= 90:
            raise InvalidInput(f"expected -90 to 90, found {lat}", field="latitude")
        if not -180 <= lon <= 180:
            raise InvalidInput(f"expected -180 to 180, found {lon}", field="longitude")
        for name in ("place", "admin1", "admin2"):
            value = getattr(self, name)
            if value is not None:
                check_text(value, name)
        if self.country is not None and not _COUNTRY.fullmatch(self.country):
            raise InvalidInput(
                f"expected an ISO 3166-1 alpha-2 code such as PK or AF, found {self.country!r}",
                field="country",
            )
        if self.sector is not None:
            check_ident(self.sector, "sector")
        if self.blur_km is not None and not MIN_BLUR_KM <= self.blur_km <= MAX_BLUR_KM:
            raise InvalidInput(
                f"expected {MIN_BLUR_KM} to {MAX_BLUR_KM} km, found {self.blur_km}",
                field="blur_km",
            )


def parse_location(f: Fields) -> Location:
    latitude = f.number("latitude", minimum=-90, maximum=90)
    longitude = f.number("longitude", minimum=-180, maximum=180)
    precision = f.enum("precision", GeoPrecision)
    place, admin1, admin2, country = (
        f.optional(name, lambda n: f.text(n, max_length=MAX_NAME))
        for name in ("place", "admin1", "admin2", "country")
    )
    sector = f.optional("sector", f.ident)
    blur_km = f.optional("blur_km", lambda n: f.number(n, minimum=MIN_BLUR_KM, maximum=MAX_BLUR_KM))
    f.done()
    with located(f.path):
        return Location(
            latitude, longitude, precision, place, admin1, admin2, country, sector, blur_km
        )


def location_body(location: Location) -> dict[str, Any]:
    body: dict[str, Any] = {
        "latitude": location.latitude,
        "longitude": location.longitude,
        "precision": location.precision.value,
        "place": location.place,
        "admin1": location.admin1,
        "admin2": location.admin2,
        "country": location.country,
        "sector": location.sector,
        "blur_km": location.blur_km,
    }
    return {name: value for name, value in body.items() if value is not None}


def blurred_point(latitude: float, longitude: float, blur_km: float) -> tuple[float, float]:
    """The point snapped to the nearest node of a grid about ``blur_km`` across.

    The grid is fixed (nodes at multiples of the step from 0°), so the same point always gives
    the same answer and every point of a cell gives the same node. The longitude step widens
    with the (snapped, not the true) latitude to keep cells about square.
    """
    step = blur_km / KM_PER_DEGREE
    lat = _snap(latitude, step, 90.0)
    lon = _snap(longitude, step / max(math.cos(math.radians(lat)), 0.01), 180.0)
    return lat, lon


def _snap(value: float, step: float, limit: float) -> float:
    snapped = math.floor(value / step + 0.5) * step
    return round(max(-limit, min(limit, snapped)), 6)


def public_location(location: Location, scrub: Callable[[str], str]) -> dict[str, Any]:
    """The location as an observer sees it: blurred when asked, names passed through scrub."""
    body = location_body(location)
    for name in ("place", "admin1", "admin2"):
        if name in body:
            body[name] = scrub(body[name])
    if location.blur_km is None:
        return body
    del body["blur_km"]
    body.pop("place", None)
    body.pop("admin2", None)
    lat, lon = blurred_point(location.latitude, location.longitude, location.blur_km)
    return body | {"latitude": lat, "longitude": lon, "blurred_km": location.blur_km}
