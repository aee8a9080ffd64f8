"""Shared fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL is reached at ``CEASEFIRE_TEST_POSTGRES`` (default: the local server, trust auth,
database ``test``); each test gets a schema of its own, dropped afterwards. When the server is
unreachable the PostgreSQL cases skip — except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import typer.testing
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text

from tests.record_factories import Mechanism, make_mechanism

# typer's CliRunner builds the click command tree again on every invoke: for this CLI's eighty
# commands, about 0.2 s of reading annotations, most of what an in-process command costs. An
# app's tree does not change while the tests run, so it is built once per app.
typer.testing._get_command = cache(typer.testing._get_command)  # type: ignore[attr-defined]

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile("default")

POSTGRES_URL = os.environ.get(
    "CEASEFIRE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@cache
def _postgres_error() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means "not available"
        return f"PostgreSQL unreachable at {POSTGRES_URL}: {exc}"
    return None


def require_postgres() -> None:
    error = _postgres_error()
    if error is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{error} (CI=true: PostgreSQL is required, not optional)")
    pytest.skip(error)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections see only a fresh, private schema."""
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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of an empty database: SQLite in a temporary folder, or a PostgreSQL schema."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("db")
        return f"sqlite:///{folder / 'ceasefire.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def mechanism(database_url: str, tmp_path: Path) -> Iterator[Mechanism]:
    """A mechanism (the Istanbul agreement in force, the personas enrolled) on each database;
    a test module may define its own."""
    found = make_mechanism(database_url, tmp_path / "data")
    try:
        yield found
    finally:
        found.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo scenario's store (``ceasefire demo``), played once for the whole run: the
    pytest-xdist workers share one, the first to ask plays it under a lock while the others
    wait. It is a template: fixtures copy it, and no test may write to it."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "demo-template"
    played = shared / "demo-template.played"
    with (shared / "demo-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not played.exists():
            subprocess.run(
                [sys.executable, "-c", "from ceasefire.cli.main import run; run()", "demo",
                 "--data", str(folder)],
                cwd=Path(__file__).resolve().parents[1], check=True, capture_output=True,
                timeout=300,
            )  # fmt: skip
            played.touch()
    return folder
