"""The story ``ceasefire demo`` tells: its actors, reports and photos (October–November 2025).

Dates and places follow the public record of the Pakistan–Afghanistan clashes of October 2025
and the talks that followed (Doha, 19 October; Istanbul, 25–30 October and 6 November). The
people are invented roles, never real names; the reports, figures and photos are invented for
the demo. Coordinates are real places, rounded.

The photos are drawn here with the standard library — a sky, ground, walls and craters, grain —
and written as PNG files with a hand-built EXIF block, because Pillow's home is
``ceasefire.media``, which reads evidence and never makes it.
"""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

ORIGIN: Final = "ceasefire.demo/pak-afg-2025"
PREFACE: Final = (
    "[bold]ceasefire demo[/]: the Pakistan–Afghanistan ceasefire of October 2025, mediated by "
    "Türkiye and Qatar. Dates and places follow the public record; the people, reports, figures "
    "and photos are invented. Each numbered line is a signed event, at that index of the log."
)
START: Final = datetime(2025, 10, 19, 9, 0, tzinfo=UTC)
"""The demo's clock starts on the day the ceasefire was agreed in Doha."""

ACTORS: Final = (
    # (actor, role, affiliation)
    ("pk-liaison-1", "liaison", "pk"),
    ("af-liaison-1", "liaison", "af"),
    ("tr-mediator-1", "mediator", "tr"),
    ("qa-mediator-1", "mediator", "qa"),
    ("monitor-1", "monitor", None),
    ("monitor-2", "monitor", None),
    ("witness-pk", "witness", "pk"),
    ("witness-af", "witness", "af"),
)
SIGNERS: Final = ("pk-liaison-1", "af-liaison-1", "tr-mediator-1", "qa-mediator-1")
MEDIATOR: Final = "tr-mediator-1"


# The clauses an act breaks are in the agreement; a report may cite them too. The act's lettered
# clauses (2(a), 2(b)) cannot be cited yet: the report parser reads clause ids as plain ids.
CEASEFIRE_CLAUSES: Final = ["1"]


def _day(start: str, end: str | None = None) -> dict[str, str]:
    return {"start": start, "end": end or start, "precision": "day"}


def _where(
    latitude: float,
    longitude: float,
    precision: str,
    *names: str | None,
    blur_km: float | None = None,
) -> dict[str, Any]:
    """A location: the point, its precision, then place, admin1, admin2, country, sector."""
    keys = ("place", "admin1", "admin2", "country", "sector")
    named = {k: v for k, v in zip(keys, names, strict=False) if v is not None}
    blur = {} if blur_km is None else {"blur_km": blur_km}
    return {"latitude": latitude, "longitude": longitude, "precision": precision} | named | blur


def _source(name: str, kind: str, grade: str, **extra: Any) -> dict[str, Any]:
    """A source with its Admiralty grade written as one word, e.g. ``"B2"``."""
    return {
        "name": name,
        "kind": kind,
        "reliability": grade[0],
        "credibility": int(grade[1]),
    } | extra


BARMAL: Final = _where(
    32.72, 69.3, "district", "Barmal", "Paktika", "Barmal", "AF", "south-waziristan"
)

PAKTIKA: Final = {
    "kind": "allegation",
    "dates": _day("2025-10-17"),
    "location": BARMAL,
    "act": "airstrike",
    "alleged_party": "pk",
    "actors": ["Pakistan Air Force"],
    "targets": ["houses in Urgun and Barmal districts"],
    "casualties": {
        "killed": {"civilian": {"low": 8, "best": 10, "high": 17}},
        "injured": {"civilian": {"low": 5, "best": 7, "high": 12}},
    },
    "narrative": (
        "On the evening of 17 October 2025, during the 48-hour truce, aircraft struck houses "
        "in the Urgun and Barmal districts of Paktika. Among the dead were three local "
        "cricketers on their way home from a match in Sharana."
    ),
    "language": "en",
    "sources": [
        _source("Paktika provincial health directorate", "party", "C3"),
        _source("Afghanistan Cricket Board statement", "other", "B2"),
        _source("Resident of Urgun", "witness", "F2"),
    ],
    "clauses": CEASEFIRE_CLAUSES,
}

KURRAM: Final = {
    "kind": "allegation",
    "dates": _day("2025-10-11", "2025-10-12"),
    "location": _where(
        33.9, 70.1, "district", "Parachinar", "Khyber Pakhtunkhwa", "Kurram", "PK", "kurram"
    ),
    "act": "attack_from_territory",
    "alleged_party": "af",
    "targets": ["Pakistani border posts"],
    "casualties": {"killed": {"military": 6}, "injured": {"military": 10}},
    "narrative": (
        "On the night of 11 to 12 October 2025, armed men attacked border posts in Kurram "
        "with rockets and small arms, firing from positions on the Afghan side of the border."
    ),
    "language": "en",
    "sources": [
        _source("ISPR, the military's press office", "party", "C3"),
        _source("Dawn", "media", "B2", reference="https://www.dawn.com/"),
    ],
}

