"""``GET /cases`` pages as the other lists do: ``limit``, an opaque ``next_cursor``, ``total``.

The cases are kept oldest first (the order a witness compares with its own fold), so their
cursor stands for "newer than this log index"; without ``limit`` the answer is every case, as
before, so a witness reading the whole list still gets it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ceasefire.api.app import create_app
from ceasefire.api.pagination import encode_cursor
from ceasefire.settings import Settings
from tests.api.conftest import TestClient


@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[TestClient]:
    """The Istanbul scenario's store (nine cases, in every state) served."""
    with TestClient(create_app(Settings(data=folder))) as found:
        yield found


def cases(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/cases", params=params)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def walk(client: TestClient, limit: int, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = cases(client, limit=limit, **params, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_without_a_limit_every_case_comes_in_one_answer(client: TestClient) -> None:
    everything = cases(client)
    assert everything["total"] == len(everything["items"]) == 9
    assert everything["next_cursor"] is None
    indices = [case["index"] for case in everything["items"]]
    assert indices == sorted(indices)  # oldest first


@pytest.mark.parametrize("limit", [1, 2, 4, 9, 200])
def test_walking_the_pages_gives_every_case_once_in_order(client: TestClient, limit: int) -> None:
    everything = cases(client)["items"]
    assert walk(client, limit) == everything
    first = cases(client, limit=limit)
    assert first["total"] == 9
    assert (first["next_cursor"] is None) == (limit >= 9)


def test_pages_follow_the_filters_and_total_counts_what_matches(client: TestClient) -> None:
    about_af = cases(client, party="af")
    assert 1 < about_af["total"] < 9
    assert walk(client, 1, party="af") == about_af["items"]
    assert cases(client, party="af", limit=1)["total"] == about_af["total"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": encode_cursor(12)}, "cursor"),  # the reports' kind: "older than"
    ],
    ids=["limit-0", "limit-201", "garbage", "another-list's-cursor"],
)
def test_a_bad_limit_or_cursor_is_refused_with_its_field(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    response = client.get("/api/v1/cases", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_the_openapi_document_says_how_cases_page(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/cases"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"limit", "cursor", "state", "party"} <= names
    assert "next_cursor" in operation["description"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = document["components"]["schemas"][schema.rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"items", "total", "next_cursor"}
