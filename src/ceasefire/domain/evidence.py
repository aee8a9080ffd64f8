"""Evidence in the locker: what a file is, what its metadata says, and what to ask a monitor.

Identity is the SHA-256 of the file's bytes, nothing else: it is what the log records, what
the content-addressed store files it under, and what a court can recompute. Everything else
here is advice to a human:

- The media type is sniffed from the content (magic numbers), never taken from a file name; a
  name that says otherwise is refused, because a mislabelled file misleads whoever opens it.
- Capture time, place and device come from metadata the sender controls. They are compared
  with what the report claims (:func:`check_against_claim`) and a mismatch is a :class:`Flag`;
  missing metadata proves nothing (messaging apps strip it) and raises no flag.
- A perceptual hash (pHash, dHash, and the pHash of the mirrored image) is an index for
  looking up images that look alike, never proof that two images are the same or different.
  :func:`find_recycled` flags an image that matches one already in the locker under another
  report; the flag goes to a monitor for review, it never rejects a submission by itself.
  The default thresholds come from trials with imagehash 4.3.2 on natural photos (re-encodes,
  resizes and brightness changes moved pHash by 0-4 bits; unrelated photos sat near 32): a
  match needs pHash distance <= 10 and dHash distance <= 10.

This module is pure: no I/O, no clock, no imaging library (``ceasefire.media`` reads files).
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Final

from ceasefire.errors import InvalidInput

SNIFF_BYTES: Final = 64
"""How many leading bytes :func:`sniff` looks at."""

IMAGE_TYPES: Final = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff"})
"""Images ``ceasefire.media`` decodes (HEIC is accepted and stored, but not decoded)."""

MEDIA_TYPES: Final = IMAGE_TYPES | {
    "image/heic",
    "application/pdf",
    "video/mp4",
    "video/quicktime",
    "audio/mpeg",
    "audio/wav",
    "audio/ogg",
    "application/zip",
    "text/plain",
}
"""Every type the locker accepts: what :func:`sniff` can return."""

EARTH_RADIUS_KM: Final = 6371.0088
"""Mean Earth radius (IUGG), for :func:`haversine_km`."""

_MAGIC: Final = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"%PDF-", "application/pdf"),
    (b"OggS", "audio/ogg"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
    (b"ID3", "audio/mpeg"),
)
_RIFF_FORMS: Final = {b"WEBP": "image/webp", b"WAVE": "audio/wav"}
_HEIC_BRANDS: Final = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1"})
_VIDEO_BRANDS: Final = {
    **dict.fromkeys(
        (b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V "),
        "video/mp4",
    ),
    b"qt  ": "video/quicktime",
}
_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})
_EXTENSIONS: Final = {
    **dict.fromkeys(("jpg", "jpeg", "jpe", "jfif"), "image/jpeg"),
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    **dict.fromkeys(("tif", "tiff"), "image/tiff"),
    **dict.fromkeys(("heic", "heif"), "image/heic"),
    "pdf": "application/pdf",
    **dict.fromkeys(("mp4", "m4v"), "video/mp4"),
    "mov": "video/quicktime",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    **dict.fromkeys(("ogg", "oga", "opus"), "audio/ogg"),
    "zip": "application/zip",
    "txt": "text/plain",
}
_HASH: Final = re.compile(r"[0-9a-f]{16}")
_SHA256: Final = re.compile(r"[0-9a-f]{64}")
_TIME: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_MAX_TEXT: Final = 256


def sniff(head: bytes) -> str:
    """The media type of a file from its first :data:`SNIFF_BYTES` bytes (magic numbers).

    Plain text (valid UTF-8 without NUL bytes) is the last resort. Anything else is refused.
    """
    if not head:
        raise InvalidInput("the file is empty: not a type the locker accepts", field="file")
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    found = _riff(head) or _ftyp(head) or _mpeg_audio(head) or _text(head)
    if found is None:
        raise InvalidInput(
            f"the content (starting {head[:8].hex(' ')}) is not a type the locker accepts: "
            f"{', '.join(sorted(MEDIA_TYPES))}",
            field="file",
        )
    return found


def _riff(head: bytes) -> str | None:
    return _RIFF_FORMS.get(head[8:12]) if head.startswith(b"RIFF") else None


def _ftyp(head: bytes) -> str | None:
    """ISO base media files (MP4, QuickTime, HEIC) by the brands of their leading ftyp box."""
    if head[4:8] != b"ftyp":
        return None
    major = head[8:12]
    box_end = min(int.from_bytes(head[:4], "big"), len(head))
    compatible = {head[i : i + 4] for i in range(16, box_end - 3, 4)}
    if major in _HEIC_BRANDS and not compatible & _AVIF_BRANDS:
        return "image/heic"
    if major in _VIDEO_BRANDS:
        return _VIDEO_BRANDS[major]
    # Some encoders put an exotic major brand first and a common one among the compatible.
    return next((_VIDEO_BRANDS[b] for b in sorted(compatible) if b in _VIDEO_BRANDS), None)


def _mpeg_audio(head: bytes) -> str | None:
    """An MPEG audio frame header: 11 sync bits, then no reserved version, layer or rate."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    valid = version != 1 and layer != 0 and bitrate != 15 and rate != 3
    return "audio/mpeg" if valid else None


