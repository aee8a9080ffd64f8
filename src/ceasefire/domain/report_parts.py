"""The parts a report is built from: when, where, how many, and who says so.

Each part is a frozen dataclass whose constructor checks its invariants, naming the field at
fault relative to the part (``end``, ``best``). Each part has a ``parse_*`` function that reads
it from a body through :class:`~ceasefire.domain.fields.Fields` and prefixes the body path
(``dates.end``), and a ``*_body`` function that writes the canonical body back, so that
``parse(body(x)) == x``.

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

Sources are graded on the Admiralty (NATO AJP-2.1) scale: the source's reliability (A-F) and the
information's credibility (1-6) are judged separately; "B2" is a usually reliable source
reporting something probably true.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final, Self

from ceasefire.domain.fields import IDENT, Fields, describe, join
from ceasefire.errors import InvalidInput

MAX_NAME: Final = 200
"""Longest place name, administrative area, actor, target or source name."""
MAX_REFERENCE: Final = 2000
MAX_COUNT: Final = 1_000_000
MIN_BLUR_KM: Final = 1.0
"""Less than this does not hide a house from a neighbour."""
MAX_BLUR_KM: Final = 100.0
"""More than this says less than a province code would."""
KM_PER_DEGREE: Final = 111.32
WITHHELD: Final = "withheld"

_COUNTRY: Final = re.compile(r"[A-Z]{2}")


@contextmanager
def located(path: str) -> Iterator[None]:
    """Prefix ``path`` to the field of an error a constructor raises inside the block."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(
            exc.message, field=join(path, exc.field) if exc.field else path
        ) from None


def require(ok: bool, field: str, message: str) -> None:
    if not ok:
        raise InvalidInput(message, field=field)


def check_text(value: str, field: str, max_length: int = MAX_NAME) -> None:
    require(bool(value.strip()), field, "must not be empty")
    require(
        len(value) <= max_length,
        field,
        f"expected at most {max_length} characters, found {len(value)}",
    )


def check_ident(value: str, field: str) -> None:
    require(bool(IDENT.fullmatch(value)), field, f"expected an id, found {value!r}")


def check_count_of(values: tuple[object, ...], field: str, max_items: int) -> None:
    require(
        len(values) <= max_items, field, f"expected at most {max_items} items, found {len(values)}"
    )


