"""Any CSV, read through a column-mapping file; and the mapping that reads our own CSV back.

A mapping is TOML::

    [dataset]
    name = "drone-strikes"            # the dataset is csv:drone-strikes
    missing = ["NA", "-99"]           # what the file writes for "no value" (besides empty)

    [columns]                         # our field = the file's column
    id = "S#"
    date = "Date"                     # or ["iyear", "imonth", "iday"]: year, month, day columns
    date_format = "%A, %B %d, %Y"     # strptime; ISO dates are always understood
    end_date = "End"                  # optional, like every column below
    latitude = "Latitude"
    longitude = "Longitude"
    event_type = "Type"
    narrative = "Comments"
    killed = "Total Died Max"
    place = "Location"
    admin1 = "Province"
    admin2 = "City"
    country = "Country"
    actors = ["Perpetrator", "Target"]
    reference = "References"
    source = "Source"                 # the source's name, unless [source] names it

    [values]                          # constants for what the file does not say
    event_type = "Drone strike"
    date_precision = "day"            # day, week, month
    geo_precision = "near"            # exact, near, district, province, country
    country = "PK"

    [source]
    name = "Pakistan Drone Attacks (Kaggle)"
    reliability = "C"
    credibility = 3

A date given as three columns (GTD's ``iyear``, ``imonth``, ``iday``) may leave the day unknown
(0 or empty): the row is then dated the whole month, with ``month`` precision. A month left
unknown is refused: a year is too coarse for a report. Without a mapping, the columns our plain
CSV export writes are read (:data:`PLAIN`), so an export reads back as it was written.
"""

from __future__ import annotations

import calendar
import dataclasses
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from ceasefire.domain.report_places import DatePrecision, GeoPrecision
from ceasefire.errors import InvalidInput
from ceasefire.interchange import common as c
from ceasefire.interchange import reading
from ceasefire.interchange.rows import Row

_COLUMN_FIELDS: Final = (
    "id", "date", "end_date", "latitude", "longitude", "event_type", "narrative", "killed",
    "place", "admin1", "admin2", "country", "reference", "source", "act", "alleged_party",
    "date_precision", "geo_precision",
)  # fmt: skip
_VALUE_FIELDS: Final = ("event_type", "date_precision", "geo_precision", "country", "narrative")


@dataclass(frozen=True)
class ColumnMapping:
    """Which column holds each of our fields (``columns``), constants (``values``), the date
    format, the actors' columns, the dataset's name and its grade as a source."""

    name: str
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    actors: tuple[str, ...] = ()
    date_format: str | None = None
    grade: c.Grade = field(default_factory=c.Grade)
    date_parts: tuple[str, str, str] | None = None
    """The year, month and day columns, when the file splits its date (``columns.date`` is then
    the year's)."""
    missing: frozenset[str] = frozenset()
    """What the file writes in a mapped column for "no value", besides an empty cell."""

    @property
    def required(self) -> tuple[str, ...]:
        dates = self.date_parts or tuple(self.columns[k] for k in ("date",) if k in self.columns)
        return (*(self.columns[k] for k in ("id",) if k in self.columns), *dates)


PLAIN: Final = ColumnMapping(
    name="export",
    columns={
        "id": "dataset_id",
        "date": "start",
        "end_date": "end",
        "latitude": "latitude",
        "longitude": "longitude",
        "event_type": "event_type",
        "narrative": "narrative",
        "killed": "killed",
        "place": "place",
        "admin1": "admin1",
        "admin2": "admin2",
        "country": "country",
        "act": "act",
        "alleged_party": "alleged_party",
        "date_precision": "date_precision",
        "geo_precision": "geo_precision",
        "reference": "reference",
        "source": "source",
    },
    actors=("actors",),
)
"""How our plain CSV export (and the GeoJSON export's properties) read back."""


