"""Shared fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL is reached at ``CEASEFIRE_TEST_POSTGRES`` (default: the local server, trust auth,
database ``test``); each test gets a schema of its own, dropped afterwards. When the server is
unreachable the PostgreSQL cases skip — except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text

from tests.record_factories import Mechanism, make_mechanism

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
