"""Evidence in the locker: sniffing, names, metadata, claims and recycled images (pure)."""

from __future__ import annotations

import math
import random
import re
import time
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain import events
from ceasefire.domain.evidence import (
    EARTH_RADIUS_KM,
    MEDIA_TYPES,
    SNIFF_BYTES,
    Claim,
    Flag,
    FlagCode,
    Limits,
    LockerImage,
    MediaMetadata,
    check_against_claim,
    check_name,
    find_recycled,
    format_utc,
    haversine_km,
    sniff,
)
from ceasefire.errors import InvalidInput

TOOL = "ceasefire-media/1 pillow/13.0.0 imagehash/4.3.2"
NEW_SHA = "a" * 64
T_EARLIER = datetime(2025, 10, 12, 9, 30, tzinfo=UTC)
KANDAHAR = (31.6289, 65.7372)
SPIN_BOLDAK = (31.0056, 66.3986)


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00\x00\x00\x08free"


def riff(form: bytes) -> bytes:
    return b"RIFF" + (1000).to_bytes(4, "little") + form + b"VP8 \x00\x00\x00\x00"


def hex64(bits: int) -> str:
    return f"{bits:016x}"


def flip(bits: int, count: int, start: int = 0) -> int:
    """``bits`` with ``count`` bits flipped: a hash at Hamming distance ``count``."""
    for position in range(start, start + count):
        bits ^= 1 << position
    return bits


def image_meta(phash: int, dhash: int | None = None, mirrored: int | None = None) -> MediaMetadata:
    return MediaMetadata(
        media_type="image/jpeg",
        tool=TOOL,
        width=1024,
        height=768,
        phash=hex64(phash),
        dhash=None if dhash is None else hex64(dhash),
        phash_mirrored=None if mirrored is None else hex64(mirrored),
    )


def locker_image(
    phash: int,
    dhash: int | None = None,
    *,
    index: int = 7,
    report: str | None = "r-0042",
    sha256: str = "b" * 64,
) -> LockerImage:
    return LockerImage(
        sha256=sha256,
        index=index,
        report=report,
        submitted_at=T_EARLIER,
        phash=hex64(phash),
        dhash=None if dhash is None else hex64(dhash),
        phash_mirrored=None,
    )


# --- sniff -------------------------------------------------------------------------------------

