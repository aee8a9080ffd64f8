"""9. Briefs: a weekly brief computed and rendered from a store of 1,000,000 reports.

The store is made once and cached: the Istanbul agreement adopted, then 1,000,000 pre-signed
allegations appended with ``append_leaves``, at the density of the linking benchmark (section
8): 55 reports a day, each dated the day it is received, placed at random in the agreement's
sectors, with varied narratives — so that the linker meets a realistic number of candidates
(``bench.record``'s generator files a whole day's reports in one sector and date, which no
linker can block). 1,000,000 reports are then about fifty years of them: the weekly brief
ending on the last full day covers about 385 reports.

It is timed end to end as the CLI and the API run it — find the entries the brief reads
through the read models (``services.brief_scope``), read them from the log, fold reports,
casework and incidents, render HTML and Markdown — and, for a same-run ratio, against the raw
limit of the database: one SQL ``GROUP BY`` counting the same week's reports by act over the
read-model table, with no log read, no linking and no rendering. On a smaller store the brief
is also folded from every entry, and the two must be equal.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final, TypeVar

from sqlalchemy import func, select

from bench.corpus import T0, cached, say, schema, sqlite_url
from bench.linking import WORDS
from bench.measure import Rate, Section, Target, timed
from bench.record import ORIGIN, Cast, _agreement, _event_id, _jcs, record_log
from ceasefire import bootstrap
from ceasefire.briefs import record
from ceasefire.briefs.content import TICK
from ceasefire.briefs.model import Brief
from ceasefire.briefs.periods import previous, window
from ceasefire.briefs.render import Format
from ceasefire.briefs.standing import assess_standing, casework_at
from ceasefire.domain.brief_events import BriefPeriod
from ceasefire.domain.enforcement import assess
from ceasefire.domain.events import REPORT_SUBMITTED
from ceasefire.linking.fold import IncidentState
from ceasefire.linking.fold import fold as fold_incidents
from ceasefire.log.envelope import SIGNING_PREFIX, b64encode, format_time
from ceasefire.services import briefs, readmodels
from ceasefire.services import log as log_service
from ceasefire.services.brief_scope import scoped_entries
from ceasefire.settings import Settings
from ceasefire.storage.log_store import SqlLogStore
from ceasefire.storage.tables import rm_reports

FULL_SIZE: Final = 1_000_000
QUICK_SIZE: Final = 2_000
CHECK_SIZE: Final = 20_000
"""The brief from its entries is held equal to the brief from every entry on a store this
size (every entry at 1,000,000 takes over twenty minutes: mostly linking every report)."""
TARGET_SECONDS: Final = 10.0
CORPUS: Final = "b1"
"""Names the generator below: change it when the reports it makes change."""
SPACING: Final = 86_400 // 55
"""Seconds between two reports: 55 a day, the linking benchmark's density."""
_CHUNK: Final = 10_000
T = TypeVar("T")


def report_leaf(cast: Cast, number: int) -> bytes:
    """Allegation ``number``, signed by one party's liaison against the other."""
    rng = random.Random(number)
    actor = ("pk-liaison", "af-liaison")[number % 2]
    key = cast.keys[actor]
    agreement = _agreement()
    when = T0 + timedelta(seconds=number * SPACING)
    sector = rng.choice(agreement.sectors)
    west, south, east, north = sector.bbox
    day = when.date().isoformat()
    body = {
        "kind": "allegation",
        "dates": {"start": day, "end": day, "precision": "day"},
        "location": {
            "latitude": round(rng.uniform(south, north), 5),
            "longitude": round(rng.uniform(west, east), 5),
            "precision": "near",
            "country": "AF" if actor == "pk-liaison" else "PK",
            "sector": sector.id,
        },
        "act": rng.choice(agreement.acts).id,
        "alleged_party": "af" if actor == "pk-liaison" else "pk",
        "actors": ["unidentified armed group"],
        "targets": ["border post"],
        "casualties": {"killed": {"civilian": rng.randrange(5)}},
        "narrative": " ".join(rng.sample(WORDS, 8)),
        "language": "en",
        "sources": [
            {
                "name": f"source-{rng.randrange(40)}",
                "kind": "party",
                "reliability": "C",
                "credibility": 3,
            }
        ],
        "clauses": ["1"],
    }
    doc = {
        "v": 1,
        "id": _event_id(number),
        "log": ORIGIN,
        "type": "report.submitted",
        "actor": key.name,
        "key": b64encode(key.public_key),
        "time": format_time(when),
        "body": body,
    }
    doc["sig"] = b64encode(key.sign(SIGNING_PREFIX + _jcs(doc)))
    return _jcs(doc)


