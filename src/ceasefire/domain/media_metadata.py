"""What a file says about itself: its metadata and image hashes, and the locker's size limits.

Capture time, place and device come from metadata the sender controls, so they are advice to a
human, never proof; :mod:`ceasefire.domain.evidence` compares them with what a report claims.
:class:`MediaMetadata` is written to and read from the log as a strict JSON object
(:meth:`MediaMetadata.to_body`, :meth:`MediaMetadata.from_body`). The value checks here
(:func:`check_place`, :func:`short_text`, :func:`matching` ...) are shared with the evidence
module, which checks the same kinds of value.

This module is pure: no I/O, no clock, no imaging library (``ceasefire.media`` reads files).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from ceasefire.domain.media_types import MEDIA_TYPES
from ceasefire.errors import InvalidInput

HASH: Final = re.compile(r"[0-9a-f]{16}")
SHA256: Final = re.compile(r"[0-9a-f]{64}")
_TIME: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_MAX_TEXT: Final = 256


@dataclass(frozen=True)
class Limits:
    """What the locker accepts: file size in bytes and declared image size in pixels."""

    max_bytes: int = 64 * 1024 * 1024
    max_pixels: int = 40_000_000

    def __post_init__(self) -> None:
        _positive_int(self.max_bytes, "max_bytes")
        _positive_int(self.max_pixels, "max_pixels")


@dataclass(frozen=True)
class MediaMetadata:
    """What a file says about itself, and the perceptual hashes of an image.

    ``captured_at`` is aware UTC to the second; hashes are 64 bits as 16 lowercase hex digits;
    ``tool`` names the software and versions that read the file (Berkeley Protocol).
    """

    media_type: str
    tool: str
    width: int | None = None
    height: int | None = None
    captured_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    device: str | None = None
    phash: str | None = None
    dhash: str | None = None
    phash_mirrored: str | None = None

    def __post_init__(self) -> None:
        if self.media_type not in MEDIA_TYPES:
            raise InvalidInput(
                f"expected a media type the locker accepts, found {self.media_type!r}",
                field="media_type",
            )
        short_text(self.tool, "tool")
        _pair(self.width, self.height, "width", "height")
        if self.width is not None and self.height is not None:
            _positive_int(self.width, "width")
            _positive_int(self.height, "height")
        if self.captured_at is not None:
            object.__setattr__(self, "captured_at", _utc_seconds(self.captured_at, "captured_at"))
        check_place(self, self.latitude, self.longitude)
        if self.device is not None:
            short_text(self.device, "device")
        for name in ("phash", "dhash", "phash_mirrored"):
            optional_hash(getattr(self, name), name)
        if self.phash is None and (self.dhash is not None or self.phash_mirrored is not None):
            raise InvalidInput("expected a pHash alongside the other hashes", field="phash")

    def to_body(self) -> dict[str, Any]:
        """A JSON object of the fields that are set; times as ``YYYY-MM-DDTHH:MM:SSZ``."""
        body: dict[str, Any] = {}
        for name in _METADATA_FIELDS:
            value = getattr(self, name)
            if isinstance(value, datetime):
                body[name] = format_utc(value)
            elif value is not None:
                body[name] = value
        return body

    @classmethod
    def from_body(cls, body: Mapping[str, Any], field: str = "metadata") -> MediaMetadata:
        """Parse what :meth:`to_body` writes, strictly: unknown fields and nulls are refused;
        errors name the member at fault, e.g. ``metadata.latitude``."""
        if not isinstance(body, Mapping):
            raise InvalidInput(f"expected a JSON object, found {type(body).__name__}", field=field)
        unknown = sorted(str(name) for name in body.keys() - _METADATA_FIELDS.keys())
        if unknown:
            raise InvalidInput(
                f"unknown field(s) {', '.join(unknown)}", field=f"{field}.{unknown[0]}"
            )
        for name in ("media_type", "tool"):
            if name not in body:
                raise InvalidInput(f"missing field {name!r}", field=f"{field}.{name}")
        values = {name: _METADATA_FIELDS[name](body[name], f"{field}.{name}") for name in body}
        try:
            return cls(**values)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field=f"{field}.{exc.field}") from exc


def format_utc(time: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` for an aware time, in UTC, to the second."""
    time = time.astimezone(UTC)
    return (
        f"{time.year:04d}-{time.month:02d}-{time.day:02d}"
        f"T{time.hour:02d}:{time.minute:02d}:{time.second:02d}Z"
    )


# Member parsers for MediaMetadata.from_body, in to_body order.
def _text_member(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"expected a string, found {_json_type(value)}", field=path)
    return value


def _int_member(value: object, path: str) -> int:
    if type(value) is not int:
        raise InvalidInput(f"expected an integer, found {_json_type(value)}", field=path)
    return value


def _number_member(value: object, path: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise InvalidInput(f"expected a number, found {_json_type(value)}", field=path)
    return float(value)


def _time_member(value: object, path: str) -> datetime:
    text = _text_member(value, path)
    if not _TIME.fullmatch(text):
        raise InvalidInput(
            f"expected a UTC time such as 2025-10-19T12:00:00Z, found {text!r}", field=path
        )
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a real time: {exc}", field=path) from exc


_METADATA_FIELDS: Final[dict[str, Callable[[object, str], Any]]] = {
    "media_type": _text_member,
    "tool": _text_member,
    "width": _int_member,
    "height": _int_member,
    "captured_at": _time_member,
    "latitude": _number_member,
    "longitude": _number_member,
    "device": _text_member,
    "phash": _text_member,
    "dhash": _text_member,
    "phash_mirrored": _text_member,
}


def _json_type(value: object) -> str:
    return "null" if value is None else type(value).__name__


# Value checks; the public ones are shared with ceasefire.domain.evidence.
def _positive_int(value: object, name: str) -> None:
    if type(value) is not int or value <= 0:
        raise InvalidInput(f"expected a positive integer, found {value!r}", field=name)


def _pair(first: object, second: object, first_name: str, second_name: str) -> None:
    if (first is None) != (second is None):
        missing = first_name if first is None else second_name
        raise InvalidInput(
            f"expected both {first_name} and {second_name} or neither, found no {missing}",
            field=missing,
        )


def check_place(owner: object, latitude: float | None, longitude: float | None) -> None:
    """Latitude and longitude, both or neither, finite and in range; stored as floats."""
    _pair(latitude, longitude, "latitude", "longitude")
    for name, value, bound in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if value is None:
            continue
        if type(value) not in (int, float) or not -bound <= value <= bound:
            raise InvalidInput(
                f"expected degrees in [-{bound}, {bound}], found {value!r}", field=name
            )
        object.__setattr__(owner, name, float(value))


def short_text(value: object, name: str) -> None:
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_TEXT:
        raise InvalidInput(
            f"expected a string of 1-{_MAX_TEXT} characters, found {value!r}", field=name
        )
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise InvalidInput(f"expected no control characters, found {value!r}", field=name)


def optional_hash(value: str | None, name: str) -> None:
    if value is not None:
        matching(value, HASH, name, "16 lowercase hex digits")


def matching(value: object, pattern: re.Pattern[str], name: str, expected: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidInput(f"expected {expected}, found {value!r}", field=name)


def aware_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput(f"expected an aware time, found {value!r}", field=name)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput(f"{value.isoformat()} is out of range in UTC", field=name) from exc


def _utc_seconds(value: datetime, name: str) -> datetime:
    value = aware_utc(value, name)
    if value.microsecond:
        raise InvalidInput(
            f"expected a time to the second, found {value.microsecond} microseconds", field=name
        )
    return value
