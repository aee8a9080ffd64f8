"""The agreement's parts besides its rules: who signs it, its clauses, its places, its meetings.

Parties and mediators are the signatories; clauses are what the parties undertake, by number;
the region and its sectors are where reports may lie, and its places name spots along the
border that gazetteers lack; meetings record the decisions taken and
who must sign each one. Each part checks its own invariants; whether the ids it names exist is
checked by :class:`ceasefire.domain.agreements.Agreement`, which sees the whole file.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ceasefire.domain.fields import Fields, build, describe
from ceasefire.errors import InvalidInput

CLAUSE_ID: Final = re.compile(r"[0-9]{1,3}(\([a-z]\))?")
"""A clause number with an optional lettered paragraph: ``1``, ``2(b)``."""
_COUNTRY: Final = re.compile(r"[A-Z]{2}")


class DecisionKind(StrEnum):
    CEASEFIRE = "ceasefire"
    MECHANISM = "mechanism"
    AMEND = "amend"
    PENALTY = "penalty"
    DEADLINE = "deadline"
    PROCEDURAL = "procedural"


def _bbox(f: Fields, name: str) -> tuple[float, float, float, float]:
    values = f.array(name)
    if len(values) != 4:
        raise InvalidInput(
            f"expected [min_lon, min_lat, max_lon, max_lat], found {len(values)} numbers",
            field=f.where(name),
        )
    for i, value in enumerate(values):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise InvalidInput(
                f"expected a number, found {describe(value)}", field=f"{f.where(name)}[{i}]"
            )
    return (float(values[0]), float(values[1]), float(values[2]), float(values[3]))


def _check_bbox(bbox: tuple[float, float, float, float]) -> None:
    min_lon, min_lat, max_lon, max_lat = bbox
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise InvalidInput(
            "expected [min_lon, min_lat, max_lon, max_lat] with longitudes in -180..180, "
            f"latitudes in -90..90 and each minimum below its maximum, found {list(bbox)}",
            field="bbox",
        )


# --- the pieces -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Signatory:
    id: str
    name: str
    country: str

    def __post_init__(self) -> None:
        if not _COUNTRY.fullmatch(self.country):
            raise InvalidInput(
                f"expected an ISO 3166 alpha-2 code such as PK, found {self.country!r}",
                field="country",
            )


def _read_signatory(f: Fields) -> tuple[str, str, str]:
    return f.ident("id"), f.text("name", max_length=200), f.text("country", max_length=64)


@dataclass(frozen=True)
class Party(_Signatory):
    """A party to the ceasefire: bound by its clauses and commitments."""

    @classmethod
    def from_fields(cls, f: Fields) -> Party:
        read = _read_signatory(f)
        return build(f, lambda: cls(*read))


@dataclass(frozen=True)
class Mediator(_Signatory):
    """A mediator (guarantor): signs findings and confirms penalties."""

    @classmethod
    def from_fields(cls, f: Fields) -> Mediator:
        read = _read_signatory(f)
        return build(f, lambda: cls(*read))


@dataclass(frozen=True)
class Clause:
    id: str
    title: str
    text: str

    def __post_init__(self) -> None:
        if not CLAUSE_ID.fullmatch(self.id):
            raise InvalidInput(
                f"expected a clause number such as 2 or 2(b), found {self.id!r}", field="id"
            )

    @classmethod
    def from_fields(cls, f: Fields) -> Clause:
        read = (f.text("id", max_length=16), f.text("title", max_length=200), f.text("text"))
        return build(f, lambda: cls(*read))


@dataclass(frozen=True)
class Region:
    """The area reports may lie in: [min_lon, min_lat, max_lon, max_lat]."""

    bbox: tuple[float, float, float, float]

    def __post_init__(self) -> None:
        _check_bbox(self.bbox)

    @classmethod
    def from_fields(cls, f: Fields) -> Region:
        bbox = _bbox(f, "bbox")
        return build(f, lambda: cls(bbox))


@dataclass(frozen=True)
class Sector:
    """A stretch of the border, with the parties either side and its crossings. ``bbox`` is
    approximate; the sector's geometry proper comes from boundary data."""

    id: str
    name: str
    parties: tuple[str, ...]
    crossings: tuple[str, ...]
    bbox: tuple[float, float, float, float]

    def __post_init__(self) -> None:
        _check_bbox(self.bbox)

    @classmethod
    def from_fields(cls, f: Fields) -> Sector:
        id_, name = f.ident("id"), f.text("name", max_length=200)
        parties = f.texts("parties", ident=True, max_items=10)
        crossings = f.texts("crossings", max_items=50)
        bbox = _bbox(f, "bbox")
        return build(f, lambda: cls(id_, name, parties, crossings, bbox))


@dataclass(frozen=True)
class AgreementPlace:
    """A place the agreement names that gazetteers may lack (a crossing, a village), so that
    reports can be located by its name. ``country`` is the ISO code of the side it lies on;
    ``admin1`` its province; ``sector`` the sector it belongs to."""

    name: str
    latitude: float
    longitude: float
    country: str
    admin1: str | None = None
    alternate_names: tuple[str, ...] = ()
    sector: str | None = None

    def __post_init__(self) -> None:
        if not _COUNTRY.fullmatch(self.country):
            raise InvalidInput(
                f"expected an ISO 3166 alpha-2 code such as PK, found {self.country!r}",
                field="country",
            )

    @classmethod
    def from_fields(cls, f: Fields) -> AgreementPlace:
        name = f.text("name", max_length=200)
        latitude = f.number("latitude", minimum=-90, maximum=90)
        longitude = f.number("longitude", minimum=-180, maximum=180)
        country = f.text("country", max_length=64)
        admin1 = f.optional("admin1", lambda n: f.text(n, max_length=200))
        alternate_names = f.texts("alternate_names", max_items=50)
        sector = f.optional("sector", f.ident)
        return build(
            f, lambda: cls(name, latitude, longitude, country, admin1, alternate_names, sector)
        )


@dataclass(frozen=True)
class Decision:
    """A decision of a meeting, and who must sign it (party and mediator ids)."""

    id: str
    text: str
    kind: DecisionKind
    sign: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.sign:
            raise InvalidInput("a decision needs at least one signatory", field="sign")

    @classmethod
    def from_fields(cls, f: Fields) -> Decision:
        id_, text = f.ident("id"), f.text("text", max_length=2000)
        kind = f.enum("kind", DecisionKind)
        sign = f.texts("sign", ident=True, max_items=20)
        return build(f, lambda: cls(id_, text, kind, sign))


@dataclass(frozen=True)
class Meeting:
    id: str
    date: dt.date
    place: str
    purpose: str
    decisions: tuple[Decision, ...] = ()

    @classmethod
    def from_fields(cls, f: Fields) -> Meeting:
        id_, day = f.ident("id"), f.day("date")
        place, purpose = f.text("place", max_length=200), f.text("purpose", max_length=2000)
        decisions = f.items("decisions", Decision.from_fields, max_items=100)
        return build(f, lambda: cls(id_, day, place, purpose, decisions))
