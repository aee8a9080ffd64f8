"""The story ``ceasefire demo`` tells: its actors, reports and photos (October–November 2025).

Dates and places follow the public record of the Pakistan–Afghanistan clashes of October 2025
and the talks that followed (Doha, 19 October; Istanbul, 25–30 October and 6 November). The
people are invented roles, never real names; the reports, figures and photos are invented for
the demo. Coordinates are real places, rounded.

The photos are samples from :mod:`ceasefire.media.samples` (Pillow's home): textured
landscapes carrying what a phone writes into EXIF, and one re-encoded copy. The narration at
the end turns what the services return into the demo's lines and table rows; it is pure, so
:mod:`ceasefire.cli.demo` keeps only the calls to the services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from ceasefire.domain.evidence import MediaMetadata, format_utc
from ceasefire.media import samples
from ceasefire.media.samples import Camera
from ceasefire.services.reports import ReportView

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
class Photo:
    """A photo of the story: a sample drawn from ``seed`` with what ``camera`` writes into it,
    or ``copy_of`` another report's photo, re-encoded as a messaging app passes it on."""

    file: str
    actor: str
    report: str
    seed: int | None = None
    camera: Camera | None = None
    copy_of: str | None = None


def _taken(local: str) -> datetime:
    """A phone's clock: local time with its offset, as in ``2025-10-17 18:40:12+04:30``."""
    return datetime.fromisoformat(local)


PHOTOS: Final = (
    Photo(
        "IMG_20251017_1840.png",
        "af-liaison-1",
        "paktika",
        seed=17,
        camera=Camera("samsung", "SM-A145F", _taken("2025-10-17 18:40:12+04:30"), 32.731, 69.312),
    ),
    Photo(
        "kurram-post-damage.png",
        "pk-liaison-1",
        "kurram",
        seed=11,
        camera=Camera(
            "Xiaomi", "Redmi Note 12", _taken("2024-10-11 23:05:40+05:00"), 33.902, 70.094
        ),
    ),
    Photo("spin-boldak-wesh.png", "af-liaison-1", "spin-boldak", copy_of="paktika"),
    Photo(
        "barmal-compound.png",
        "af-liaison-1",
        "hideout",
        seed=23,
        camera=Camera("samsung", "SM-A145F", _taken("2025-11-03 10:15:00+04:30"), 32.745, 69.29),
    ),
)
CUSTODY: Final = (
    # (actor, action, to, note) — the chain of the first photo, after it is submitted
    ("monitor-2", "viewed", None, "opened in the monitors' review room"),
    ("monitor-2", "transferred", MEDIATOR, "handed over for the case file"),
    (MEDIATOR, "sealed", None, "sealed with the case file"),
)


def draw(photo: Photo, folder: Path) -> Path:
    """Write ``photo`` into ``folder``; the same photo gives the same bytes on every run."""
    path = folder / photo.file
    path.write_bytes(_photo_bytes(photo))
    return path


def _photo_bytes(photo: Photo) -> bytes:
    if photo.seed is not None:
        return samples.sample(photo.seed, camera=photo.camera)
    original = next(p for p in PHOTOS if p.report == photo.copy_of)
    # Half the size, a little brighter, its metadata gone; still a PNG, as its name says.
    return samples.derived(_photo_bytes(original), scale=0.5, brightness=1.1, encoding="png")


# --- narration -------------------------------------------------------------------------------


def reported(report: Report) -> str:
    """Who reports what, and from when: the act and its party, or the step claimed."""
    body = report.body
    what = (
        f"{body['act']} by {body['alleged_party']}"
        if body["kind"] == "allegation"
        else f"{body['step']} ({body['commitment']}), confidential"
    )
    return f"{report.actor} reports {report.says}: {what}, {body['dates']['start']}"


def described(meta: MediaMetadata) -> str:
    """A photo's size and what its own metadata says."""
    said = f"{meta.width}×{meta.height}"
    if meta.captured_at is None:
        return f"{said}, no metadata"
    said += f", taken {format_utc(meta.captured_at)} on a {meta.device}"
    return said + (f" at {meta.latitude:.3f}, {meta.longitude:.3f}" if meta.latitude else "")


COLUMNS: Final = ["#", "by", "what", "date", "place", "sources", "status"]


def row(view: ReportView) -> list[str]:
    """A report as one row of the table, under :data:`COLUMNS`."""
    body = view.body or {}
    if view.body is None:
        what = "(confidential)"
    elif view.kind == "allegation":
        what = f"{body['act']} by {body['alleged_party']}"
    else:
        what = str(body["step"])
    if view.confidential and view.body is not None:
        what += ", disclosed" if view.disclosed_at is not None else ", confidential"
    location = body.get("location") or {}
    place = location.get("place") or (
        f"blurred to {location['blurred_km']:g} km" if "blurred_km" in location else "—"
    )
    start = (body.get("dates") or {}).get("start")
    return [
        str(view.index),
        view.affiliation or view.actor,
        what.replace("_", " "),  # words, so that a narrow table wraps them rather than cuts
        f"{int(start[8:])} {datetime.fromisoformat(start):%b}" if start else "—",
        str(place),
        ", ".join(_source_cell(s) for s in body.get("sources", [])),
        view.status,
    ]


def _source_cell(source: Mapping[str, Any]) -> str:
    grade = f"{source['reliability']}{source['credibility']}"
    if source["name"] == "withheld":
        return f"withheld {grade}"
    if source.get("withheld"):
        return f"{grade} {source['name']} (withheld)"
    return grade
