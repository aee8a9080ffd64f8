"""Sample photos for the demo and for tests: deterministic, textured, with a phone's EXIF.

The mechanism only ever reads evidence; this module makes some, for ``ceasefire demo`` and for
tests, and lives here because Pillow's home is ``ceasefire.media``.

A sample is a landscape: a smooth field of sky and earth colours, mud walls and craters, and
sensor grain. Perceptual hashes read texture at low frequencies, so a flat or merely smooth
image would make them meaningless; these give unrelated seeds hashes far apart and a resized,
brightened, re-encoded copy (:func:`derived`) a hash within a few bits of its original. The
same arguments give the same bytes with the same Pillow and zlib.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from PIL import Image, ImageChops, ImageDraw, ImageEnhance
from PIL.TiffImagePlugin import IFDRational

from ceasefire.errors import InvalidInput

Encoding = Literal["png", "jpeg"]

_EXIF_IFD: Final = 0x8769
_GPS_IFD: Final = 0x8825
_MAKE, _MODEL = 0x010F, 0x0110
_DATE_TIME_ORIGINAL, _OFFSET_TIME_ORIGINAL = 0x9003, 0x9011
_GPS_LATITUDE_REF, _GPS_LATITUDE, _GPS_LONGITUDE_REF, _GPS_LONGITUDE = 1, 2, 3, 4
_MIN_SIDE, _MAX_SIDE = 32, 4096
_GRID: Final = (8, 6)  # the colour field: columns, rows (the top row is sky)
_GRAIN: Final = [value % 19 for value in range(256)] * 3  # 0..18 per channel, centred below


@dataclass(frozen=True)
class Camera:
    """What a phone writes into a photo's EXIF; any part may be left out.

    ``taken`` becomes DateTimeOriginal, in its own local time; when it is aware, its UTC offset
    also goes into OffsetTimeOriginal (without one, readers take the time as UTC). ``latitude``
    and ``longitude`` are signed degrees, written as GPS degrees, minutes and hundredths of a
    second with their hemisphere.
    """

    make: str | None = None
    model: str | None = None
    taken: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None

    def __post_init__(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise InvalidInput("expected a latitude and a longitude, or neither", field="gps")
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            raise InvalidInput(
                f"expected a latitude in -90..90, found {self.latitude}", field="latitude"
            )
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            raise InvalidInput(
                f"expected a longitude in -180..180, found {self.longitude}", field="longitude"
            )


def sample(
    seed: int,
    *,
    size: tuple[int, int] = (640, 480),
    camera: Camera | None = None,
    encoding: Encoding = "png",
    quality: int = 90,
) -> bytes:
    """A photo drawn from ``seed``, ``size`` pixels, with ``camera``'s EXIF if given;
    ``quality`` applies to JPEG only."""
    width, height = size
    if not (_MIN_SIDE <= width <= _MAX_SIDE and _MIN_SIDE <= height <= _MAX_SIDE):
        raise InvalidInput(
            f"expected each side in {_MIN_SIDE}..{_MAX_SIDE} pixels, found {width}×{height}",
            field="size",
        )
    exif = None if camera is None else _exif(camera)
    return _encode(_landscape(random.Random(seed), size), encoding, quality, exif)


def derived(
    original: bytes,
    *,
    scale: float = 0.5,
    brightness: float = 1.1,
    encoding: Encoding = "png",
    quality: int = 60,
) -> bytes:
    """``original`` as a messaging app passes it on: resized by ``scale``, brightened by the
    factor ``brightness``, re-encoded, its metadata gone."""
    if not 0 < scale <= 1:
        raise InvalidInput(f"expected a scale in (0, 1], found {scale}", field="scale")
    if not 0 < brightness <= 2:
        raise InvalidInput(
            f"expected a brightness in (0, 2], found {brightness}", field="brightness"
        )
    # Only the two encodings this module writes: a sample, not evidence from outside.
    with Image.open(io.BytesIO(original), formats=["PNG", "JPEG"]) as image:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        smaller = image.convert("RGB").resize(size, Image.Resampling.BILINEAR)
    return _encode(ImageEnhance.Brightness(smaller).enhance(brightness), encoding, quality, None)


def _landscape(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A smooth field of colours, a dozen walls and craters on the ground, then grain."""
    field = Image.new("RGB", _GRID)
    field.putdata([_colour(rng, row) for row in range(_GRID[1]) for _ in range(_GRID[0])])
    image = field.resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    width, height = size
    for _ in range(12):
        x0, y0 = rng.randrange(width), rng.randrange(height // 4, height)
        x1 = x0 + rng.randrange(width // 12, width // 3)
        y1 = y0 + rng.randrange(height // 12, height // 3)
        wall = rng.random() < 0.5
        shade = rng.randrange(60, 200) if wall else rng.randrange(20, 80)
        colour = (shade, max(0, shade - 20), max(0, shade - 45))
        (draw.rectangle if wall else draw.ellipse)((x0, y0, x1, y1), fill=colour)
    grain = Image.frombytes("RGB", size, rng.randbytes(width * height * 3)).point(_GRAIN)
    return ImageChops.add(image, grain, offset=-9)


def _colour(rng: random.Random, row: int) -> tuple[int, int, int]:
    """Sky in the top row of the field, dust and rock below; lighter or darker at random."""
    base = (140, 175, 215) if row == 0 else (165, 135, 95)
    light = rng.randint(-40, 40)
    red, green, blue = (max(0, min(255, c + light + rng.randint(-12, 12))) for c in base)
    return red, green, blue


def _exif(camera: Camera) -> Image.Exif:
    exif = Image.Exif()
    for tag, text in ((_MAKE, camera.make), (_MODEL, camera.model)):
        if text is not None:
            exif[tag] = text
    if camera.taken is not None:
        details = exif.get_ifd(_EXIF_IFD)
        details[_DATE_TIME_ORIGINAL] = camera.taken.strftime("%Y:%m:%d %H:%M:%S")
        offset = camera.taken.utcoffset()
        if offset is not None:
            details[_OFFSET_TIME_ORIGINAL] = _offset(round(offset.total_seconds() / 60))
    if camera.latitude is not None and camera.longitude is not None:
        exif.get_ifd(_GPS_IFD).update(
            {
                _GPS_LATITUDE_REF: "N" if camera.latitude >= 0 else "S",
                _GPS_LATITUDE: _dms(camera.latitude),
                _GPS_LONGITUDE_REF: "E" if camera.longitude >= 0 else "W",
                _GPS_LONGITUDE: _dms(camera.longitude),
            }
        )
    return exif


def _offset(minutes: int) -> str:
    """EXIF's ``±HH:MM`` (``%:z`` needs Python 3.12)."""
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02}:{rest:02}"


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Degrees, minutes and seconds to a hundredth, as EXIF's three rationals."""
    minutes, hundredths = divmod(round(abs(value) * 360_000), 6_000)
    degrees, minutes = divmod(minutes, 60)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(hundredths, 100)


def _encode(image: Image.Image, encoding: Encoding, quality: int, exif: Image.Exif | None) -> bytes:
    buffer = io.BytesIO()
    # As bytes: Pillow's PNG writer drops an Exif whose first directory is empty (the mapping
    # is falsy), even when it points to DateTimeOriginal or GPS.
    options = {} if exif is None else {"exif": exif.tobytes()}
    if encoding == "jpeg":
        image.save(buffer, "JPEG", quality=quality, **options)
    else:
        image.save(buffer, "PNG", **options)
    return buffer.getvalue()
