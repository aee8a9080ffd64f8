"""A brief's figures against an independent count over the log's entries, its editions, and
its pinning to one checkpoint."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from ceasefire.briefs.periods import previous, window
from ceasefire.briefs.render import Format
from ceasefire.domain.brief_events import BriefPeriod
from ceasefire.domain.reports import parse_report, public_view
from ceasefire.domain.sectors import Sectors
from ceasefire.errors import PermissionDenied
from ceasefire.services import briefs
from ceasefire.services.geography import agreement_of
from ceasefire.services.incidents import IncidentFolds
from ceasefire.services.ports import Store
from ceasefire.services.reports import viewer_of
from tests.briefs.conftest import BUSY_WEEK, WEEK, logged
from tests.record_factories import Mechanism
from tests.report_bodies import (
    BLURRED_OVER_AN_EDGE,
    TORKHAM,
    allegation_body,
    observation_body,
)


def _in(moment: datetime, first: date, last: date) -> bool:
    start = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    return start <= moment < start + timedelta(days=(last - first).days + 1)


def _independent(store: Store, first: date, last: date) -> tuple[Counter[str], Counter[str], int]:
    """Public allegations and observations received in ``first..last`` (not withdrawn), by
    act and by alleged party, and the confidential reports received then."""
    acts, parties, _, sealed = _counts(store, first, last)
    return acts, parties, sealed


def _counts(
    store: Store, first: date, last: date
) -> tuple[Counter[str], Counter[str], Counter[str], int]:
    """:func:`_independent`, with the public reports by sector: the one a report names, or the
    one its point as the public sees it lies in."""
    sectors = Sectors.of(agreement_of(store).sectors)
    entries = logged(store)
    withdrawn = {e.body["report"] for e in entries if e.type == "report.withdrawn" and e.body}
    disclosed = {
        e.body["report"]: e.body["body"]
        for e in entries
        if e.type == "report.disclosed" and e.body is not None
    }
    acts: Counter[str] = Counter()
    parties: Counter[str] = Counter()
    places: Counter[str] = Counter()
    sealed = 0
    for e in entries:
        if e.type != "report.submitted" or not _in(e.time, first, last):
            continue
        body = e.body if e.body is not None else disclosed.get(e.id)
        if body is None:
            sealed += e.id not in withdrawn
            continue
        if body["kind"] == "compliance_claim" or e.id in withdrawn:
            continue
        acts[body.get("act") or "unstated"] += 1
        parties[body.get("alleged_party") or "unstated"] += 1
        seen = public_view(parse_report(body))
        places[sectors.of_place(seen.get("location")) or "unstated"] += 1
    return acts, parties, places, sealed


@pytest.mark.parametrize("day", [WEEK, BUSY_WEEK, "2025-10-26"])
def test_weekly_counts_match_an_independent_count_of_the_log(demo_store: Store, day: str) -> None:
    brief = briefs.compute_brief(demo_store, briefs.brief_request("weekly", day))
    now, before = (
        window(BriefPeriod.WEEKLY, date.fromisoformat(day)),
        previous(BriefPeriod.WEEKLY, date.fromisoformat(day)),
    )
    acts, parties, _ = _independent(demo_store, now.first, now.last)
    acts_before, _, _ = _independent(demo_store, before.first, before.last)
    assert {c.key: c.current for c in brief.by_act if c.current} == dict(acts)
    assert {c.key: c.previous for c in brief.by_act if c.previous} == dict(acts_before)
    assert {c.key: c.current for c in brief.by_party if c.current} == dict(parties)
    _, _, places, _ = _counts(demo_store, now.first, now.last)
    assert {c.key: c.current for c in brief.by_sector if c.current} == dict(places)
    assert brief.received == sum(acts.values())
    assert brief.received_before == sum(acts_before.values())


def test_the_demo_weeks_are_not_empty(demo_store: Store) -> None:
    """The checks above would pass vacuously on an empty week: these weeks hold reports,
    findings and penalties."""
    week = briefs.compute_brief(demo_store, briefs.brief_request("weekly", WEEK))
    busy = briefs.compute_brief(demo_store, briefs.brief_request("weekly", BUSY_WEEK))
    assert week.received > 0 and week.incidents
    assert busy.findings and any(p.change == "imposed" for p in busy.penalties)
    assert any(f.clauses and f.party for f in busy.findings)


def test_public_edition_withholds_confidential_reports_and_says_how_many(
    demo_store: Store,
) -> None:
    day = date.fromisoformat(WEEK)
    now = window(BriefPeriod.WEEKLY, day)
    _, _, sealed = _independent(demo_store, now.first, now.last)
    assert sealed > 0
    public = briefs.compute_brief(demo_store, briefs.brief_request("weekly", WEEK))
    mediator = viewer_of(demo_store, "tr-mediator-1")
    full = briefs.compute_brief(
        demo_store, briefs.brief_request("weekly", WEEK, "confidential"), mediator
    )
    assert public.withheld.reports == sealed
    assert full.withheld.reports == 0
    shown_claims = full.evidence_received - public.evidence_received
    assert full.received + shown_claims == public.received + sealed
    text = briefs.render_brief(public, Format.MD).content.decode()
    word = "report was" if sealed == 1 else "reports were"
    assert f"{sealed} {word} withheld from this edition" in text
    assert f"{sealed} report(s) received in the period withheld from this edition" in text


@pytest.mark.parametrize("reader", [None, "pk-liaison-1", "secretariat-1"])
def test_confidential_edition_only_for_the_mediators_side(
    demo_store: Store, reader: str | None
) -> None:
    with pytest.raises(PermissionDenied) as raised:
        briefs.compute_brief(
            demo_store,
            briefs.brief_request("weekly", WEEK, "confidential"),
            viewer_of(demo_store, reader),
        )
    assert raised.value.field == "edition"


def test_a_brief_uses_only_the_entries_up_to_its_checkpoint(demo_store: Store) -> None:
    latest = briefs.compute_brief(demo_store, briefs.brief_request("weekly", BUSY_WEEK))
    sizes = sorted(c.size for c in demo_store.checkpoints())
    earlier = next(s for s in sizes if s < latest.checkpoint.size and s > 60)
    brief = briefs.compute_brief(
        demo_store, briefs.brief_request("weekly", BUSY_WEEK, checkpoint=earlier)
    )
    assert brief.checkpoint.size == earlier
    assert brief.checkpoint.root == demo_store.checkpoint(earlier).root.hex()
    issued = [
        e
        for e in logged(demo_store, earlier)
        if e.type == "finding.issued" and _in(e.time, date(2025, 11, 10), date(2025, 11, 16))
    ]
    assert len(brief.findings) == len(issued) < len(latest.findings)


def test_every_brief_names_its_checkpoint_and_agreement_version(demo_store: Store) -> None:
    brief = briefs.compute_brief(demo_store, briefs.brief_request("daily", "2025-11-06"))
    stored = demo_store.latest_checkpoint()
    for kind in (Format.MD, Format.HTML):
        text = briefs.render_brief(brief, kind).content.decode()
        assert f"size {stored.size}" in text
        assert stored.root.hex() in text
        assert f"version {brief.agreement_version}" in text


def test_incidents_kept_by_the_process_give_the_same_brief(demo_store: Store) -> None:
    request = briefs.brief_request("weekly", WEEK)
    folds = IncidentFolds()
    kept = briefs.compute_brief(demo_store, request, incident_folds=folds)
    assert folds.read(demo_store, lambda state: state.size) == kept.checkpoint.size
    assert kept == briefs.compute_brief(demo_store, request)
    assert kept.incidents


def test_a_brief_counts_a_place_naming_no_sector_where_the_reader_sees_it(
    mechanism: Mechanism,
) -> None:
    """An imported row names no sector: it is counted, and its incident listed, under the one
    its point lies in; a blurred one under the one its point lies in as the edition shows it."""
    imported = mechanism.submit("monitor", observation_body(location=dict(TORKHAM)))
    mechanism.submit("af_liaison", allegation_body(location=dict(BLURRED_OVER_AN_EDGE)))
    day = mechanism.now.date().isoformat()

    public = briefs.compute_brief(mechanism.store, briefs.brief_request("daily", day))
    mediator = mechanism.actor("tr_mediator")
    request = briefs.brief_request("daily", day, "confidential")
    confidential = briefs.compute_brief(mechanism.store, request, mediator)

    assert {c.key: c.current for c in public.by_sector} == {"torkham": 1, "kurram": 1}
    assert {c.key: c.current for c in confidential.by_sector} == {"torkham": 2}
    assert {line.id: line.sector for line in public.incidents}[imported] == "torkham"