SAMPLES = {
    "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    "gif87a": (b"GIF87a\x10\x00\x10\x00", "image/gif"),
    "gif89a": (b"GIF89a\x10\x00\x10\x00", "image/gif"),
    "webp": (riff(b"WEBP"), "image/webp"),
    "tiff little-endian": (b"II*\x00\x08\x00\x00\x00", "image/tiff"),
    "tiff big-endian": (b"MM\x00*\x00\x00\x00\x08", "image/tiff"),
    "heic": (ftyp(b"heic", b"mif1", b"heic"), "image/heic"),
    "heix": (ftyp(b"heix", b"mif1"), "image/heic"),
    "mif1": (ftyp(b"mif1", b"heic"), "image/heic"),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
    "mp4 isom": (ftyp(b"isom", b"isom", b"avc1"), "video/mp4"),
    "mp4 mp41": (ftyp(b"mp41"), "video/mp4"),
    "mp4 mp42": (ftyp(b"mp42", b"mp41"), "video/mp4"),
    "mp4 avc1": (ftyp(b"avc1"), "video/mp4"),
    "m4v": (ftyp(b"M4V ", b"M4V ", b"mp42"), "video/mp4"),
    "mp4 under an exotic major brand": (ftyp(b"XAVC", b"mp42", b"iso2"), "video/mp4"),
    "quicktime": (ftyp(b"qt  ", b"qt  "), "video/quicktime"),
    "mp3 with ID3": (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
    "mp3 frame": (b"\xff\xfb\x90\x64\x00\x00", "audio/mpeg"),
    "mp2 frame": (b"\xff\xfd\x90\x64\x00\x00", "audio/mpeg"),
    "wav": (riff(b"WAVE"), "audio/wav"),
    "ogg": (b"OggS\x00\x02\x00\x00", "audio/ogg"),
    "zip": (b"PK\x03\x04\x14\x00\x00\x00", "application/zip"),
    "empty zip": (b"PK\x05\x06" + bytes(18), "application/zip"),
    "ascii text": (b"Shelling reported near the crossing at 04:10.", "text/plain"),
    "utf-8 text cut mid-character": ("گزارش".encode()[:-1], "text/plain"),
}


@pytest.mark.parametrize(("head", "media_type"), SAMPLES.values(), ids=SAMPLES.keys())
def test_the_media_type_comes_from_the_content(head: bytes, media_type: str) -> None:
    assert sniff(head) == media_type
    assert media_type in MEDIA_TYPES


def test_sniff_needs_no_more_than_its_head() -> None:
    head = ftyp(b"XAVC", *[b"zzzz"] * 8, b"mp42") + bytes(SNIFF_BYTES)
    assert len(head[:SNIFF_BYTES]) == SNIFF_BYTES
    assert sniff(head[:SNIFF_BYTES]) == "video/mp4"


REFUSED = {
    "empty": b"",
    "nul bytes": b"text\x00with a NUL",
    "invalid utf-8": b"\xc3\x28 not text",
    "an executable": b"\x7fELF\x02\x01\x01\x00",
    "riff of another form": riff(b"AVI "),
    "avif, not heic": ftyp(b"avif", b"mif1", b"miaf"),
    "mif1 carrying avif": ftyp(b"mif1", b"avif"),
    "an unknown ftyp": ftyp(b"crx ", b"crx "),
    "aac, layer bits 00": b"\xff\xf1\x50\x80\x00",
    "mpeg frame with a bad bitrate": b"\xff\xfb\xf0\x64\x00",
    "mpeg frame with a reserved version": b"\xff\xeb\x90\x64\x00",
    "mpeg frame with a reserved rate": b"\xff\xfb\x9c\x64\x00",
    "a lone sync byte": b"\xff\xfb",
}


@pytest.mark.parametrize("head", REFUSED.values(), ids=REFUSED.keys())
def test_content_of_an_unknown_type_is_refused(head: bytes) -> None:
    with pytest.raises(InvalidInput, match="not a type the locker accepts") as caught:
        sniff(head)
    assert caught.value.field == "file"


# --- names -------------------------------------------------------------------------------------


def test_a_name_that_says_another_type_than_the_content_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_name("photo.jpg", "application/pdf")
    assert caught.value.field == "name"
    assert caught.value.message == (
        "the name photo.jpg says image/jpeg, the content is application/pdf"
    )


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("photo.jpg", "image/jpeg"),
        ("PHOTO.JPEG", "image/jpeg"),
        ("scan.tif", "image/tiff"),
        ("IMG_0001.HEIC", "image/heic"),
        ("clip.m4v", "video/mp4"),
        ("clip.mov", "video/quicktime"),
        ("voice.opus", "audio/ogg"),
        ("notes.txt", "text/plain"),
        ("bundle.zip", "application/zip"),
        ("no-extension", "application/pdf"),
        (".jpg", "application/pdf"),
        ("trailing-dot.", "image/png"),
        ("archive.tar.gz", "application/zip"),
        ("photo.jpg.pdf", "application/pdf"),
    ],
)
def test_a_name_agreeing_with_the_content_or_saying_nothing_passes(
    name: str, media_type: str
) -> None:
    check_name(name, media_type)


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("strike\r\nSet-Cookie: a=b.png", "U+000D at position 6"),
        ("photo\u202egpj.exe", "U+202E at position 5"),
        ("nul\x00.jpg", "U+0000 at position 3"),
    ],
)
def test_a_name_that_hides_what_it_is_is_refused(name: str, found: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(found)) as caught:
        check_name(name, "image/png")
    assert caught.value.field == "name"
    body = {"sha256": "a" * 64, "size": 1, "name": name, "metadata": {"media_type": "image/png"}}
    with pytest.raises(InvalidInput, match=re.escape(found)) as caught:
        events.evidence_submitted(body)
    assert caught.value.field == "body.name"


def test_only_the_last_path_component_of_a_name_counts() -> None:
    check_name("uploads.jpg/evidence", "application/pdf")
    with pytest.raises(InvalidInput, match="says image/png, the content is image/jpeg"):
        check_name("C:\\fakepath\\photo.png", "image/jpeg")


# --- limits ------------------------------------------------------------------------------------


