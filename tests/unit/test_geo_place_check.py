"""A report's place against what it says of it: the country and sector it names, measured."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.report_places import GeoPrecision, Location
from ceasefire.geo import Side
from ceasefire.services.geography import check_place

AGREEMENT = load_bundled()
TORKHAM_PK = (34.1006, 71.0922)  # the crossing, on the Pakistani side, ~2.7 km from the line
JALALABAD = (34.4265, 70.4515)  # Nangarhar, ~55 km inside Afghanistan, outside every sector
PESHAWAR = (34.008, 71.578)  # ~55 km inside Pakistan


def place(
    point: tuple[float, float],
    precision: GeoPrecision = GeoPrecision.EXACT,
    *,
    country: str | None = None,
    sector: str | None = None,
) -> Location:
    return Location(point[0], point[1], precision, country=country, sector=sector)


def test_a_report_whose_words_agree_with_its_point_is_not_flagged() -> None:
    checked = check_place(AGREEMENT, place(TORKHAM_PK, country="PK", sector="torkham"))
    assert checked.flags == ()
    assert (checked.position.side, checked.position.sector) == (Side.PK, "torkham")


def test_a_point_in_afghanistan_said_to_be_in_pakistan_is_flagged_with_the_measurement() -> None:
    (flag,) = check_place(AGREEMENT, place(JALALABAD, country="PK")).flags
    assert flag.startswith("the report says Pakistan, but the point lies in Afghanistan, ")
    assert flag.endswith(
        " km from the border line: beyond the 1 km uncertainty of a location given as 'exact'."
    )


def test_a_point_whose_uncertainty_reaches_the_line_agrees_with_either_country() -> None:
    for country in ("PK", "AF"):
        checked = check_place(AGREEMENT, place(TORKHAM_PK, GeoPrecision.DISTRICT, country=country))
        assert checked.flags == ()
        assert checked.position.side is Side.UNDETERMINED


def test_a_sector_far_from_the_point_is_flagged_with_the_distance() -> None:
    (flag,) = check_place(AGREEMENT, place(PESHAWAR, sector="chaman-spin-boldak")).flags
    assert flag.startswith("the report names sector chaman-spin-boldak, but the point lies ")
    assert "km outside its box, beyond the 1 km uncertainty of a location given as 'exact'" in flag


def test_a_sector_within_the_points_uncertainty_is_the_one_kept() -> None:
    # Peshawar lies ~7 km east of the torkham box: too far for an exact point, not for a near one.
    assert check_place(AGREEMENT, place(PESHAWAR, sector="torkham")).flags
    near = check_place(AGREEMENT, place(PESHAWAR, GeoPrecision.NEAR, sector="torkham"))
    assert near.flags == ()
    assert near.position.sector == "torkham"


def test_a_report_that_names_no_sector_is_given_the_one_its_point_lies_in() -> None:
    assert check_place(AGREEMENT, place(TORKHAM_PK)).position.sector == "torkham"
    assert check_place(AGREEMENT, place(JALALABAD)).position.sector is None


def test_a_point_in_neither_country_is_not_a_contradiction() -> None:
    srinagar_side = (33.33, 74.10)  # the Line of Control: UCDP files such events under Pakistan
    assert check_place(AGREEMENT, place(srinagar_side, country="PK")).flags == ()


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(29.0, 36.0),
    lon=st.floats(66.0, 73.0),
    precision=st.sampled_from(list(GeoPrecision)),
    country=st.sampled_from(["PK", "AF", None]),
)
def test_a_country_is_flagged_exactly_when_the_side_is_decided_and_other(
    lat: float, lon: float, precision: GeoPrecision, country: str | None
) -> None:
    checked = check_place(AGREEMENT, place((lat, lon), precision, country=country))
    side = checked.position.side
    contradicted = country is not None and side in (Side.PK, Side.AF) and side.value != country
    assert any(f.startswith("the report says") for f in checked.flags) == contradicted


@pytest.mark.parametrize("sector", [s.id for s in AGREEMENT.sectors])
def test_a_point_at_a_sectors_centre_agrees_with_it(sector: str) -> None:
    west, south, east, north = next(s.bbox for s in AGREEMENT.sectors if s.id == sector)
    centre = ((south + north) / 2, (west + east) / 2)
    checked = check_place(AGREEMENT, place(centre, sector=sector))
    assert not any("sector" in f for f in checked.flags)
    assert checked.position.sector == sector


def test_a_town_named_far_from_the_point_is_flagged_with_its_distance() -> None:
    spin_boldak = (31.0, 66.4)
    where = Location(*spin_boldak, GeoPrecision.EXACT, place="Wana")
    (flag,) = check_place(AGREEMENT, where).flags
    assert flag.startswith("the report names Wana, but the nearest place of that name (Wana")
    assert " km from the point, beyond the 1 km uncertainty of a location given as 'exact'" in flag
    assert int(flag.split(" lies ")[1].split(" km")[0]) > 200


def test_a_town_named_near_the_point_or_unknown_to_the_gazetteer_is_not_flagged() -> None:
    near = Location(32.30, 69.57, GeoPrecision.NEAR, place="Wana")  # a few km off: within reach
    unknown = Location(31.0, 66.4, GeoPrecision.EXACT, place="Kharlāchi Kili village")
    province = Location(31.0, 66.4, GeoPrecision.EXACT, place="Khyber Pakhtunkhwa")
    for where in (near, unknown, province):
        assert not any("names" in f for f in check_place(AGREEMENT, where).flags), where


def test_a_town_named_with_its_kind_is_judged_like_the_bare_name() -> None:
    spin_boldak = (31.0, 66.4)
    (flag,) = check_place(
        AGREEMENT, Location(*spin_boldak, GeoPrecision.EXACT, place="Wana town")
    ).flags
    assert flag.startswith("the report names Wana town, but the nearest place of that name (Wana")
    near = Location(32.30, 69.57, GeoPrecision.NEAR, place="Wana town")
    assert check_place(AGREEMENT, near).flags == ()


def test_a_town_of_the_same_name_in_another_province_is_not_the_one_named() -> None:
    # Kahuta in Azad Kashmir is a village the gazetteer lacks; the Kahuta it holds is in Punjab,
    # 74 km away: a different place that shares the name, not a contradiction.
    kahuta_ajk = (33.889136, 74.10672)

    def where(admin1: str | None) -> Location:
        return Location(
            *kahuta_ajk, GeoPrecision.NEAR, place="Kahuta village", admin1=admin1, country="PK"
        )

    assert check_place(AGREEMENT, where("Azad Jammu & Kashmir")).flags == ()
    # Without a province (or with one the gazetteer does not know), every Kahuta is measured,
    # and the Punjab one is too far.
    for admin1 in (None, "Nowhere province"):
        (flag,) = check_place(AGREEMENT, where(admin1)).flags
        assert "nearest place of that name (Kahuta, Punjab)" in flag


def test_a_town_of_the_other_country_is_judged_whatever_country_the_report_names() -> None:
    # The web form derives the country from the point: Spin Boldak named at a point in
    # Pakistan must still be noted.
    near_torkham = Location(34.05, 71.15, GeoPrecision.EXACT, place="Spin Boldak", country="PK")
    (flag,) = check_place(AGREEMENT, near_torkham).flags
    assert flag.startswith("the report names Spin Boldak, but the nearest place of that name")