def read_texts(f: Fields, name: str, max_items: int) -> tuple[str, ...]:
    """The list ``name`` of strings (absent means empty); the constructor checks each one."""
    values = f.optional(name, lambda n: f.array(n, max_items=max_items)) or []
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise InvalidInput(
                f"expected a string, found {describe(value)}", field=f"{f.where(name)}[{i}]"
            )
    return tuple(values)


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
        require(
            self.end >= self.start,
            "end",
            f"the end {self.end.isoformat()} is before the start {self.start.isoformat()}",
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
        lat, lon = self.latitude, self.longitude
        require(-90 <= lat <= 90, "latitude", f"expected -90 to 90, found {lat}")
        require(-180 <= lon <= 180, "longitude", f"expected -180 to 180, found {lon}")
        for name in ("place", "admin1", "admin2"):
            value = getattr(self, name)
            if value is not None:
                check_text(value, name)
        if self.country is not None:
            require(
                bool(_COUNTRY.fullmatch(self.country)),
                "country",
                f"expected an ISO 3166-1 alpha-2 code such as PK or AF, found {self.country!r}",
            )
        if self.sector is not None:
            check_ident(self.sector, "sector")
        if self.blur_km is not None:
            require(
                MIN_BLUR_KM <= self.blur_km <= MAX_BLUR_KM,
                "blur_km",
                f"expected {MIN_BLUR_KM} to {MAX_BLUR_KM} km, found {self.blur_km}",
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


# --- casualties ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """A casualty figure as UCDP gives it: a low, a best and a high estimate."""

    low: int
    best: int
    high: int

    def __post_init__(self) -> None:
        require(self.low >= 0, "low", f"expected at least 0, found {self.low}")
        require(self.high <= MAX_COUNT, "high", f"expected at most {MAX_COUNT}, found {self.high}")
        found = f"found low {self.low}, best {self.best}, high {self.high}"
        require(self.low <= self.best, "best", f"expected low <= best <= high, {found}")
        require(self.best <= self.high, "high", f"expected low <= best <= high, {found}")

    @classmethod
    def exactly(cls, n: int) -> Count:
        return cls(n, n, n)

    @property
    def is_exact(self) -> bool:
        return self.low == self.high


@dataclass(frozen=True)
class CasualtyGroup:
    """Killed or injured, by category; ``None`` means not reported (unlike a count of 0)."""

    military: Count | None = None
    civilian: Count | None = None
    unknown: Count | None = None

    def counts(self) -> tuple[Count, ...]:
        return tuple(c for c in (self.military, self.civilian, self.unknown) if c is not None)

    def best_total(self) -> int:
        return sum(c.best for c in self.counts())


@dataclass(frozen=True)
class Casualties:
    killed: CasualtyGroup = CasualtyGroup()
    injured: CasualtyGroup = CasualtyGroup()

    def killed_best(self) -> int:
        return self.killed.best_total()

    def injured_best(self) -> int:
        return self.injured.best_total()


NO_CASUALTIES: Final = Casualties()
_CATEGORIES: Final = ("military", "civilian", "unknown")


def parse_casualties(f: Fields) -> Casualties:
    killed = f.optional("killed", lambda n: _parse_group(f.object(n)))
    injured = f.optional("injured", lambda n: _parse_group(f.object(n)))
    f.done()
    return Casualties(killed or CasualtyGroup(), injured or CasualtyGroup())


def _parse_group(f: Fields) -> CasualtyGroup:
    military, civilian, unknown = (
        f.optional(name, lambda n: _parse_count(f, n)) for name in _CATEGORIES
    )
    f.done()
    return CasualtyGroup(military, civilian, unknown)


def _parse_count(f: Fields, name: str) -> Count:
    value = f.raw(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return Count.exactly(f.integer(name, minimum=0, maximum=MAX_COUNT))
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f"expected a count (an integer, or an object with low, best and high), "
            f"found {describe(value)}",
            field=f.where(name),
        )
    c = f.object(name)
    low, best, high = (c.integer(k, minimum=0, maximum=MAX_COUNT) for k in ("low", "best", "high"))
    c.done()
    with located(c.path):
        return Count(low, best, high)


def casualties_body(casualties: Casualties) -> dict[str, Any]:
    """The canonical body; empty groups and unreported categories are left out."""
    groups = {"killed": casualties.killed, "injured": casualties.injured}
    return {name: _group_body(group) for name, group in groups.items() if group.counts()}


def _group_body(group: CasualtyGroup) -> dict[str, Any]:
    counts = {"military": group.military, "civilian": group.civilian, "unknown": group.unknown}
    return {name: _count_body(c) for name, c in counts.items() if c is not None}


def _count_body(count: Count) -> int | dict[str, int]:
    if count.is_exact:
        return count.best
    return {"low": count.low, "best": count.best, "high": count.high}


# --- sources ---------------------------------------------------------------------------------


class Reliability(StrEnum):
    """How reliable the source has been: A completely reliable, B usually reliable, C fairly
    reliable, D not usually reliable, E unreliable, F reliability cannot be judged."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


class Credibility(StrEnum):
    """How credible this information is, judged apart from the source: 1 confirmed by other
    sources, 2 probably true, 3 possibly true, 4 doubtful, 5 improbable, 6 cannot be judged.
    Bodies write it as the integer 1-6."""

    CONFIRMED = "1"
    PROBABLY_TRUE = "2"
    POSSIBLY_TRUE = "3"
    DOUBTFUL = "4"
    IMPROBABLE = "5"
    CANNOT_BE_JUDGED = "6"


class SourceKind(StrEnum):
    PARTY = "party"
    MONITOR = "monitor"
    MEDIA = "media"
    WITNESS = "witness"
    DATASET = "dataset"
    OTHER = "other"


@dataclass(frozen=True)
class Source:
    """Who says so. A ``withheld`` source's name and reference never reach a public view."""

    name: str
    kind: SourceKind
    reliability: Reliability
    credibility: Credibility
    withheld: bool = False
    reference: str | None = None

    def __post_init__(self) -> None:
        check_text(self.name, "name")
        if self.reference is not None:
            check_text(self.reference, "reference", MAX_REFERENCE)

    @property
    def grade(self) -> str:
        """The Admiralty grade, such as ``B2``."""
        return f"{self.reliability.value}{self.credibility.value}"


def parse_source(f: Fields) -> Source:
    name = f.text("name", max_length=MAX_NAME)
    kind = f.enum("kind", SourceKind)
    reliability = f.enum("reliability", Reliability)
    credibility = Credibility(str(f.integer("credibility", minimum=1, maximum=6)))
    withheld = f.optional("withheld", f.flag) or False
    reference = f.optional("reference", lambda n: f.text(n, max_length=MAX_REFERENCE))
    f.done()
    with located(f.path):
        return Source(name, kind, reliability, credibility, withheld, reference)


def source_body(source: Source) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": source.name,
        "kind": source.kind.value,
        "reliability": source.reliability.value,
        "credibility": int(source.credibility.value),
    }
    if source.withheld:
        body["withheld"] = True
    if source.reference is not None:
        body["reference"] = source.reference
    return body


def public_source(source: Source, scrub: Callable[[str], str]) -> dict[str, Any]:
    """The source as an observer sees it: a withheld one keeps only its kind and grades."""
    body = source_body(source)
    if source.withheld:
        body.pop("reference", None)
        return body | {"name": WITHHELD}
    if source.reference is not None:
        body["reference"] = scrub(source.reference)
    return body | {"name": scrub(source.name)}
