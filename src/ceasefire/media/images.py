"""Read a file for the evidence locker: its type, its size, an image's metadata and hashes.

Everything a file says about itself is read defensively: the type comes from the content
(:func:`ceasefire.domain.evidence.sniff`), the declared image size is checked against the
limit before a single pixel is decoded (a 100-byte PNG can declare 30000×30000 pixels), and
an image opens only with the Pillow plugin for the sniffed type, so Pillow never picks another
decoder on its own. EXIF that cannot be read is left out rather than refusing the evidence:
metadata is advice to a monitor, and its absence proves nothing.
"""

from __future__ import annotations

import codecs
import numbers
import os
import re
import struct
import warnings
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final, NamedTuple

import imagehash
import PIL
from PIL import (
    GifImagePlugin,
    Image,
    ImageFile,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)

from ceasefire.domain.evidence import (
    IMAGE_TYPES,
    SNIFF_BYTES,
    Limits,
    MediaMetadata,
    check_name,
    sniff,
)
from ceasefire.errors import InvalidInput, NotFound

TOOL: Final = f"ceasefire-media/1 pillow/{PIL.__version__} imagehash/{imagehash.__version__}"
"""The software that read the file, with versions, for the collection record."""

MIB: Final = 1024 * 1024
DEFAULT_LIMITS: Final = Limits()

_PLUGINS: Final[dict[str, type[ImageFile.ImageFile]]] = {
    "image/jpeg": JpegImagePlugin.JpegImageFile,
    "image/png": PngImagePlugin.PngImageFile,
    "image/gif": GifImagePlugin.GifImageFile,
    "image/webp": WebPImagePlugin.WebPImageFile,
    "image/tiff": TiffImagePlugin.TiffImageFile,
}
# What a broken file makes Pillow raise while parsing or decoding.
_CORRUPT: Final = (OSError, SyntaxError, ValueError, EOFError, struct.error)
_BOMB: Final = (Image.DecompressionBombError, Image.DecompressionBombWarning)

_EXIF_IFD: Final = 0x8769
_GPS_IFD: Final = 0x8825
_MAKE, _MODEL, _DATE_TIME = 0x010F, 0x0110, 0x0132
_DATE_TIME_ORIGINAL, _OFFSET_TIME, _OFFSET_TIME_ORIGINAL = 0x9003, 0x9010, 0x9011
_GPS_LATITUDE_REF, _GPS_LATITUDE, _GPS_LONGITUDE_REF, _GPS_LONGITUDE = 1, 2, 3, 4
_EXIF_TIME_FORMAT: Final = "%Y:%m:%d %H:%M:%S"
_OFFSET: Final = re.compile(r"([+-])([0-9]{2}):([0-9]{2})")
_MAX_DEVICE: Final = 256


class _Exif(NamedTuple):
    captured_at: datetime | None
    latitude: float | None
    longitude: float | None
    device: str | None


def analyse(
    path: Path, *, limits: Limits = DEFAULT_LIMITS, name: str | None = None
) -> MediaMetadata:
    """What ``path`` is and says about itself; InvalidInput (field ``file`` or ``name``) when
    the locker must refuse it: unknown type, a ``name`` contradicting the content, over the
    size or pixel limit, or an image or text that does not decode.

    For images: width and height as stored (before EXIF orientation); the capture time from
    EXIF DateTimeOriginal (else DateTime) with its OffsetTime, or read as UTC when the file
    gives no offset (most cameras do not); GPS position; device as EXIF Make and Model; pHash,
    dHash and mirrored pHash of the upright image. Other types get only their type and tool.
    """
    head, size = _head_and_size(path)
    media_type = sniff(head)
    if name is not None:
        check_name(name, media_type)
    if size > limits.max_bytes:
        raise InvalidInput(
            f"the file is {size:,} bytes ({size / MIB:.1f} MiB), over the limit of "
            f"{limits.max_bytes:,} bytes ({limits.max_bytes / MIB:.1f} MiB)",
            field="file",
        )
    if media_type == "text/plain":
        _check_text(path)
    if media_type not in IMAGE_TYPES:
        return MediaMetadata(media_type=media_type, tool=TOOL)
    return _analyse_image(path, media_type, head, limits)


def _head_and_size(path: Path) -> tuple[bytes, int]:
    try:
        with path.open("rb") as handle:
            return handle.read(SNIFF_BYTES), os.fstat(handle.fileno()).st_size
    except FileNotFoundError as exc:
        raise NotFound(f"no file at {path}", field="file") from exc


