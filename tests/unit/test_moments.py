"""The moments and days a client may ask about: read as written, within one bound.

The bound runs from 2000-01-01 to a year after the asking edge's clock (``now``, passed in);
whatever the text, the readers answer a moment within it or an ``InvalidInput`` naming the
field, never another exception.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain import moments
from ceasefire.domain.moments import EARLIEST, bounded_as_of, bounded_day, latest, parse_as_of
from ceasefire.errors import InvalidInput

T = TypeVar("T")

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LAST = date(2027, 3, 2)  # 366 days after NOW

OFFSETS = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23))
TEXTS = st.one_of(
    st.text(),
    st.dates().map(date.isoformat),
    st.datetimes(timezones=st.builds(timezone, OFFSETS)).map(datetime.isoformat),
    st.datetimes().map(datetime.isoformat),
    st.sampled_from(["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "2025-W01-1"]),
)


def outcome(read: Callable[[], T]) -> T | InvalidInput:
    """What ``read`` answers, or the refusal it raised (any other exception propagates)."""
    try:
        return read()
    except InvalidInput as refusal:
        return refusal


def test_the_last_day_is_a_year_after_now_s_day_in_utc() -> None:
    assert latest(NOW) == LAST
    evening_in_bogota = datetime(2026, 3, 1, 23, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert latest(evening_in_bogota) == LAST + timedelta(days=1)  # 2 March already, in UTC


def test_a_day_means_its_end_and_a_time_is_read_in_utc() -> None:
    assert bounded_as_of("2025-11-02", now=NOW) == datetime(2025, 11, 2, 23, 59, 59, tzinfo=UTC)
    moment = bounded_as_of("2025-11-02T10:00:00+05:00", now=NOW)
    assert moment == datetime(2025, 11, 2, 5, 0, tzinfo=UTC)
    assert moment.tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["2000-01-01", "2000-01-01T00:00:00Z", LAST.isoformat(), f"{LAST}T23:59:59Z"]
)
def test_the_bounds_themselves_are_accepted(text: str) -> None:
    assert EARLIEST <= bounded_as_of(text, now=NOW).date() <= LAST


@pytest.mark.parametrize(
    "text",
    [
        "1999-12-31",
        "2000-01-01T00:30:00+01:00",  # 1999-12-31 in UTC
        (LAST + timedelta(days=1)).isoformat(),
        f"{LAST}T23:30:00-01:00",  # the day after in UTC
        "3000-01-01",
        "9999-12-31",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-01:00",
        "0001-01-01",
        "0001-01-01T00:00:00+01:00",
    ],
)
def test_a_moment_out_of_the_bound_is_refused_saying_what_is_accepted(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        bounded_as_of(text, now=NOW)
    assert raised.value.field == "as_of"
    assert f"from 2000-01-01 to {LAST}" in raised.value.message


def test_a_clock_a_year_later_accepts_a_year_more() -> None:
    asked = (LAST + timedelta(days=30)).isoformat()
    with pytest.raises(InvalidInput):
        bounded_as_of(asked, now=NOW)
    assert bounded_as_of(asked, now=NOW + timedelta(days=365)).date() == LAST + timedelta(days=30)


@pytest.mark.parametrize("text", ["1999-12-31", "9999-12-31", "0001-01-01", "2027-03-03"])
def test_a_brief_day_out_of_the_bound_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        bounded_day(text, now=NOW)
    assert raised.value.field == "day"
    assert "2000-01-01" in raised.value.message


def test_an_error_quotes_only_a_prefix_of_a_long_text() -> None:
    text = "9" * 5000
    for refusal in (
        outcome(lambda: bounded_as_of(text, now=NOW)),
        outcome(lambda: bounded_day(text, now=NOW)),
    ):
        assert isinstance(refusal, InvalidInput)
        assert len(refusal.message) < 200


def test_the_record_s_own_time_near_the_calendar_s_end_is_refused_not_overflowed() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_as_of("9999-12-31T23:59:59-01:00")
    assert raised.value.field == "as_of"


@given(TEXTS)
def test_any_text_is_a_moment_within_the_bound_or_refused(text: str) -> None:
    found = outcome(lambda: bounded_as_of(text, now=NOW))
    if isinstance(found, InvalidInput):
        assert found.field == "as_of"
    else:
        assert found.utcoffset() == timedelta(0)
        assert EARLIEST <= found.date() <= LAST


@given(TEXTS)
def test_any_text_is_a_day_within_the_bound_or_refused(text: str) -> None:
    found = outcome(lambda: bounded_day(text, now=NOW))
    if isinstance(found, InvalidInput):
        assert found.field == "day"
    else:
        assert EARLIEST <= found <= LAST


@given(TEXTS)
def test_any_text_is_a_utc_moment_or_refused_when_read_without_bound(text: str) -> None:
    found = outcome(lambda: parse_as_of(text))
    assert isinstance(found, InvalidInput) or found.utcoffset() == timedelta(0)


@given(st.datetimes(timezones=st.builds(timezone, OFFSETS)))
def test_within_keeps_a_moment_in_the_bound_and_refuses_the_rest(moment: datetime) -> None:
    first = datetime.combine(EARLIEST, time(0), tzinfo=UTC)
    after = datetime.combine(LAST + timedelta(days=1), time(0), tzinfo=UTC)
    try:
        kept = moments.within(moment, now=NOW)
    except InvalidInput:
        assert not first <= moment < after
        return
    assert kept == moment
    assert first <= kept < after
