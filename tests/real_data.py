"""Where the real third-party data lives: ``shared/data/real`` beside the checkout.

The files may not be copied into this repository (their terms restrict redistribution), so the
tests read them in place: from ``CEASEFIRE_REAL_DATA`` when set, else from the first
``shared/data/real`` found beside the checkout or one of its parents. Tests that need them skip
when they are absent, except under ``CI=true``, where their absence is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parents[1]


def _locate() -> Path:
    given = os.environ.get("CEASEFIRE_REAL_DATA")
    if given:
        return Path(given)
    for folder in ROOT.parents:
        candidate = folder / "shared" / "data" / "real"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "data" / "real"  # absent: named in the skip or failure


REAL: Final = _locate()


def real_file(name: str) -> Path:
    """The real data file ``name``; the test skips when it is absent, except under ``CI=true``,
    where its absence fails the test (CI must exercise the real data)."""
    path = REAL / name
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing (CI=true requires the real data)")
        pytest.skip(f"{path} is absent")
    return path