def _text(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    try:
        # Not final: the head may end in the middle of a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    return "text/plain"


def check_name(name: str, media_type: str) -> None:
    """Refuse a file name whose extension says another type than the content.

    A name without an extension, or with one we do not know, says nothing and passes.
    """
    base = re.split(r"[/\\]", name)[-1].lstrip(".")
    extension = base.rpartition(".")[2].lower() if "." in base else ""
    expected = _EXTENSIONS.get(extension)
    if expected is not None and expected != media_type:
        raise InvalidInput(
            f"the name {name} says {expected}, the content is {media_type}", field="name"
        )


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
        _short_text(self.tool, "tool")
        _pair(self.width, self.height, "width", "height")
        if self.width is not None and self.height is not None:
            _positive_int(self.width, "width")
            _positive_int(self.height, "height")
        if self.captured_at is not None:
            object.__setattr__(self, "captured_at", _utc_seconds(self.captured_at, "captured_at"))
        _check_place(self, self.latitude, self.longitude)
        if self.device is not None:
            _short_text(self.device, "device")
        for name in ("phash", "dhash", "phash_mirrored"):
            _optional_hash(getattr(self, name), name)
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


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees (spherical Earth)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class FlagCode(StrEnum):
    CAPTURE_TIME = "capture_time_mismatch"
    CAPTURE_PLACE = "capture_place_mismatch"
    RECYCLED = "recycled_image"


@dataclass(frozen=True)
class Flag:
    """Something for a monitor to look at; ``related_index`` is the log index of the earlier
    evidence a recycled image matches."""

    code: FlagCode
    message: str
    related_index: int | None = None


@dataclass(frozen=True)
class Claim:
    """What a report says: the dates of the event and, if given, its place."""

    start: date
    end: date
    latitude: float | None = None
    longitude: float | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            if isinstance(getattr(self, name), datetime):
                raise InvalidInput("expected a date, found a datetime", field=name)
        if self.end < self.start:
            raise InvalidInput(
                f"expected an end on or after the start {self.start}, found {self.end}",
                field="end",
            )
        _check_place(self, self.latitude, self.longitude)


def check_against_claim(
    meta: MediaMetadata, claim: Claim, *, max_km: float = 50.0, max_days: int = 2
) -> list[Flag]:
    """Flags where the file's own metadata contradicts the report: taken more than ``max_km``
    from the claimed place, or more than ``max_days`` before the start or after the end.

    Days are counted on the UTC calendar. Metadata that is absent raises no flag.
    """
    if not max_km >= 0:
        raise InvalidInput(f"expected a distance >= 0, found {max_km}", field="max_km")
    if max_days < 0:
        raise InvalidInput(f"expected a number of days >= 0, found {max_days}", field="max_days")
    flags = [_place_flag(meta, claim, max_km), _time_flag(meta, claim, max_days)]
    return [flag for flag in flags if flag is not None]


def _place_flag(meta: MediaMetadata, claim: Claim, max_km: float) -> Flag | None:
    if meta.latitude is None or meta.longitude is None:
        return None
    if claim.latitude is None or claim.longitude is None:
        return None
    km = haversine_km(meta.latitude, meta.longitude, claim.latitude, claim.longitude)
    if km <= max_km:
        return None
    return Flag(
        FlagCode.CAPTURE_PLACE,
        f"taken {km:,.0f} km from the place the report gives (more than {max_km:g} km)",
    )


def _time_flag(meta: MediaMetadata, claim: Claim, max_days: int) -> Flag | None:
    if meta.captured_at is None:
        return None
    day = meta.captured_at.date()
    before, after = (claim.start - day).days, (day - claim.end).days
    if before > max_days:
        return Flag(FlagCode.CAPTURE_TIME, f"captured on {day}, {_days(before)} before the event")
    if after > max_days:
        return Flag(FlagCode.CAPTURE_TIME, f"captured on {day}, {_days(after)} after the event")
    return None


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count:,} days"