def test_the_default_limits_are_64_mib_and_40_megapixels() -> None:
    assert Limits() == Limits(max_bytes=64 * 1024 * 1024, max_pixels=40_000_000)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"max_bytes": 0}, "max_bytes"),
        ({"max_bytes": -1}, "max_bytes"),
        ({"max_bytes": True}, "max_bytes"),
        ({"max_pixels": 0}, "max_pixels"),
        ({"max_pixels": 1.5}, "max_pixels"),
    ],
)
def test_limits_must_be_positive_integers(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput, match="expected a positive integer") as caught:
        Limits(**changes)
    assert caught.value.field == field


# --- metadata ----------------------------------------------------------------------------------

FULL = MediaMetadata(
    media_type="image/jpeg",
    tool=TOOL,
    width=4032,
    height=3024,
    captured_at=datetime(2025, 10, 12, 3, 30, tzinfo=UTC),
    latitude=31.0056,
    longitude=66.3986,
    device="Apple iPhone 15",
    phash="c3d4e5f60718293a",
    dhash="0f0f0f0f0f0f0f0f",
    phash_mirrored="3a29180706f5e4d3",
)


def test_metadata_body_omits_what_is_unknown_and_spells_time_in_utc() -> None:
    assert FULL.to_body() == {
        "media_type": "image/jpeg",
        "tool": TOOL,
        "width": 4032,
        "height": 3024,
        "captured_at": "2025-10-12T03:30:00Z",
        "latitude": 31.0056,
        "longitude": 66.3986,
        "device": "Apple iPhone 15",
        "phash": "c3d4e5f60718293a",
        "dhash": "0f0f0f0f0f0f0f0f",
        "phash_mirrored": "3a29180706f5e4d3",
    }
    assert MediaMetadata("application/pdf", TOOL).to_body() == {
        "media_type": "application/pdf",
        "tool": TOOL,
    }


def test_a_capture_time_with_an_offset_is_kept_in_utc() -> None:
    local = datetime(2025, 10, 12, 8, 30, tzinfo=timezone(timedelta(hours=5)))
    meta = MediaMetadata("image/jpeg", TOOL, captured_at=local)
    assert meta.captured_at == datetime(2025, 10, 12, 3, 30, tzinfo=UTC)
    assert meta.captured_at is not None and meta.captured_at.tzinfo is UTC
    assert format_utc(local) == "2025-10-12T03:30:00Z"


