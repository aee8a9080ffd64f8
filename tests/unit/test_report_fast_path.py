"""The fast reader of report bodies agrees with the general one, on any body.

``plain_report`` may answer ``None`` (defer) for any body, but when it answers a report, it is
the report ``read_report`` reads; and ``parse_report``, which tries it first, answers and
refuses exactly as ``read_report`` does. Invalid bodies are valid ones with a few values
replaced, removed or added, anywhere in the body.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.domain.report_fast import plain_report
from ceasefire.domain.report_parts import MAX_COUNT
from ceasefire.domain.reports import Report, parse_report, read_report, report_body
from ceasefire.errors import InvalidInput
from ceasefire.log.canonical import canonical_copy
from tests.report_bodies import allegation_body, compliance_body
from tests.unit.test_report_properties import reports

Path = tuple[str | int, ...]

FIELDS = sorted(
    {"kind", "dates", "location", "act", "alleged_party", "actors", "targets", "casualties"}
    | {"narrative", "language", "sources", "clauses", "commitment", "step", "start", "end"}
    | {"precision", "latitude", "longitude", "place", "admin1", "admin2", "country", "sector"}
    | {"blur_km", "killed", "injured", "military", "civilian", "unknown", "low", "best", "high"}
    | {"name", "reliability", "credibility", "withheld", "reference", "extra"}
)
"""Every field name a report body knows, at any depth, and one it does not."""

odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 8),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4),
    st.sampled_from(
        [
            MAX_COUNT,
            MAX_COUNT + 1,
            10**30,
            1.0,
            -90.5,
            180.5,
            0.5,
            100.5,
            "",
            " ",
            "\u2003",
            "x" * 36,
            "x" * 65,
            "x" * 201,
            "x" * 2001,
            "allegation",
            "compliance_claim",
            "day",
            "near",
            "media",
            "C",
            "en",
            "AF",
            "af",
            "1",
            "2(b)",
            "a b",
            "2025-10-15",
            "2025-02-30",
            "2025-1-15",
            date(2025, 10, 15),
            [],
            {},
            ["1", "1"],
            {"low": 3, "best": 2, "high": 4},
            {"low": 1, "best": 2},
        ]
    ),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.sampled_from(["low", "best", "high", "name", "x"]), st.integers(-1, 5)),
)


def paths(value: object, at: Path = ()) -> list[Path]:
    """Every position in a JSON-like value, the value itself first."""
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(paths(item, (*at, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(paths(item, (*at, i)))
    return found


def mutate(body: dict[str, Any], draw: st.DrawFn) -> dict[str, Any]:
    """``body`` with one value replaced or removed, or one field or item added."""
    at = draw(st.sampled_from(paths(body)))
    if not at:
        body[draw(st.sampled_from(FIELDS))] = draw(odd_values)
        return body
    parent: Any = body
    for step in at[:-1]:
        parent = parent[step]
    last = at[-1]
    match draw(st.sampled_from(["replace", "remove", "add"])):
        case "replace":
            parent[last] = draw(odd_values)
        case "remove":
            del parent[last]
        case _ if isinstance(parent[last], dict):
            parent[last][draw(st.sampled_from(FIELDS))] = draw(odd_values)
        case _ if isinstance(parent[last], list):
            parent[last].append(draw(odd_values))
        case _:
            parent[last] = [parent[last]]
    return body


@st.composite
def odd_bodies(draw: st.DrawFn) -> dict[str, Any]:
    base = draw(
        st.sampled_from([allegation_body, compliance_body]).map(lambda make: make())
        | reports.map(report_body)
    )
    body = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        body = mutate(body, draw)
    return body


def outcome(read: Any, body: object) -> Report | tuple[str, str | None]:
    try:
        report: Report = read(body, "body")
    except InvalidInput as exc:
        return exc.message, exc.field
    return report


def check_agreement(body: object) -> None:
    expected = outcome(read_report, body)
    fast = plain_report(body)

    if fast is not None:
        assert repr(fast) == repr(expected)  # repr also tells 1 from 1.0
        assert fast == expected
    assert repr(outcome(parse_report, body)) == repr(expected)


@given(reports)
def test_the_fast_reader_reads_every_canonical_body(report: Report) -> None:
    body = report_body(report)

    assert plain_report(body) == report
    assert plain_report(canonical_copy(body)) == report


def test_the_fast_reader_reads_the_realistic_bodies() -> None:
    for body in (allegation_body(), compliance_body(), compliance_body(location=None)):
        report = plain_report(body)

        assert report is not None
        assert repr(report) == repr(read_report(body))


@settings(max_examples=1000)
@given(odd_bodies())
def test_the_fast_reader_defers_or_agrees_and_refusals_are_unchanged(body: object) -> None:
    check_agreement(body)


@given(st.one_of(odd_values, st.lists(odd_values, max_size=2)))
def test_anything_but_an_object_is_left_to_the_general_reader(body: object) -> None:
    assert plain_report(body) is None
    check_agreement(body)
