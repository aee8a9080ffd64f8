"""``/api/v1/geo``: which side of the border a point is on, and which place a name means, against
the agreement in force; the same public answer for every caller."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api import read_fixtures
from tests.api.read_fixtures import ANONYMOUS, World
from tests.report_bodies import SPIN_BOLDAK

world = read_fixtures.world
module_database_url = read_fixtures.module_database_url


def position(world: World, **params: Any) -> httpx.Response:
    return world.get("/geo/position", **params)


def test_a_point_is_placed_on_its_side_with_its_sector(world: World) -> None:
    response = position(world, latitude=SPIN_BOLDAK["latitude"], longitude=SPIN_BOLDAK["longitude"])
    assert response.status_code == 200, response.text
    found = response.json()
    assert (found["country"], found["sector"], found["precision"]) == (
        "AF",
        "chaman-spin-boldak",
        "exact",
    )
    assert found["side"] != "undetermined" and found["distance_km"] > 0 and found["reason"]


def test_a_vague_point_near_the_line_is_undetermined(world: World) -> None:
    found = position(
        world,
        latitude=SPIN_BOLDAK["latitude"],
        longitude=SPIN_BOLDAK["longitude"],
        precision="province",
    ).json()
    assert found["side"] == "undetermined"
    assert found["radius_km"] > found["distance_km"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"latitude": 91, "longitude": 66}, "latitude"),
        ({"latitude": 31}, "longitude"),
        ({"latitude": 31, "longitude": 66, "precision": "vague"}, "precision"),
    ],
)
def test_a_bad_point_is_refused_with_its_field(
    world: World, params: dict[str, Any], field: str
) -> None:
    response = position(world, **params)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_a_name_found_once_is_found(world: World) -> None:
    found = world.get("/geo/places", name="Spin Boldak").json()
    assert found["status"] == "found"
    [place] = found["candidates"]
    assert (place["country"], place["admin1"], place["kind"], place["precision"]) == (
        "AF",
        "Kandahar",
        "place",
        "exact",
    )


def test_an_ambiguous_name_is_an_answer_narrowed_by_kind(world: World) -> None:
    response = world.get("/geo/places", name="Kandahar")
    assert response.status_code == 200
    found = response.json()
    assert found["status"] == "ambiguous"
    assert {c["kind"] for c in found["candidates"]} == {"place", "province"}
    narrowed = world.get("/geo/places", name="Kandahar", kind="province").json()
    assert narrowed["status"] == "found"
    assert narrowed["candidates"][0]["precision"] == "province"


def test_an_unknown_name_answers_suggestions(world: World) -> None:
    found = world.get("/geo/places", name="Nawa", country="AF").json()
    assert (found["status"], found["candidates"]) == ("not_found", [])
    assert found["suggestions"]


def test_a_blank_name_is_refused(world: World) -> None:
    for name in ("", "   "):
        response = world.get("/geo/places", name=name)
        assert response.status_code == 422
        assert response.json()["field"] == "name"


def test_geography_reads_the_same_for_everyone(world: World) -> None:
    for persona in ("pk_liaison", "monitor"):
        assert world.get("/geo/places", persona, name="Chaman").json() == (
            world.get("/geo/places", ANONYMOUS, name="Chaman").json()
        )