def _check_text(path: Path) -> None:
    """A file sniffed as text from its head must be UTF-8 without NUL bytes to the end."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(MIB):
            pending = len(decoder.getstate()[0])  # the end of a character cut by the chunk
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                position = offset - pending + exc.start
                raise InvalidInput(
                    f"the file starts as text but byte {position:,} is not UTF-8", field="file"
                ) from exc
            if b"\x00" in chunk:
                raise InvalidInput(
                    f"the file starts as text but has a NUL byte at {offset + chunk.index(0):,}",
                    field="file",
                )
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise InvalidInput("the file starts as text but ends mid-character", field="file") from exc


def _analyse_image(path: Path, media_type: str, head: bytes, limits: Limits) -> MediaMetadata:
    if media_type == "image/webp":
        # Pillow's WebP plugin allocates the whole canvas while opening: check before.
        _check_pixels(_webp_size(head), limits)
    # A library may relax this process-wide (WeasyPrint's import, when a brief is printed, sets
    # it): a truncated file must stay refused here whatever was imported before.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        # Not thread-local before Python 3.14: callers that analyse in threads must serialise.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Our own handle: Pillow leaves a file it opened unclosed when opening fails.
            with path.open("rb") as handle, _PLUGINS[media_type](handle) as image:
                _check_pixels(image.size, limits)
                return _describe(image, media_type)
    except _BOMB as exc:
        raise InvalidInput(
            f"the image is refused as a possible decompression bomb: {exc}", field="file"
        ) from exc
    except _CORRUPT as exc:
        raise InvalidInput(
            f"the file is not a readable {media_type} image: {str(exc) or type(exc).__name__}",
            field="file",
        ) from exc


def _check_pixels(size: tuple[int, int] | None, limits: Limits) -> None:
    if size is None:
        return
    width, height = size
    if width * height > limits.max_pixels:
        raise InvalidInput(
            f"the image declares {width}×{height} = {width * height:,} pixels, over the limit "
            f"of {limits.max_pixels:,}: refused before decoding, as a decompression bomb",
            field="file",
        )


def _webp_size(head: bytes) -> tuple[int, int] | None:
    """The canvas size from the first chunk of a WebP file (RFC 9649), if it is one we know."""
    chunk = head[12:16]
    if chunk == b"VP8X" and len(head) >= 30:
        return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
    if chunk == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(head) >= 30 and head[23:26] == b"\x9d\x01\x2a":
        return int.from_bytes(head[26:28], "little") & 0x3FFF, int.from_bytes(
            head[28:30], "little"
        ) & 0x3FFF
    return None


def _describe(image: ImageFile.ImageFile, media_type: str) -> MediaMetadata:
    exif = _read_exif(image.getexif())
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("P", "PA"):
        upright = upright.convert("RGBA")  # resolves palette transparency before going grey
    grey = upright.convert("L")
    width, height = image.size
    return MediaMetadata(
        media_type=media_type,
        tool=TOOL,
        width=width,
        height=height,
        captured_at=exif.captured_at,
        latitude=exif.latitude,
        longitude=exif.longitude,
        device=exif.device,
        phash=str(imagehash.phash(grey)),
        dhash=str(imagehash.dhash(grey)),
        phash_mirrored=str(imagehash.phash(ImageOps.mirror(grey))),
    )


def _read_exif(exif: Image.Exif) -> _Exif:
    details = exif.get_ifd(_EXIF_IFD)
    captured_at = _exif_time(details.get(_DATE_TIME_ORIGINAL), details.get(_OFFSET_TIME_ORIGINAL))
    if captured_at is None:
        captured_at = _exif_time(exif.get(_DATE_TIME), details.get(_OFFSET_TIME))
    gps = exif.get_ifd(_GPS_IFD)
    latitude = _degrees(gps.get(_GPS_LATITUDE), gps.get(_GPS_LATITUDE_REF), "N", "S", 90)
    longitude = _degrees(gps.get(_GPS_LONGITUDE), gps.get(_GPS_LONGITUDE_REF), "E", "W", 180)
    if latitude is None or longitude is None:
        latitude = longitude = None
    return _Exif(captured_at, latitude, longitude, _device(exif.get(_MAKE), exif.get(_MODEL)))


def _exif_time(value: Any, offset: Any) -> datetime | None:
    """An EXIF ``YYYY:MM:DD HH:MM:SS`` with an optional ``±HH:MM`` offset, else read as UTC."""
    text = _clean(value)
    if text is None:
        return None
    try:
        local = datetime.strptime(text, _EXIF_TIME_FORMAT)
        return local.replace(tzinfo=_zone(_clean(offset))).astimezone(UTC)
    except (ValueError, OverflowError):
        return None  # "0000:00:00 00:00:00" and other placeholders say nothing


def _zone(offset: str | None) -> timezone:
    match = _OFFSET.fullmatch(offset or "")
    if match is None:
        return UTC
    sign = -1 if match.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def _degrees(value: Any, ref: Any, positive: str, negative: str, bound: int) -> float | None:
    """EXIF GPS degrees, minutes, seconds (three rationals) and a hemisphere reference."""
    hemisphere = _clean(ref)
    if hemisphere not in (positive, negative) or not _three_numbers(value):
        return None
    degrees, minutes, seconds = (float(part) for part in value)
    result = degrees + minutes / 60 + seconds / 3600
    if not -bound <= result <= bound:  # also refuses NaN, what a zero denominator gives
        return None
    return -result if hemisphere == negative else result


def _three_numbers(value: Any) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 3
        and all(isinstance(part, numbers.Real) for part in value)
    )


def _device(make: Any, model: Any) -> str | None:
    make_text, model_text = _clean(make), _clean(model)
    if make_text and model_text and model_text.lower().startswith(make_text.lower()):
        make_text = None  # "Canon" + "Canon EOS 5D" says Canon once
    device = " ".join(part for part in (make_text, model_text) if part)
    return device[:_MAX_DEVICE] or None


def _clean(value: Any) -> str | None:
    """An EXIF ASCII value without NUL padding, control characters and outer spaces."""
    if not isinstance(value, str):
        return None
    text = "".join(char for char in value if ord(char) >= 32 and ord(char) != 127).strip()
    return text or None
