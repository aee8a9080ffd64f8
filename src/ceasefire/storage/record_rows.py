"""The read models' rows: applying the projection's operations, and the lookups admission makes.

Operations are applied in log order; consecutive inserts into one table go to the database as
one ``executemany``, which is what lets a rebuild replay a million entries quickly.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any, Final

from sqlalchemy import Connection, Table, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ceasefire.domain.projection import KEYS, Insert, Op, Update
from ceasefire.errors import Conflict, StorageError
from ceasefire.services.ports import Row
from ceasefire.storage import entry_index, record_replay
from ceasefire.storage.report_bodies import body_sql, rows_of
from ceasefire.storage.tables import (
    PROJECTED_TABLES,
    RECORD_TABLES,
    rm_events,
    rm_progress,
    rm_reports,
)

_IN_CHUNK: Final = 500
_REBUILD_CACHE_KIB: Final = 1024 * 1024
"""SQLite's page cache during a rebuild, in KiB (it grows only as pages are used)."""
_READ_PROGRESS = select(rm_progress.c.applied).where(rm_progress.c.id == 1)
_EVENTS_BY_ID: Final = "SELECT id, idx FROM rm_events WHERE id = ANY(%s)"
_REPORT_COLUMNS: Final = (*(c.name for c in rm_reports.columns), "body")
_REPORTS_BY_DIGEST: Final = (
    f"SELECT {', '.join(_REPORT_COLUMNS[:-1])}, {body_sql('postgresql')} AS body "
    f"FROM rm_reports WHERE digest = ANY(%s) ORDER BY {', '.join(KEYS[rm_reports.name])}"
)
"""Admission's first lookups as PostgreSQL takes them from the driver (``lookup``): one
array parameter each, so the text never changes and psycopg prepares them once."""
_LISTED: Final = select(
    func.json_each(bindparam("listed")).table_valued("value").c.value
).scalar_subquery()
_SQLITE_EVENTS_BY_ID: Final = select(rm_events.c.id, rm_events.c.idx).where(
    rm_events.c.id.in_(_LISTED)
)
_SQLITE_REPORTS_BY_DIGEST: Final = (
    rows_of(rm_reports, "sqlite")
    .where(rm_reports.c.digest.in_(_LISTED))
    .order_by(*(rm_reports.c[name] for name in KEYS[rm_reports.name]))
)
"""The same lookups on SQLite: the values as one JSON array (``json_each``), so the statement
is compiled once and a thousand values are one parameter, not a thousand."""


def table(name: str) -> Table:
    found = RECORD_TABLES.get(name)
    if found is None:
        raise StorageError(f"no read-model table {name!r}")
    return found


@dataclass(frozen=True)
class Known:
    """What an append read under its lock before admission asked (``log_store``'s state
    read): the read models' progress, whole small tables, and whether lookups by key are
    already forced. Valid until the view writes."""

    applied: int | None
    tables: dict[str, list[Row]]
    by_key: bool


@dataclass(frozen=True)
class DriverWrite:
    """One statement for the driver and its rows of parameters; ``target`` names the table an
    insert fills, which PostgreSQL may fill with a ``COPY`` instead."""

    sql: str
    rows: list[tuple[Any, ...]]
    target: Table | None = None


