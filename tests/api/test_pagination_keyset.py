"""Report pages chosen in SQL are the pages the full scan chose, for every reader and filter.

``_scan`` is the listing as it was before keyset pagination: every row read, each kept when the
policy lets the reader read it and it matches the filters as the reader sees it (blurred,
redacted). The store's pages must equal it — items, ``total`` and ``more`` — for generated
filter combinations, readers and cursors, and walking the pages must give each visible report
once and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceasefire.domain import projection as pj
from ceasefire.domain.actors import Actor
from ceasefire.domain.policy import may_read
from ceasefire.domain.report_places import blurred_point
from ceasefire.services import reports as report_service
from ceasefire.services.record import record_of
from ceasefire.services.reports import ReportFilter, ReportPage, view_of
from tests.api.conftest import serving
from tests.api.read_fixtures import module_database_url
from tests.record_factories import PERSONAS, Mechanism, make_mechanism
from tests.report_bodies import (
    BLURRED_OVER_AN_EDGE,
    SPIN_BOLDAK,
    TORKHAM,
    allegation_body,
    compliance_body,
    observation_body,
)

BLUR_KM = 25
RAW = (66.40001, 31.00575)  # Spin Boldak (tests.report_bodies.SPIN_BOLDAK)
BLURRED_LAT, BLURRED_LON = blurred_point(RAW[1], RAW[0], BLUR_KM)


def _box(lon: float, lat: float, half: float = 0.001) -> tuple[float, float, float, float]:
    return (lon - half, lat - half, lon + half, lat + half)


BOXES = [None, _box(*RAW), _box(BLURRED_LON, BLURRED_LAT), (60.0, 29.0, 75.0, 37.0)]


@dataclass
class Record:
    mechanism: Mechanism
    readers: dict[str, Actor | None]


def _withheld(narrative: str) -> dict[str, Any]:
    return allegation_body(
        narrative=narrative,
        location={**SPIN_BOLDAK, "blur_km": BLUR_KM},
        sources=[
            {
                "name": "Haji Gul",
                "kind": "witness",
                "reliability": "C",
                "credibility": 3,
                "withheld": True,
            }
        ],
    )


@pytest.fixture(scope="module")
def record(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Record]:
    """A record of every shape a list can meet: public and confidential (disclosed or not),
    from each side, corrected and withdrawn, blurred with withheld sources, claims."""
    mechanism = make_mechanism(module_database_url, tmp_path_factory.mktemp("keyset"))
    submit = mechanism.submit
    first = submit("af_liaison", allegation_body(narrative="Shelling at dawn (1)."))
    submit("pk_liaison", allegation_body(narrative="Drone strike (2).", alleged_party="af"), True)
    secret = submit("pk_liaison", _withheld("A confidential blurred report (3)."), True)
    submit("af_liaison", _withheld("A public blurred report (4)."))
    submit("monitor", _withheld("A monitor's confidential report (5)."), True)
    submit("af_liaison", compliance_body())
    mechanism.correct("af_liaison", first, allegation_body(narrative="Shelling at dawn (6)."))
    withdrawn = submit(
        "af_liaison", allegation_body(narrative="Sent twice (7).", act="drone_strike")
    )
    mechanism.withdraw("af_liaison", withdrawn)
    disclosed = submit("af_liaison", _withheld("Disclosed later (8)."), True)
    mechanism.disclose("af_liaison", disclosed)
    late = allegation_body(narrative="Later (9).")
    late["dates"] = {"start": "2025-10-20", "end": "2025-10-21", "precision": "day"}
    submit("pk_liaison", late)
    submit("monitor", observation_body(location=dict(TORKHAM)))  # imported: names no sector
    submit(
        "af_liaison",
        allegation_body(narrative="Blurred, unnamed (11).", location=dict(BLURRED_OVER_AN_EDGE)),
    )
    readers: dict[str, Actor | None] = {"anonymous": None}
    readers |= {persona: mechanism.actor(persona) for persona in PERSONAS}
    assert secret
    try:
        yield Record(mechanism, readers)
    finally:
        mechanism.close()


def _scan(mechanism: Mechanism, viewer: Actor | None, query: ReportFilter) -> ReportPage:
    """The full scan pagination replaced (the reference), with the sectors in force."""
    query = report_service.with_sectors(mechanism.store, query)
    rows = sorted(mechanism.store.table(pj.REPORTS), key=lambda r: r["idx"], reverse=True)
    found = [
        view
        for row in rows
        if may_read(viewer, record_of(row)) and _matches(row, query)
        for view in (view_of(row, viewer),)
        if report_service._matches_view(view, query)
    ]
    after = [v for v in found if query.before is None or v.index < query.before]
    return ReportPage(after[: query.limit], len(found), len(after) > query.limit)


def _matches(row: Any, query: ReportFilter) -> bool:
    return (
        (query.kind is None or row["kind"] == query.kind)
        and (query.status is None or row["status"] == query.status)
        and (query.act is None or row["act"] == query.act)
        and (query.party is None or query.party in (row["alleged_party"], row["affiliation"]))
    )


DAYS = st.sampled_from([None, date(2025, 10, 14), date(2025, 10, 15), date(2025, 10, 19)])


def _in_order(period: tuple[date | None, date | None]) -> bool:
    since, until = period
    return since is None or until is None or since <= until


PERIODS: st.SearchStrategy[tuple[date | None, date | None]] = st.tuples(DAYS, DAYS).filter(
    _in_order
)
"""``since`` and ``until``: a period that ends before it begins is refused (test_reads)."""
FILTERS = st.builds(
    lambda period, **filters: ReportFilter(since=period[0], until=period[1], **filters),
    period=PERIODS,
    kind=st.sampled_from([None, "allegation", "compliance_claim"]),
    status=st.sampled_from([None, "active", "corrected", "withdrawn"]),
    act=st.sampled_from([None, "airstrike", "drone_strike"]),
    party=st.sampled_from([None, "pk", "af", "tr"]),
    limit=st.integers(1, 4),
    sector=st.sampled_from([None, "chaman-spin-boldak", "kurram", "torkham", "south-waziristan"]),
    bbox=st.sampled_from(BOXES),
    before=st.one_of(st.none(), st.integers(0, 64)),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(reader=st.sampled_from(["anonymous", *PERSONAS]), query=FILTERS)
def test_a_keyset_page_is_the_page_the_full_scan_gave(
    record: Record, reader: str, query: ReportFilter
) -> None:
    viewer = record.readers[reader]
    expected = _scan(record.mechanism, viewer, query)
    found = report_service.page_reports(record.mechanism.store, viewer, query)
    assert found == expected


@pytest.mark.parametrize("reader", ["anonymous", *PERSONAS])
@pytest.mark.parametrize("bbox", BOXES)
def test_walking_the_pages_gives_each_visible_report_once(
    record: Record, reader: str, bbox: tuple[float, float, float, float] | None
) -> None:
    viewer = record.readers[reader]
    expected = _scan(record.mechanism, viewer, ReportFilter(bbox=bbox, limit=1000))
    seen, before = [], None
    while True:
        page = report_service.page_reports(
            record.mechanism.store, viewer, ReportFilter(bbox=bbox, limit=2, before=before)
        )
        assert page.total == expected.total, "the count differs from page to page"
        seen += [view.id for view in page.reports]
        if not page.more:
            break
        before = page.reports[-1].index
    assert seen == [view.id for view in expected.reports]


def test_a_blurred_place_is_found_where_the_reader_sees_it(record: Record) -> None:
    """The public finds a blurred report in a box round its blurred point, not its true one;
    the mediators' side, which sees the true place, the other way round."""
    store = record.mechanism.store

    def ids(viewer: Actor | None, box: tuple[float, float, float, float]) -> set[str]:
        query = ReportFilter(bbox=box, limit=200)
        return {view.id for view in report_service.page_reports(store, viewer, query).reports}

    at_blur, at_raw = _box(BLURRED_LON, BLURRED_LAT), _box(*RAW)
    public_blurred = ids(None, at_blur)
    assert public_blurred and not public_blurred & ids(None, at_raw)
    assert not ids(record.readers["tr_mediator"], at_blur) & public_blurred