@dataclass(frozen=True)
class LockerImage:
    """An image already in the locker, as :func:`find_recycled` compares it."""

    sha256: str
    index: int
    report: str | None
    submitted_at: datetime
    phash: str
    dhash: str | None
    phash_mirrored: str | None
    # The hashes as integers, parsed once: a search compares with every image in the locker.
    _phash_bits: int = field(init=False, repr=False, compare=False)
    _dhash_bits: int | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _matching(self.sha256, _SHA256, "sha256", "64 lowercase hex digits")
        if type(self.index) is not int or self.index < 0:
            raise InvalidInput(f"expected a log index >= 0, found {self.index!r}", field="index")
        if self.report is not None:
            _short_text(self.report, "report")
        object.__setattr__(self, "submitted_at", _aware_utc(self.submitted_at, "submitted_at"))
        _matching(self.phash, _HASH, "phash", "16 lowercase hex digits")
        _optional_hash(self.dhash, "dhash")
        _optional_hash(self.phash_mirrored, "phash_mirrored")
        object.__setattr__(self, "_phash_bits", int(self.phash, 16))
        object.__setattr__(self, "_dhash_bits", None if self.dhash is None else int(self.dhash, 16))


def find_recycled(
    sha256: str,
    report: str | None,
    meta: MediaMetadata,
    locker: Iterable[LockerImage],
    *,
    max_phash: int = 10,
    max_dhash: int = 10,
) -> list[Flag]:
    """Flags for earlier locker images the new image (``sha256``, for ``report``) looks like.

    Skipped: the same file (same SHA-256: a duplicate, not a recycle) and images of the same
    report. A match is a pHash distance <= ``max_phash`` with a dHash distance <= ``max_dhash``
    (when both have one), or the new image's mirrored pHash within ``max_phash`` of the
    locker image's pHash (a mirrored copy; dHash is not comparable across a mirror). The
    caller passes only earlier images. Sorted by pHash distance, then log index.
    """
    _matching(sha256, _SHA256, "sha256", "64 lowercase hex digits")
    for name, limit in (("max_phash", max_phash), ("max_dhash", max_dhash)):
        if not 0 <= limit <= 64:
            raise InvalidInput(f"expected a distance in 0..64, found {limit}", field=name)
    if meta.phash is None:
        return []
    phash = int(meta.phash, 16)
    dhash = None if meta.dhash is None else int(meta.dhash, 16)
    mirrored = None if meta.phash_mirrored is None else int(meta.phash_mirrored, 16)
    found: list[tuple[int, int, Flag]] = []
    for image in locker:
        if image.sha256 == sha256 or (report is not None and image.report == report):
            continue
        direct = (phash ^ image._phash_bits).bit_count()
        if direct <= max_phash:
            dhash_distance = _dhash_distance(dhash, image._dhash_bits)
            if dhash_distance is None or dhash_distance <= max_dhash:
                found.append((direct, image.index, _recycled(image, direct, dhash_distance)))
                continue
        if mirrored is not None:
            flipped = (mirrored ^ image._phash_bits).bit_count()
            if flipped <= max_phash:
                found.append((flipped, image.index, _mirrored(image, flipped)))
    found.sort(key=lambda match: match[:2])
    return [flag for _, _, flag in found]


def _dhash_distance(new: int | None, old: int | None) -> int | None:
    return None if new is None or old is None else (new ^ old).bit_count()


def _recycled(image: LockerImage, phash: int, dhash: int | None) -> Flag:
    compared = "dHash not compared" if dhash is None else f"dHash {dhash}"
    return Flag(
        FlagCode.RECYCLED,
        f"this image matches one submitted on {_origin(image)} "
        f"(pHash distance {phash}, {compared})",
        related_index=image.index,
    )


def _mirrored(image: LockerImage, phash: int) -> Flag:
    return Flag(
        FlagCode.RECYCLED,
        f"this image is a mirrored copy of one submitted on {_origin(image)} "
        f"(pHash distance {phash} after mirroring)",
        related_index=image.index,
    )


def _origin(image: LockerImage) -> str:
    where = "outside any report" if image.report is None else f"for report {image.report}"
    return f"{image.submitted_at.date()} {where}"


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


def _check_place(owner: object, latitude: float | None, longitude: float | None) -> None:
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


def _short_text(value: object, name: str) -> None:
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_TEXT:
        raise InvalidInput(
            f"expected a string of 1-{_MAX_TEXT} characters, found {value!r}", field=name
        )
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise InvalidInput(f"expected no control characters, found {value!r}", field=name)


def _optional_hash(value: str | None, name: str) -> None:
    if value is not None:
        _matching(value, _HASH, name, "16 lowercase hex digits")


def _matching(value: object, pattern: re.Pattern[str], name: str, expected: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidInput(f"expected {expected}, found {value!r}", field=name)


def _aware_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput(f"expected an aware time, found {value!r}", field=name)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput(f"{value.isoformat()} is out of range in UTC", field=name) from exc


def _utc_seconds(value: datetime, name: str) -> datetime:
    value = _aware_utc(value, name)
    if value.microsecond:
        raise InvalidInput(
            f"expected a time to the second, found {value.microsecond} microseconds", field=name
        )
    return value
