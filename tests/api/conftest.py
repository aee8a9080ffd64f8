"""The write side of the API under test: an app over a fresh mechanism, with real tokens.

``service`` (on SQLite and PostgreSQL) is the Istanbul agreement adopted, the personas enrolled
(``tests.record_factories``), the log key in the data folder where ``ceasefire serve`` finds
it, and a bearer token per persona made by the token service. :func:`signed` and
:meth:`Service.post` are how a client signs an event on its own machine and posts it: the
server never sees an actor's private key.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ceasefire import bootstrap
from ceasefire.api.app import create_app
from ceasefire.cli.main import app as cli
from ceasefire.log.envelope import Envelope, Sealed, b64encode, sign_event
from ceasefire.services import tokens as token_service
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import write_key
from ceasefire.storage.log_store import SqlLogStore
from tests.record_factories import ORIGIN, PERSONAS, Mechanism, make_mechanism
from tests.report_bodies import allegation_body

with warnings.catch_warnings():
    # Starlette prefers its httpx2 fork; httpx is what the dev dependencies pin.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

__all__ = ["Service", "TestClient", "payload", "serving", "signed"]


def signed(
    mechanism: Mechanism,
    persona: str,
    event_type: str = "report.submitted",
    body: dict[str, Any] | None = None,
    *,
    confidential: bool = False,
) -> tuple[Envelope, Sealed | None]:
    """What a client does before posting: sign the event with the actor's own key."""
    key = mechanism.key(persona)
    return sign_event(
        key,
        log=ORIGIN,
        actor=key.name,
        type=event_type,
        time=datetime.now(UTC),
        body=_fresh_allegation() if body is None else body,
        confidential=confidential,
    )


def payload(envelope: Envelope, sealed: Sealed | None = None) -> dict[str, Any]:
    """The request body: the envelope as the JSON object its leaf is."""
    document: dict[str, Any] = {"envelope": envelope.unsigned() | {"sig": b64encode(envelope.sig)}}
    if sealed is not None:
        document["sealed"] = {"salt": b64encode(sealed.salt), "body": sealed.body}
    return document


def _fresh_allegation() -> dict[str, Any]:
    """An allegation unlike any other: the record refuses the same report twice."""
    return allegation_body(narrative=f"An airstrike hit a compound ({uuid.uuid4().hex[:8]}).")


@dataclass
class Service:
    mechanism: Mechanism
    client: TestClient
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)

    def size(self) -> int:
        return self.mechanism.size()

    def auth(self, persona: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[persona]}"}

    def post(
        self,
        persona: str,
        document: Any,
        *,
        as_persona: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Post ``document`` with ``as_persona``'s token (default: the signer's own)."""
        response: httpx.Response = self.client.post(
            "/api/v1/events",
            json=document,
            headers=self.auth(as_persona or persona) | (headers or {}),
        )
        return response

    def post_event(self, persona: str, **options: Any) -> httpx.Response:
        envelope, sealed = signed(self.mechanism, persona, **options)
        return self.post(persona, payload(envelope, sealed))


@contextmanager
def serving(database_url: str, data: Path, **settings: Any) -> Iterator[Service]:
    mechanism = make_mechanism(database_url, data)
    config = Settings(data=data, database_url=database_url, **settings)
    write_key(config.log_key_path, mechanism.log_key)
    tokens = {
        persona: token_service.create(mechanism.store, actor, mechanism.now).secret
        for persona, (actor, _, _) in PERSONAS.items()
    }
    try:
        with TestClient(create_app(config)) as client:
            yield Service(mechanism, client, config, tokens)
    finally:
        mechanism.close()


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    with serving(database_url, tmp_path / "data") as found:
        yield found


SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "istanbul-2025.yaml"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Istanbul scenario played into a store of its own, once per test module."""
    found = tmp_path_factory.mktemp("scenario")
    result = CliRunner().invoke(cli, ["scenario", "load", str(SCENARIO), "--data", str(found)])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return found


@pytest.fixture(scope="module")
def played(folder: Path) -> Iterator[SqlLogStore]:
    """The store of :func:`folder`, open for the module."""
    with bootstrap.opened(Settings(data=folder)) as store:
        yield store