KURRAM_CORRECTED: Final = KURRAM | {
    "casualties": {
        "killed": {"military": 7},
        "injured": {"military": {"low": 11, "best": 12, "high": 14}},
    }
}
CORRECTION_REASON: Final = "Casualty figures updated after the hospital returns from Parachinar."
CORRECTION_SAYS: Final = "killed 6 → 7, injured 10 → 11 to 14"

SPIN_BOLDAK: Final = {
    "kind": "allegation",
    "dates": _day("2025-10-15"),
    "location": _where(
        31.006, 66.4, "near", "Spin Boldak", "Kandahar", "Spin Boldak", "AF", "chaman-spin-boldak"
    ),
    "act": "artillery_fire",
    "alleged_party": "pk",
    "targets": ["residential quarter of Wesh"],
    "casualties": {
        "killed": {"civilian": {"low": 12, "best": 15, "high": 20}},
        "injured": {"civilian": {"low": 80, "best": 100, "high": 120}},
    },
    "narrative": (
        "In the early hours of 15 October 2025 Pakistani forces shelled the Wesh quarter of "
        "Spin Boldak from across the border."
    ),
    "language": "en",
    "sources": [
        _source("Spokesman of the authorities in Kabul", "party", "D3"),
        _source("Resident of Wesh", "witness", "F2"),
    ],
    "clauses": CEASEFIRE_CLAUSES,
}

CHAMAN: Final = {
    "kind": "allegation",
    "dates": _day("2025-10-15"),
    "location": _where(
        30.92, 66.45, "near", "Chaman", "Balochistan", "Chaman", "PK", "chaman-spin-boldak"
    ),
    "act": "artillery_fire",
    "alleged_party": "af",
    "targets": ["Frontier Corps posts at Chaman"],
    "casualties": {"injured": {"military": 4, "civilian": {"low": 2, "best": 3, "high": 6}}},
    "narrative": (
        "On 15 October 2025 Afghan forces opened fire on posts at Chaman; Pakistani forces "
        "returned fire."
    ),
    "language": "en",
    "sources": [_source("ISPR, the military's press office", "party", "C3")],
    "clauses": CEASEFIRE_CLAUSES,
}

TORKHAM: Final = {
    "kind": "allegation",
    "dates": _day("2025-10-22"),
    "location": _where(
        34.1, 71.09, "near", "Torkham", "Khyber Pakhtunkhwa", "Khyber", "PK", "torkham", blur_km=5
    ),
    "act": "artillery_fire",
    "alleged_party": "af",
    "narrative": (
        "At about 21:00 on 22 October 2025 the monitor heard bursts of small-arms fire across "
        "the closed crossing for some ten minutes; no one was hurt. A trader waiting at the "
        "crossing says the first shots came from the Afghan side; that is not established."
    ),
    "language": "en",
    "sources": [
        _source("monitor-1, own observation", "monitor", "A2"),
        _source("Trader T-7 at the Torkham bazaar", "witness", "C3", withheld=True),
    ],
    "clauses": CEASEFIRE_CLAUSES,
}

HIDEOUT: Final = {
    "kind": "compliance_claim",
    "commitment": "af-dismantle-hideouts",
    "step": "hideout_dismantled",
    "dates": _day("2025-11-02", "2025-11-03"),
    "location": BARMAL,
    "narrative": (
        "A compound in Barmal used by armed men crossing into Pakistan was searched, cleared "
        "and demolished; weapons found there were handed to the provincial authorities."
    ),
    "language": "en",
    "sources": [_source("Ministry of Interior, Kabul", "party", "D3")],
}

ARREST: Final = {
    "kind": "compliance_claim",
    "commitment": "af-prosecute-leadership",
    "step": "arrest",
    "dates": _day("2025-11-01"),
    "location": _where(33.34, 69.92, "near", "Khost", "Khost", None, "AF"),
    "narrative": (
        "A commander of an armed group that attacks Pakistan was detained in Khost; his name "
        "and the charges are in this confidential report, for the mediators."
    ),
    "language": "en",
    "sources": [_source("General Directorate of Intelligence, Kabul", "party", "D3")],
}


@dataclass(frozen=True)
class Report:
    """One report of the story: ``name`` is its handle here, ``says`` one line for the screen."""

    name: str
    actor: str
    says: str
    body: dict[str, Any]
    confidential: bool = False


