"""What the linker sees of one report: a ``Sighting``, read defensively from a report body.

A sighting keeps only what linking compares — when, where, what, who, how many killed, in
which words, and who said it — with the precision of each, so that two reports are compared
within the uncertainty both of them admit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final, TypeVar

from ceasefire.domain.report_places import DatePrecision, GeoPrecision
from ceasefire.errors import InvalidInput

LocationPrecision = GeoPrecision
"""The report's own location precision codes (``domain.report_places``)."""

SLACK_DAYS: Final = {DatePrecision.DAY: 1, DatePrecision.WEEK: 2, DatePrecision.MONTH: 4}
"""Days the event may lie outside ``start``–``end`` as reported (night events, late reports):
two reports are compatible in time when their widened windows meet."""
RADIUS_KM: Final = {
    GeoPrecision.EXACT: 1.0,
    GeoPrecision.NEAR: 25.0,
    GeoPrecision.DISTRICT: 50.0,
    GeoPrecision.PROVINCE: 150.0,
    GeoPrecision.COUNTRY: 400.0,
}
"""How far the event may lie from the reported point, for matching (a country-level point is
taken as anywhere within 400 km: the border belt, not the whole country)."""
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Sighting:
    """One report as the linker sees it; ``start`` ≤ ``end``, coordinates both or neither."""

    report_id: str
    start: date
    end: date
    date_precision: DatePrecision = DatePrecision.DAY
    latitude: float | None = None
    longitude: float | None = None
    location_precision: LocationPrecision = LocationPrecision.NEAR
    act: str | None = None
    event_type: str | None = None
    party: str | None = None
    actors: tuple[str, ...] = ()
    killed: int | None = None
    killed_low: int | None = None
    killed_high: int | None = None
    """The source's own range for the killed (``None``: only ``killed`` is given)."""
    place: str | None = None
    text: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if not self.report_id:
            raise InvalidInput("a sighting needs a report id")
        if self.end < self.start:
            raise InvalidInput(f"report {self.report_id}: end {self.end} before start {self.start}")
        if (self.latitude is None) != (self.longitude is None):
            raise InvalidInput(f"report {self.report_id}: latitude and longitude go together")
        if self.latitude is not None and not -90.0 <= self.latitude <= 90.0:
            raise InvalidInput(f"report {self.report_id}: latitude {self.latitude} out of range")
        for figure in (self.killed, self.killed_low, self.killed_high):
            if figure is not None and figure < 0:
                raise InvalidInput(f"report {self.report_id}: negative killed {figure}")

    @property
    def located(self) -> bool:
        return self.latitude is not None


def sighting_from_body(report_id: str, body: Mapping[str, Any]) -> Sighting:
    """Read a report body (allegation or observation); missing or odd parts are left unknown.

    Raises ``InvalidInput`` only when the dates, which every report carries, are unreadable.
    """
    dates = _mapping(body.get("dates"))
    start = _date(dates.get("start"), report_id)
    end = _date(dates.get("end"), report_id) if dates.get("end") else start
    location = _mapping(body.get("location"))
    latitude, longitude = _number(location.get("latitude")), _number(location.get("longitude"))
    if latitude is None or longitude is None:
        latitude = longitude = None
    sources = [_mapping(s) for s in body.get("sources") or () if isinstance(s, Mapping)]
    return Sighting(
        report_id=report_id,
        start=start,
        end=max(start, end),
        date_precision=_enum(DatePrecision, dates.get("precision"), DatePrecision.DAY),
        latitude=latitude,
        longitude=longitude,
        location_precision=_enum(
            LocationPrecision, location.get("precision"), LocationPrecision.DISTRICT
        ),
        act=_text(body.get("act")),
        event_type=_text(body.get("event_type")),
        party=_text(body.get("alleged_party")),
        actors=tuple(a for a in body.get("actors") or () if isinstance(a, str) and a),
        killed=killed_best(body.get("casualties")),
        killed_low=killed_best(body.get("casualties"), "low"),
        killed_high=killed_best(body.get("casualties"), "high"),
        place=_text(location.get("place")) or _text(location.get("admin2")),
        text=_text(body.get("narrative")) or "",
        source=(_text(sources[0].get("name")) or "") if sources else "",
    )


def killed_best(casualties: object, bound: str = "best") -> int | None:
    """The killed summed over categories; ``None`` when none is given.

    ``bound`` is ``"best"``, ``"low"`` or ``"high"``: a category giving only a plain number or
    only ``best`` counts that number for every bound.
    """
    killed = _mapping(_mapping(casualties).get("killed"))
    total, known = 0, False
    for figure in killed.values():
        if isinstance(figure, Mapping):
            value = figure.get(bound)
            value = figure.get("best") if value is None else value
        else:
            value = figure
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            total, known = total + value, True
    return total if known else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _date(value: object, report_id: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InvalidInput(f"report {report_id}: unreadable date {value!r}") from None


def _enum(kind: type[E], value: object, default: E) -> E:
    try:
        return kind(str(value))
    except ValueError:
        return default
