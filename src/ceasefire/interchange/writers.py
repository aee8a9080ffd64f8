"""Exports: ACLED-compatible CSV, UCDP-compatible CSV, a GeoJSON FeatureCollection, plain CSV.

Every row carries the report's ``incident_id`` (empty when it is linked to none). A report
imported from the same family of dataset gives back its original values column for column
(from ``origin.attributes``), unless the reader saw it redacted: then, as for every other
report, each column is worked out from the body as the reader sees it, so that nothing
withheld can leak through the attributes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any, Final

from ceasefire.interchange import acled, ucdp

PLAIN_COLUMNS: Final = (
    "report_id", "incident_id", "kind", "dataset", "dataset_id", "start", "end",
    "date_precision", "latitude", "longitude", "geo_precision", "place", "admin1", "admin2",
    "country", "event_type", "act", "alleged_party", "actors", "killed", "narrative", "source",
    "reference",
)  # fmt: skip
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


def write_acled(rows: Iterable[ExportRow], out: IO[str]) -> int:
    return _write_csv(rows, out, (*acled.COLUMNS, "incident_id"), _acled_row)


def write_ucdp(rows: Iterable[ExportRow], out: IO[str]) -> int:
    return _write_csv(rows, out, (*ucdp.COLUMNS, "incident_id"), _ucdp_row)


def write_plain(rows: Iterable[ExportRow], out: IO[str]) -> int:
    return _write_csv(rows, out, PLAIN_COLUMNS, plain_fields)


def write_geojson(rows: Iterable[ExportRow], out: IO[str]) -> int:
    """A FeatureCollection, one feature per line (a report without a place has no geometry)."""
    out.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for row in rows:
        fields = plain_fields(row)
        lat, lon = fields.pop("latitude"), fields.pop("longitude")
        geometry = (
            {"type": "Point", "coordinates": [float(lon), float(lat)]} if lat and lon else None
        )
        properties: dict[str, Any] = {k: v for k, v in fields.items() if v}
        attributes = _attributes(row, None)
        if attributes:
            properties["attributes"] = attributes
        feature: dict[str, Any] = {"type": "Feature", "id": row.report_id, "geometry": geometry}
        feature["properties"] = properties
        out.write((",\n" if count else "") + json.dumps(feature, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


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


def _acled_row(row: ExportRow) -> dict[str, str]:
    body, plain = row.body, plain_fields(row)
    event, _, sub = plain["event_type"].partition(": ")
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
    return derived | _attributes(row, "acled") | {"incident_id": plain["incident_id"]}


def _ucdp_row(row: ExportRow) -> dict[str, str]:
    body, plain = row.body, plain_fields(row)
    actors = body.get("actors") or []
    counts = killed_counts(body) or {}
    military = counts.get("military", (0, 0, 0))
    civilian = counts.get("civilian", (0, 0, 0))
    unknown = counts.get("unknown", (0, 0, 0))
    known = counts != {}
    code = ucdp.CODES.get(plain["event_type"], "")
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
    return derived | _attributes(row, "ucdp") | {"incident_id": plain["incident_id"]}
