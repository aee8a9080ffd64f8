"""Fixtures of the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import ScratchLog, make_log


@pytest.fixture
def log(database_url: str, tmp_path: Path) -> Iterator[ScratchLog]:
    """A freshly initialised log on each database, closed afterwards."""
    scratch = make_log(database_url, tmp_path / "data")
    try:
        yield scratch
    finally:
        scratch.store.close()
