"""Exports: ACLED-compatible CSV, UCDP-compatible CSV, a GeoJSON FeatureCollection, plain CSV.

Every row carries, besides its data, the system's columns (:data:`SYSTEM`): the report's id,
the dataset it was imported from (empty for the record's own reports), its ``incident_id``
and that incident's ``verification`` status (both empty when it is linked to none) and whether
its reader saw it redacted. A report imported
from the same family of dataset gives back its original values column for column (from
``origin.attributes``; columns beyond the format's standard ones follow them), unless the
reader saw it redacted: then, as for every other report, each column is worked out from the
body as the reader sees it, so that nothing withheld can leak through the attributes. A report
of the record's own (no dataset's row) carries the agreement's act, which the ACLED and UCDP
exports write in the dataset's terms, as the agreement classes the act (:class:`ActClass`).

:func:`agrees` says whether a row read back from an export is what exporting a body writes:
how a re-import recognises its own export (``docs/interchange.md``, "Export, then import").
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import IO, Any, Final

from ceasefire.domain.agreement_rules import ActType
from ceasefire.interchange import acled, ucdp
from ceasefire.interchange.reading import SYSTEM_COLUMNS

PLAIN_COLUMNS: Final = (
    "report_id", "incident_id", "verification", "kind", "dataset", "dataset_id", "start", "end",
    "date_precision", "latitude", "longitude", "geo_precision", "place", "admin1", "admin2",
    "country", "event_type", "act", "alleged_party", "actors", "killed", "narrative", "source",
    "reference", "redacted",
)  # fmt: skip
SYSTEM: Final = ("report_id", "dataset", "incident_id", "verification", "redacted")
"""What the ACLED and UCDP exports add after the dataset's columns (all of them in
``reading.SYSTEM_COLUMNS``, which a re-import leaves out)."""
COUNTRY_NAMES: Final = {"PK": "Pakistan", "AF": "Afghanistan"}
ACLED_TIME: Final = {"day": "1", "week": "2", "month": "3"}
ACLED_GEO: Final = {"exact": "1", "near": "2", "district": "2", "province": "3", "country": "3"}
UCDP_DATE: Final = {"day": "1", "week": "3", "month": "4"}
UCDP_WHERE: Final = {"exact": "1", "near": "2", "district": "3", "province": "4", "country": "6"}


@dataclass(frozen=True)
class ExportRow:
    """One report to export, as its reader sees it."""

    report_id: str
    body: Mapping[str, Any]
    incident_id: str | None = None
    redacted: bool = False
    verification: str | None = None
    """The verification status of its incident (``services.map_data.MapStatus``; None: it is
    linked to none)."""


@dataclass(frozen=True)
class ActClass:
    """How the agreement classes one of its acts in a dataset's terms (``[[acts]]``'s
    ``acled`` and ``ucdp``, the first of each): what an export writes for a report of the
    record's own, which carries the agreement's act and no dataset's classification."""

    acled: tuple[str, str] | None = None
    """(``event_type``, ``sub_event_type``)."""
    ucdp: int | None = None
    """``type_of_violence``."""


ActClasses = Mapping[str, ActClass]
"""act id → its class."""


def act_classes(acts: Iterable[ActType]) -> dict[str, ActClass]:
    return {
        act.id: ActClass(
            (act.acled[0].event_type, act.acled[0].sub_event_type or "") if act.acled else None,
            act.ucdp[0] if act.ucdp else None,
        )
        for act in acts
    }


def write_acled(rows: Iterable[ExportRow], out: IO[str], acts: ActClasses | None = None) -> int:
    """``acts``: the agreement's classes of its acts, for the reports of the record's own."""
    return _write_family(rows, out, acled.COLUMNS, "acled", partial(_acled_row, acts=acts))


def write_ucdp(rows: Iterable[ExportRow], out: IO[str], acts: ActClasses | None = None) -> int:
    """``acts``: the agreement's classes of its acts, for the reports of the record's own."""
    return _write_family(rows, out, ucdp.COLUMNS, "ucdp", partial(_ucdp_row, acts=acts))


def write_plain(rows: Iterable[ExportRow], out: IO[str]) -> int:
    return _write_csv(rows, out, PLAIN_COLUMNS, plain_fields)


def _write_family(
    rows: Iterable[ExportRow],
    out: IO[str],
    standard: tuple[str, ...],
    family: str,
    fields: Callable[[ExportRow], dict[str, str]],
) -> int:
    """The format's standard columns, then every other column the family's rows kept (HDX's
    ``iso3``, a reduced file's ``month``), in the order first met, then the system's."""
    listed = list(rows)
    known = {*standard, *SYSTEM_COLUMNS}
    extra: dict[str, None] = {}
    for row in listed:
        extra.update((name, None) for name in _attributes(row, family) if name not in known)
    return _write_csv(listed, out, (*standard, *extra, *SYSTEM), fields)