def brief_store(size: int) -> SqlLogStore:
    """A SQLite log of ``size`` signed allegations after the adopted agreement, read models
    current (for the SQL baseline), built once and cached."""

    def build(folder: Path) -> None:
        cast = Cast.generate()
        cast.save(folder / "keys.json")
        store = record_log(sqlite_url(folder), cast)
        first = store.head().size
        for start in range(0, size, _CHUNK):
            end = min(start + _CHUNK, size)
            leaves = [report_leaf(cast, n) for n in range(start, end)]
            with store.appending() as tx:
                log_service.append_leaves(tx, leaves, cast.log_key, T0)
            if start // _CHUNK % 10 == 0:
                say(f"  … {first + start + len(leaves):,} entries")
        say(f"  … replaying {size:,} reports once into the read models (the SQL baseline)")
        readmodels.rebuild(store)
        store.engine.dispose()

    folder = cached(f"briefs-{size}-{CORPUS}-{schema()}", build)
    return bootstrap.open_store(Settings(data=folder))


def the_end(size: int) -> datetime:
    """The moment of the last report of a store of ``size``: the store's present. A million
    reports span fifty years from T0, and a brief asked of a day far after this machine's
    clock is refused (``moments.bounded_day``), so the request is made as of that moment."""
    return T0 + timedelta(seconds=size * SPACING)


def the_week(size: int) -> date:
    """The last full day of the store's reports: the weekly brief's date."""
    return the_end(size).date() - timedelta(days=1)


def _sql_count(store: SqlLogStore, day: date) -> Callable[[], object]:
    start = (day - timedelta(days=6)).isoformat()
    end = (day + timedelta(days=1)).isoformat()

    def count() -> object:
        query = (
            select(rm_reports.c.act, func.count())
            .where(rm_reports.c.time >= start, rm_reports.c.time < end)
            .group_by(rm_reports.c.act)
        )
        with store.engine.connect() as connection:
            return connection.execute(query).all()

    return count


def run(quick: bool = False, size: int | None = None) -> Section:
    """Time the weekly brief over a store of ``size`` reports (default: by ``quick``) as the
    CLI and the API make it — the entries it reads found through the read models, read from
    the log, folded, rendered to HTML and Markdown — against a raw SQL count of the same week;
    and check it, on a smaller store, against the brief folded from every entry."""
    size = size or (QUICK_SIZE if quick else FULL_SIZE)
    check_size = QUICK_SIZE if quick else CHECK_SIZE
    store = brief_store(size)
    day = the_week(size)
    request = briefs.brief_request("weekly", day.isoformat(), now=the_end(size))
    section = Section(f"Briefs: a weekly brief over {size:,} reports", rate_unit="reports/s")
    section.baseline = "SQL GROUP BY of the same week"
    sql_before = min(timed(_sql_count(store, day)) for _ in range(3))
    found: list[Brief] = []

    def work() -> None:
        made = briefs.compute_brief(store, request)
        briefs.render_brief(made, Format.HTML)
        briefs.render_brief(made, Format.MD)
        found.append(made)

    first = timed(work)
    again = min(timed(work) for _ in range(2))
    sql = min(sql_before, *(timed(_sql_count(store, day)) for _ in range(3)))
    made = found[0]
    current, before = window(BriefPeriod.WEEKLY, day), previous(BriefPeriod.WEEKLY, day)
    part = scoped_entries(store, made.checkpoint.size, current, before, sealed=False) or []
    read = sum(e.type == REPORT_SUBMITTED for e in part)
    store.engine.dispose()
    assert all(f == made for f in found), "every run must give the same brief"
    scoped_s, whole_s, same = _check(check_size)
    section.rates.append(Rate("weekly brief, first in the process", size / first, size / sql))
    section.rates.append(Rate("weekly brief, again (best of 2)", size / again, size / sql))
    section.rates.append(Rate("SQL GROUP BY act, same week", size / sql, size / sql))
    section.notes += [
        f"weekly brief of {day}: {made.received:,} reports in the week, "
        f"{made.received_before:,} in the week before, {len(made.incidents):,} new incidents, "
        f"{size:,} reports in the log (checkpoint {made.checkpoint.size:,})",
        f"the brief read {len(part):,} entries of {made.checkpoint.size:,}, {read:,} of them "
        "report submissions (the two weeks' reports, their incidents' strong-link "
        "components, the allegations that decide the standing), the rest the agreement's "
        "and the casework's entries",
        f"first brief in the process {first:.2f} s, again {again:.2f} s (compute, render HTML "
        f"and Markdown); raw SQL GROUP BY act over the same week's rows (rm_reports): "
        f"{sql * 1000:.1f} ms, so the brief takes ×{first / sql:,.0f} as long",
        f"check at {check_size:,} reports: the brief from its entries ({scoped_s:.2f} s) and "
        f"from every entry ({whole_s:.1f} s) are {'equal' if same else 'DIFFERENT'}",
    ]
    section.targets.append(
        Target(
            f"weekly brief over {size:,} reports in < {TARGET_SECONDS:.0f} s",
            f"{first:.2f} s",
            first < TARGET_SECONDS,
        )
    )
    section.targets.append(
        Target(f"the same brief as from every entry ({check_size:,} reports)", str(same), same)
    )
    return section


