"""The quality benchmark: real UCDP GED events, each retold as 1–4 reports by different sources.

Reads the GED CSV (HDX layout, whose second row is an HXL hashtag row, or the candidate
layout with Excel dates). Each real event becomes reports "as different sources would report
it", with a seeded RNG. A retelling carries what a source of *that* event would carry, with
noise, and never the event's id:

- the date within the event's date precision (sometimes a day late, or only the week);
- the point within its location precision (sometimes only the district);
- a place the event's own record names — its geocoded place (``where_coordinates``) or one of
  the places in its description, or only its district — spelled differently (vowels,
  ``w``/``v``, joined or split words);
- the killed from the event's own low–high (sometimes as a range), a party's own outlet
  inflating it;
- a narrative around the event's own description and headline, with words dropped, reordered
  and respelled, naming its own adversary (``side_b``);
- the party blamed by each side's own framing.

Real distinct events close in time and space all stay in the set: they are what makes
precision hard. The gold cluster of a report is its real event's id. ``border_events`` picks
the test subset (2008–2014); ``calibration_events`` the disjoint years used to set the
linker's points.
"""

from __future__ import annotations

import csv
import math
import random
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Final

from ceasefire.domain.report_places import DatePrecision
from ceasefire.linking.model import RADIUS_KM, LocationPrecision, Sighting

BORDER: Final = re.compile(
    r"waziristan|kurram|bajaur|khyber|mohmand|orakzai|\bdir\b|chitral|zhob|pishin|chagai|"
    r"^FR |qila|killa",
    re.IGNORECASE,
)
WHERE_PRECISION: Final = {
    "1": LocationPrecision.EXACT,
    "2": LocationPrecision.NEAR,
    "3": LocationPrecision.DISTRICT,
    "4": LocationPrecision.PROVINCE,
    "5": LocationPrecision.DISTRICT,
    "6": LocationPrecision.COUNTRY,
}
DATE_PRECISION: Final = {"1": DatePrecision.DAY, "2": DatePrecision.WEEK, "3": DatePrecision.WEEK}
# (name, side whose framing it carries, the event types it uses)
SOURCES: Final = (
    ("Dawn", "pk", "acled"),
    ("The Express Tribune", "pk", "acled"),
    ("ISPR", "pk", "own"),
    ("Geo News", "pk", "acled"),
    ("Pajhwok", "af", "acled"),
    ("Tolo News", "af", "own"),
    ("Bakhtar News Agency", "af", "own"),
    ("Agence France Presse", "", "ucdp"),
    ("Reuters", "", "ucdp"),
    ("BBC Urdu", "", "acled"),
    ("Local residents", "", "own"),
    ("Khaama Press", "af", "acled"),
)
SPELLINGS: Final = (
    ("ee", "i"),
    ("i", "ee"),
    ("oo", "u"),
    ("u", "oo"),
    ("w", "v"),
    ("kh", "k"),
    ("a", "e"),
    (" ", ""),
    ("-", " "),
)
NOISE: Final = re.compile(
    r"\b(town|village|vilalge|locality|area|areas|agency|district|pass|city|tehsil|region|"
    r"suburbs|adjoining|adjacent|sector|valley)\b",
    re.I,
)
PLACE_SPLIT: Final = re.compile(r"[,;()\[\]]|\b(?:and|in|near|of|the|at|on|between|from)\b", re.I)
CALIBRATION_YEARS: Final = ((1989, 2007), (2015, 2021))


@dataclass(frozen=True, slots=True)
class Event:
    """The fields of one real GED event that the reports are made from."""

    id: str
    start: date
    end: date
    date_prec: str
    latitude: float
    longitude: float
    where_prec: str
    place: str
    description: str
    district: str
    side_a: str
    side_b: str
    violence: str
    low: int
    best: int
    high: int
    headline: str