def test_whole_degrees_are_stored_as_floats() -> None:
    meta = MediaMetadata("image/png", TOOL, latitude=31, longitude=-66)
    assert (meta.latitude, meta.longitude) == (31.0, -66.0)
    assert isinstance(meta.latitude, float)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"media_type": "image/bmp"}, "media_type", "a media type the locker accepts"),
        ({"tool": ""}, "tool", "1-256 characters"),
        ({"width": 10}, "height", "both width and height or neither"),
        ({"height": 10}, "width", "both width and height or neither"),
        ({"width": 0, "height": 10}, "width", "positive integer"),
        ({"width": 10, "height": True}, "height", "positive integer"),
        ({"latitude": 10.0}, "longitude", "both latitude and longitude"),
        ({"longitude": 10.0}, "latitude", "both latitude and longitude"),
        ({"latitude": 90.5, "longitude": 0.0}, "latitude", r"\[-90, 90\]"),
        ({"latitude": 0.0, "longitude": -180.5}, "longitude", r"\[-180, 180\]"),
        ({"latitude": math.nan, "longitude": 0.0}, "latitude", "degrees"),
        ({"latitude": "31", "longitude": 0.0}, "latitude", "degrees"),
        ({"captured_at": datetime(2025, 10, 12)}, "captured_at", "an aware time"),
        (
            {"captured_at": datetime(2025, 10, 12, 0, 0, 0, 500, tzinfo=UTC)},
            "captured_at",
            "to the second",
        ),
        (
            {"captured_at": datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))},
            "captured_at",
            "out of range",
        ),
        ({"device": "Canon\nEOS"}, "device", "control characters"),
        ({"device": "x" * 257}, "device", "1-256 characters"),
        ({"phash": "C3D4E5F60718293A"}, "phash", "16 lowercase hex"),
        ({"phash": "c3d4"}, "phash", "16 lowercase hex"),
        ({"dhash": "0f0f0f0f0f0f0f0f"}, "phash", "a pHash alongside"),
        ({"phash_mirrored": "0f0f0f0f0f0f0f0f"}, "phash", "a pHash alongside"),
    ],
)
def test_metadata_is_built_only_in_a_valid_state(
    changes: dict[str, Any], field: str, message: str
) -> None:
    fields: dict[str, Any] = {"media_type": "image/jpeg", "tool": TOOL, **changes}
    with pytest.raises(InvalidInput, match=message) as caught:
        MediaMetadata(**fields)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({**FULL.to_body(), "colour": "red"}, "metadata.colour", "unknown field"),
        ({"tool": TOOL}, "metadata.media_type", "missing field"),
        ({"media_type": "text/plain"}, "metadata.tool", "missing field"),
        ({**FULL.to_body(), "latitude": "31.0"}, "metadata.latitude", "a number, found str"),
        ({**FULL.to_body(), "latitude": True}, "metadata.latitude", "a number, found bool"),
        ({**FULL.to_body(), "latitude": 91}, "metadata.latitude", r"\[-90, 90\]"),
        ({**FULL.to_body(), "width": 4032.0}, "metadata.width", "an integer, found float"),
        ({**FULL.to_body(), "width": True}, "metadata.width", "an integer, found bool"),
        ({**FULL.to_body(), "device": None}, "metadata.device", "a string, found null"),
        ({**FULL.to_body(), "device": 7}, "metadata.device", "a string, found int"),
        (
            {**FULL.to_body(), "captured_at": "2025-10-12T03:30:00+00:00"},
            "metadata.captured_at",
            "such as 2025-10-19T12:00:00Z",
        ),
        (
            {**FULL.to_body(), "captured_at": "2025-02-30T03:30:00Z"},
            "metadata.captured_at",
            "not a real time",
        ),
        ({**FULL.to_body(), "dhash": "0F0F0F0F0F0F0F0F"}, "metadata.dhash", "16 lowercase hex"),
    ],
)
def test_metadata_bodies_are_parsed_strictly_with_precise_paths(
    body: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        MediaMetadata.from_body(body)
    assert caught.value.field == field


def test_a_metadata_body_must_be_an_object_and_errors_name_the_callers_field() -> None:
    with pytest.raises(InvalidInput, match="a JSON object, found list") as caught:
        MediaMetadata.from_body([], field="evidence.metadata")  # type: ignore[arg-type]
    assert caught.value.field == "evidence.metadata"
    with pytest.raises(InvalidInput) as nested:
        MediaMetadata.from_body({"media_type": "x", "tool": TOOL}, field="evidence.metadata")
    assert nested.value.field == "evidence.metadata.media_type"


hex_hashes = st.integers(0, 2**64 - 1).map(hex64)
utc_seconds = st.datetimes(
    min_value=datetime(1, 1, 1),
    max_value=datetime(9999, 12, 31, 23, 59, 59),
    timezones=st.just(UTC),
).map(lambda moment: moment.replace(microsecond=0))
short_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40)


@st.composite
def metadata(draw: st.DrawFn) -> MediaMetadata:
    size = draw(st.none() | st.tuples(st.integers(1, 100_000), st.integers(1, 100_000)))
    place = draw(
        st.none()
        | st.tuples(st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False))
    )
    phash = draw(st.none() | hex_hashes)
    return MediaMetadata(
        media_type=draw(st.sampled_from(sorted(MEDIA_TYPES))),
        tool=draw(short_text),
        width=None if size is None else size[0],
        height=None if size is None else size[1],
        captured_at=draw(st.none() | utc_seconds),
        latitude=None if place is None else place[0],
        longitude=None if place is None else place[1],
        device=draw(st.none() | short_text),
        phash=phash,
        dhash=None if phash is None else draw(st.none() | hex_hashes),
        phash_mirrored=None if phash is None else draw(st.none() | hex_hashes),
    )


@given(metadata())
def test_metadata_survives_a_round_trip_through_its_body(meta: MediaMetadata) -> None:
    body = meta.to_body()
    assert None not in body.values()
    assert MediaMetadata.from_body(body) == meta


# --- distances and claims ----------------------------------------------------------------------


def test_haversine_gives_great_circle_distances() -> None:
    assert haversine_km(*KANDAHAR, *KANDAHAR) == 0.0
    assert haversine_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(2 * math.pi * EARTH_RADIUS_KM / 360)
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert haversine_km(*KANDAHAR, *SPIN_BOLDAK) == pytest.approx(93.5, abs=0.1)


