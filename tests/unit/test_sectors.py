"""The sector a report is in (``domain.sectors``): the one it names, else the one its point
lies in — the box that holds it, nearest centre first, the first in the agreement on a tie."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.sectors import NO_SECTORS, SectorBox, Sectors

AGREEMENT = Sectors.of(load_bundled().sectors)
WEST = SectorBox("west", (69.0, 33.0, 71.0, 35.0))  # centre (34, 70)
EAST = SectorBox("east", (70.5, 33.0, 72.5, 35.0))  # centre (34, 71.5)
SAME = SectorBox("same", WEST.bbox)


def test_one_east_west_scale_for_the_agreement_midway_between_its_extreme_centres() -> None:
    centres = [box.centre[0] for box in AGREEMENT.boxes]
    midway = (min(centres) + max(centres)) / 2
    assert AGREEMENT.scale == math.cos(math.radians(midway)) ** 2
    assert round(midway, 2) == 32.9


def test_a_report_is_in_the_sector_it_names_whatever_its_point() -> None:
    kabul = {"latitude": 34.5281, "longitude": 69.1723}
    assert AGREEMENT.of_place(kabul | {"sector": "torkham"}) == "torkham"
    assert AGREEMENT.of_place(kabul) is None
    assert AGREEMENT.of_place({"latitude": 34.1, "longitude": 71.0}) == "torkham"
    assert AGREEMENT.of_place(None) is None and AGREEMENT.of_place({}) is None
    assert NO_SECTORS.of_place({"latitude": 34.1, "longitude": 71.0}) is None


def test_a_box_holds_its_edges() -> None:
    sectors = Sectors.of([WEST])
    assert sectors.holding(33.0, 69.0) == "west" and sectors.holding(35.0, 71.0) == "west"
    assert sectors.holding(math.nextafter(35.0, 36), 70.0) is None


def test_of_equally_near_centres_the_first_in_the_agreement_wins() -> None:
    assert Sectors.of([WEST, SAME]).holding(34.2, 70.1) == "west"
    assert Sectors.of([SAME, WEST]).holding(34.2, 70.1) == "same"
    assert Sectors.of([WEST, EAST]).holding(34.0, 70.75) == "west"  # midway between centres
    assert Sectors.of([EAST, WEST]).holding(34.0, 70.75) == "east"


def test_a_sectors_rivals_are_the_boxes_it_meets_each_with_who_takes_a_tie() -> None:
    apart = SectorBox("apart", (60.0, 25.0, 61.0, 26.0))
    sectors = Sectors.of([WEST, apart, EAST, SAME])
    assert sectors.rivals("east") == [(WEST, False), (SAME, True)]
    assert sectors.rivals("apart") == []
    assert sectors.rivals("nowhere") == []
    assert {box.id for box, _ in AGREEMENT.rivals("torkham")} == {"bajaur-kunar", "kurram"}


BOX = st.tuples(st.floats(60, 75), st.floats(25, 38), st.floats(0, 3), st.floats(0, 3)).map(
    lambda b: (b[0], b[1], b[0] + b[2], b[1] + b[3])
)


@given(
    bboxes=st.lists(BOX, min_size=1, max_size=6),
    latitude=st.floats(25, 41),
    longitude=st.floats(60, 78),
)
def test_a_point_some_box_holds_is_in_the_first_nearest_of_them(
    bboxes: list[tuple[float, float, float, float]], latitude: float, longitude: float
) -> None:
    sectors = Sectors.of(SectorBox(f"s{n}", bbox) for n, bbox in enumerate(bboxes))
    found = sectors.holding(latitude, longitude)
    holding = [box for box in sectors.boxes if box.holds(latitude, longitude)]
    if not holding:
        assert found is None
        return
    (mine,) = [box for box in holding if box.id == found]
    for n, rival in enumerate(holding):
        near, far = (sectors.distance(b, latitude, longitude) for b in (mine, rival))
        assert near < far or (near == far and holding.index(mine) <= n)
