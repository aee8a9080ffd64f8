"""Every operation of the live OpenAPI document, fuzzed by Schemathesis: whatever a client
sends, the answer is never a server error and always one the document promises — a documented
status code, its content type, its headers and a body its schema accepts.

The app under test is the read side's world (``read_fixtures``), with something of every kind
in its record, on SQLite (the HTTP layer is the same on PostgreSQL). Each generated request is
sent twice: by the public (no token) and by the monitor. Generation is derandomized with a
bounded number of examples, so every run is the same run and fits in CI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ceasefire.api.app import create_app
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import write_key
from tests.api import read_fixtures
from tests.api.read_fixtures import ANONYMOUS, World, headers

world = read_fixtures.world

PERSONA = "monitor"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# The document as the app serves it; building the app opens nothing (the store opens at startup).
schema = schemathesis.openapi.from_dict(create_app(Settings(data=Path("unused"))).openapi())


@pytest.fixture(scope="module")
def module_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SQLite only: the world of ``read_fixtures`` on one database."""
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'ceasefire.db'}"


@pytest.fixture(scope="module")
def served(world: World) -> World:
    """The world with the log key where the server looks for it, as ``ceasefire serve`` needs
    (posted events get receipts signed with it)."""
    write_key(Settings(data=world.data).log_key_path, world.mechanism.log_key)
    return world


def send(world: World, case: Case[Any], persona: str) -> httpx.Response:
    """``case`` as ``persona`` sends it (any generated Authorization replaced), in process."""
    kwargs: dict[str, Any] = case.as_transport_kwargs(base_url=str(world.client.base_url))
    kwargs.pop("cookies", None)  # the API reads no cookies, and httpx deprecates them per request
    if "data" in kwargs:
        kwargs["content"] = kwargs.pop("data")
    kwargs["headers"] = {
        name: value for name, value in kwargs["headers"].items() if name.lower() != "authorization"
    } | headers(persona)
    response: httpx.Response = world.client.request(**kwargs)
    return response


def test_the_document_is_the_one_the_app_serves(world: World) -> None:
    assert world.get("/openapi.json").json() == schema.raw_schema


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_documented_and_never_a_server_error(
    case: Case[Any], served: World
) -> None:
    for persona in (ANONYMOUS, PERSONA):
        case.validate_response(send(served, case, persona), checks=CHECKS)