def read_events(path: Path) -> list[Event]:
    """Events of a GED CSV (either layout), skipping the HXL row and unreadable rows."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [e for row in csv.DictReader(handle) if (e := _event(row)) is not None]


def _event(row: dict[str, str]) -> Event | None:
    try:
        return Event(
            id=row["id"],
            start=date.fromisoformat(row["date_start"][:10]),
            end=date.fromisoformat(row["date_end"][:10]),
            date_prec=row["date_prec"],
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
            where_prec=row["where_prec"],
            place=NOISE.sub("", row["where_coordinates"]).strip(" ,") or row["adm_2"],
            description=row["where_description"].strip(),
            district=row["adm_2"],
            side_a=row["side_a"],
            side_b=row["side_b"],
            violence=row["type_of_violence"],
            low=int(float(row["low"])),
            best=int(float(row["best"])),
            high=int(float(row["high"])),
            headline=(row.get("source_headline") or "").split(";")[0].strip(),
        )
    except (KeyError, ValueError):
        return None


def border_events(events: list[Event], first: int = 2008, last: int = 2014) -> list[Event]:
    """The deterministic subset: events in border districts, ``first``–``last``, by date."""
    chosen = [e for e in events if first <= e.start.year <= last and BORDER.search(e.district)]
    return sorted(chosen, key=lambda e: (e.start, e.id))


def calibration_events(events: list[Event]) -> list[Event]:
    """The calibration subset: border events of years disjoint from the test subset."""
    chosen = [e for first, last in CALIBRATION_YEARS for e in border_events(events, first, last)]
    return sorted(chosen, key=lambda e: (e.start, e.id))


def gold_reports(events: list[Event], seed: int = 2025) -> tuple[list[Sighting], dict[str, str]]:
    """The reports (in date order, as they would arrive; shuffled within a day, seeded) and
    report id → real event id."""
    reports = [r for e in events for r in _retell(e, random.Random(f"{seed}/{e.id}"))]
    # Within a day, reports arrive in no particular order: sorting by id would bring one
    # event's retellings in back to back, a hint real arrivals do not give.
    reports.sort(key=lambda s: (s.start, zlib.crc32(f"{seed}/{s.report_id}".encode())))
    gold = {r.report_id: r.report_id.split("/")[0] for r in reports}
    return reports, gold


def _retell(event: Event, rng: random.Random) -> Iterator[Sighting]:
    count = rng.choices((1, 2, 3, 4), (0.2, 0.35, 0.3, 0.15))[0]
    names = place_names(event)
    for n, (source, side, style) in enumerate(rng.sample(SOURCES, count)):
        start, end, dated = _when(event, rng)
        latitude, longitude, located = _where(event, rng)
        killed, low, high = _killed(event, side, rng)
        coarse = located in (LocationPrecision.DISTRICT, LocationPrecision.PROVINCE)
        place = _district(event) if coarse and rng.random() < 0.5 else _pick(names, rng)
        yield Sighting(
            report_id=f"{event.id}/{n}",
            start=start,
            end=end,
            date_precision=dated,
            latitude=latitude,
            longitude=longitude,
            location_precision=located,
            act=_act(event, rng),
            event_type=_event_type(event, style),
            party=_party(event, side),
            actors=_actors(event, rng),
            killed=killed,
            killed_low=low,
            killed_high=high,
            place=_spelled(place, rng),
            text=_narrative(event, side, killed, names, rng),
            source=source,
        )


def place_names(event: Event) -> list[str]:
    """The places the event's record names: its geocoded place first, then its description's."""
    names = [event.place]
    for chunk in PLACE_SPLIT.split(NOISE.sub(" ", event.description)):
        name = " ".join(chunk.split())
        if len(name) > 2 and name[0].isupper() and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return names


def _pick(names: list[str], rng: random.Random) -> str:
    return names[0] if len(names) == 1 or rng.random() < 0.6 else rng.choice(names[1:])


def _district(event: Event) -> str:
    return NOISE.sub("", event.district).strip() or event.place


def _when(event: Event, rng: random.Random) -> tuple[date, date, DatePrecision]:
    dated = DATE_PRECISION.get(event.date_prec, DatePrecision.MONTH)
    if dated is not DatePrecision.DAY:
        return event.start, event.end, dated
    roll = rng.random()
    if roll < 0.12:
        late = event.start + timedelta(days=1)
        return late, max(late, event.end), DatePrecision.DAY
    if roll < 0.17:
        start = event.start - timedelta(days=rng.randrange(4))
        return start, max(event.end, start + timedelta(days=6)), DatePrecision.WEEK
    return event.start, event.end, DatePrecision.DAY


def _where(event: Event, rng: random.Random) -> tuple[float, float, LocationPrecision]:
    precision = WHERE_PRECISION.get(event.where_prec, LocationPrecision.DISTRICT)
    if precision in (LocationPrecision.EXACT, LocationPrecision.NEAR) and rng.random() < 0.1:
        precision = LocationPrecision.DISTRICT
    reach = RADIUS_KM[precision] * 0.45 / 111.0
    angle, fraction = rng.uniform(0, 6.2832), rng.random() ** 0.5

    return (
        event.latitude + reach * fraction * math.sin(angle),
        event.longitude + reach * fraction * math.cos(angle) / math.cos(math.radians(33.0)),
        precision,
    )


def _act(event: Event, rng: random.Random) -> str | None:
    if rng.random() < 0.2:
        return None
    if "United States" in event.side_a:
        return rng.choice(("drone_strike", "drone_strike", "airstrike"))
    return rng.choice(("attack_from_territory", "attack_from_territory", "armed_incursion"))


def _event_type(event: Event, style: str) -> str | None:
    if style == "ucdp":
        return event.violence
    if style == "acled":
        aerial = "United States" in event.side_a
        return "Explosions/Remote violence" if aerial else "Battles"
    return None


def _party(event: Event, side: str) -> str | None:
    if side == "pk":
        return "af"
    if side == "af":
        return "pk" if "Pakistan" in event.side_a else None
    return None


def _actors(event: Event, rng: random.Random) -> tuple[str, ...]:
    named = [a for a in (event.side_a, event.side_b) if a and rng.random() < 0.7]
    return tuple(_spelled(a, rng) if rng.random() < 0.3 else a for a in named)


def _killed(
    event: Event, side: str, rng: random.Random
) -> tuple[int | None, int | None, int | None]:
    """A figure from the event's own low–high (sometimes the range itself), a party's outlet
    sometimes inflating it."""
    if rng.random() < 0.15:
        return None, None, None
    low, best, high = sorted((event.low, event.best, event.high))
    figure = rng.choice((low, best, best, high))
    ranged = high > low and rng.random() < 0.3
    scale = rng.uniform(1.3, 2.5) if side and rng.random() < 0.3 else 1.0
    figure, low, high = (round(x * scale) for x in (figure, low, high))
    return (figure, low, high) if ranged else (figure, None, None)


def _spelled(name: str, rng: random.Random) -> str:
    for old, new in rng.sample(SPELLINGS, 2):
        if old in name.lower():
            name = re.sub(re.escape(old), new, name, count=1, flags=re.IGNORECASE)
    return name


def _narrative(
    event: Event, side: str, killed: int | None, names: list[str], rng: random.Random
) -> str:
    where = _reworded(event.description or event.place, rng) or _spelled(_pick(names, rng), rng)
    dead = "several" if killed is None else str(killed)
    government = "Government" in event.side_a
    enemy = event.side_b if government else event.side_a
    district = _district(event)
    templates = [
        f"{dead} killed as fighting broke out in {where}.",
        f"Clash reported at {where}; officials said {dead} people died.",
        f"Security forces and {enemy} exchanged fire in {district}, near {where}.",
        f"Attack near {where} in {district} left {dead} dead, sources said.",
        f"{enemy} fighters clashed with troops in {where}, {dead} killed.",
    ]
    if side == "pk":
        templates.append(
            f"Terrorists who crossed from Afghanistan attacked {where}; {dead} martyred."
        )
    if side == "af":
        templates.append(
            f"Pakistani forces targeted {where}, killing {dead} civilians, residents said."
        )
    text = rng.choice(templates)
    if event.headline and rng.random() < 0.6:
        text = f"{_reworded(event.headline, rng)}. {text}"
    return text


def _reworded(text: str, rng: random.Random) -> str:
    """The event's own words as another source would put them: some dropped, a pair swapped,
    names respelled."""
    kept = [w for w in text.split() if rng.random() >= 0.2] or text.split()[:1]
    if len(kept) > 2 and rng.random() < 0.3:
        k = rng.randrange(len(kept) - 1)
        kept[k], kept[k + 1] = kept[k + 1], kept[k]
    return _spelled(" ".join(kept), rng)
