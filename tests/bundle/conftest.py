"""Bundles under test: the Istanbul scenario played into a store, both parties' witnesses
cosigning its latest checkpoint, and the bundle exported from it.

``scenario_store`` plays the scenario into the database of ``database_url`` (SQLite and
PostgreSQL); ``bundle_file`` is one bundle exported once per session from a SQLite store,
which the tampering tests copy and change.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pytest
from typer.testing import CliRunner

from ceasefire import bootstrap
from ceasefire.cli.main import app
from ceasefire.services import witnessing
from ceasefire.services.bundle import export_bundle
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import read_key
from ceasefire.storage.log_store import SqlLogStore

SCENARIO: Final = Path(__file__).resolve().parents[2] / "scenarios" / "istanbul-2025.yaml"
WITNESSES: Final = ("witness-pk", "witness-af")
COSIGNED_AT: Final = datetime(2025, 12, 1, 12, 0, tzinfo=UTC)
DEMO_SIZE: Final = 123
"""The entries the scenario leaves in the log (its last checkpoint's size)."""


def play(data: Path, database_url: str | None = None) -> Settings:
    """Play the Istanbul scenario into a new store; its keys land in ``data/keys``."""
    args = ["scenario", "load", str(SCENARIO), "--data", str(data)]
    if database_url is not None:
        args += ["--database-url", database_url]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return Settings(data=data, database_url=database_url)


def cosign(store: SqlLogStore, data: Path, *witnesses: str) -> None:
    for witness in witnesses:
        key = read_key(data / "keys" / f"{witness}.key")
        witnessing.cosign_latest(store, key, COSIGNED_AT)


@pytest.fixture
def scenario_store(database_url: str, tmp_path: Path) -> Iterator[tuple[SqlLogStore, Path]]:
    """The scenario on SQLite or PostgreSQL, latest checkpoint cosigned by both witnesses."""
    data = tmp_path / "store"
    with bootstrap.opened(play(data, database_url)) as store:
        cosign(store, data, *WITNESSES)
        yield store, data


@pytest.fixture(scope="session")
def bundle_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle of the cosigned scenario, exported once (read it; copy it to change it)."""
    folder = tmp_path_factory.mktemp("bundle")
    data = folder / "store"
    with bootstrap.opened(play(data)) as store:
        cosign(store, data, *WITNESSES)
        path = folder / "istanbul.bundle.jsonl"
        with path.open("wb") as stream:
            export_bundle(store, stream)
    return path
