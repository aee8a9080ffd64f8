"""The formats spoken, and telling them apart by a file's name and first line."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import IO

from ceasefire.errors import InvalidInput
from ceasefire.interchange import acled, common, generic_csv, geojson, ucdp
from ceasefire.interchange.rows import Row


class Format(StrEnum):
    ACLED = "acled"
    UCDP = "ucdp"
    GEOJSON = "geojson"
    CSV = "csv"


def sniff(name: str, first_line: str) -> Format:
    """The format a file looks like: GeoJSON by its suffix or a leading ``{``, ACLED and UCDP
    by their characteristic columns, anything else plain CSV."""
    if name.lower().endswith((".geojson", ".json")) or first_line.lstrip().startswith("{"):
        return Format.GEOJSON
    header = first_line.lower()
    if "event_id_cnty" in header or ("event_date" in header and "sub_event_type" in header):
        return Format.ACLED
    if "type_of_violence" in header:
        return Format.UCDP
    return Format.CSV


def read(
    fmt: Format,
    stream: IO[str],
    ctx: common.Context,
    mapping: generic_csv.ColumnMapping | None = None,
    *,
    name: str | None = None,
) -> Iterator[Row]:
    """The rows of ``stream`` read as ``fmt`` (a mapping applies to CSV and GeoJSON)."""
    match fmt:
        case Format.ACLED:
            return acled.read_acled(stream, ctx)
        case Format.UCDP:
            return ucdp.read_ucdp(stream, ctx)
        case Format.GEOJSON:
            return geojson.read_geojson(stream.read(), ctx, mapping or generic_csv.PLAIN, name=name)
        case Format.CSV:
            return generic_csv.read_csv(stream, ctx, mapping or generic_csv.PLAIN)
    raise InvalidInput(f"unknown format {fmt!r}", field="format")
