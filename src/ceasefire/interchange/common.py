"""What every reader shares: the reading context, the checks that refuse a row, and the CSV
machinery that turns lines into numbered rows.

A check raises :class:`RowError` naming the field and the value; the reader turns it into a
:class:`~ceasefire.interchange.rows.Reject` for that line and goes on with the next row, so a
bad row never costs a good one.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from ceasefire.domain.agreement_rules import ActType
from ceasefire.domain.report_kinds import MAX_NAMES, MAX_NARRATIVE
from ceasefire.domain.report_parts import MAX_COUNT, MAX_NAME, MAX_REFERENCE
from ceasefire.errors import InvalidInput
from ceasefire.interchange.encoding import clean_header, sniff_delimiter
from ceasefire.interchange.rows import Reject

REGION_BBOX: Final = (60.4, 23.6, 77.9, 38.5)
"""The Istanbul agreement's region (min_lon, min_lat, max_lon, max_lat)."""
ELLIPSIS: Final = " […]"

STATE_FORCES: Final = (
    ("Military Forces of Pakistan", "pk"),
    ("Police Forces of Pakistan", "pk"),
    ("Government of Pakistan", "pk"),
    ("Military Forces of Afghanistan", "af"),
    ("Police Forces of Afghanistan", "af"),
    ("Government of Afghanistan", "af"),
)
"""Actor names (ACLED ``actor1``, UCDP ``side_a``/``side_b``) that are plainly a party's state
forces, by prefix (ACLED appends the period, e.g. ``Military Forces of Pakistan (2018-)``)."""

COUNTRIES: Final = {"pakistan": "PK", "afghanistan": "AF", "pak": "PK", "afg": "AF"}