def _check(size: int) -> tuple[float, float, bool]:
    """The weekly brief over ``size`` reports from its entries and from every entry: seconds
    each, and whether they are equal."""
    store = brief_store(size)
    request = briefs.brief_request("weekly", the_week(size).isoformat(), now=the_end(size))
    made: list[Brief] = []
    scoped = timed(lambda: made.append(briefs.compute_brief(store, request)))
    whole = timed(lambda: made.append(briefs.compute_brief(store, request, every_entry=True)))
    store.engine.dispose()
    return scoped, whole, made[0] == made[1]


def stages(size: int, link: bool = True) -> list[tuple[str, float]]:
    """Each step of a cold brief timed on its own over the whole log, as ``compute`` runs it
    (``link``: with the linking of every report, the longest)."""
    store = brief_store(size)
    day = the_week(size)
    timings: list[tuple[str, float]] = []

    def step(label: str, work: Callable[[], T]) -> T:
        start = time.perf_counter()
        result = work()
        timings.append((label, time.perf_counter() - start))
        say(f"  {label}: {timings[-1][1]:.2f} s")
        return result

    checkpoint = briefs.checkpoint_of(store, None)
    step("SQL GROUP BY act, same week", _sql_count(store, day))
    entries = step(
        "read and parse the leaves",
        lambda: briefs.entries_until(store, checkpoint.size, sealed=False),
    )
    store.engine.dispose()
    agreement = step("agreement in force", lambda: record.agreement_at(entries)).agreement
    step("reports at the checkpoint", lambda: record.reports(entries))
    current = window(BriefPeriod.WEEKLY, day)
    first, last = current.start - TICK, current.end - TICK
    _, casework = step(
        "casework at start and end (one pass)",
        lambda: casework_at(agreement, entries, first, last),
    )
    facts = step("facts", casework.facts)
    step("standing from the deciding allegations", lambda: assess_standing(agreement, facts, last))
    step("standing over every allegation (assess)", lambda: assess(agreement, facts, last))
    if link:
        step("link every report", lambda: fold_incidents(IncidentState(), entries, checkpoint.size))
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.briefs", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a store of 2,000 reports")
    parser.add_argument("--size", type=int, help="the store's size (reports)")
    parser.add_argument(
        "--stages", action="store_true", help="time each step of a cold brief on its own"
    )
    parser.add_argument("--no-link", action="store_true", help="with --stages: skip linking")
    args = parser.parse_args(argv)
    if args.stages:
        stages(args.size or (QUICK_SIZE if args.quick else FULL_SIZE), link=not args.no_link)
        return
    from bench.report import section_text

    print(section_text(run(quick=args.quick, size=args.size)))


if __name__ == "__main__":
    main()
