"""One mechanism per test module, served over HTTP, for the read side of the API.

``world`` builds, once per module and database, a record with something of every kind: a
public allegation by Afghanistan with a photo and a case on it, a confidential allegation by
Pakistan with its own photo, an Afghan allegation whose source is withheld and whose place is
blurred, and a scheduled meeting. Tests import the fixture explicitly (this package's
conftest belongs to the write side) and call the API as a persona through :meth:`World.get`.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import create_engine, text

from ceasefire.api.app import create_app
from ceasefire.domain import casework_events as ce
from ceasefire.services import casework as casework_service
from ceasefire.settings import Settings
from tests.conftest import POSTGRES_URL, require_postgres
from tests.record_factories import PERSONAS, Mechanism, make_mechanism
from tests.report_bodies import allegation_body, protected_body

with warnings.catch_warnings():
    # Starlette prefers its httpx2 fork; httpx is what the dev dependencies pin.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

ANONYMOUS = "anonymous"
CALLERS = (*PERSONAS, ANONYMOUS)


READ_OPERATIONS: Final = {
    # every GET route's operationId: the OpenAPI test and the matrix both cover them all
    "get_checkpoint",
    "get_tile",
    "get_entry_bundle",
    "prove_inclusion",
    "prove_consistency",
    "get_entry",
    "get_agreement",
    "list_agreement_versions",
    "list_actors",
    "list_reports",
    "get_report",
    "list_report_evidence",
    "get_evidence",
    "get_evidence_content",
    "list_cases",
    "get_case",
    "list_penalties",
    "list_meetings",
    "get_meeting",
    "get_status",
    "list_commitments",
    "list_incidents",
    "get_incident",
    "get_border_position",
    "lookup_place",
    "export_reports",
}


def token(persona: str) -> str:
    return f"token-{persona}"


def headers(persona: str) -> dict[str, str]:
    return {} if persona == ANONYMOUS else {"Authorization": f"Bearer {token(persona)}"}


@dataclass
class World:
    mechanism: Mechanism
    client: TestClient
    data: Path
    reports: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    case: str = ""
    meeting: str = "istanbul-2025-11"

    def get(self, path: str, persona: str = ANONYMOUS, **params: Any) -> httpx.Response:
        response: httpx.Response = self.client.get(
            f"/api/v1{path}", headers=headers(persona), params=params
        )
        return response


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``database_url`` of tests/conftest.py, for a whole module: an empty database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'ceasefire.db'}"
        return
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def photo(path: Path, seed: int) -> Path:
    """A small JPEG unlike the others (stripes of a width of its own)."""
    image = Image.new("RGB", (160, 120), (200, 190, 170))
    draw = ImageDraw.Draw(image)
    for x in range(0, 160, 6 + 5 * seed):
        draw.rectangle((x, 0, x + 2 + seed, 120), fill=(30 * seed % 256, 60, 90))
    image.save(path, "JPEG", quality=90)
    return path


def build(mechanism: Mechanism, world: World) -> None:
    m = mechanism
    public = m.submit("af_liaison", allegation_body())
    secret = m.submit(
        "pk_liaison",
        allegation_body(
            alleged_party="af",
            act="artillery_fire",
            actors=["Afghan border forces"],
            narrative="Mortar fire from across the border hit a checkpost near Chaman.",
        ),
        confidential=True,
    )
    protected = m.submit(
        "af_liaison",
        protected_body(),
    )
    world.reports = {"public": public, "secret": secret, "protected": protected}
    world.files = {
        "public": m.add_evidence("af_liaison", photo(world.data / "a.jpg", 1), public).sha256,
        "secret": m.add_evidence("pk_liaison", photo(world.data / "b.jpg", 3), secret).sha256,
    }
    world.case = casework_service.open_case(m.store, m.signer("monitor"), [public]).id
    m.act("monitor", ce.CASE_ASSIGNED, {"case": world.case, "monitor": "monitor-1"})
    casework_service.schedule_meeting(
        m.store,
        m.signer("operator"),
        world.meeting,
        date="2025-11-06",
        place="Istanbul",
        purpose="Modalities of the mechanism.",
    )


@pytest.fixture(scope="module")
def world(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("data")
    mechanism = make_mechanism(module_database_url, data)
    tokens = {token(persona): mechanism.actor(persona) for persona in PERSONAS}
    app = create_app(
        Settings(data=data, database_url=module_database_url), resolve_token=tokens.get
    )
    try:
        with TestClient(app) as client:
            found = World(mechanism, client, data)
            build(mechanism, found)
            yield found
    finally:
        mechanism.close()
