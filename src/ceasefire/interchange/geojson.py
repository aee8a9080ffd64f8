"""GeoJSON: a FeatureCollection of Point features whose properties are read like a CSV row.

Properties are read through a column mapping (:mod:`ceasefire.interchange.generic_csv`; by
default the names our own exports write), the point's coordinates taking the place of the
latitude and longitude columns. Each property's value is kept as text in the attributes (JSON
numbers as JSON writes them); a feature of our own export gives back the original columns it
carries as ``attributes``. A feature is numbered by its position, from 1.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from typing import Any

from ceasefire.errors import InvalidInput
from ceasefire.interchange import common as c
from ceasefire.interchange import reading
from ceasefire.interchange.generic_csv import PLAIN, ColumnMapping, row_reader
from ceasefire.interchange.rows import Reject, Row


def read_geojson(
    text: str, ctx: c.Context, mapping: ColumnMapping = PLAIN, *, name: str | None = None
) -> Iterator[Row]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", field="file"
        ) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InvalidInput("expected a GeoJSON FeatureCollection", field="type")
    features = doc.get("features")
    if not isinstance(features, list):
        raise InvalidInput("expected a list of features", field="features")
    dataset = ctx.dataset or f"geojson:{name or mapping.name}"
    reader = row_reader(mapping, dataset, ctx, "geojson")
    if mapping is PLAIN:
        reader = dataclasses.replace(reader, make=_with_attributes(reader.make))
    return reading.read_rows(_rows(features, mapping), reader)


def _with_attributes(make: reading.Make) -> reading.Make:
    """Our export gives a report's original columns as the ``attributes`` property: read back,
    they are the row's attributes again, as they were (not a column holding JSON)."""

    def made(row: dict[str, str], dataset: str, dataset_id: str) -> dict[str, Any]:
        original = _columns(row.get("attributes"))
        if original is None:
            return make(row, dataset, dataset_id)
        body = make({k: v for k, v in row.items() if k != "attributes"}, dataset, dataset_id)
        body["origin"]["attributes"] = original
        return body

    return made


def _columns(text: str | None) -> dict[str, str] | None:
    try:
        found = json.loads(text) if text else None
    except json.JSONDecodeError:
        return None
    if isinstance(found, dict) and found and all(isinstance(v, str) for v in found.values()):
        return found
    return None


def _rows(features: list[Any], m: ColumnMapping) -> Iterator[tuple[int, dict[str, str]] | Reject]:
    lat_name = m.columns.get("latitude", "latitude")
    lon_name = m.columns.get("longitude", "longitude")
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            yield Reject(number, "type", None, "expected a GeoJSON Feature")
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, Mapping):
            yield Reject(number, "properties", None, "expected an object of properties")
            continue
        row = {str(k): _text(v) for k, v in properties.items()}
        if "id" in feature and m.columns.get("id", "") not in row:
            row[m.columns.get("id", "id")] = _text(feature["id"])
        geometry = feature.get("geometry")
        if geometry is not None:
            if not isinstance(geometry, Mapping) or geometry.get("type") != "Point":
                yield Reject(number, "geometry", None, "expected a Point geometry (or none)")
                continue
            point = geometry.get("coordinates")
            if not isinstance(point, list) or len(point) < 2:
                yield Reject(number, "geometry.coordinates", None, "expected [longitude, latitude]")
                continue
            row[lon_name], row[lat_name] = _text(point[0]), _text(point[1])
        yield number, row


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