def write_geojson(rows: Iterable[ExportRow], out: IO[str]) -> int:
    """A FeatureCollection, one feature per line (a report without a place has no geometry)."""
    out.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for row in rows:
        out.write((",\n" if count else "") + json.dumps(_feature(row), ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


def _feature(row: ExportRow) -> dict[str, Any]:
    fields = plain_fields(row)
    lat, lon = fields.pop("latitude"), fields.pop("longitude")
    geometry = {"type": "Point", "coordinates": [float(lon), float(lat)]} if lat and lon else None
    properties: dict[str, Any] = {k: v for k, v in fields.items() if v}
    attributes = _attributes(row, None)
    if attributes:
        properties["attributes"] = attributes
    return {"type": "Feature", "id": row.report_id, "geometry": geometry, "properties": properties}


def _write_csv(
    rows: Iterable[ExportRow],
    out: IO[str],
    columns: tuple[str, ...],
    fields: Callable[[ExportRow], dict[str, str]],
) -> int:
    writer = csv.DictWriter(_LineFeeds(out), columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(fields(row))
        count += 1
    return count


class _LineFeeds:
    """Rows ended by a line feed, written by a writer that ends them with CR LF. Python's csv
    (3.11) quotes a value holding a character of the line terminator, and only those: with
    ``\n`` alone a bare carriage return in a value (the suicide-attacks file has 36) went out
    unquoted and split the row for every reader."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def write(self, row: str) -> int:
        return self._out.write(row.removesuffix("\r\n") + "\n")


# --- from a body -----------------------------------------------------------------------------


def _attributes(row: ExportRow, family: str | None) -> dict[str, str]:
    """The original columns, when the report came from ``family`` (None: any dataset) and
    the reader saw it unredacted."""
    origin = row.body.get("origin") or {}
    dataset = str(origin.get("dataset", ""))
    if row.redacted or (family is not None and not dataset.startswith(family)):
        return {}
    return dict(origin.get("attributes") or {})


def plain_fields(row: ExportRow) -> dict[str, str]:
    body = row.body
    dates, where = body.get("dates") or {}, body.get("location") or {}
    origin, sources = body.get("origin") or {}, body.get("sources") or [{}]
    killed = killed_counts(body)
    return {
        "report_id": row.report_id,
        "incident_id": row.incident_id or "",
        "verification": row.verification or "",
        "kind": str(body.get("kind", "")),
        "dataset": str(origin.get("dataset", "")),
        "dataset_id": str(origin.get("id", "") or row.report_id),
        "start": str(dates.get("start", "")),
        "end": str(dates.get("end", "")),
        "date_precision": str(dates.get("precision", "")),
        "latitude": _number(where.get("latitude")),
        "longitude": _number(where.get("longitude")),
        "geo_precision": str(where.get("precision", "")),
        "place": str(where.get("place", "")),
        "admin1": str(where.get("admin1", "")),
        "admin2": str(where.get("admin2", "")),
        "country": str(where.get("country", "")),
        "event_type": event_type(body),
        "act": str(body.get("act", "")),
        "alleged_party": str(body.get("alleged_party", "")),
        "actors": "; ".join(body.get("actors") or []),
        "killed": "" if killed is None else str(sum(b for _, b, _ in killed.values())),
        "narrative": str(body.get("narrative", "")),
        "source": str(sources[0].get("name", "")),
        "reference": str(sources[0].get("reference", "")),
        "redacted": "true" if row.redacted else "",
    }


def event_type(body: Mapping[str, Any]) -> str:
    if "event_type" in body:
        return str(body["event_type"])
    if body.get("kind") == "compliance_claim":
        return f"compliance: {body.get('step', '')}"
    return str(body.get("act", ""))


def killed_counts(body: Mapping[str, Any]) -> dict[str, tuple[int, int, int]] | None:
    """(low, best, high) killed by category, or None when the report gives no figure."""
    killed = (body.get("casualties") or {}).get("killed")
    if not killed:
        return None
    counts: dict[str, tuple[int, int, int]] = {}
    for category, value in killed.items():
        if isinstance(value, int):
            counts[category] = (value, value, value)
        else:
            counts[category] = (value["low"], value["best"], value["high"])
    return counts


def _number(value: Any) -> str:
    return "" if value is None else repr(float(value))


def _own_class(body: Mapping[str, Any], acts: ActClasses | None) -> ActClass | None:
    """The class of a report of the record's own (no dataset's row, no dataset's type) by its
    act; None for a dataset's row, which keeps its own classification, and for a claim of
    compliance, which no dataset classes."""
    if acts is None or "origin" in body or "event_type" in body:
        return None
    if body.get("kind") == "compliance_claim":
        return None
    return acts.get(str(body.get("act", "")))


def _acled_row(row: ExportRow, acts: ActClasses | None = None) -> dict[str, str]:
    body, plain = row.body, plain_fields(row)
    event, _, sub = plain["event_type"].partition(": ")
    own = _own_class(body, acts)
    if own is not None and own.acled is not None:
        event, sub = own.acled
    actors = body.get("actors") or []
    killed = plain["killed"]
    derived = {
        "event_id_cnty": plain["dataset_id"],
        "event_date": plain["start"],
        "year": plain["start"][:4],
        "time_precision": ACLED_TIME.get(plain["date_precision"], ""),
        "event_type": event,
        "sub_event_type": sub,
        "actor1": actors[0] if actors else "",
        "actor2": actors[1] if len(actors) > 1 else "",
        "civilian_targeting": "Civilian targeting"
        if "civilians" in (body.get("targets") or [])
        else "",
        "country": COUNTRY_NAMES.get(plain["country"], plain["country"]),
        "admin1": plain["admin1"],
        "admin2": plain["admin2"],
        "location": plain["place"],
        "latitude": plain["latitude"],
        "longitude": plain["longitude"],
        "geo_precision": ACLED_GEO.get(plain["geo_precision"], ""),
        "source": plain["reference"] or plain["source"],
        "notes": plain["narrative"],
        "fatalities": killed,
    }
    return derived | _attributes(row, "acled") | _system(plain)


def _ucdp_row(row: ExportRow, acts: ActClasses | None = None) -> dict[str, str]:
    body, plain = row.body, plain_fields(row)
    own = _own_class(body, acts)
    actors = body.get("actors") or []
    counts = killed_counts(body) or {}
    military = counts.get("military", (0, 0, 0))
    civilian = counts.get("civilian", (0, 0, 0))
    unknown = counts.get("unknown", (0, 0, 0))
    known = counts != {}
    code: int | str = ucdp.CODES.get(plain["event_type"], "")
    if own is not None and own.ucdp is not None:
        code = own.ucdp
    derived = {
        "id": plain["dataset_id"],
        "year": plain["start"][:4],
        "type_of_violence": str(code),
        "side_a": actors[0] if actors else "",
        "side_b": actors[1] if len(actors) > 1 else "",
        "source_article": plain["reference"],
        "source_headline": plain["narrative"],
        "where_prec": UCDP_WHERE.get(plain["geo_precision"], ""),
        "where_coordinates": plain["place"],
        "adm_1": plain["admin1"],
        "adm_2": plain["admin2"],
        "latitude": plain["latitude"],
        "longitude": plain["longitude"],
        "country": COUNTRY_NAMES.get(plain["country"], plain["country"]),
        "date_prec": UCDP_DATE.get(plain["date_precision"], ""),
        "date_start": plain["start"],
        "date_end": plain["end"],
        "deaths_a": str(military[1]) if known else "",
        "deaths_b": "0" if known else "",
        "deaths_civilians": str(civilian[1]) if known else "",
        "deaths_unknown": str(unknown[1]) if known else "",
        "best": plain["killed"],
        "low": str(sum(c[0] for c in counts.values())) if known else "",
        "high": str(sum(c[2] for c in counts.values())) if known else "",
    }
    return derived | _attributes(row, "ucdp") | _system(plain)


def _system(plain: dict[str, str]) -> dict[str, str]:
    return {name: plain[name] for name in SYSTEM}


# --- read back -------------------------------------------------------------------------------


def _geojson_columns(row: ExportRow) -> dict[str, str]:
    """A feature as the GeoJSON reader gives it: its properties as text, the point's
    coordinates as the latitude and longitude."""
    feature = _feature(row)
    columns = {name: _text(value) for name, value in feature["properties"].items()}
    if feature["geometry"] is not None:
        lon, lat = feature["geometry"]["coordinates"]
        columns["latitude"], columns["longitude"] = _text(lat), _text(lon)
    return columns


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


WRITTEN: Final[dict[str, Callable[[ExportRow], dict[str, str]]]] = {
    "acled": _acled_row,
    "ucdp": _ucdp_row,
    "csv": plain_fields,
    "geojson": _geojson_columns,
}
"""What each format's export writes for one report, column by column."""


def agrees(fmt: str, columns: Mapping[str, str], body: Mapping[str, Any]) -> bool:
    """Whether exporting ``body`` (unredacted) as ``fmt`` writes ``columns``, a row read back
    from such an export without the system's columns: every column the row has holds what the
    export writes there (empty where it writes none). A CSV column the file lacks says nothing
    and is not compared; a GeoJSON property a feature lacks is one the export left out as
    empty, so the export must write none there either."""
    written = WRITTEN[fmt](ExportRow("", body))
    names: Iterable[str] = columns
    if fmt == "geojson":
        names = columns.keys() | (written.keys() - SYSTEM_COLUMNS)
    return all(written.get(name, "") == columns.get(name, "") for name in names)
