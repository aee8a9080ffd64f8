"""GeoJSON: a FeatureCollection of Point features whose properties are read like a CSV row.

Properties are read through a column mapping (:mod:`ceasefire.interchange.generic_csv`; by
default the names our own exports write), the point's coordinates taking the place of the
latitude and longitude columns. Each property's value is kept as text in the attributes (JSON
numbers as JSON writes them). A feature is numbered by its position, from 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from ceasefire.errors import InvalidInput
from ceasefire.interchange import common as c
from ceasefire.interchange.generic_csv import PLAIN, ColumnMapping, row_builder
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
    build = row_builder(mapping, dataset, ctx)
    return c.guarded(_rows(features, mapping), build)


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
