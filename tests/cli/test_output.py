"""What the CLI prints as JSON: one line, every value in a JSON type."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from enum import StrEnum

import pytest

from ceasefire.cli import output


class Colour(StrEnum):
    RED = "red"


def test_moments_days_and_enumerations_are_written_as_the_api_writes_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    captured = datetime(2024, 10, 11, 6, 30, tzinfo=UTC)
    output.json_line({"captured_at": captured, "day": date(2025, 11, 6), "colour": Colour.RED})
    line = capsys.readouterr().out
    assert line.count("\n") == 1
    assert json.loads(line) == {
        "captured_at": "2024-10-11T06:30:00+00:00",
        "day": "2025-11-06",
        "colour": "red",
    }


def test_a_value_with_no_json_form_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="set has no JSON form"):
        output.json_line({"tags": {1, 2}})


def test_an_errors_square_brackets_are_printed_not_taken_for_markup(
    capsys: pytest.CaptureFixture[str],
) -> None:
    output.error("no signature by a known key: expected one of [log+1a2b3c4d], found [x+00000001]")
    printed = capsys.readouterr().err
    assert "expected one of [log+1a2b3c4d], found [x+00000001]" in printed
