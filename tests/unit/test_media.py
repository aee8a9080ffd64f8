"""Reading real files: types, limits, decompression bombs, EXIF, and perceptual hashes."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import imagehash
import numpy as np
import PIL
import pytest
from PIL import Image, ImageDraw, ImageOps

from ceasefire.briefs import render
from ceasefire.domain.evidence import (
    FlagCode,
    Limits,
    LockerImage,
    MediaMetadata,
    find_recycled,
)
from ceasefire.errors import InvalidInput, NotFound
from ceasefire.media.images import TOOL, analyse

SUBMITTED = datetime(2025, 10, 12, 9, 30, tzinfo=UTC)
GPS, EXIF_IFD = 0x8825, 0x8769
MAKE, MODEL, DATE_TIME, ORIENTATION = 0x010F, 0x0110, 0x0132, 0x0112
DATE_TIME_ORIGINAL, OFFSET_TIME, OFFSET_TIME_ORIGINAL = 0x9003, 0x9010, 0x9011


def photo(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A photo-like image: smooth colour fields, a dozen shapes, sensor-like noise.

    Perceptual hashes need texture at low frequencies; a flat or smooth image is unreliable.
    """
    rng = np.random.default_rng(seed)
    width, height = size
    coarse = (rng.random((6, 8, 3)) * 255).astype("uint8")
    image = Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        x1, y1 = x0 + int(rng.integers(40, width // 3)), y0 + int(rng.integers(40, height // 3))
        fill = (int(rng.integers(256)), int(rng.integers(256)), int(rng.integers(256)))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x0, y0, x1, y1), fill=fill)
    noisy = np.asarray(image, dtype=float) + rng.normal(0, 12, (height, width, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype("uint8"))


def save(image: Image.Image, path: Path, **options: Any) -> Path:
    image.save(path, **options)
    return path


def camera_exif(
    *,
    taken: str | None = "2024:10:12 08:30:00",
    offset: str | None = "+05:00",
    gps: dict[int, Any] | None = None,
    make: Any = "Canon",
    model: Any = "Canon EOS 5D",
) -> Image.Exif:
    exif = Image.Exif()
    for tag, value in ((MAKE, make), (MODEL, model)):
        if value is not None:
            exif[tag] = value
    details = exif.get_ifd(EXIF_IFD)
    if taken is not None:
        details[DATE_TIME_ORIGINAL] = taken
    if offset is not None:
        details[OFFSET_TIME_ORIGINAL] = offset
    exif.get_ifd(GPS).update(
        {1: "N", 2: (30.0, 55.0, 12.5), 3: "E", 4: (66.0, 26.0, 0.0)} if gps is None else gps
    )
    return exif


def locker_entry(meta: MediaMetadata, *, index: int = 3, report: str = "r-0042") -> LockerImage:
    assert meta.phash is not None
    return LockerImage(
        sha256="b" * 64,
        index=index,
        report=report,
        submitted_at=SUBMITTED,
        phash=meta.phash,
        dhash=meta.dhash,
        phash_mirrored=meta.phash_mirrored,
    )


def distance(first: str | None, second: str | None) -> int:
    assert first is not None and second is not None
    return (int(first, 16) ^ int(second, 16)).bit_count()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def gif_with_a_frame_of(side: int) -> bytes:
    """A 10×10 GIF whose first frame claims ``side``×``side``: Pillow grows the image to it."""
    screen = struct.pack("<HHBBB", 10, 10, 0, 0, 0)
    frame = b"," + struct.pack("<HHHHB", 0, 0, side, side, 0)
    return b"GIF89a" + screen + frame + b"\x02\x02\x4c\x01\x00;"


# --- what a file is ----------------------------------------------------------------------------


def test_the_tool_names_the_libraries_and_their_versions() -> None:
    versions = f"pillow/{PIL.__version__} imagehash/{imagehash.__version__}"
    assert TOOL.split(" ", 1) == ["ceasefire-media/1", versions]


def test_a_photo_yields_its_size_exif_and_hashes(tmp_path: Path) -> None:
    path = save(photo(1), tmp_path / "photo.jpg", exif=camera_exif(), quality=90)
    meta = analyse(path, name="IMG_0001.JPG")
    assert meta.media_type == "image/jpeg"
    assert meta.tool == TOOL
    assert (meta.width, meta.height) == (640, 480)
    assert meta.captured_at == datetime(2024, 10, 12, 3, 30, tzinfo=UTC)
    assert meta.latitude == pytest.approx(30 + 55 / 60 + 12.5 / 3600)
    assert meta.longitude == pytest.approx(66 + 26 / 60)
    assert meta.device == "Canon EOS 5D"
    for value in (meta.phash, meta.dhash, meta.phash_mirrored):
        assert value is not None and len(value) == 16 and int(value, 16) >= 0


def test_metadata_read_from_a_file_survives_its_body(tmp_path: Path) -> None:
    meta = analyse(save(photo(1), tmp_path / "photo.jpg", exif=camera_exif()))
    assert MediaMetadata.from_body(meta.to_body()) == meta


@pytest.mark.parametrize(
    ("suffix", "options", "media_type"),
    [
        ("png", {}, "image/png"),
        ("webp", {"quality": 80}, "image/webp"),
        ("webp", {"lossless": True}, "image/webp"),
        ("tif", {}, "image/tiff"),
    ],
)
def test_other_image_types_are_read_and_hashed(
    tmp_path: Path, suffix: str, options: dict[str, Any], media_type: str
) -> None:
    path = save(photo(1), tmp_path / f"photo.{suffix}", **options)
    meta = analyse(path, name=path.name)
    assert meta.media_type == media_type
    assert (meta.width, meta.height) == (640, 480)
    reference = analyse(save(photo(1), tmp_path / "reference.png"))
    assert distance(meta.phash, reference.phash) <= 4


def test_a_palette_gif_with_transparency_is_hashed(tmp_path: Path) -> None:
    path = save(photo(1).quantize(64), tmp_path / "photo.gif", transparency=0)
    meta = analyse(path)
    assert meta.media_type == "image/gif"
    assert meta.phash is not None
    assert meta.captured_at is None and meta.device is None and meta.latitude is None


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n", "application/pdf"),
        (b"OggS\x00\x02" + bytes(40), "audio/ogg"),
        ("Shelling near the crossing at 04:10. — گزارش\n".encode(), "text/plain"),
    ],
)
def test_other_files_get_only_their_type_and_the_tool(
    tmp_path: Path, content: bytes, media_type: str
) -> None:
    path = tmp_path / "evidence"
    path.write_bytes(content)
    assert analyse(path) == MediaMetadata(media_type=media_type, tool=TOOL)