@given(st.floats(-90, 90), st.floats(-180, 180), st.floats(-90, 90), st.floats(-180, 180))
def test_haversine_is_symmetric_and_bounded(a: float, b: float, c: float, d: float) -> None:
    distance = haversine_km(a, b, c, d)
    assert 0.0 <= distance <= math.pi * EARTH_RADIUS_KM + 1e-6
    assert distance == pytest.approx(haversine_km(c, d, a, b), abs=1e-6)


def claim_at(place: tuple[float, float] | None = SPIN_BOLDAK) -> Claim:
    return Claim(
        start=date(2025, 10, 18),
        end=date(2025, 10, 19),
        latitude=None if place is None else place[0],
        longitude=None if place is None else place[1],
    )


def photo(
    place: tuple[float, float] | None = None, captured_at: datetime | None = None
) -> MediaMetadata:
    return MediaMetadata(
        media_type="image/jpeg",
        tool=TOOL,
        captured_at=captured_at,
        latitude=None if place is None else place[0],
        longitude=None if place is None else place[1],
    )


def test_a_photo_taken_far_from_the_claimed_place_is_flagged() -> None:
    islamabad = (33.6844, 73.0479)
    flags = check_against_claim(photo(islamabad), claim_at())
    distance = haversine_km(*islamabad, *SPIN_BOLDAK)
    assert flags == [
        Flag(
            FlagCode.CAPTURE_PLACE,
            f"taken {distance:,.0f} km from the place the report gives (more than 50 km)",
        )
    ]
    assert flags[0].message.startswith("taken 692 km from the place the report gives")


def test_a_photo_taken_near_the_claimed_place_is_not_flagged() -> None:
    assert check_against_claim(photo((31.05, 66.45)), claim_at()) == []
    assert check_against_claim(photo(KANDAHAR), claim_at(), max_km=100.0) == []
    assert len(check_against_claim(photo(KANDAHAR), claim_at(), max_km=90.0)) == 1


def test_a_photo_captured_long_before_the_event_is_flagged() -> None:
    flags = check_against_claim(
        photo(captured_at=datetime(2024, 10, 12, 6, 0, tzinfo=UTC)), claim_at()
    )
    assert flags == [
        Flag(FlagCode.CAPTURE_TIME, "captured on 2024-10-12, 371 days before the event")
    ]


def test_a_photo_captured_after_the_event_ended_is_flagged() -> None:
    flags = check_against_claim(
        photo(captured_at=datetime(2025, 10, 24, 6, 0, tzinfo=UTC)), claim_at()
    )
    assert flags == [Flag(FlagCode.CAPTURE_TIME, "captured on 2025-10-24, 5 days after the event")]


@pytest.mark.parametrize(
    ("captured", "flagged"),
    [
        (date(2025, 10, 15), True),
        (date(2025, 10, 16), False),
        (date(2025, 10, 18), False),
        (date(2025, 10, 21), False),
        (date(2025, 10, 22), True),
    ],
)
def test_capture_time_allows_max_days_of_slack_around_the_event(
    captured: date, flagged: bool
) -> None:
    moment = datetime(captured.year, captured.month, captured.day, 12, tzinfo=UTC)
    assert bool(check_against_claim(photo(captured_at=moment), claim_at())) is flagged


def test_a_single_day_is_spelt_as_one() -> None:
    flags = check_against_claim(
        photo(captured_at=datetime(2025, 10, 17, tzinfo=UTC)), claim_at(), max_days=0
    )
    assert flags[0].message == "captured on 2025-10-17, 1 day before the event"


def test_both_time_and_place_can_be_flagged() -> None:
    meta = photo((34.5553, 69.2075), datetime(2023, 1, 1, tzinfo=UTC))
    codes = [flag.code for flag in check_against_claim(meta, claim_at())]
    assert codes == [FlagCode.CAPTURE_PLACE, FlagCode.CAPTURE_TIME]


