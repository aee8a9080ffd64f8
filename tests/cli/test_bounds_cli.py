"""The CLI holds "as of" moments and brief dates to the bound the API keeps
(``domain.moments``), refusing the rest as invalid input (exit 3) before reading any store."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["status", "--as-of", "9999-12-31"], "as-of"),
        (["status", "--as-of", "0001-01-01"], "as-of"),
        (["commitments", "--as-of", "3000-01-01"], "as-of"),
        (["brief", "--period", "weekly", "--date", "9999-12-31"], "date"),
        (["brief", "--period", "daily", "--date", "0001-01-01"], "date"),
        (["verify", "--bundle", "missing.zip", "--as-of", "9999-12-31T23:59:59Z"], "as_of"),
    ],
)
def test_a_moment_out_of_the_bound_is_invalid_input(
    tmp_path: Path, args: list[str], field: str
) -> None:
    result = runner.invoke(app, [*args, "--data", str(tmp_path / "none")])
    assert result.exit_code == 3, result.output
    assert f"{field}: expected a day from 2000-01-01" in result.output
