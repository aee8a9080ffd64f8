"""Evidence in the locker: what a file is, what its metadata says, and what to ask a monitor.

Identity is the SHA-256 of the file's bytes, nothing else: it is what the log records, what
the content-addressed store files it under, and what a court can recompute. Everything else
here is advice to a human:

- The media type is sniffed from the content (magic numbers), never taken from a file name; a
  name that says otherwise is refused, because a mislabelled file misleads whoever opens it
  (:mod:`ceasefire.domain.media_types`).
- Capture time, place and device come from metadata the sender controls
  (:mod:`ceasefire.domain.media_metadata`). They are compared with what the report claims
  (:func:`check_against_claim`) and a mismatch is a :class:`Flag`; missing metadata proves
  nothing (messaging apps strip it) and raises no flag.
- A perceptual hash (pHash, dHash, and the pHash of the mirrored image) is an index for
  looking up images that look alike, never proof that two images are the same or different.
  :func:`find_recycled` flags an image that matches one already in the locker under another
  report; the flag goes to a monitor for review, it never rejects a submission by itself.
  The default thresholds come from trials with imagehash 4.3.2 on natural photos (re-encodes,
  resizes and brightness changes moved pHash by 0-4 bits; unrelated photos sat near 32): a
  match needs pHash distance <= 10 and dHash distance <= 10.

The media type and metadata names are re-exported here, so callers import everything about
evidence from this module. This module is pure: no I/O, no clock, no imaging library
(``ceasefire.media`` reads files).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from ceasefire.domain.media_metadata import (
    HASH,
    SHA256,
    Limits,
    MediaMetadata,
    aware_utc,
    check_place,
    format_utc,
    matching,
    optional_hash,
    short_text,
)
from ceasefire.domain.media_types import IMAGE_TYPES, MEDIA_TYPES, SNIFF_BYTES, check_name, sniff
from ceasefire.errors import InvalidInput

__all__ = [
    "EARTH_RADIUS_KM",
    "IMAGE_TYPES",
    "MEDIA_TYPES",
    "SNIFF_BYTES",
    "Claim",
    "Flag",
    "FlagCode",
    "Limits",
    "LockerImage",
    "MediaMetadata",
    "check_against_claim",
    "check_name",
    "find_recycled",
    "format_utc",
    "haversine_km",
    "sniff",
]

EARTH_RADIUS_KM: Final = 6371.0088
"""Mean Earth radius (IUGG), for :func:`haversine_km`."""


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
        check_place(self, self.latitude, self.longitude)


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
        matching(self.sha256, SHA256, "sha256", "64 lowercase hex digits")
        if type(self.index) is not int or self.index < 0:
            raise InvalidInput(f"expected a log index >= 0, found {self.index!r}", field="index")
        if self.report is not None:
            short_text(self.report, "report")
        object.__setattr__(self, "submitted_at", aware_utc(self.submitted_at, "submitted_at"))
        matching(self.phash, HASH, "phash", "16 lowercase hex digits")
        optional_hash(self.dhash, "dhash")
        optional_hash(self.phash_mirrored, "phash_mirrored")
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
    matching(sha256, SHA256, "sha256", "64 lowercase hex digits")
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