def test_missing_metadata_or_a_claim_without_place_raises_no_flag() -> None:
    assert check_against_claim(photo(), claim_at()) == []
    assert check_against_claim(MediaMetadata("application/pdf", TOOL), claim_at()) == []
    assert check_against_claim(photo((0.0, 0.0)), claim_at(place=None)) == []


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"max_km": -1.0}, "max_km"),
        ({"max_km": math.nan}, "max_km"),
        ({"max_days": -1}, "max_days"),
    ],
)
def test_claim_check_thresholds_must_not_be_negative(options: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_against_claim(photo(), claim_at(), **options)
    assert caught.value.field == field


def test_a_claim_is_built_only_in_a_valid_state() -> None:
    with pytest.raises(InvalidInput, match="on or after the start") as caught:
        Claim(date(2025, 10, 19), date(2025, 10, 18))
    assert caught.value.field == "end"
    with pytest.raises(InvalidInput, match="a date, found a datetime"):
        Claim(datetime(2025, 10, 18, tzinfo=UTC), date(2025, 10, 19))
    with pytest.raises(InvalidInput, match="both latitude and longitude"):
        Claim(date(2025, 10, 18), date(2025, 10, 19), latitude=31.0)
    with pytest.raises(InvalidInput, match=r"\[-180, 180\]"):
        Claim(date(2025, 10, 18), date(2025, 10, 19), latitude=31.0, longitude=200.0)


# --- recycled images ---------------------------------------------------------------------------

BASE = 0x9F3A_5C21_D4E8_07B6
DBASE = 0x0F0F_3C3C_5A5A_6996


def test_a_near_copy_under_another_report_is_flagged_as_recycled() -> None:
    meta = image_meta(flip(BASE, 2), DBASE)
    flags = find_recycled(NEW_SHA, "r-0099", meta, [locker_image(BASE, DBASE)])
    assert flags == [
        Flag(
            FlagCode.RECYCLED,
            "this image matches one submitted on 2025-10-12 for report r-0042 "
            "(pHash distance 2, dHash 0)",
            related_index=7,
        )
    ]


def test_a_different_photo_is_not_flagged() -> None:
    meta = image_meta(flip(BASE, 30), flip(DBASE, 28))
    assert find_recycled(NEW_SHA, "r-0099", meta, [locker_image(BASE, DBASE)]) == []


def test_a_close_phash_with_a_distant_dhash_is_not_flagged() -> None:
    meta = image_meta(flip(BASE, 3), flip(DBASE, 11))
    assert find_recycled(NEW_SHA, "r-0099", meta, [locker_image(BASE, DBASE)]) == []
    assert find_recycled(NEW_SHA, "r-0099", meta, [locker_image(BASE, DBASE)], max_dhash=11)


def test_without_a_dhash_the_phash_decides_and_the_message_says_so() -> None:
    flags = find_recycled(NEW_SHA, None, image_meta(flip(BASE, 10)), [locker_image(BASE, DBASE)])
    assert [flag.message for flag in flags] == [
        "this image matches one submitted on 2025-10-12 for report r-0042 "
        "(pHash distance 10, dHash not compared)"
    ]
    assert find_recycled(NEW_SHA, None, image_meta(flip(BASE, 11)), [locker_image(BASE)]) == []


def test_images_of_the_same_report_are_not_flagged() -> None:
    meta = image_meta(BASE, DBASE)
    assert find_recycled(NEW_SHA, "r-0042", meta, [locker_image(BASE, DBASE)]) == []


def test_images_outside_any_report_are_compared() -> None:
    meta = image_meta(BASE, DBASE)
    flags = find_recycled(NEW_SHA, None, meta, [locker_image(BASE, DBASE, report=None)])
    assert [flag.message for flag in flags] == [
        "this image matches one submitted on 2025-10-12 outside any report "
        "(pHash distance 0, dHash 0)"
    ]


def test_the_same_file_is_a_duplicate_not_a_recycle() -> None:
    meta = image_meta(BASE, DBASE)
    assert find_recycled(NEW_SHA, "r-0099", meta, [locker_image(BASE, DBASE, sha256=NEW_SHA)]) == []


def test_a_mirrored_copy_is_flagged() -> None:
    mirrored_bits = 0x1234_5678_9ABC_DEF0
    meta = image_meta(flip(BASE, 32), flip(DBASE, 20), mirrored=flip(mirrored_bits, 1))
    flags = find_recycled(NEW_SHA, "r-0099", meta, [locker_image(mirrored_bits, DBASE)])
    assert flags == [
        Flag(
            FlagCode.RECYCLED,
            "this image is a mirrored copy of one submitted on 2025-10-12 for report r-0042 "
            "(pHash distance 1 after mirroring)",
            related_index=7,
        )
    ]


def test_a_direct_match_with_a_distant_dhash_may_still_match_mirrored() -> None:
    meta = image_meta(BASE, flip(DBASE, 40), mirrored=BASE)
    flags = find_recycled(NEW_SHA, "r-0099", meta, [locker_image(BASE, DBASE)])
    assert [flag.message.split(" of ")[0] for flag in flags] == ["this image is a mirrored copy"]


def test_matches_are_sorted_by_distance_then_index() -> None:
    locker = [
        locker_image(flip(BASE, 5), index=3, sha256="3" * 64),
        locker_image(flip(BASE, 1), index=9, sha256="9" * 64),
        locker_image(flip(BASE, 5, start=10), index=1, sha256="1" * 64),
        locker_image(flip(BASE, 40), index=2, sha256="2" * 64),
    ]
    flags = find_recycled(NEW_SHA, None, image_meta(BASE), locker)
    assert [flag.related_index for flag in flags] == [9, 1, 3]


def test_a_file_without_a_perceptual_hash_matches_nothing() -> None:
    meta = MediaMetadata("application/pdf", TOOL)
    assert find_recycled(NEW_SHA, None, meta, [locker_image(BASE)]) == []


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"max_phash": -1}, "max_phash"),
        ({"max_phash": 65}, "max_phash"),
        ({"max_dhash": 70}, "max_dhash"),
    ],
)
def test_recycle_thresholds_are_hamming_distances(options: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput, match=r"in 0\.\.64") as caught:
        find_recycled(NEW_SHA, None, image_meta(BASE), [], **options)
    assert caught.value.field == field


