"""``as of``: the moment a question about the record is asked for, as people write it.

A day means the end of that day in UTC (the status "as of 22 November" counts everything that
day); a time must carry its zone. One reading for the CLI (``--as-of``), the API and the web
(``?as_of=``), and one bound for the moments and the brief days clients ask about
(:func:`bounded_as_of`, :func:`bounded_day`, :func:`within`).

The bound: a UTC day from :data:`EARLIEST` (2000-01-01) to :data:`AHEAD` (a year) after
``now``. Every record this software keeps is younger (its logs began in 2025, and ``as of``
reads an entry's time in the log, not the dates of the events it reports), so an earlier
moment asks about an empty log. A later one asks what the agreement's clocks will say long
after anything anyone can still act on, and costs each fold one more period per recurring
deadline (all are counted up to the moment: the year 3000 took seconds and tens of megabytes,
and near the year 9999 a day no longer fits a date). A year ahead leaves room to look at the
deadlines to come. ``now`` is the asking edge's clock, passed in: the domain reads no clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from ceasefire.errors import InvalidInput

EARLIEST: Final = date(2000, 1, 1)
AHEAD: Final = timedelta(days=366)
_QUOTED: Final = 40


def latest(now: datetime) -> date:
    """The last day a moment or a brief may name, seen from ``now`` (an aware time)."""
    return (now.astimezone(UTC) + AHEAD).date()


def parse_as_of(text: str, field: str = "as_of") -> datetime:
    """``YYYY-MM-DD`` (the end of that day, UTC) or an ISO time with its zone, as UTC; what a
    client asks for goes through :func:`bounded_as_of` instead."""
    moment = _read(text, field)
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput(
            f"a time with no date in UTC, found {quoted(text)}", field=field
        ) from exc


def bounded_as_of(text: str, *, now: datetime, field: str = "as_of") -> datetime:
    """:func:`parse_as_of`, on a UTC day within the bound seen from ``now``: how the API, the
    web pages and the CLI read the moment a client asks about."""
    return _within(_read(text, field), text, now, field)


def bounded_day(text: str, *, now: datetime, field: str = "day") -> date:
    """A day ``YYYY-MM-DD`` within the bound seen from ``now`` (a brief's date)."""
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"expected a date YYYY-MM-DD, found {quoted(text)}", field=field
        ) from exc
    if not EARLIEST <= day <= latest(now):
        raise _out_of_range(text, now, field)
    return day


def within(moment: datetime, *, now: datetime, field: str = "as_of") -> datetime:
    """An aware ``moment`` as UTC when its UTC day is within the bound seen from ``now``."""
    return _within(moment, moment.isoformat(), now, field)


def _within(moment: datetime, text: str, now: datetime, field: str) -> datetime:
    first = datetime.combine(EARLIEST, time(0), tzinfo=UTC)
    after = datetime.combine(latest(now) + timedelta(days=1), time(0), tzinfo=UTC)
    # Compared before converting: a moment near year 1 or 9999 may have no date in UTC.
    if not first <= moment < after:
        raise _out_of_range(text, now, field)
    return moment.astimezone(UTC)


def _read(text: str, field: str) -> datetime:
    """The aware moment ``text`` names, in its own zone."""
    try:
        if len(text) == len("YYYY-MM-DD"):
            return datetime.combine(date.fromisoformat(text), time(23, 59, 59), tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, found {quoted(text)}", field=field
        ) from exc
    if moment.utcoffset() is None:
        raise InvalidInput(f"a time needs its zone (Z for UTC), found {quoted(text)}", field=field)
    return moment


def quoted(text: str) -> str:
    """A client's text as an error repeats it: a short prefix, never all of it."""
    return repr(text) if len(text) <= _QUOTED else f"{text[:_QUOTED]!r}…"


def _out_of_range(found: str, now: datetime, field: str) -> InvalidInput:
    return InvalidInput(
        f"expected a day from {EARLIEST} to {latest(now)} (a year after today): the record "
        f"holds nothing older, and a later day would have every recurring deadline counted "
        f"through years nobody can act on; found {quoted(found)}",
        field=field,
    )
