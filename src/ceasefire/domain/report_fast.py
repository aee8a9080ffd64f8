"""A fast reader for report bodies in their plain shape, and nothing else.

Admission parses every submitted report, and the general reader (:class:`~ceasefire.domain.
fields.Fields`, about thirty calls per report) cost as much as the Ed25519 check of the same
envelope. :func:`plain_report` reads a body that a JSON parser returned (``dict``, ``list``,
``str``, ``int``, ``float``, nothing subclassed) with plain type checks, and checks exactly what
the general reader checks, field by field; the constructors then check the invariants as they
always do. Whenever anything is unusual — a missing or unknown field, a value of another type,
out of range or refused by a constructor — it answers ``None`` and the general reader reads the
body again, so every refusal is worded by one reader only. A property test holds the two
readers to the same answer (``tests/unit/test_report_fast_path.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any, Final, TypeVar

from ceasefire.domain.fields import DATE, IDENT
from ceasefire.domain.report_kinds import (
    MAX_LANGUAGE,
    MAX_NAMES,
    MAX_NARRATIVE,
    MAX_SOURCES,
    Allegation,
    ComplianceClaim,
    Observation,
    Report,
)
from ceasefire.domain.report_origin import Origin
from ceasefire.domain.report_parts import (
    MAX_COUNT,
    MAX_NAME,
    MAX_REFERENCE,
    NO_CASUALTIES,
    Casualties,
    CasualtyGroup,
    Count,
    Credibility,
    Reliability,
    Source,
    SourceKind,
)
from ceasefire.domain.report_places import (
    MAX_BLUR_KM,
    MIN_BLUR_KM,
    DatePrecision,
    EventDates,
    GeoPrecision,
    Location,
)
from ceasefire.errors import InvalidInput

E = TypeVar("E", bound=StrEnum)

_ALLEGATION: Final = frozenset(
    {"kind", "dates", "location", "act", "alleged_party", "actors", "targets", "casualties"}
    | {"narrative", "language", "sources", "clauses"}
)
_CLAIM: Final = frozenset(
    {"kind", "commitment", "step", "dates", "location", "narrative", "language", "sources"}
)
_OBSERVATION: Final = frozenset(
    {"kind", "dates", "location", "event_type", "act", "alleged_party", "actors", "targets"}
    | {"casualties", "narrative", "language", "sources", "origin"}
)
_ORIGIN: Final = frozenset({"dataset", "id", "release", "attributes"})
_DATES: Final = frozenset({"start", "end", "precision"})
_LOCATION: Final = frozenset(
    {"latitude", "longitude", "precision", "place", "admin1", "admin2", "country", "sector"}
    | {"blur_km"}
)
_CASUALTIES: Final = frozenset({"killed", "injured"})
_GROUP: Final = frozenset({"military", "civilian", "unknown"})
_COUNT: Final = frozenset({"low", "best", "high"})
_SOURCE: Final = frozenset({"name", "kind", "reliability", "credibility", "withheld", "reference"})
_CREDIBILITY: Final = {int(member.value): member for member in Credibility}


def _members(kind: type[E]) -> Mapping[str, E]:
    return {member.value: member for member in kind}


_DATE_PRECISIONS: Final = _members(DatePrecision)
_GEO_PRECISIONS: Final = _members(GeoPrecision)
_SOURCE_KINDS: Final = _members(SourceKind)
_RELIABILITIES: Final = _members(Reliability)


class _Unusual(Exception):
    """The body is not in the plain shape: the general reader is to read it."""


def plain_report(body: object) -> Report | None:
    """The report ``body`` describes, or ``None`` when the general reader must read it."""
    if type(body) is not dict:
        return None
    kind = body.get("kind")
    if type(kind) is not str:
        return None
    try:
        match kind:
            case "allegation":
                return _allegation(body)
            case "compliance_claim":
                return _claim(body)
            case "observation":
                return _observation(body)
            case _:
                return None
    except (_Unusual, InvalidInput):
        return None


def _allegation(body: dict[str, Any]) -> Allegation:
    _fields(body, _ALLEGATION)
    casualties = body.get("casualties")
    return Allegation(
        _dates(body.get("dates")),
        _location(body.get("location")),
        _ident(body.get("act")),
        _ident(body.get("alleged_party")),
        _strings(body.get("actors"), MAX_NAMES),
        _strings(body.get("targets"), MAX_NAMES),
        NO_CASUALTIES if casualties is None else _casualties(casualties),
        _text(body.get("narrative"), MAX_NARRATIVE),
        _text(body.get("language"), MAX_LANGUAGE),
        _sources(body.get("sources")),
        _strings(body.get("clauses"), MAX_NAMES),
    )


def _claim(body: dict[str, Any]) -> ComplianceClaim:
    _fields(body, _CLAIM)
    location = body.get("location")
    return ComplianceClaim(
        _ident(body.get("commitment")),
        _ident(body.get("step")),
        _dates(body.get("dates")),
        None if location is None else _location(location),
        _text(body.get("narrative"), MAX_NARRATIVE),
        _text(body.get("language"), MAX_LANGUAGE),
        _sources(body.get("sources")),
    )


def _observation(body: dict[str, Any]) -> Observation:
    _fields(body, _OBSERVATION)
    location, casualties = body.get("location"), body.get("casualties")
    act, party, origin = body.get("act"), body.get("alleged_party"), body.get("origin")
    return Observation(
        _dates(body.get("dates")),
        None if location is None else _location(location),
        _text(body.get("event_type"), MAX_NAME),
        _strings(body.get("actors"), MAX_NAMES),
        _strings(body.get("targets"), MAX_NAMES),
        NO_CASUALTIES if casualties is None else _casualties(casualties),
        _text(body.get("narrative"), MAX_NARRATIVE),
        _text(body.get("language"), MAX_LANGUAGE),
        _sources(body.get("sources")),
        None if act is None else _ident(act),
        None if party is None else _ident(party),
        None if origin is None else _origin(origin),
    )


def _origin(value: object) -> Origin:
    """``parse_origin`` for the canonical spelling (a release, where given, is not blank)."""
    origin = _fields(value, _ORIGIN)
    release, attributes = origin.get("release", ""), origin.get("attributes", {})
    if release is not None and type(release) is str and release:
        release = _text(release, MAX_NAME)
    if type(release) is not str or type(attributes) is not dict:
        raise _Unusual
    for text in attributes.values():
        if type(text) is not str:
            raise _Unusual
    return Origin(
        _text(origin.get("dataset"), MAX_NAME),
        _text(origin.get("id"), MAX_NAME),
        release,
        tuple(attributes.items()),
    )


def _dates(value: object) -> EventDates:
    dates = _fields(value, _DATES)
    return EventDates(
        _day(dates.get("start")),
        _day(dates.get("end")),
        _enum(dates.get("precision"), _DATE_PRECISIONS),
    )


def _location(value: object) -> Location:
    where = _fields(value, _LOCATION)
    place, admin1, admin2 = where.get("place"), where.get("admin1"), where.get("admin2")
    country, sector, blur_km = where.get("country"), where.get("sector"), where.get("blur_km")
    return Location(
        _number(where.get("latitude"), -90, 90),
        _number(where.get("longitude"), -180, 180),
        _enum(where.get("precision"), _GEO_PRECISIONS),
        None if place is None else _text(place, MAX_NAME),
        None if admin1 is None else _text(admin1, MAX_NAME),
        None if admin2 is None else _text(admin2, MAX_NAME),
        None if country is None else _text(country, MAX_NAME),
        None if sector is None else _ident(sector),
        None if blur_km is None else _number(blur_km, MIN_BLUR_KM, MAX_BLUR_KM),
    )


def _casualties(value: object) -> Casualties:
    casualties = _fields(value, _CASUALTIES)
    killed, injured = casualties.get("killed"), casualties.get("injured")
    return Casualties(
        CasualtyGroup() if killed is None else _group(killed),
        CasualtyGroup() if injured is None else _group(injured),
    )


def _group(value: object) -> CasualtyGroup:
    group = _fields(value, _GROUP)
    military, civilian, unknown = group.get("military"), group.get("civilian"), group.get("unknown")
    return CasualtyGroup(
        None if military is None else _count(military),
        None if civilian is None else _count(civilian),
        None if unknown is None else _count(unknown),
    )


def _count(value: object) -> Count:
    if type(value) is int:
        return Count.exactly(_integer(value, 0, MAX_COUNT))
    count = _fields(value, _COUNT)
    return Count(
        _integer(count.get("low"), 0, MAX_COUNT),
        _integer(count.get("best"), 0, MAX_COUNT),
        _integer(count.get("high"), 0, MAX_COUNT),
    )


def _sources(value: object) -> tuple[Source, ...]:
    if value is None:
        return ()
    if type(value) is not list or len(value) > MAX_SOURCES:
        raise _Unusual
    return tuple(_source(item) for item in value)


def _source(value: object) -> Source:
    source = _fields(value, _SOURCE)
    withheld, reference = source.get("withheld"), source.get("reference")
    if withheld is not None and type(withheld) is not bool:
        raise _Unusual
    credibility = source.get("credibility")
    if type(credibility) is not int or credibility not in _CREDIBILITY:
        raise _Unusual
    return Source(
        _text(source.get("name"), MAX_NAME),
        _enum(source.get("kind"), _SOURCE_KINDS),
        _enum(source.get("reliability"), _RELIABILITIES),
        _CREDIBILITY[credibility],
        withheld or False,
        None if reference is None else _text(reference, MAX_REFERENCE),
    )


# --- one value each, as the general reader's methods of the same names check it ---------------


def _fields(value: object, known: frozenset[str]) -> dict[str, Any]:
    """An object with no field but ``known`` ones (``done``)."""
    if type(value) is not dict or not value.keys() <= known:
        raise _Unusual
    return value


def _text(value: object, max_length: int) -> str:
    """``text``: ``not value.strip()`` is ``not value or value.isspace()``, without a copy."""
    if type(value) is not str or not value or value.isspace() or len(value) > max_length:
        raise _Unusual
    return value


def _ident(value: object) -> str:
    """``ident``: the pattern allows no space and at most 64 characters, as ``text`` asks."""
    if type(value) is not str or not IDENT.fullmatch(value):
        raise _Unusual
    return value


def _enum(value: object, members: Mapping[str, E]) -> E:
    """``enum``: a member's own value (never blank, never over 64 characters)."""
    member = members.get(value) if type(value) is str else None
    if member is None:
        raise _Unusual
    return member


def _number(value: object, minimum: float, maximum: float) -> float:
    """``number``: NaN and the infinities fail the range check."""
    if (type(value) is float or type(value) is int) and minimum <= value <= maximum:
        return float(value)
    raise _Unusual


def _integer(value: object, minimum: int, maximum: int) -> int:
    if type(value) is not int or not minimum <= value <= maximum:
        raise _Unusual
    return value


def _day(value: object) -> date:
    if type(value) is not str or not DATE.fullmatch(value):
        raise _Unusual
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _Unusual from None


def _strings(value: object, max_items: int) -> tuple[str, ...]:
    """``read_texts``: absent is empty; the constructor checks each string's text."""
    if value is None:
        return ()
    if type(value) is not list or len(value) > max_items:
        raise _Unusual
    for item in value:
        if type(item) is not str:
            raise _Unusual
    return tuple(value)