def test_a_long_text_is_checked_to_its_end(tmp_path: Path) -> None:
    path = tmp_path / "statement.txt"
    # A two-byte character straddles the 1 MiB chunk boundary.
    path.write_bytes(b"a" * (1024 * 1024 - 1) + "ش".encode() + b"\n")
    assert analyse(path).media_type == "text/plain"


def test_a_bad_byte_after_a_chunk_boundary_is_placed_exactly(tmp_path: Path) -> None:
    path = tmp_path / "statement.txt"
    # The chunk ends on the first byte of a two-byte character; its second byte is bad.
    path.write_bytes(b"a" * (1024 * 1024 - 1) + "ش".encode()[:1] + b"\xff")
    with pytest.raises(InvalidInput, match="byte 1,048,575 is not UTF-8"):
        analyse(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"plain words " * 10 + b"\xff\xfe", "byte 120 is not UTF-8"),
        (b"plain words " * 10 + b"\x00", "a NUL byte at 120"),
        (b"plain words " * 10 + "ش".encode()[:1], "ends mid-character"),
    ],
)
def test_a_file_that_only_starts_as_text_is_refused(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "statement.txt"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message) as caught:
        analyse(path)
    assert caught.value.field == "file"


def test_a_file_named_jpg_containing_a_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "upload"
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    with pytest.raises(InvalidInput) as caught:
        analyse(path, name="photo.jpg")
    assert caught.value.field == "name"
    assert caught.value.message == (
        "the name photo.jpg says image/jpeg, the content is application/pdf"
    )