class SqlRecordView:
    """Implements :class:`ceasefire.services.ports.RecordView` on one open transaction.

    With ``deferred``, :meth:`apply` adds its writes to that list instead of running them: the
    append that owns the list sends them with its own (``log_store``), in one round trip."""

    def __init__(
        self,
        connection: Connection,
        known: Known | None = None,
        *,
        deferred: list[DriverWrite] | None = None,
    ) -> None:
        self.connection = connection
        self._known = known
        self._deferred = deferred
        self._lookups_by_key = known is not None and known.by_key

    def _flush(self) -> None:
        """Writes deferred by :meth:`apply` go out before a read, which must see them."""
        if self._deferred:
            run_writes(self.connection, self._deferred)
            self._deferred.clear()

    def _by_key(self) -> None:
        """Lookups by key use the index, whatever PostgreSQL's statistics say.

        Admission looks rows up by key inside the append transaction. A table filled faster
        than autovacuum analyzes it (a fresh log, a bulk import) still has the statistics of an
        empty table, and the planner then scans it for every lookup: 100,000 events appended to
        a fresh PostgreSQL log in batches of 10,000 ran at 750/s instead of about 6,000/s
        (docs/benchmarks.md, section 2). Every query of this view is a lookup by an indexed
        column, so sequential scans are switched off for the rest of this transaction
        (``SET LOCAL``)."""
        if not self._lookups_by_key and self.connection.dialect.name == "postgresql":
            self.connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        self._lookups_by_key = True

    def applied(self) -> int:
        self._flush()
        if self._known is not None:
            value = self._known.applied
        else:
            value = self.connection.execute(_READ_PROGRESS).scalar_one_or_none()
        if value is None:
            raise StorageError("the read models have no progress row: run `ceasefire db upgrade`")
        return int(value)

    def event_indices(self, ids: Collection[str]) -> dict[str, int]:
        self._flush()
        found: dict[str, int] = {}
        self._by_key()
        for chunk in _chunks(list(ids)):
            query = select(rm_events.c.id, rm_events.c.idx).where(rm_events.c.id.in_(chunk))
            found.update({row.id: row.idx for row in self.connection.execute(query)})
        return found

    def rows(self, table_name: str, column: str, values: Collection[Any]) -> list[Row]:
        self._flush()
        source = table(table_name)
        found: list[Row] = []
        self._by_key()
        for chunk in _chunks(list(values)):
            query = (
                rows_of(source, self.connection.dialect.name)
                .where(source.c[column].in_(chunk))
                .order_by(*_key(source))
            )
            found.extend(dict(row._mapping) for row in self.connection.execute(query))
        return found

    def lookup(
        self, ids: Collection[str], digests: Collection[str]
    ) -> tuple[dict[str, int], list[Row]]:
        """Admission makes these with the append lock held, while every other appender waits.
        On SQLite each is one statement whose values are one JSON array. On PostgreSQL both go
        to the driver in one pipeline, one round trip instead of two (lists longer than a
        chunk: in chunks, one query after the other)."""
        if self.connection.dialect.name == "sqlite":
            return self._sqlite_lookup(ids, digests)
        if (
            self.connection.dialect.name != "postgresql"
            or len(ids) > _IN_CHUNK
            or len(digests) > _IN_CHUNK
        ):
            indices = self.event_indices(ids)
            return indices, self.rows(rm_reports.name, "digest", digests) if digests else []
        self._flush()
        self._by_key()
        raw: Any = self.connection.connection.driver_connection  # psycopg
        with raw.cursor() as events, raw.cursor() as reports:
            with raw.pipeline():
                events.execute(_EVENTS_BY_ID, (list(ids),))
                if digests:
                    reports.execute(_REPORTS_BY_DIGEST, (list(digests),))
            indices = {str(event_id): int(index) for event_id, index in events.fetchall()}
            rows: list[Row] = []
            if digests:
                rows += (dict(zip(_REPORT_COLUMNS, row, strict=True)) for row in reports.fetchall())
        return indices, rows

    def _sqlite_lookup(
        self, ids: Collection[str], digests: Collection[str]
    ) -> tuple[dict[str, int], list[Row]]:
        self._flush()
        listed = {"listed": json.dumps(list(ids))}
        indices = {row.id: row.idx for row in self.connection.execute(_SQLITE_EVENTS_BY_ID, listed)}
        if not digests:
            return indices, []
        listed = {"listed": json.dumps(list(digests))}
        found = self.connection.execute(_SQLITE_REPORTS_BY_DIGEST, listed)
        return indices, [dict(row._mapping) for row in found]

    def all_rows(self, table_name: str) -> list[Row]:
        self._flush()
        known = self._known.tables.get(table_name) if self._known is not None else None
        if known is not None:  # copies: the caller may change them, the cache is shared
            return [dict(row) for row in known]
        source = table(table_name)
        query = rows_of(source, self.connection.dialect.name).order_by(*_key(source))
        return [dict(row._mapping) for row in self.connection.execute(query)]

    def apply(self, ops: Sequence[Op], applied: int) -> None:
        """Inserts are gathered by table and updates by the columns they set, and written in
        bulk: every insert first, then the updates in their order. That is the log's order
        wherever it matters: an update only ever touches a row inserted before it (a report is
        corrected, withdrawn or disclosed after it was submitted), and no row is inserted
        twice."""
        self._known = None
        writes = self._writes(ops, applied)
        if self._deferred is not None:
            self._deferred.extend(writes)  # run with the append's own (``log_store``)
            return
        try:
            run_writes(self.connection, writes)
        except IntegrityError as exc:  # admission refuses a known id first: a safety net
            raise Conflict(f"the append clashed with rows already stored: {exc.orig}") from exc

    def _writes(self, ops: Sequence[Op], applied: int) -> list[DriverWrite]:
        inserts: dict[str, list[dict[str, Any]]] = {}
        updates: list[Update] = []
        for op in ops:
            if isinstance(op, Insert):
                inserts.setdefault(op.table, []).append(op.row)
            else:
                updates.append(op)
        paramstyle = self.connection.dialect.paramstyle
        writes = [
            _insert(table(name), inserts[name], paramstyle)
            for name in RECORD_TABLES
            if name in inserts
        ]
        writes += [_update(run, paramstyle) for run in _runs(updates)]
        marker = _marker(paramstyle)
        writes.append(
            DriverWrite(f"UPDATE rm_progress SET applied = {marker} WHERE id = 1", [(applied,)])
        )
        return writes

    def project_in_database(self, start: int, end: int) -> bool:
        return record_replay.project_in_database(self.connection, start, end)

    def withdraw_in_database(self, start: int, end: int) -> bool:
        return record_replay.withdraw_in_database(self.connection, start, end)

    def left_over(self, start: int, end: int, *, complete: bool) -> list[tuple[int, bytes]]:
        return record_replay.left_over(self.connection, start, end, complete=complete)

    def clear(self) -> None:
        self._known = None
        for source in reversed(list(PROJECTED_TABLES.values())):
            self.connection.execute(delete(source))
        self.connection.execute(update(rm_progress).where(rm_progress.c.id == 1).values(applied=0))

    def entries_indexed(self, size: int) -> bool:
        return entry_index.is_complete(self.connection, size)

    def index_entries(self, size: int, chunk: int) -> None:
        self._known = None
        entry_index.reindex(self.connection, size, chunk)

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Drop the read models' secondary indexes for a bulk load and build them afterwards:
        one sort per index instead of a million random b-tree insertions."""
        indexes = [index for source in PROJECTED_TABLES.values() for index in source.indexes]
        for index in indexes:
            index.drop(self.connection)
        yield
        for index in indexes:
            index.create(self.connection)

    @contextmanager
    def large_cache(self) -> Iterator[None]:
        """On SQLite, a page cache big enough to hold what a rebuild changes, for as long as it
        runs. A rebuild is one transaction: with the default cache (2 MB) SQLite writes changed
        pages out to the WAL long before the commit, and writes the same index page again every
        time a later row changes it. The cache is memory only (what is durable, and when, does
        not change); the connection's own size is restored afterwards."""
        if self.connection.dialect.name != "sqlite":
            yield
            return
        before = self.connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
        self.connection.exec_driver_sql(f"PRAGMA cache_size = -{_REBUILD_CACHE_KIB}")
        try:
            yield
        finally:
            self.connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def run_writes(connection: Connection, writes: Sequence[DriverWrite]) -> None:
    """Rows straight to the driver, in bulk: the read models' one hot path (every admitted
    event and every replayed entry), where SQLAlchemy's per-row processing would cost more
    than the database's own work. SQLite takes an ``executemany``; PostgreSQL a ``COPY`` for
    an insert, since psycopg runs an ``executemany`` as one pipelined INSERT per row. The
    columns are plain types (text, numbers, bool), which ``COPY``'s text format carries as
    they are."""
    postgres = connection.dialect.name == "postgresql"
    for write in writes:
        if postgres and write.target is not None:
            _copy(connection, write.target, write.rows)
        else:
            connection.exec_driver_sql(write.sql, write.rows)


