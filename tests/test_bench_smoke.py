"""``make bench`` must keep working: its quick mode runs every section on small inputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quick_benchmark_runs_every_section_and_reports_targets() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--no-postgres"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    headings = ("### 1.", "### 2.", "### 3.", "### 4.", "### 5.", "### 6.", "### 7.", "### 8.")
    for heading in (*headings, "### Targets"):
        assert heading in result.stdout