def test_a_file_of_an_unknown_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tool.exe"
    path.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00" + bytes(56))
    with pytest.raises(InvalidInput, match="not a type the locker accepts"):
        analyse(path)


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound) as caught:
        analyse(tmp_path / "absent.jpg")
    assert caught.value.field == "file"


# --- limits and hostile files ------------------------------------------------------------------


def test_an_oversize_file_is_refused(tmp_path: Path) -> None:
    path = save(photo(1), tmp_path / "photo.jpg")
    size = path.stat().st_size
    with pytest.raises(InvalidInput) as caught:
        analyse(path, limits=Limits(max_bytes=1000))
    assert caught.value.field == "file"
    assert caught.value.message == (
        f"the file is {size:,} bytes ({size / 2**20:.1f} MiB), over the limit of 1,000 bytes "
        "(0.0 MiB)"
    )
    assert analyse(path, limits=Limits(max_bytes=size)).media_type == "image/jpeg"


def test_a_png_declaring_a_huge_size_is_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_declaring(30000, 30000))
    assert path.stat().st_size < 200
    with pytest.raises(InvalidInput) as caught:
        analyse(path)
    assert caught.value.field == "file"
    assert caught.value.message.startswith(
        "the image declares 30000×30000 = 900,000,000 pixels, over the limit of 40,000,000"
    )


def test_the_pixel_limit_applies_below_pillows_own(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_declaring(8000, 6000))
    with pytest.raises(InvalidInput, match="declares 8000×6000 = 48,000,000 pixels"):
        analyse(path)
    photo_path = save(photo(1), tmp_path / "photo.jpg")
    with pytest.raises(InvalidInput, match="declares 640×480 = 307,200 pixels"):
        analyse(photo_path, limits=Limits(max_pixels=300_000))


@pytest.mark.parametrize(
    "options", [{"quality": 80}, {"lossless": True}, {"exif": b"Exif\x00\x00"}]
)
def test_a_webp_is_measured_before_pillow_allocates_its_canvas(
    tmp_path: Path, options: dict[str, Any]
) -> None:
    path = save(photo(1), tmp_path / "photo.webp", **options)
    with pytest.raises(InvalidInput, match="declares 640×480 = 307,200 pixels"):
        analyse(path, limits=Limits(max_pixels=300_000))


def test_a_webp_canvas_declaring_a_huge_size_is_refused(tmp_path: Path) -> None:
    side = (20000 - 1).to_bytes(3, "little")
    chunk = b"VP8X" + (10).to_bytes(4, "little") + bytes(4) + side + side
    path = tmp_path / "bomb.webp"
    path.write_bytes(b"RIFF" + (4 + len(chunk)).to_bytes(4, "little") + b"WEBP" + chunk)
    with pytest.raises(InvalidInput, match="declares 20000×20000 = 400,000,000 pixels"):
        analyse(path)


def test_an_unrecognised_webp_chunk_is_left_to_pillow(tmp_path: Path) -> None:
    path = tmp_path / "odd.webp"
    path.write_bytes(b"RIFF" + (24).to_bytes(4, "little") + b"WEBPJUNK" + bytes(16))
    with pytest.raises(InvalidInput, match="not a readable image/webp image"):
        analyse(path)


@pytest.mark.parametrize("side", [20000, 10000], ids=["pillow error", "pillow warning"])
def test_pillows_own_decompression_bomb_checks_are_refusals(tmp_path: Path, side: int) -> None:
    path = tmp_path / "bomb.gif"
    path.write_bytes(gif_with_a_frame_of(side))
    with pytest.raises(InvalidInput, match="possible decompression bomb") as caught:
        analyse(path, limits=Limits(max_pixels=10**10))
    assert caught.value.field == "file"


def test_a_gif_frame_larger_than_its_screen_counts_against_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.gif"
    path.write_bytes(gif_with_a_frame_of(7000))
    with pytest.raises(InvalidInput, match="declares 7000×7000 = 49,000,000 pixels"):
        analyse(path)


