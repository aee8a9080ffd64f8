"""The border: which side a report's point lies on, how far from the line, in which sector."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.report_places import GeoPrecision
from ceasefire.errors import InvalidInput
from ceasefire.geo import (
    RADIUS_KM,
    SIDES,
    Boundary,
    SectorBox,
    Side,
    default_boundary,
    haversine_km,
    sector_of,
)

KABUL = (34.52813, 69.17233)
PESHAWAR = (34.008, 71.57849)
TORKHAM = (34.1006, 71.0922)
MASHHAD = (36.2972, 59.6067)
SECTORS = load_bundled().sectors


@pytest.fixture(scope="module")
def boundary() -> Boundary:
    return default_boundary()


def test_kabul_is_in_afghanistan_far_from_the_border(boundary: Boundary) -> None:
    found = boundary.position(*KABUL, GeoPrecision.DISTRICT, SECTORS)
    assert found.side is Side.AF
    assert found.country == "AF"
    assert 60 < found.distance_km < 120
    assert found.sector is None
    assert "Afghanistan" in found.reason


def test_peshawar_is_in_pakistan_about_45_km_from_the_border(boundary: Boundary) -> None:
    found = boundary.position(*PESHAWAR, GeoPrecision.NEAR)
    assert found.side is Side.PK
    assert 40 <= found.distance_km <= 50
    assert found.radius_km == 25.0


def test_torkham_is_undetermined_at_district_precision(boundary: Boundary) -> None:
    found = boundary.position(*TORKHAM, GeoPrecision.DISTRICT, SECTORS)
    assert found.side is Side.UNDETERMINED
    assert found.country == "PK"
    assert found.sector == "torkham"
    assert "reaches both sides" in found.reason


def test_torkham_has_a_side_at_exact_precision(boundary: Boundary) -> None:
    found = boundary.position(*TORKHAM, GeoPrecision.EXACT)
    assert found.distance_km > 1.0
    assert found.side is Side.PK


def test_a_point_in_iran_is_outside(boundary: Boundary) -> None:
    found = boundary.position(*MASHHAD, GeoPrecision.EXACT)
    assert found.side is Side.OUTSIDE
    assert found.country is None
    assert found.distance_km > 500


def test_a_country_level_location_keeps_its_country(boundary: Boundary) -> None:
    found = boundary.position(33.9, 67.7, GeoPrecision.COUNTRY)
    assert found.side is Side.AF
    assert found.radius_km is None
    assert "Only the country is known" in found.reason


def test_every_precision_has_a_radius_that_grows() -> None:
    finite = [r for r in RADIUS_KM.values() if r is not None]
    assert len(finite) == len(GeoPrecision) - 1
    assert finite == sorted(finite)
    assert RADIUS_KM[GeoPrecision.COUNTRY] is None


def test_the_shipped_line_is_what_the_two_countries_share(boundary: Boundary) -> None:
    shared = shapely.line_merge(boundary._af.boundary.intersection(boundary._pk.boundary))
    assert shared.equals(boundary.line)


def _dense_line(boundary: Boundary) -> np.ndarray:
    return np.asarray(shapely.get_coordinates(shapely.segmentize(boundary.line, 0.002)))


def test_distances_agree_with_haversine_to_the_line_within_1_km(boundary: Boundary) -> None:
    rng = np.random.default_rng(7)
    lat, lon = rng.uniform(23.6, 38.5, 300), rng.uniform(60.4, 77.9, 300)
    dense = _dense_line(boundary)
    expected = np.array(
        [haversine_km(a, o, dense[:, 1], dense[:, 0]).min() for a, o in zip(lat, lon, strict=True)]
    )
    found = boundary.distances_km(lat, lon)
    assert np.abs(found - expected).max() <= 1.0


def test_distance_is_at_most_that_to_the_nearest_vertex(boundary: Boundary) -> None:
    vertices = np.asarray(shapely.get_coordinates(boundary.line))
    rng = np.random.default_rng(8)
    lat, lon = rng.uniform(29, 37.5, 200), rng.uniform(60.5, 75, 200)
    nearest_vertex = np.array(
        [
            haversine_km(a, o, vertices[:, 1], vertices[:, 0]).min()
            for a, o in zip(lat, lon, strict=True)
        ]
    )
    assert np.all(boundary.distances_km(lat, lon) <= nearest_vertex + 1.0)


def test_classify_refuses_arrays_of_different_shapes(boundary: Boundary) -> None:
    with pytest.raises(InvalidInput, match="same length"):
        boundary.classify(np.zeros(3), np.zeros(2), 1.0)


# --- properties -------------------------------------------------------------------------------

points = st.tuples(
    st.floats(min_value=23.6, max_value=38.5), st.floats(min_value=60.4, max_value=77.9)
)


@given(points, st.sampled_from(list(GeoPrecision)))
def test_no_side_is_claimed_when_the_disc_reaches_the_line(
    point: tuple[float, float], precision: GeoPrecision
) -> None:
    found = default_boundary().position(*point, precision)
    radius = found.radius_km
    if radius is not None and found.distance_km <= radius:
        assert found.side is Side.UNDETERMINED
    if found.side in (Side.PK, Side.AF):
        assert found.side.value == found.country


@given(st.lists(points, min_size=1, max_size=20), st.sampled_from([1.0, 25.0, 50.0, 150.0]))
def test_the_vectorised_path_agrees_with_the_single_point_path(
    many: list[tuple[float, float]], radius: float
) -> None:
    boundary = default_boundary()
    lat, lon = np.array([p[0] for p in many]), np.array([p[1] for p in many])
    found = boundary.classify(lat, lon, radius)
    precision = next(p for p, r in RADIUS_KM.items() if r == radius)
    for i, (a, o) in enumerate(many):
        single = boundary.position(a, o, precision)
        assert SIDES[found.codes[i]] is single.side
        assert found.distance_km[i] == pytest.approx(single.distance_km)
    assert found.sides() == [SIDES[c] for c in found.codes]


# --- sectors ----------------------------------------------------------------------------------


def test_a_point_in_one_box_gets_that_sector() -> None:
    assert sector_of(30.92, 66.45, SECTORS) == "chaman-spin-boldak"


def test_a_point_in_no_box_gets_no_sector() -> None:
    assert sector_of(*KABUL, SECTORS) is None
    assert sector_of(*KABUL, ()) is None


def test_of_overlapping_boxes_the_nearest_centre_wins() -> None:
    west = SectorBox("west", (69.0, 33.0, 71.0, 35.0))  # centre (34, 70)
    east = SectorBox("east", (70.5, 33.0, 72.5, 35.0))  # centre (34, 71.5)
    assert sector_of(34.0, 70.7, [west, east]) == "west"
    assert sector_of(34.0, 70.9, [west, east]) == "east"


@pytest.mark.parametrize(("latitude", "expected_km"), [(-90.0, 13_330.0), (90.0, 5_890.0)])
def test_the_poles_are_outside_and_as_far_as_they_are(latitude: float, expected_km: float) -> None:
    found = default_boundary().position(latitude, 0.0, GeoPrecision.EXACT)

    assert found.side is Side.OUTSIDE
    assert found.distance_km == pytest.approx(expected_km, rel=0.01)
