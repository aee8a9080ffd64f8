"""A brief computed from the entries it reads (``services.brief_scope``) is the brief computed
from every entry up to its checkpoint: on the demo's log for every kind of period, edition and
checkpoint, and on random logs of reports dense enough in time and place that their
incidents chain across the period's edges, with corrections, withdrawals, disclosures and the
monitors' merges among them."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceasefire.briefs.periods import previous, window
from ceasefire.briefs.render import Format
from ceasefire.domain.actors import Actor
from ceasefire.domain.brief_events import BriefPeriod, Edition
from ceasefire.errors import CeasefireError
from ceasefire.services import briefs
from ceasefire.services.brief_scope import scoped_entries
from ceasefire.services.briefs import BriefRequest
from ceasefire.services.ports import Store
from ceasefire.services.reports import viewer_of
from tests.record_factories import Mechanism, make_mechanism
from tests.report_bodies import allegation_body

DEMO_DAYS = [date(2025, 10, 12) + timedelta(days=n) for n in range(0, 50, 4)]


def _both(store: Store, request: BriefRequest, viewer: str | None = None) -> None:
    reader = viewer_of(store, viewer) if viewer else None
    scoped, whole = (_outcome(store, request, reader, every) for every in (False, True))
    assert scoped == whole, f"{request}: the scoped brief differs from the whole one"


def _outcome(store: Store, request: BriefRequest, reader: Actor | None, every: bool) -> object:
    """The brief, or the refusal (no agreement in force yet at an early checkpoint)."""
    try:
        return briefs.compute_brief(store, request, reader, every_entry=every)
    except CeasefireError as exc:
        return (type(exc), exc.message, exc.field)


@pytest.mark.parametrize("period", list(BriefPeriod))
def test_the_demo_briefs_are_the_same_from_their_scope(
    demo_store: Store, period: BriefPeriod
) -> None:
    for day in DEMO_DAYS:
        _both(demo_store, BriefRequest(period, day))


def test_the_confidential_edition_and_earlier_checkpoints_too(demo_store: Store) -> None:
    sizes = sorted({c.size for c in demo_store.checkpoints()})
    for size in sizes[:: max(1, len(sizes) // 6)]:
        for day in DEMO_DAYS[::3]:
            _both(demo_store, BriefRequest(BriefPeriod.WEEKLY, day, checkpoint=size))
    for day in DEMO_DAYS[::2]:
        request = BriefRequest(BriefPeriod.WEEKLY, day, Edition.CONFIDENTIAL)
        _both(demo_store, request, "tr-mediator-1")


def test_the_rendered_brief_is_byte_for_byte_the_same(demo_store: Store) -> None:
    request = BriefRequest(BriefPeriod.WEEKLY, date(2025, 11, 16))
    scoped = briefs.render_brief(briefs.compute_brief(demo_store, request), Format.HTML)
    whole = briefs.render_brief(
        briefs.compute_brief(demo_store, request, every_entry=True), Format.HTML
    )
    assert scoped.sha256 == whole.sha256


# -- random logs --------------------------------------------------------------------------------

PLACES = [(31.0058, 66.4000), (31.05, 66.45), (31.20, 66.60), (33.90, 70.10)]
WORDS = [
    "airstrike",
    "market",
    "compound",
    "border",
    "post",
    "night",
    "shelling",
    "drone",
    "village",
    "convoy",
]
START = datetime(2025, 11, 1, 6, 0, tzinfo=UTC)


def _report(rng: random.Random, persona: str, received: datetime) -> dict[str, Any]:
    lat, lon = rng.choice(PLACES)
    day = (received - timedelta(days=rng.randrange(3))).date().isoformat()
    return allegation_body(
        dates={"start": day, "end": day, "precision": rng.choice(["day", "day", "week"])},
        location={
            "latitude": round(lat + rng.uniform(-0.05, 0.05), 4),
            "longitude": round(lon + rng.uniform(-0.05, 0.05), 4),
            "precision": "near",
            "country": "AF" if persona == "pk_liaison" else "PK",
        },
        act=rng.choice(["airstrike", "drone_strike", "artillery_fire"]),
        alleged_party="af" if persona == "pk_liaison" else "pk",
        casualties={"killed": {"civilian": rng.randrange(4)}},
        narrative=" ".join(rng.sample(WORDS, 5)),
        sources=[
            {
                "name": f"source {rng.randrange(5)}",
                "kind": "media",
                "reliability": "C",
                "credibility": 3,
            }
        ],
    )


def _random_log(mechanism: Mechanism, seed: int, count: int, hours: int = 7) -> None:
    """``count`` reports, one every ``hours`` or so, each dated up to two days before it is
    received; some withdrawn, corrected, kept confidential then disclosed, or merged."""
    rng = random.Random(seed)
    submitted: list[tuple[str, str, bool]] = []
    for n in range(count):
        mechanism.now = START + timedelta(hours=hours * n + rng.randrange(5))
        persona = rng.choice(["pk_liaison", "af_liaison"])
        confidential = rng.random() < 0.1
        report = mechanism.submit(
            persona, _report(rng, persona, mechanism.now), confidential=confidential
        )
        submitted.append((persona, report, confidential))
        roll = rng.random()
        persona, earlier, sealed = rng.choice(submitted)
        try:
            if roll < 0.06:
                mechanism.withdraw(persona, earlier)
            elif roll < 0.12 and not sealed:
                mechanism.correct(persona, earlier, _report(rng, persona, mechanism.now))
            elif roll < 0.18 and sealed:
                mechanism.disclose(persona, earlier)
            elif roll < 0.26:
                _, other, _ = rng.choice(submitted)
                mechanism.event(
                    "monitor",
                    "incident.merged",
                    {"incident": earlier, "into": other, "reason": "one event"},
                )
        except CeasefireError:
            pass  # refused (withdrawn already, not an incident, …): nothing was appended


def _check_random(mechanism: Mechanism, seed: int, count: int = 0) -> None:
    try:
        _random_log(mechanism, seed, count)
        store = mechanism.store
        for n in range(0, 14, 2):
            day = (START + timedelta(days=n)).date()
            _both(store, BriefRequest(BriefPeriod.DAILY, day))
            _both(store, BriefRequest(BriefPeriod.WEEKLY, day))
        day = START.date() + timedelta(days=6)
        _both(store, BriefRequest(BriefPeriod.WEEKLY, day, Edition.CONFIDENTIAL), "qa-mediator-1")
    finally:
        mechanism.close()


@pytest.mark.no_cover  # heavy, and of code other tests cover: run without the coverage tracer
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000))
def test_random_logs_give_the_same_brief_from_their_scope(tmp_path: Path, seed: int) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path)) / "log"  # Hypothesis may replay a seed
    _check_random(make_mechanism(f"sqlite:///{folder}.db", folder), seed, 45)


def test_a_random_log_on_each_database(database_url: str, tmp_path: Path) -> None:
    mechanism = make_mechanism(database_url, tmp_path)
    _random_log(mechanism, 7, 60, hours=24)
    store = mechanism.store
    size = store.latest_checkpoint().size
    day = START.date() + timedelta(days=30)
    current, before = window(BriefPeriod.DAILY, day), previous(BriefPeriod.DAILY, day)
    found = scoped_entries(store, size, current, before, sealed=False)
    assert found is not None
    assert [e.index for e in found] == sorted({e.index for e in found})
    reports = sum(e.type == "report.submitted" for e in found)
    assert reports < 30, "a day's brief reads the reports it needs, not every one"
    _both(store, BriefRequest(BriefPeriod.DAILY, day))
    _both(store, BriefRequest(BriefPeriod.WEEKLY, day))
    _check_random(mechanism, 7)
