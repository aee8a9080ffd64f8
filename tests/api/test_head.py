"""HEAD is answered wherever GET is, by one mechanism for the whole app (``api.app.HeadAsGet``):
the same status and headers as the GET, and no body; where GET is not answered, neither is
HEAD (405 with ``Allow``)."""

from __future__ import annotations

from typing import Final

import httpx
import pytest

from tests.api import read_fixtures
from tests.api.read_fixtures import ANONYMOUS, World, headers
from tests.api.test_read_matrix import MATRIX, Path

# the module's fixtures (assigned, not imported, so that tests may name them)
world = read_fixtures.world
module_database_url = read_fixtures.module_database_url

VARYING: Final = {"date"}
"""Headers that may differ between two answers to the same request."""


def both(world: World, path: str, persona: str) -> tuple[httpx.Response, httpx.Response]:
    get = world.client.get(path, headers=headers(persona))
    head = world.client.head(path, headers=headers(persona))
    return get, head


def same_but_the_body(get: httpx.Response, head: httpx.Response) -> None:
    assert head.status_code == get.status_code, (get.text, head.text)
    assert head.content == b""
    kept = {k: v for k, v in get.headers.items() if k not in VARYING}
    assert {k: v for k, v in head.headers.items() if k not in VARYING} == kept
    if "content-length" in get.headers:  # not for a streamed answer (an export)
        assert int(head.headers["content-length"]) == len(get.content)


@pytest.mark.parametrize(
    ("operation", "path"),
    [(operation, path) for operation, path, _ in MATRIX],
    ids=[f"{operation}-{number}" for number, (operation, _, _) in enumerate(MATRIX)],
)
@pytest.mark.parametrize("persona", [ANONYMOUS, "pk_liaison"])
def test_every_read_answers_head_with_the_headers_of_its_get(
    world: World, operation: str, path: Path, persona: str
) -> None:
    get, head = both(world, f"/api/v1{path(world)}", persona)
    same_but_the_body(get, head)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/openapi.json", "/api/v1/docs", "/", "/map", "/log", "/api/v1/reports/nope"],
)
def test_pages_documents_and_problems_answer_head_too(world: World, path: str) -> None:
    get, head = both(world, path, ANONYMOUS)
    same_but_the_body(get, head)


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/events/batch"])
def test_head_is_refused_where_get_is(world: World, path: str) -> None:
    get, head = both(world, path, ANONYMOUS)
    assert get.status_code == head.status_code == 405
    assert head.headers["allow"] == get.headers["allow"] == "POST"
    assert head.content == b""


def test_the_openapi_document_says_head_is_answered(world: World) -> None:
    document = world.client.get("/api/v1/openapi.json").json()
    assert "HEAD" in document["info"]["description"]
