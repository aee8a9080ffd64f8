"""Query filters that several lists share (reports, incidents, exports)."""

from __future__ import annotations

from ceasefire.errors import InvalidInput


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``bbox=min_lon,min_lat,max_lon,max_lat`` (WGS 84), or None when not given."""
    if text is None:
        return None
    try:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in text.split(","))
    except ValueError as exc:
        raise InvalidInput(
            f"expected bbox=min_lon,min_lat,max_lon,max_lat, found {text!r}", field="bbox"
        ) from exc
    if not (min_lon <= max_lon and min_lat <= max_lat):
        raise InvalidInput(f"expected min <= max in the bbox, found {text!r}", field="bbox")
    return min_lon, min_lat, max_lon, max_lat