ALLEGATIONS: Final = (
    Report("paktika", "af-liaison-1", "Pakistani airstrikes in Urgun and Barmal", PAKTIKA),
    Report("kurram", "pk-liaison-1", "attacks on Kurram posts from Afghan soil", KURRAM),
    Report("spin-boldak", "af-liaison-1", "Pakistani shelling of Spin Boldak", SPIN_BOLDAK),
    Report("chaman", "pk-liaison-1", "Afghan fire on posts at Chaman", CHAMAN),
    Report(
        "paktika-again",
        "af-liaison-1",
        "the Paktika strikes again, filed by the provincial desk",
        PAKTIKA | {"sources": [_source("Paktika provincial desk", "party", "C3")]},
    ),
)
TORKHAM_REPORT: Final = Report(
    "torkham", "monitor-1", "fire across the Torkham crossing (source withheld)", TORKHAM
)
CLAIMS: Final = (
    Report("hideout", "af-liaison-1", "a hideout dismantled in Barmal", HIDEOUT, True),
    Report("arrest", "af-liaison-1", "a commander arrested in Khost", ARREST, True),
)
DUPLICATE: Final = "paktika-again"
WITHDRAWAL_REASON: Final = "A duplicate of the Paktika report the liaison office filed first."


# --- photos ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Camera:
    """What a phone writes into a photo: EXIF DateTimeOriginal (local time, with its offset),
    Make and Model, and a GPS position."""

    make: str
    model: str
    taken: str
    offset: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Photo:
    file: str
    actor: str
    report: str
    seed: int
    camera: Camera | None = None
    copy_of: str | None = None
    """The file this one re-encodes: half the size, a little brighter, its metadata gone."""


PHOTOS: Final = (
    Photo(
        "IMG_20251017_1840.png",
        "af-liaison-1",
        "paktika",
        seed=17,
        camera=Camera("samsung", "SM-A145F", "2025:10:17 18:40:12", "+04:30", 32.731, 69.312),
    ),
    Photo(
        "kurram-post-damage.png",
        "pk-liaison-1",
        "kurram",
        seed=11,
        camera=Camera("Xiaomi", "Redmi Note 12", "2024:10:11 23:05:40", "+05:00", 33.902, 70.094),
    ),
    Photo("spin-boldak-wesh.png", "af-liaison-1", "spin-boldak", seed=0, copy_of="paktika"),
    Photo(
        "barmal-compound.png",
        "af-liaison-1",
        "hideout",
        seed=23,
        camera=Camera("samsung", "SM-A145F", "2025:11:03 10:15:00", "+04:30", 32.745, 69.29),
    ),
)
CUSTODY: Final = (
    # (actor, action, to, note) — the chain of the first photo, after it is submitted
    ("monitor-2", "viewed", None, "opened in the monitors' review room"),
    ("monitor-2", "transferred", MEDIATOR, "handed over for the case file"),
    (MEDIATOR, "sealed", None, "sealed with the case file"),
)

_WIDTH, _HEIGHT, _GRAIN = 640, 480, 4