def test_a_truncated_jpeg_gets_a_clear_error(tmp_path: Path) -> None:
    whole = save(photo(1), tmp_path / "photo.jpg").read_bytes()
    path = tmp_path / "truncated.jpg"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InvalidInput) as caught:
        analyse(path)
    assert caught.value.field == "file"
    assert caught.value.message.startswith("the file is not a readable image/jpeg image: ")
    assert "truncated" in caught.value.message


def test_a_truncated_jpeg_is_still_refused_once_a_brief_was_printed(tmp_path: Path) -> None:
    """WeasyPrint's import makes Pillow accept truncated images process-wide; printing a brief
    (the server does) must not open the locker to them."""
    render.pdf(
        render.Rendered(render.Format.HTML, b"<p>brief</p>"), datetime(2025, 11, 1, tzinfo=UTC)
    )
    whole = save(photo(1), tmp_path / "photo.jpg").read_bytes()
    path = tmp_path / "truncated.jpg"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InvalidInput, match="truncated"):
        analyse(path)


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xd8\xff\xe0" + bytes(60),
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", bytes(13))[:-4] + b"bad!",
        b"II*\x00" + bytes(8),
    ],
    ids=["jpeg", "png with a bad checksum", "tiff"],
)
def test_a_corrupt_image_gets_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "corrupt"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match="is not a readable image/") as caught:
        analyse(path)
    assert caught.value.field == "file"


# --- EXIF --------------------------------------------------------------------------------------


def test_without_an_offset_the_capture_time_is_read_as_utc(tmp_path: Path) -> None:
    path = save(photo(1), tmp_path / "photo.jpg", exif=camera_exif(offset=None))
    assert analyse(path).captured_at == datetime(2024, 10, 12, 8, 30, tzinfo=UTC)


def test_the_file_time_stands_in_for_a_missing_capture_time(tmp_path: Path) -> None:
    exif = camera_exif(taken=None, offset=None)
    exif[DATE_TIME] = "2025:01:02 03:04:05"
    exif.get_ifd(EXIF_IFD)[OFFSET_TIME] = "-03:30"
    path = save(photo(1), tmp_path / "photo.jpg", exif=exif)
    assert analyse(path).captured_at == datetime(2025, 1, 2, 6, 34, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "taken",
    ["0000:00:00 00:00:00", "    :  :     :  :  ", "2024-10-12T08:30:00", "0001:01:01 00:00:00"],
)
def test_a_placeholder_capture_time_says_nothing(tmp_path: Path, taken: str) -> None:
    path = save(photo(1), tmp_path / "photo.jpg", exif=camera_exif(taken=taken))
    assert analyse(path).captured_at is None


def test_southern_and_western_positions_are_negative(tmp_path: Path) -> None:
    gps = {1: "S", 2: (33.0, 30.0, 0.0), 3: "W", 4: (70.0, 15.0, 0.0)}
    path = save(photo(1), tmp_path / "photo.jpg", exif=camera_exif(gps=gps))
    meta = analyse(path)
    assert (meta.latitude, meta.longitude) == (-33.5, -70.25)


@pytest.mark.parametrize(
    "gps",
    [
        {},
        {1: "N", 2: (30.0, 0.0, 0.0)},
        {1: "X", 2: (30.0, 0.0, 0.0), 3: "E", 4: (66.0, 0.0, 0.0)},
        {1: "N", 2: (30.0, 0.0), 3: "E", 4: (66.0, 0.0, 0.0)},
        {1: "N", 2: 30.0, 3: "E", 4: (66.0, 0.0, 0.0)},
        {1: "N", 2: (95.0, 0.0, 0.0), 3: "E", 4: (66.0, 0.0, 0.0)},
        {1: "N", 2: (30.0, 0.0, 0.0), 3: "E", 4: (181.0, 0.0, 0.0)},
    ],
    ids=[
        "none",
        "latitude only",
        "bad reference",
        "two parts",
        "a bare number",
        "over 90",
        "over 180",
    ],
)
def test_an_unusable_gps_position_is_left_out(tmp_path: Path, gps: dict[int, Any]) -> None:
    path = save(photo(1), tmp_path / "photo.jpg", exif=camera_exif(gps=gps))
    meta = analyse(path)
    assert (meta.latitude, meta.longitude) == (None, None)