@pytest.mark.parametrize("reader", ["anonymous", "af_liaison", "observer", "pk_liaison"])
def test_confidential_reports_are_never_counted_for_a_reader_who_may_not_see_them(
    record: Record, reader: str
) -> None:
    viewer = record.readers[reader]
    rows = record.mechanism.store.table(pj.REPORTS)
    hidden = {row["id"] for row in rows if not may_read(viewer, record_of(row))}
    assert hidden, "the record holds no report this reader may not see"
    for bbox in BOXES:
        page = report_service.page_reports(
            record.mechanism.store, viewer, ReportFilter(bbox=bbox, limit=200)
        )
        assert not {view.id for view in page.reports} & hidden
        assert page.total == len(page.reports)
        assert page.total == len(
            [r for r in rows if r["id"] not in hidden and _in(bbox, viewer, r)]
        )


def _in(bbox: tuple[float, float, float, float] | None, viewer: Actor | None, row: Any) -> bool:
    if bbox is None:
        return True
    return report_service._matches_view(view_of(row, viewer), ReportFilter(bbox=bbox))


def test_the_api_cursor_names_only_what_the_reader_sees(tmp_path: Path) -> None:
    with serving(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "data") as service:
        service.mechanism.submit("pk_liaison", allegation_body(narrative="secret (1)"), True)
        for number in range(3):
            service.mechanism.submit("af_liaison", allegation_body(narrative=f"public ({number})"))
        pages, cursor = [], None
        while True:
            query = "/api/v1/reports?limit=1" + (f"&cursor={cursor}" if cursor else "")
            page = service.client.get(query, headers=service.auth("af_liaison")).json()
            pages.append(page)
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert [p["total"] for p in pages] == [3, 3, 3]
        assert len(pages) == 3


__all__ = ["module_database_url"]
