"""The read-model queries a brief uses to find which log entries it must read (``services.
brief_scope``): each answers with log indices below the checkpoint's size, through the indexes
of migration 0006, and may answer with more than is needed, never with less — the brief is
folded from the entries themselves.

Dates and times are compared as the ISO strings the read models hold, so the bounds given are
whole days with a day's margin on either side. A query over a range of dates or times leaves
``idx < size`` to Python (see :func:`_below`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, select, union_all
from sqlalchemy import Row as Row_

from ceasefire.domain.events import REPORT_SUBMITTED
from ceasefire.services.ports import Row
from ceasefire.storage.tables import rm_events, rm_reports

_r = rm_reports.c
_PAGE = 500


def folded(connection: Connection, types: Collection[str], size: int) -> list[int]:
    """Every entry below ``size`` of one of ``types`` (none a report submission)."""
    query = select(rm_events.c.idx).where(
        rm_events.c.type != REPORT_SUBMITTED,
        rm_events.c.type.in_(sorted(types)),
        rm_events.c.idx < size,
    )
    return list(connection.execute(query).scalars())


def casework_reports(connection: Connection, size: int) -> list[int]:
    """Claims of compliance and disclosed reports submitted below ``size``."""
    query = select(_r.idx).where(
        (_r.kind == "compliance_claim") | _r.disclosed_at.is_not(None), _r.idx < size
    )
    return list(connection.execute(query).scalars())


def received(connection: Connection, first: date, last: date, size: int) -> list[int]:
    """Reports and versions whose entry is dated from ``first`` to ``last`` (a day more each
    side), below ``size``."""
    query = select(_r.idx).where(_r.time >= first.isoformat(), _r.time < last.isoformat())
    return [idx for idx in connection.execute(query).scalars() if idx < size]


def dated(connection: Connection, first: date, last: date, size: int) -> list[Row]:
    """Report versions below ``size`` whose dates meet ``first``–``last``: id, index and
    where it was disclosed."""
    low, high = first.isoformat(), last.isoformat()
    columns = (_r.id, _r.idx, _r.disclosed_at)
    ranged = select(*columns).where(_r.end_date >= low, _r.start_date <= high)
    single = select(*columns).where(
        _r.end_date.is_(None), _r.start_date >= low, _r.start_date <= high
    )
    return _below(size, connection.execute(union_all(ranged, single)))


_ALLEGATION = (
    _r.id,
    _r.idx,
    _r.act,
    _r.start_date,
    _r.time,
    _r.confidential,
    _r.withdrawn_at,
    _r.superseded_by,
)


def allegations_after(connection: Connection, party: str, size: int, after: int) -> list[Row]:
    """The next page of allegations against ``party`` below ``size``, in log order after
    index ``after`` (an empty page: no more)."""
    query = (
        select(*_ALLEGATION)
        .where(_r.kind == "allegation", _r.alleged_party == party, _r.idx < size, _r.idx > after)
        .order_by(_r.idx)
        .limit(_PAGE)
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def allegations_dated(
    connection: Connection, party: str, first: date, last: date, size: int
) -> list[Row]:
    """Allegations against ``party`` below ``size`` whose first day lies from ``first`` to
    ``last``, in log order."""
    low, high = first.isoformat(), last.isoformat()
    query = (
        select(*_ALLEGATION)
        .where(_r.kind == "allegation", _r.alleged_party == party)
        .where(_r.start_date >= low, _r.start_date <= high)
        .where((_r.end_date >= low) | _r.end_date.is_(None))
    )
    return sorted(_below(size, connection.execute(query)), key=lambda row: int(row["idx"]))


def _below(size: int, rows: Iterable[Row_[Any]]) -> list[Row]:
    """The rows below ``size``, filtered here: with ``idx < size`` in the query, SQLite's
    planner walks the ``idx`` index over the whole table instead of the dates' range."""
    return [dict(row._mapping) for row in rows if row.idx < size]


class SqlBriefIndex:
    """Implements :class:`ceasefire.services.brief_scope.BriefIndex`, a query per connection."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def folded(self, types: Collection[str], size: int) -> list[int]:
        with self._engine.connect() as connection:
            return folded(connection, types, size)

    def casework_reports(self, size: int) -> list[int]:
        with self._engine.connect() as connection:
            return casework_reports(connection, size)

    def received(self, first: date, last: date, size: int) -> list[int]:
        with self._engine.connect() as connection:
            return received(connection, first, last, size)

    def dated(self, first: date, last: date, size: int) -> list[Row]:
        with self._engine.connect() as connection:
            return dated(connection, first, last, size)

    def allegations_after(self, party: str, size: int, after: int) -> list[Row]:
        with self._engine.connect() as connection:
            return allegations_after(connection, party, size, after)

    def allegations_dated(self, party: str, first: date, last: date, size: int) -> list[Row]:
        with self._engine.connect() as connection:
            return allegations_dated(connection, party, first, last, size)
