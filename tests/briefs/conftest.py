"""The briefs under test: the demo scenario's store (October–November 2025), played once per
session, and an independent count of its log entries to hold the brief's figures to."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import pytest

from ceasefire import bootstrap
from ceasefire.services.ports import Store
from ceasefire.settings import Settings
from tests.api.conftest import Service
from tests.api.conftest import service as service  # noqa: PLC0414  (on SQLite and PostgreSQL)

WEEK: Final = "2025-11-09"
"""A week of the demo with public and confidential reports in it (3 November to 9 November)."""
BUSY_WEEK: Final = "2025-11-16"
"""A week with findings issued and a penalty imposed (10 to 16 November)."""


@pytest.fixture(scope="session")
def demo_dir(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The briefs tests' copy of the demo scenario's store (played once per run)."""
    folder = tmp_path_factory.mktemp("briefs") / "demo"
    shutil.copytree(demo_template, folder)
    return folder


@pytest.fixture
def demo_store(demo_dir: Path) -> Iterator[Store]:
    store = bootstrap.open_store(Settings(data=demo_dir))
    try:
        yield store
    finally:
        store.engine.dispose()


@pytest.fixture
def api(service: Service) -> Service:
    """The API over a fresh mechanism, on SQLite and on PostgreSQL (``tests.api``'s)."""
    return service


@pytest.fixture
def own_demo(demo_dir: Path, tmp_path: Path) -> Path:
    """A copy of the demo store a test may append to."""
    folder = tmp_path / "demo"
    shutil.copytree(demo_dir, folder)
    return folder


@dataclass(frozen=True)
class Logged:
    index: int
    id: str
    type: str
    time: datetime
    body: dict[str, Any] | None


def logged(store: Store, size: int | None = None) -> list[Logged]:
    """The log's entries read straight from the leaves: the independent side of each check."""
    end = store.head().size if size is None else size
    found = []
    for index, leaf in store.entries(0, end):
        envelope = json.loads(leaf)
        found.append(
            Logged(
                index,
                envelope["id"],
                envelope["type"],
                datetime.fromisoformat(envelope["time"]),
                envelope.get("body"),
            )
        )
    return found