def parse_mapping(text: str, *, where: str = "mapping") -> ColumnMapping:
    """A mapping from TOML; InvalidInput names the key at fault."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"not valid TOML: {exc}", field=where) from exc
    unknown = set(doc) - {"dataset", "columns", "values", "source"}
    if unknown:
        raise InvalidInput(f"unknown sections {sorted(unknown)}", field=where)
    name = _string(doc.get("dataset", {}), "name", f"{where}.dataset") or "csv"
    missing = doc.get("dataset", {}).get("missing", [])
    if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
        raise InvalidInput("expected a list of strings", field=f"{where}.dataset.missing")
    raw = dict(doc.get("columns", {}))
    date_format = raw.pop("date_format", None)
    date_parts = _date_parts(raw, f"{where}.columns.date")
    actors = raw.pop("actors", [])
    if isinstance(actors, str):
        actors = [actors]
    if not isinstance(actors, list) or not all(isinstance(a, str) for a in actors):
        raise InvalidInput("expected a list of column names", field=f"{where}.columns.actors")
    columns = {k: _string(raw, k, f"{where}.columns") for k in raw}
    values = {
        k: _string(doc.get("values", {}), k, f"{where}.values") for k in doc.get("values", {})
    }
    for section, known, given in (
        ("columns", _COLUMN_FIELDS, columns),
        ("values", _VALUE_FIELDS, values),
    ):
        for key in given:
            if key not in known:
                raise InvalidInput(
                    f"unknown field {key!r} (expected one of {', '.join(known)})",
                    field=f"{where}.{section}.{key}",
                )
    for key in ("id", "date"):
        if key not in columns:
            raise InvalidInput("the mapping must name this column", field=f"{where}.columns.{key}")
    if "event_type" not in columns and "event_type" not in values:
        raise InvalidInput(
            "give event_type as a column or as a constant in [values]", field=f"{where}.columns"
        )
    source = doc.get("source", {})
    grade = c.Grade(
        name=_string(source, "name", f"{where}.source") or None,
        reliability=_string(source, "reliability", f"{where}.source") or "C",
        credibility=int(source.get("credibility", 3)),
    )
    return ColumnMapping(
        name, columns, values, tuple(actors), date_format, grade, date_parts,
        frozenset(m.strip() for m in missing),
    )  # fmt: skip


def _date_parts(raw: dict[str, Any], where: str) -> tuple[str, str, str] | None:
    """``date = [year, month, day]``: the three columns, and ``raw["date"]`` the year's."""
    given = raw.get("date")
    if not isinstance(given, list):
        return None
    if len(given) != 3 or not all(isinstance(name, str) and name for name in given):
        raise InvalidInput(
            f"expected one column, or three: [year, month, day]; found {given!r}", field=where
        )
    raw["date"] = given[0]
    return given[0], given[1], given[2]


def _string(section: Mapping[str, Any], key: str, where: str) -> str:
    value = section.get(key, "")
    if not isinstance(value, str):
        raise InvalidInput(f"expected a string, found {value!r}", field=f"{where}.{key}")
    return value


def read_csv(lines: Iterable[str], ctx: c.Context, mapping: ColumnMapping = PLAIN) -> Iterator[Row]:
    """One Imported or Reject per data row of a CSV read through ``mapping``."""
    try:
        rows = c.CsvRows.open(lines, mapping.required, f"CSV ({mapping.name} mapping)")
    except InvalidInput as exc:
        if mapping is not PLAIN or exc.field != "header":
            raise
        raise InvalidInput(
            f"{exc.message}. Without --mapping a CSV is read as this program's own export; a "
            "CSV of another shape needs a column mapping, --mapping MAP.toml (docs/"
            "interchange.md, 'GeoJSON and generic CSV'), or --format acled|ucdp|geojson",
            field="header",
        ) from exc
    missing = [column for column in mapping.required if column not in rows.header]
    if missing:
        raise InvalidInput(f"the header lacks the columns {', '.join(missing)}", field="header")
    dataset = ctx.dataset or f"csv:{mapping.name}"
    return reading.read_rows(rows, row_reader(mapping, dataset, ctx, "csv"))


def row_reader(mapping: ColumnMapping, dataset: str, ctx: c.Context, fmt: str) -> reading.RowReader:
    """How rows of strings keyed by column name are read through ``mapping`` (``fmt``: csv or
    geojson). Only without a mapping of its own (:data:`PLAIN`) is a file read as this
    program's export, its rows recognised by their ``report_id``."""
    if mapping.grade.name is not None and ctx.grade.name is None:
        ctx = dataclasses.replace(ctx, grade=mapping.grade)
    id_column = mapping.columns["id"]

    def identify(row: dict[str, str]) -> str:
        return (row.get(id_column) or "").strip()

    def make(row: dict[str, str], of: str, dataset_id: str) -> dict[str, Any]:
        return mapped_body(row, mapping, of, dataset_id, ctx)

    return reading.RowReader(
        fmt, dataset, ctx.dataset, identify, make, id_column, exports=mapping is PLAIN
    )


