"""Sample photos: the same arguments give the same bytes, what the camera says is what
``analyse`` reads back, and the perceptual hashes tell a copy from another photo."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.domain.evidence import FlagCode, LockerImage, MediaMetadata, find_recycled
from ceasefire.errors import InvalidInput
from ceasefire.media.images import analyse
from ceasefire.media.samples import Camera, Encoding, derived, sample

KABUL = timezone(timedelta(hours=4, minutes=30))
PHONE = Camera(
    "samsung", "SM-A145F", datetime(2025, 10, 17, 18, 40, 12, tzinfo=KABUL), 32.731, 69.312
)
SUFFIX: dict[Encoding, str] = {"png": "png", "jpeg": "jpg"}


def read(data: bytes, folder: Path, name: str = "photo.png") -> MediaMetadata:
    path = folder / name
    path.write_bytes(data)
    return analyse(path, name=name)


def distance(first: str | None, second: str | None) -> int:
    assert first is not None and second is not None
    return (int(first, 16) ^ int(second, 16)).bit_count()


def in_the_locker(meta: MediaMetadata) -> LockerImage:
    assert meta.phash is not None
    submitted = datetime(2025, 10, 19, tzinfo=UTC)
    return LockerImage("a" * 64, 19, "paktika", submitted, meta.phash, meta.dhash, None)


# --- deterministic --------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["png", "jpeg"])
def test_the_same_seed_gives_the_same_bytes(encoding: Encoding) -> None:
    first = sample(17, camera=PHONE, encoding=encoding)
    assert first == sample(17, camera=PHONE, encoding=encoding)
    assert derived(first, encoding=encoding) == derived(first, encoding=encoding)


def test_another_seed_gives_another_photo() -> None:
    assert sample(17) != sample(18)


@pytest.mark.parametrize("size", [(640, 480), (480, 640), (32, 4096)])
def test_a_sample_has_the_size_asked_for(tmp_path: Path, size: tuple[int, int]) -> None:
    meta = read(sample(3, size=size), tmp_path)
    assert (meta.width, meta.height) == size


@pytest.mark.parametrize("size", [(31, 480), (640, 4097), (0, 0)])
def test_a_size_out_of_range_is_refused(size: tuple[int, int]) -> None:
    with pytest.raises(InvalidInput) as raised:
        sample(3, size=size)
    assert raised.value.field == "size"


# --- EXIF -----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["png", "jpeg"])
def test_what_the_camera_writes_is_what_analyse_reads(tmp_path: Path, encoding: Encoding) -> None:
    data = sample(17, camera=PHONE, encoding=encoding)
    meta = read(data, tmp_path, f"photo.{SUFFIX[encoding]}")
    assert meta.media_type == f"image/{encoding}"
    assert meta.captured_at == datetime(2025, 10, 17, 14, 10, 12, tzinfo=UTC)
    assert meta.device == "samsung SM-A145F"
    assert meta.latitude == pytest.approx(32.731, abs=1e-6)
    assert meta.longitude == pytest.approx(69.312, abs=1e-6)


def test_a_time_without_an_offset_is_read_as_utc(tmp_path: Path) -> None:
    camera = Camera(taken=datetime(2024, 10, 11, 23, 5, 40))
    meta = read(sample(11, camera=camera), tmp_path)
    assert meta.captured_at == datetime(2024, 10, 11, 23, 5, 40, tzinfo=UTC)
    assert (meta.device, meta.latitude, meta.longitude) == (None, None, None)


def test_a_sample_without_a_camera_says_nothing_about_itself(tmp_path: Path) -> None:
    meta = read(sample(5), tmp_path)
    assert (meta.captured_at, meta.device, meta.latitude, meta.longitude) == (None,) * 4


@settings(max_examples=25)
@given(
    taken=st.datetimes(datetime(1971, 1, 1), datetime(2099, 12, 31)),
    offset=st.integers(-12 * 4, 14 * 4).map(lambda quarters: timedelta(minutes=15 * quarters)),
    latitude=st.floats(-90, 90),
    longitude=st.floats(-180, 180),
)
def test_any_time_and_place_round_trip_through_analyse(
    tmp_path_factory: pytest.TempPathFactory,
    taken: datetime,
    offset: timedelta,
    latitude: float,
    longitude: float,
) -> None:
    local = taken.replace(microsecond=0, tzinfo=timezone(offset))
    camera = Camera("Xiaomi", "Redmi Note 12", local, latitude, longitude)
    meta = read(sample(1, size=(64, 48), camera=camera), tmp_path_factory.mktemp("exif"))
    assert meta.captured_at == local.astimezone(UTC)
    # Written to a hundredth of a second of arc: 1/360,000 of a degree.
    assert meta.latitude == pytest.approx(latitude, abs=1.5e-6)
    assert meta.longitude == pytest.approx(longitude, abs=1.5e-6)


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        (32.7, None, "a latitude and a longitude, or neither"),
        (None, 69.3, "a latitude and a longitude, or neither"),
        (90.5, 69.3, "a latitude in -90..90"),
        (32.7, -180.5, "a longitude in -180..180"),
    ],
)
def test_a_camera_refuses_half_or_impossible_positions(
    latitude: float | None, longitude: float | None, message: str
) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        Camera(latitude=latitude, longitude=longitude)


# --- copies and perceptual hashes -------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["png", "jpeg"])
def test_a_derived_copy_hashes_close_to_its_original(tmp_path: Path, encoding: Encoding) -> None:
    original_bytes = sample(17, camera=PHONE)
    original = read(original_bytes, tmp_path, "original.png")
    copy = read(derived(original_bytes, encoding=encoding), tmp_path, f"copy.{SUFFIX[encoding]}")
    assert (copy.width, copy.height) == (320, 240)
    assert (copy.captured_at, copy.device, copy.latitude) == (None, None, None)
    assert distance(copy.phash, original.phash) <= 4
    flags = find_recycled("c" * 64, "spin-boldak", copy, [in_the_locker(original)])
    assert [flag.code for flag in flags] == [FlagCode.RECYCLED]


@pytest.mark.parametrize("seed", [0, 11, 23, 18])
def test_another_seed_hashes_far_from_the_original(tmp_path: Path, seed: int) -> None:
    original = read(sample(17), tmp_path, "original.png")
    other = read(sample(seed), tmp_path, "other.png")
    assert distance(other.phash, original.phash) > 16
    assert find_recycled("c" * 64, "spin-boldak", other, [in_the_locker(original)]) == []


@pytest.mark.parametrize(
    ("scale", "brightness", "field"),
    [(0, 1.1, "scale"), (1.5, 1.1, "scale"), (0.5, 0, "brightness"), (0.5, 2.5, "brightness")],
)
def test_a_derived_copy_refuses_odd_settings(scale: float, brightness: float, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        derived(sample(1, size=(64, 48)), scale=scale, brightness=brightness)
    assert raised.value.field == field