def draw(photo: Photo, folder: Path) -> Path:
    """Write ``photo`` into ``folder``; the same photo gives the same bytes on every run."""
    if photo.copy_of is not None:
        original = next(p for p in PHOTOS if p.report == photo.copy_of)
        brighter = bytes(min(255, value + 12) for value in range(256))
        rows = [row.translate(brighter) for row in _scene(original.seed, _GRAIN // 2)]
        size = (_WIDTH // 2, _HEIGHT // 2)
    else:
        rows, size = _scene(photo.seed, _GRAIN), (_WIDTH, _HEIGHT)
    exif = None if photo.camera is None else _exif(photo.camera)
    path = folder / photo.file
    path.write_bytes(_png(rows, size, exif))
    return path


def _scene(seed: int, zoom: int) -> list[bytes]:
    """Rows of RGB bytes: a landscape drawn on a grid of grains, each ``zoom`` pixels square."""
    rng = random.Random(seed)
    width, height = _WIDTH // _GRAIN, _HEIGHT // _GRAIN
    pixels = _ground(rng, width, height)
    _shapes(rng, pixels, width, height)
    for i, noise in enumerate(rng.randbytes(len(pixels))):  # sensor grain
        pixels[i] = max(0, min(255, pixels[i] + noise % 19 - 9))
    rows = []
    for y in range(height):
        start = y * width * 3
        row = b"".join(bytes(pixels[i : i + 3]) * zoom for i in range(start, start + width * 3, 3))
        rows.extend([row] * zoom)
    return rows


def _ground(rng: random.Random, width: int, height: int) -> bytearray:
    """Smooth colour: an 8×6 grid of random sky and earth colours, bilinearly interpolated."""
    grid = [[_colour(rng, row) for _ in range(8)] for row in range(6)]
    pixels = bytearray(width * height * 3)
    for y in range(height):
        fy = y * 5 / (height - 1)
        y0 = min(int(fy), 4)
        for x in range(width):
            fx = x * 7 / (width - 1)
            x0 = min(int(fx), 6)
            corners = grid[y0][x0], grid[y0][x0 + 1], grid[y0 + 1][x0], grid[y0 + 1][x0 + 1]
            for c, (a, b, d, e) in enumerate(zip(*corners, strict=True)):
                top, low = a + (b - a) * (fx - x0), d + (e - d) * (fx - x0)
                pixels[(y * width + x) * 3 + c] = int(top + (low - top) * (fy - y0))
    return pixels


def _colour(rng: random.Random, row: int) -> tuple[int, int, int]:
    """Sky in the top row of the grid, dust and rock below; lighter or darker at random."""
    red, green, blue = (140, 175, 215) if row == 0 else (165, 135, 95)
    light = rng.randint(-40, 40)

    def channel(base: int) -> int:
        return max(0, min(255, base + light + rng.randint(-12, 12)))

    return channel(red), channel(green), channel(blue)


def _shapes(rng: random.Random, pixels: bytearray, width: int, height: int) -> None:
    """Mud walls (rectangles) and craters or trees (ellipses)."""
    for _ in range(12):
        x0, y0 = rng.randrange(width), rng.randrange(height // 4, height)
        x1 = min(width, x0 + rng.randrange(8, width // 3))
        y1 = min(height, y0 + rng.randrange(6, height // 3))
        wall = rng.random() < 0.5
        shade = rng.randrange(60, 200) if wall else rng.randrange(20, 80)
        colour = bytes((shade, max(0, shade - 20), max(0, shade - 45)))
        cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
        for y in range(y0, y1):
            reach = 1 - ((y + 0.5 - cy) / ry) ** 2
            half = rx if wall else rx * max(reach, 0) ** 0.5
            left, right = int(cx - half), int(cx + half)
            if right > left:
                pixels[(y * width + left) * 3 : (y * width + right) * 3] = colour * (right - left)


def _png(rows: list[bytes], size: tuple[int, int], exif: bytes | None) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", *size, 8, 2, 0, 0, 0)  # 8-bit RGB
    scanlines = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every line
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + (chunk(b"eXIf", exif) if exif is not None else b"")
        + chunk(b"IDAT", zlib.compress(scanlines, 6))
        + chunk(b"IEND", b"")
    )


_ASCII, _LONG, _RATIONAL = 2, 4, 5
_Entry = tuple[int, int, int, bytes]  # tag, TIFF type, count, value bytes


def _exif(camera: Camera) -> bytes:
    """A big-endian TIFF block (what PNG's eXIf chunk holds): IFD0 with Make, Model and the
    pointers to the Exif IFD (DateTimeOriginal, OffsetTimeOriginal) and the GPS IFD."""
    details = [_text(0x9003, camera.taken), _text(0x9011, camera.offset)]
    gps = [
        _text(1, "N"),
        _degrees(2, camera.latitude),
        _text(3, "E"),
        _degrees(4, camera.longitude),
    ]

    def first(details_at: int, gps_at: int) -> list[_Entry]:
        pointers = [(0x8769, _LONG, 1, struct.pack(">I", details_at))]
        pointers.append((0x8825, _LONG, 1, struct.pack(">I", gps_at)))
        return [_text(0x010F, camera.make), _text(0x0110, camera.model), *pointers]

    details_at = 8 + len(_ifd(first(0, 0), 8))  # pointer values do not change the size
    gps_at = details_at + len(_ifd(details, details_at))
    return (
        b"MM\x00*"
        + struct.pack(">I", 8)
        + _ifd(first(details_at, gps_at), 8)
        + _ifd(details, details_at)
        + _ifd(gps, gps_at)
    )


def _text(tag: int, value: str) -> _Entry:
    data = value.encode("ascii") + b"\x00"
    return (tag, _ASCII, len(data), data)


def _degrees(tag: int, value: float) -> _Entry:
    minutes, seconds = divmod(round(value * 360_000), 6_000)
    degrees, minutes = divmod(minutes, 60)
    parts = ((degrees, 1), (minutes, 1), (seconds, 100))
    return (tag, _RATIONAL, 3, b"".join(struct.pack(">II", n, d) for n, d in parts))


def _ifd(entries: list[_Entry], at: int) -> bytes:
    """One image file directory starting at offset ``at``, its long values right after it."""
    extra_at = at + 2 + 12 * len(entries) + 4
    table, extra = [struct.pack(">H", len(entries))], b""
    for tag, kind, count, value in sorted(entries):
        if len(value) <= 4:
            table.append(struct.pack(">HHI", tag, kind, count) + value.ljust(4, b"\x00"))
        else:
            table.append(struct.pack(">HHII", tag, kind, count, extra_at + len(extra)))
            extra += value + b"\x00" * (len(value) % 2)
    return b"".join(table) + struct.pack(">I", 0) + extra