def test_the_new_file_is_named_by_its_sha256() -> None:
    with pytest.raises(InvalidInput, match="64 lowercase hex") as caught:
        find_recycled("A" * 64, None, image_meta(BASE), [])
    assert caught.value.field == "sha256"


@given(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1), st.integers(0, 64), st.integers(0, 64))
def test_a_recycle_is_flagged_exactly_within_both_distances(
    phash: int, dhash: int, phash_bits: int, dhash_bits: int
) -> None:
    meta = image_meta(phash, dhash)
    old = locker_image(flip(phash, phash_bits), flip(dhash, dhash_bits))
    flagged = bool(find_recycled(NEW_SHA, None, meta, [old]))
    assert flagged is (phash_bits <= 10 and dhash_bits <= 10)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sha256": "b" * 63}, "sha256"),
        ({"index": -1}, "index"),
        ({"index": True}, "index"),
        ({"report": ""}, "report"),
        ({"submitted_at": datetime(2025, 10, 12)}, "submitted_at"),
        ({"phash": "xyz"}, "phash"),
        ({"dhash": "0" * 15}, "dhash"),
        ({"phash_mirrored": "0" * 17}, "phash_mirrored"),
    ],
)
def test_a_locker_image_is_built_only_in_a_valid_state(changes: dict[str, Any], field: str) -> None:
    fields: dict[str, Any] = {
        "sha256": "b" * 64,
        "index": 0,
        "report": "r-1",
        "submitted_at": T_EARLIER,
        "phash": hex64(BASE),
        "dhash": None,
        "phash_mirrored": None,
        **changes,
    }
    with pytest.raises(InvalidInput) as caught:
        LockerImage(**fields)
    assert caught.value.field == field


def test_a_locker_image_keeps_its_submission_time_in_utc() -> None:
    local = datetime(2025, 10, 12, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    image = LockerImage("b" * 64, 0, None, local, hex64(BASE), None, None)
    assert image.submitted_at == datetime(2025, 10, 13, 4, 30, tzinfo=UTC)
    assert "2025-10-13" in find_recycled(NEW_SHA, None, image_meta(BASE), [image])[0].message


def test_searching_a_locker_of_100_000_images_is_quick() -> None:
    rng = random.Random(7)
    locker = [
        LockerImage(
            f"{i:064x}",
            i,
            f"r-{i % 500}",
            T_EARLIER,
            hex64(rng.getrandbits(64)),
            hex64(rng.getrandbits(64)),
            None,
        )
        for i in range(1, 100_001)
    ]
    locker.append(locker_image(flip(BASE, 1), DBASE, index=100_001, sha256="f" * 64))
    meta = image_meta(BASE, DBASE, mirrored=flip(BASE, 32, start=16))
    started = time.perf_counter()
    flags = find_recycled(NEW_SHA, "r-new", meta, locker)
    elapsed = time.perf_counter() - started
    assert [flag.related_index for flag in flags] == [100_001]
    assert elapsed < 1.0, f"searching 100,001 images took {elapsed:.3f} s"
