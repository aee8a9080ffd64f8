"""The sector filter the report list runs in SQL is ``domain.sectors``' rule, exactly.

A report is in the sector it names, or, naming none, in the one whose box holds its point
(nearest centre first, the first in the agreement of equally near ones): ``geo.sector_of``. The
list filters by it in SQL (``storage.report_queries``), which must agree with Python for every
point — inside one box, several, none, on an edge, at a tie — on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert

from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.sectors import SectorBox, Sectors
from ceasefire.geo import sector_of
from ceasefire.services.reports import ReadScope, ReportFilter
from ceasefire.storage import migrate
from ceasefire.storage.engine import make_engine
from ceasefire.storage.report_queries import report_page
from ceasefire.storage.tables import rm_reports

AGREEMENT = tuple(SectorBox(s.id, s.bbox) for s in load_bundled().sectors)
EVERYTHING = ReadScope(everything=True, actor=None, affiliation=None)

Point = tuple[float, float, str | None]
"""latitude, longitude, and the sector the report names (None: none, as an import)."""


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    found = make_engine(database_url)
    migrate.upgrade(found)
    try:
        yield found
    finally:
        found.dispose()


# Coordinates on a quarter-degree grid make shared edges, identical boxes and exact ties common;
# free floats make everything else.
GRID = st.integers(0, 24).map(lambda n: n / 4)
FREE = st.floats(0, 6, allow_nan=False, allow_infinity=False)


@st.composite
def boxes(draw: st.DrawFn) -> tuple[SectorBox, ...]:
    """One to five boxes in a 6° square of the region, some overlapping, some the same."""
    found = []
    for n in range(draw(st.integers(1, 5))):
        west, east = sorted(draw(st.lists(st.one_of(GRID, FREE), min_size=2, max_size=2)))
        south, north = sorted(draw(st.lists(st.one_of(GRID, FREE), min_size=2, max_size=2)))
        found.append(SectorBox(f"s{n}", (66 + west, 30 + south, 66 + east, 30 + north)))
    return tuple(found)


def points(sectors: tuple[SectorBox, ...]) -> st.SearchStrategy[list[Point]]:
    """Points anywhere in the square, on the boxes' edges and centres, and within a few units
    in the last place of where two centres are equally near (where a rounding would show);
    some naming a sector."""
    south_north = [v for box in sectors for v in (box.bbox[1], box.bbox[3], box.centre[0])]
    west_east = [v for box in sectors for v in (box.bbox[0], box.bbox[2], box.centre[1])]
    latitude = st.one_of(GRID, FREE).map(lambda v: 30 + v) | st.sampled_from(south_north)
    longitude = st.one_of(GRID, FREE).map(lambda v: 66 + v) | st.sampled_from(west_east)
    named = st.one_of(st.none(), st.none(), st.sampled_from([b.id for b in sectors]))
    anywhere = st.tuples(latitude, longitude, named)
    return st.lists(anywhere | _near_a_tie(sectors), min_size=1, max_size=40)


@st.composite
def _near_a_tie(draw: st.DrawFn, sectors: tuple[SectorBox, ...]) -> Point:
    """A point a few units in the last place from the line where two boxes' centres are
    equally near (on the plane of ``Sectors``), at a latitude drawn in the square."""
    first, second = draw(st.sampled_from(sectors)), draw(st.sampled_from(sectors))
    scale = Sectors.of(sectors).scale
    (lat1, lon1), (lat2, lon2) = first.centre, second.centre
    latitude = 30 + draw(FREE)
    if lon1 == lon2:
        latitude = (lat1 + lat2) / 2
        longitude = 66 + draw(FREE)
    else:
        across = ((latitude - lat2) ** 2 - (latitude - lat1) ** 2) / scale
        longitude = (across - lon1**2 + lon2**2) / (2 * (lon2 - lon1))
    for _ in range(draw(st.integers(0, 8))):
        longitude = math.nextafter(longitude, draw(st.sampled_from([-math.inf, math.inf])))
    return latitude, longitude, None


def _agree(engine: Engine, sectors: tuple[SectorBox, ...], located: list[Point]) -> None:
    """Each sector's reports found in SQL are those ``sector_of`` (or the name) puts in it."""
    rule = Sectors.of(sectors)
    expected: dict[str, set[int]] = {box.id: set() for box in sectors}
    for index, (latitude, longitude, named) in enumerate(located):
        found = named or sector_of(latitude, longitude, sectors)
        place = {"latitude": latitude, "longitude": longitude, "sector": named}
        assert found == rule.of_place(place)
        if found is not None:
            expected[found].add(index)
    with engine.connect() as connection, connection.begin() as transaction:
        connection.execute(insert(rm_reports), [_row(i, point) for i, point in enumerate(located)])
        for sector, indices in expected.items():
            query = ReportFilter(sector=sector, sectors=rule, limit=1000)
            rows = report_page(connection, EVERYTHING, query).rows
            assert {row["idx"] for row in rows} == indices, sector
        transaction.rollback()


@settings(max_examples=150)
@given(data=st.data())
def test_the_sql_sector_filter_is_sector_of_for_random_boxes_and_points(
    engine: Engine, data: st.DataObject
) -> None:
    sectors = data.draw(boxes(), label="sectors")
    _agree(engine, sectors, data.draw(points(sectors), label="points"))


AGREEMENT_POINTS: list[Point] = [
    (34.3, 71.2, None),  # in Torkham's box and Bajaur's
    (34.0, 70.55, None),  # in Torkham's box and Kurram's
    (33.35, 70.0, None),  # in Kurram's box and North Waziristan's
    (34.1, 71.0, None),  # Torkham's centre
    (33.7, 70.5, None),  # a corner of Torkham's box, in Kurram's
    (31.0, 66.4, "kurram"),  # Spin Boldak, naming another sector
    (34.5281, 69.1723, None),  # Kabul: in no box
]


def test_the_sql_sector_filter_is_sector_of_for_the_agreements_sectors(engine: Engine) -> None:
    _agree(engine, AGREEMENT, AGREEMENT_POINTS)


@settings(max_examples=50)
@given(located=points(AGREEMENT))
def test_the_sql_sector_filter_is_sector_of_for_points_near_the_agreements_sectors(
    engine: Engine, located: list[Point]
) -> None:
    _agree(engine, AGREEMENT, located)


def _row(index: int, point: Point) -> dict[str, object]:
    latitude, longitude, named = point
    return {
        "idx": index,
        "id": f"r{index}",
        "actor": "monitor-1",
        "confidential": False,
        "status": "active",
        "time": "2025-10-15T00:00:00Z",
        "latitude": latitude,
        "longitude": longitude,
        "sector": named,
        "blurred": False,
        "body_sealed": False,
    }