def _insert(target: Table, rows: list[dict[str, Any]], paramstyle: str) -> DriverWrite:
    columns = [c.name for c in target.columns]
    pick = itemgetter(*columns)
    try:
        values = [pick(row) for row in rows]
    except KeyError:  # a row that leaves out a column: NULL, the slow way
        values = [tuple(row.get(c) for c in columns) for row in rows]
    return DriverWrite(_insert_sql(target, paramstyle), values, target)


def _update(run: list[Update], paramstyle: str) -> DriverWrite:
    """Updates of one table that set the same columns: one executemany."""
    first = run[0]
    target = table(first.table)
    columns = [column for column in first.values if column in target.c]  # not a report's body
    assignments = ", ".join(f"{column} = {{m}}" for column in columns)
    where = " AND ".join(f"{column} = {{m}}" for column in first.key)
    statement = f"UPDATE {target.name} SET {assignments} WHERE {where}"
    values = [(*(op.values[c] for c in columns), *op.key.values()) for op in run]
    return DriverWrite(statement.replace("{m}", _marker(paramstyle)), values)


def _marker(paramstyle: str) -> str:
    return "?" if paramstyle == "qmark" else "%s"


def _copy(connection: Connection, target: Table, values: list[tuple[Any, ...]]) -> None:
    raw: Any = connection.connection.driver_connection  # psycopg
    names = ", ".join(c.name for c in target.columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {target.name} ({names}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


@lru_cache(maxsize=32)
def _insert_sql(target: Table, paramstyle: str) -> str:
    marker = _marker(paramstyle)
    names = ", ".join(c.name for c in target.columns)
    return (
        f"INSERT INTO {target.name} ({names}) VALUES ({', '.join(marker for _ in target.columns)})"
    )


def _runs(updates: list[Update]) -> Iterator[list[Update]]:
    """Consecutive updates of one table setting the same columns, in order."""
    run: list[Update] = []
    for op in updates:
        if run and (op.table, list(op.values), list(op.key)) != (
            run[0].table,
            list(run[0].values),
            list(run[0].key),
        ):
            yield run
            run = []
        run.append(op)
    if run:
        yield run


def _key(source: Table) -> list[Any]:
    return [source.c[k] for k in KEYS[source.name]]


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]
