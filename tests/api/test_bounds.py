"""Extreme moments, days, cursors and dates a client may send: refused by name, never a 500.

Every "as of" moment and brief day is held to one bound (``domain.moments``: from 2000-01-01
to a year after the server's clock), so no anonymous request makes a fold count recurring
deadlines through centuries, nor a date past the calendar's end; a cursor stands for a log
index both databases can hold; the date filters take any date a client can write.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.api.pagination import decode_cursor, encode_cursor
from ceasefire.errors import InvalidInput
from tests.api import read_fixtures
from tests.api.read_fixtures import World

# the module's fixtures (assigned, not imported, so that tests may name them)
world = read_fixtures.world
module_database_url = read_fixtures.module_database_url


def cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


AS_OF = [
    "3000-01-01",
    "9999-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01",
    "0001-01-01T00:00:00+01:00",
    "1999-12-31",
]
DAYS = ["9999-12-31", "0001-01-01", "3000-01-01", "1999-12-31"]
OUT_OF_RANGE_CURSORS = [
    cursor_of("before:9223372036854775808"),  # 2**63
    cursor_of("before:99999999999999999999999999"),
    cursor_of("before:" + "9" * 5000),  # more digits than int() reads
    cursor_of("before:-1"),
]


def refused(world: World, url: str, field: str) -> None:
    answer = world.client.get(url)
    assert answer.status_code == 422, (url, answer.status_code, answer.text[:300])
    problem = answer.json()
    assert problem["field"] == field
    assert len(problem["detail"]) < 400


@pytest.mark.parametrize("path", ["/api/v1/status", "/api/v1/commitments", "/", "/commitments"])
@pytest.mark.parametrize("as_of", AS_OF)
def test_an_as_of_out_of_the_bound_is_refused_naming_the_bound(
    world: World, path: str, as_of: str
) -> None:
    refused(world, f"{path}?as_of={as_of.replace('+', '%2B')}", "as_of")
    detail = world.client.get(f"{path}?as_of={as_of.replace('+', '%2B')}").json()["detail"]
    assert "2000-01-01" in detail


@pytest.mark.parametrize("period", ["daily", "weekly", "monthly"])
@pytest.mark.parametrize("day", DAYS)
def test_a_brief_day_out_of_the_bound_is_refused(world: World, period: str, day: str) -> None:
    refused(world, f"/api/v1/briefs/{period}/{day}", "day")
    refused(world, f"/briefs/{period}/{day}", "day")
    refused(world, f"/briefs/go?period={period}&day={day}", "day")


def test_a_web_page_refuses_a_moment_out_of_the_bound_as_a_page(world: World) -> None:
    answer = world.client.get("/?as_of=9999-12-31", headers={"Accept": "text/html"})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")


def test_an_as_of_within_the_bound_is_answered_quickly(world: World) -> None:
    ahead = (datetime.now(UTC) + timedelta(days=300)).date().isoformat()
    started = time.monotonic()
    for path in ("/status", "/commitments"):
        assert world.get(path, as_of=ahead).status_code == 200
    assert world.get("/status", as_of="2000-01-01").status_code == 200
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("path", ["/reports", "/incidents"])
@pytest.mark.parametrize("cursor", OUT_OF_RANGE_CURSORS)
def test_a_cursor_out_of_range_is_refused_on_every_paged_list(
    world: World, path: str, cursor: str
) -> None:
    refused(world, f"/api/v1{path}?cursor={cursor}", "cursor")


@pytest.mark.parametrize("path", ["/reports", "/incidents"])
def test_the_largest_cursor_is_a_page(world: World, path: str) -> None:
    answer = world.get(path, cursor=encode_cursor(2**63 - 1))
    assert answer.status_code == 200
    assert answer.json()["items"]


def test_a_long_cursor_is_quoted_by_a_short_prefix(world: World) -> None:
    cursor = "A" * 5000
    answer = world.get("/reports", cursor=cursor)
    assert answer.status_code == 422
    assert answer.json()["field"] == "cursor"
    assert len(answer.text) < 500


EXTREMES = [
    {"since": "0001-01-01"},
    {"until": "0001-01-01"},
    {"since": "9999-12-31"},
    {"until": "9999-12-31"},
    {"since": "0001-01-01", "until": "9999-12-31"},
    {"since": "9999-12-31", "until": "0001-01-01"},
]


@pytest.mark.parametrize("dates", EXTREMES)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports",
        "/api/v1/incidents",
        "/api/v1/exports/csv",
        "/api/v1/exports/geojson",
        "/web/data/incidents.geojson",
    ],
)
def test_any_date_filter_a_client_can_write_is_answered_or_refused_by_name(
    world: World, path: str, dates: dict[str, str]
) -> None:
    answer = world.client.get(path, params=dates)
    if answer.status_code == 422:  # a period that ends before it begins may be refused
        assert answer.json()["field"] in dates, answer.text[:300]
    else:
        assert answer.status_code == 200, answer.text[:300]


def decoded(cursor: str) -> int | InvalidInput | None:
    try:
        return decode_cursor(cursor)
    except InvalidInput as refusal:
        return refusal


@given(st.one_of(st.text(), st.text().map(cursor_of), st.integers().map(encode_cursor)))
def test_any_cursor_text_is_an_index_in_range_or_refused(cursor: str) -> None:
    found = decoded(cursor)
    if isinstance(found, InvalidInput):
        assert found.field == "cursor"
        assert len(found.message) < 200
    else:
        assert found is not None
        assert 0 <= found < 2**63


@given(st.integers(min_value=0, max_value=2**64))
def test_a_cursor_round_trips_when_its_index_is_in_range(index: int) -> None:
    if index < 2**63:
        assert decode_cursor(encode_cursor(index)) == index
        return
    with pytest.raises(InvalidInput):
        decode_cursor(encode_cursor(index))