class RowError(Exception):
    """A row refused: the field at fault, the value found, and why."""

    def __init__(self, field: str | None, value: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field, self.value, self.reason = field, value, reason


@dataclass(frozen=True)
class ActMap:
    """Which of the agreement's acts a dataset's own classification maps to."""

    acled: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    ucdp: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_acts(cls, acts: Iterable[ActType]) -> ActMap:
        acled: dict[tuple[str, str], tuple[str, ...]] = {}
        ucdp: dict[int, tuple[str, ...]] = {}
        for act in acts:
            for kind in act.acled:
                key = (kind.event_type, kind.sub_event_type or "")
                acled[key] = (*acled.get(key, ()), act.id)
            for code in act.ucdp:
                ucdp[code] = (*ucdp.get(code, ()), act.id)
        return cls(acled, ucdp)

    def for_acled(self, event_type: str, sub_event_type: str) -> str | None:
        """The one act this ACLED type maps to; None when none or several do."""
        found = self.acled.get((event_type, sub_event_type)) or self.acled.get((event_type, ""))
        return found[0] if found and len(found) == 1 else None

    def for_ucdp(self, code: int) -> str | None:
        found = self.ucdp.get(code)
        return found[0] if found and len(found) == 1 else None


@dataclass(frozen=True)
class Grade:
    """How the dataset is graded as a source (Admiralty scale) and what it is called."""

    name: str | None = None
    reliability: str = "B"
    credibility: int = 2


@dataclass(frozen=True)
class Geocoded:
    """Where a place name puts a row: its point and the precision code that point carries, or
    why it puts it nowhere (unknown, or ambiguous between the places listed)."""

    latitude: float | None = None
    longitude: float | None = None
    precision: str | None = None
    place: str = ""
    admin1: str = ""
    country: str | None = None
    refusal: str | None = None


Geocoder = Callable[[str, str | None, str | None], Geocoded]
"""``(place name, country code or None, province or None) -> Geocoded``."""


@dataclass(frozen=True)
class Context:
    """What reading needs besides the rows: today (no event is in the future), the region
    (no event lies outside it), the agreement's acts, the release, and the source grade."""

    now: date
    region: tuple[float, float, float, float] = REGION_BBOX
    acts: ActMap = field(default_factory=ActMap)
    release: str = ""
    dataset: str | None = None
    grade: Grade = field(default_factory=Grade)
    geocode: Geocoder | None = None
    """Places a row that names a place but gives no coordinates (None: such a row has none)."""


# --- checks ----------------------------------------------------------------------------------


def party_of(actor: str) -> str | None:
    for prefix, party in STATE_FORCES:
        if actor.startswith(prefix):
            return party
    return None


def country_code(name: str) -> str | None:
    return COUNTRIES.get(name.strip().lower())


def day(value: str, name: str, ctx: Context, formats: Sequence[str] = ()) -> date:
    """A date: ISO first (``2025-10-15``, ``2025-10-15 00:00:00.000``), then ``formats``;
    refused when unparseable or after ``ctx.now``."""
    text = value.strip()
    found: date | None = None
    try:
        found = date.fromisoformat(text[:10])
    except ValueError:
        for pattern in formats:
            try:
                found = datetime.strptime(text, pattern).date()
                break
            except ValueError:
                continue
    if found is None:
        expected = ", ".join(["YYYY-MM-DD", *formats])
        raise RowError(name, value, f"not a date (expected {expected})")
    if found > ctx.now:
        raise RowError(name, value, f"the date is in the future (today is {ctx.now.isoformat()})")
    return found


def coordinates(
    lat_text: str, lon_text: str, ctx: Context, names: tuple[str, str]
) -> tuple[float, float]:
    """A point inside the region, or a refusal naming the field (swapped pairs named so)."""
    lat = number(lat_text, names[0])
    lon = number(lon_text, names[1])
    if not -90 <= lat <= 90:
        raise RowError(names[0], lat_text, "a latitude is between -90 and 90")
    if not -180 <= lon <= 180:
        raise RowError(names[1], lon_text, "a longitude is between -180 and 180")
    if inside(lat, lon, ctx.region):
        return lat, lon
    if inside(lon, lat, ctx.region):
        raise RowError(names[0], f"{lat_text}, {lon_text}", "latitude and longitude look swapped")
    min_lon, min_lat, max_lon, max_lat = ctx.region
    if not min_lat <= lat <= max_lat:
        raise RowError(names[0], lat_text, f"outside the region (latitude {min_lat} to {max_lat})")
    raise RowError(names[1], lon_text, f"outside the region (longitude {min_lon} to {max_lon})")


def inside(lat: float, lon: float, box: tuple[float, float, float, float]) -> bool:
    return box[1] <= lat <= box[3] and box[0] <= lon <= box[2]


def number(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise RowError(name, text, "not a number") from None
    if not math.isfinite(value):
        raise RowError(name, text, "not a finite number")
    return value


def count(text: str, name: str) -> int:
    """A casualty count: a whole number from 0 to MAX_COUNT (``12.0`` reads as 12)."""
    try:
        value = int(text)
    except ValueError:
        as_float = number(text, name)
        if not as_float.is_integer():
            raise RowError(name, text, "not a whole number") from None
        value = int(as_float)
    if value < 0:
        raise RowError(name, text, "a casualty count cannot be negative")
    if value > MAX_COUNT:
        raise RowError(name, text, f"more than {MAX_COUNT:,} casualties")
    return value


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked (the original stays in the
    row's attributes)."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def names(*values: str) -> list[str]:
    seen: list[str] = []
    for value in values:
        name = clip(value, MAX_NAME)
        if name and name not in seen:
            seen.append(name)
    return seen[:MAX_NAMES]


def content_id(values: Sequence[str]) -> str:
    """The id of a row from a dataset without one: a digest of every value."""
    return "row-" + hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:20]


# --- bodies ----------------------------------------------------------------------------------


def source(name: str, ctx: Context, reference: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": clip(ctx.grade.name or name, MAX_NAME),
        "kind": "dataset",
        "reliability": ctx.grade.reliability,
        "credibility": ctx.grade.credibility,
    }
    if reference.strip():
        body["reference"] = clip(reference, MAX_REFERENCE)
    return body


def observation(
    *,
    dates: dict[str, str],
    location: dict[str, Any] | None,
    event_type: str,
    narrative: str,
    sources: list[dict[str, Any]],
    origin: dict[str, Any],
    act: str | None = None,
    alleged_party: str | None = None,
    actors: list[str] | None = None,
    targets: list[str] | None = None,
    casualties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An ``observation`` body, absent optional fields left out (never null or empty)."""
    body: dict[str, Any] = {
        "kind": "observation",
        "dates": dates,
        "location": location,
        "event_type": clip(event_type, MAX_NAME),
        "act": act,
        "alleged_party": alleged_party,
        "actors": actors,
        "targets": targets,
        "casualties": casualties,
        "narrative": clip(narrative, MAX_NARRATIVE),
        "language": "en",
        "sources": sources,
        "origin": origin,
    }
    return {k: v for k, v in body.items() if v}


def origin(dataset: str, dataset_id: str, release: str, row: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"dataset": dataset, "id": dataset_id, "attributes": dict(row)}
    if release:
        body["release"] = release
    return body


def location(
    lat: float, lon: float, precision: str, *, place: str = "", admin1: str = "",
    admin2: str = "", country: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    body: dict[str, Any] = {"latitude": lat, "longitude": lon, "precision": precision}
    for key, value in (("place", place), ("admin1", admin1), ("admin2", admin2)):
        if value.strip():
            body[key] = clip(value, MAX_NAME)
    if country:
        body["country"] = country
    return body


# --- CSV -------------------------------------------------------------------------------------


@dataclass
class CsvRows:
    """The numbered rows of a CSV text, as dicts of the original strings.

    ``header`` is known after construction; iterating yields ``(line, row)`` for good-shaped
    rows and :class:`Reject` for rows with the wrong number of fields.
    """

    header: list[str]
    _reader: Any
    _header_lines: int

    @classmethod
    def open(cls, lines: Iterable[str], required: Sequence[str], what: str) -> CsvRows:
        it = iter(lines)
        first = next(it, None)
        if first is None:
            raise_empty(what)
        assert first is not None
        delimiter = sniff_delimiter(first.rstrip("\r\n"), required, what)
        header = clean_header(next(csv.reader([first], delimiter=delimiter)))
        # a column with no name (R's row names, GTD's first) is kept, named by its position
        header = [name or f"column {n}" for n, name in enumerate(header, 1)]
        duplicated = sorted({n for n in header if header.count(n) > 1})
        if duplicated:
            raise InvalidInput(
                f"the header names a column twice: {', '.join(duplicated)}", field="header"
            )
        reader = csv.reader(it, delimiter=delimiter)
        return cls(header, reader, 1)

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]] | Reject]:
        header, width = self.header, len(self.header)
        reader = self._reader
        done = self._header_lines
        for values in reader:
            line = done + 1
            done = reader.line_num + self._header_lines
            if len(values) != width:
                if not values or values == [""]:
                    continue  # a blank line
                yield Reject(line, None, None, f"expected {width} fields, found {len(values)}")
                continue
            yield line, dict(zip(header, values, strict=True))


def raise_empty(what: str) -> None:
    raise InvalidInput(f"the file is empty: expected a {what} header", field="header")