def mapped_body(
    row: dict[str, str], m: ColumnMapping, dataset: str, dataset_id: str, ctx: c.Context
) -> dict[str, Any]:
    def get(name: str) -> str:
        column = m.columns.get(name)
        value = (row.get(column) or "").strip() if column else ""
        return (value if value not in m.missing else "") or m.values.get(name, "")

    formats = (m.date_format,) if m.date_format else ()
    precision = get("date_precision") or "day"
    if m.date_parts is not None:
        start, end, precision = _dated_by_parts(row, m, ctx, precision)
    else:
        start = c.day(row.get(m.columns["date"], ""), m.columns["date"], ctx, formats)
        end_text = get("end_date")
        end = (
            c.day(end_text, m.columns.get("end_date", "end_date"), ctx, formats)
            if end_text
            else start
        )
        if end < start:
            raise c.RowError(m.columns.get("end_date"), end_text, f"before the start {start}")
    event_type = get("event_type")
    if not event_type:
        raise c.RowError(m.columns.get("event_type"), "", "the event type is empty")
    killed = get("killed")
    return c.observation(
        dates={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "precision": _enum(precision, DatePrecision, m, "date_precision"),
        },
        location=_location(get, m, ctx),
        event_type=event_type,
        act=get("act") or None,
        alleged_party=get("alleged_party") or None,
        actors=c.names(*(a for col in m.actors for a in (row.get(col) or "").split(";"))),
        casualties={"killed": {"unknown": c.count(killed, m.columns["killed"])}}
        if killed
        else None,
        narrative=get("narrative") or f"{event_type} on {start.isoformat()} ({dataset}).",
        sources=[c.source(get("source") or m.grade.name or dataset, ctx, get("reference"))],
        origin=c.origin(dataset, dataset_id, ctx.release, row),
    )


def _dated_by_parts(
    row: dict[str, str], m: ColumnMapping, ctx: c.Context, precision: str
) -> tuple[date, date, str]:
    """(start, end, precision) from the year, month and day columns: a day left unknown (0,
    empty or missing) dates the row the whole month (to today at the latest), with month
    precision."""
    assert m.date_parts is not None
    year_column, month_column, day_column = m.date_parts
    year = _part(row, year_column, m, 1, 9999, "a year")
    month = _part(row, month_column, m, 0, 12, "a month, 1 to 12 (0: unknown)")
    if month == 0:
        raise c.RowError(
            month_column, row.get(month_column, ""),
            "the month is unknown: a date known only to the year is too coarse for a report "
            "(day, week or month)",
        )  # fmt: skip
    last = calendar.monthrange(year, month)[1]
    day = _part(row, day_column, m, 0, 31, "a day of the month (0: unknown)")
    if day > last:
        raise c.RowError(day_column, row.get(day_column, ""), f"{year}-{month:02d} has {last} days")
    start = c.day(f"{year:04d}-{month:02d}-{max(day, 1):02d}", year_column, ctx)
    if day:
        return start, start, precision
    return start, min(date(year, month, last), ctx.now), "month"


def _part(
    row: dict[str, str], column: str, m: ColumnMapping, low: int, high: int, what: str
) -> int:
    """The whole number in ``column`` (``3`` or ``3.0``), ``low`` to ``high``; empty (or what
    the mapping calls missing) is 0 where 0 means unknown."""
    text = (row.get(column) or "").strip()
    if text in m.missing:
        text = ""
    if not text and low == 0:
        return 0
    try:
        number = float(text)
    except ValueError:
        raise c.RowError(column, text, f"expected {what}") from None
    if not number.is_integer() or not low <= number <= high:
        raise c.RowError(column, text, f"expected {what}")
    return int(number)


def _location(get: Any, m: ColumnMapping, ctx: c.Context) -> dict[str, Any] | None:
    lat, lon = get("latitude"), get("longitude")
    country = get("country")
    code = c.country_code(country) or (country.upper() if len(country) == 2 else None)
    if not lat and not lon:
        return _geocoded(get, m, ctx, code)
    names = (m.columns.get("latitude", "latitude"), m.columns.get("longitude", "longitude"))
    point = c.coordinates(lat, lon, ctx, names)
    return c.location(
        *point, _enum(get("geo_precision") or "near", GeoPrecision, m, "geo_precision"),
        place=get("place"), admin1=get("admin1"), admin2=get("admin2"), country=code,
    )  # fmt: skip


def _geocoded(
    get: Any, m: ColumnMapping, ctx: c.Context, country: str | None
) -> dict[str, Any] | None:
    """A row that only names its place is placed by the gazetteer, with the precision the
    place gives (a village is exact, a province is province); an unknown or ambiguous name is
    refused with the candidates, never guessed."""
    name = get("place")
    if not name or ctx.geocode is None:
        return None
    found = ctx.geocode(name, country, get("admin1") or None)
    if found.refusal is not None or found.latitude is None or found.longitude is None:
        raise c.RowError(m.columns.get("place", "place"), name, found.refusal or "not found")
    return c.location(
        found.latitude, found.longitude, found.precision or "near",
        place=name, admin1=get("admin1") or found.admin1, admin2=get("admin2"),
        country=country or found.country,
    )  # fmt: skip


def _enum(value: str, kind: Any, m: ColumnMapping, name: str) -> str:
    try:
        return str(kind(value.strip().lower()).value)
    except ValueError:
        expected = ", ".join(k.value for k in kind)
        raise c.RowError(m.columns.get(name, name), value, f"expected one of {expected}") from None