def test_a_gps_rational_with_a_zero_denominator_is_left_out(tmp_path: Path) -> None:
    from PIL.TiffImagePlugin import IFDRational

    latitude = (IFDRational(30, 1), IFDRational(1, 0), IFDRational(0, 1))
    gps = {1: "N", 2: latitude, 3: "E", 4: (66.0, 0.0, 0.0)}
    path = save(photo(1), tmp_path / "photo.jpg", exif=camera_exif(gps=gps))
    assert analyse(path).latitude is None


@pytest.mark.parametrize(
    ("make", "model", "device"),
    [
        ("Apple", "iPhone 15", "Apple iPhone 15"),
        ("SAMSUNG", "Samsung SM-G991B", "Samsung SM-G991B"),
        ("Canon\x00\x00", None, "Canon"),
        (None, " Pixel 8 ", "Pixel 8"),
        (None, "\x00\x00", None),
        ("X" * 300, None, "X" * 256),
    ],
)
def test_the_device_is_make_and_model_once(
    tmp_path: Path, make: Any, model: Any, device: str | None
) -> None:
    path = save(photo(1), tmp_path / "photo.jpg", exif=camera_exif(make=make, model=model))
    assert analyse(path).device == device


def test_a_make_stored_as_a_number_is_left_out(tmp_path: Path) -> None:
    # One IFD entry: Make (0x010F) stored as SHORT 5 instead of ASCII.
    entry = struct.pack("<HHIHH", MAKE, 3, 1, 5, 0)
    exif = b"Exif\x00\x00II*\x00" + struct.pack("<IH", 8, 1) + entry + struct.pack("<I", 0)
    assert analyse(save(photo(1), tmp_path / "photo.jpg", exif=exif)).device is None


def test_hashes_are_taken_of_the_upright_image(tmp_path: Path) -> None:
    upright = analyse(save(photo(1), tmp_path / "upright.png"))
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # display rotated 90° clockwise
    path = save(photo(1).rotate(90, expand=True), tmp_path / "sideways.png", exif=exif)
    sideways = analyse(path)
    assert (sideways.width, sideways.height) == (480, 640)
    assert distance(sideways.phash, upright.phash) <= 2


# --- recycled images ---------------------------------------------------------------------------


def test_a_re_encoded_resized_copy_is_flagged_as_recycled(tmp_path: Path) -> None:
    original = analyse(save(photo(1), tmp_path / "original.jpg", quality=92))
    copy = photo(1).resize((320, 240), Image.Resampling.BILINEAR)
    shared = analyse(save(copy, tmp_path / "whatsapp.jpg", quality=40))
    flags = find_recycled("c" * 64, "r-0099", shared, [locker_entry(original)])
    assert [(flag.code, flag.related_index) for flag in flags] == [(FlagCode.RECYCLED, 3)]
    assert flags[0].message.startswith(
        "this image matches one submitted on 2025-10-12 for report r-0042 (pHash distance "
    )


def test_a_mirrored_copy_is_flagged_as_recycled(tmp_path: Path) -> None:
    original = analyse(save(photo(1), tmp_path / "original.jpg"))
    mirrored = analyse(save(ImageOps.mirror(photo(1)), tmp_path / "mirrored.jpg"))
    assert distance(mirrored.phash, original.phash) > 10
    flags = find_recycled("c" * 64, "r-0099", mirrored, [locker_entry(original)])
    assert [flag.message.split(" of one ")[0] for flag in flags] == [
        "this image is a mirrored copy"
    ]


def test_a_different_photo_is_not_flagged(tmp_path: Path) -> None:
    locker = [
        locker_entry(analyse(save(photo(seed), tmp_path / f"{seed}.jpg")), index=seed)
        for seed in range(2, 6)
    ]
    new = analyse(save(photo(1), tmp_path / "new.jpg"))
    assert find_recycled("c" * 64, "r-0099", new, locker) == []
