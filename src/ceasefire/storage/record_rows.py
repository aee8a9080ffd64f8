"""The read models' rows: applying the projection's operations, and the lookups admission makes.

Operations are applied in log order; consecutive inserts into one table go to the database as
one ``executemany``, which is what lets a rebuild replay a million entries quickly.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from operator import itemgetter
from typing import Any, Final

from sqlalchemy import Connection, Table, and_, delete, select, update

from ceasefire.domain.projection import KEYS, Insert, Op
from ceasefire.errors import StorageError
from ceasefire.services.ports import Row
from ceasefire.storage import record_replay
from ceasefire.storage.tables import RECORD_TABLES, rm_events, rm_progress

_IN_CHUNK: Final = 500
_READ_PROGRESS = select(rm_progress.c.applied).where(rm_progress.c.id == 1)


def table(name: str) -> Table:
    found = RECORD_TABLES.get(name)
    if found is None:
        raise StorageError(f"no read-model table {name!r}")
    return found


class SqlRecordView:
    """Implements :class:`ceasefire.services.ports.RecordView` on one open transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def applied(self) -> int:
        value = self.connection.execute(_READ_PROGRESS).scalar_one_or_none()
        if value is None:
            raise StorageError("the read models have no progress row: run `ceasefire db upgrade`")
        return int(value)

    def event_indices(self, ids: Collection[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(list(ids)):
            query = select(rm_events.c.id, rm_events.c.idx).where(rm_events.c.id.in_(chunk))
            found.update({row.id: row.idx for row in self.connection.execute(query)})
        return found

    def rows(self, table_name: str, column: str, values: Collection[Any]) -> list[Row]:
        source = table(table_name)
        found: list[Row] = []
        for chunk in _chunks(list(values)):
            query = select(source).where(source.c[column].in_(chunk)).order_by(*_key(source))
            found.extend(dict(row._mapping) for row in self.connection.execute(query))
        return found

    def all_rows(self, table_name: str) -> list[Row]:
        source = table(table_name)
        query = select(source).order_by(*_key(source))
        return [dict(row._mapping) for row in self.connection.execute(query)]

    def apply(self, ops: Sequence[Op], applied: int) -> None:
        """Inserts are gathered by table (the tables are independent, so their order between
        tables does not matter) and written together whenever an update comes, which may touch
        a row inserted before it, and at the end."""
        pending: dict[str, list[dict[str, Any]]] = {}
        for op in ops:
            if isinstance(op, Insert):
                pending.setdefault(op.table, []).append(op.row)
                continue
            self._flush(pending)
            target = table(op.table)
            condition = and_(*(target.c[k] == v for k, v in op.key.items()))
            self.connection.execute(update(target).where(condition).values(op.values))
        self._flush(pending)
        self.connection.execute(
            update(rm_progress).where(rm_progress.c.id == 1).values(applied=applied)
        )

    def project_in_database(self, start: int, end: int) -> list[int]:
        return record_replay.project_in_database(self.connection, start, end)

    def _flush(self, pending: dict[str, list[dict[str, Any]]]) -> None:
        for name in [n for n in RECORD_TABLES if n in pending]:
            self._insert(table(name), pending.pop(name))

    def _insert(self, target: Table, rows: list[dict[str, Any]]) -> None:
        """Rows straight to the driver's executemany: the read models' one hot path (a rebuild
        inserts every row of every table), where SQLAlchemy's per-row processing would cost
        more than the database's own work. The columns are plain types (text, numbers, bool)."""
        columns = [c.name for c in target.columns]
        pick = itemgetter(*columns)
        try:
            values = [pick(row) for row in rows]
        except KeyError:  # a row that leaves out a column: NULL, the slow way
            values = [tuple(row.get(c) for c in columns) for row in rows]
        self.connection.exec_driver_sql(
            _insert_sql(target, self.connection.dialect.paramstyle), values
        )

    def clear(self) -> None:
        for source in reversed(list(RECORD_TABLES.values())):
            self.connection.execute(delete(source))
        self.connection.execute(update(rm_progress).where(rm_progress.c.id == 1).values(applied=0))

    @contextmanager
    def without_indexes(self) -> Iterator[None]:
        """Drop the read models' secondary indexes for a bulk load and build them afterwards:
        one sort per index instead of a million random b-tree insertions."""
        indexes = [index for source in RECORD_TABLES.values() for index in source.indexes]
        for index in indexes:
            index.drop(self.connection)
        yield
        for index in indexes:
            index.create(self.connection)


@lru_cache(maxsize=32)
def _insert_sql(target: Table, paramstyle: str) -> str:
    marker = "?" if paramstyle == "qmark" else "%s"
    names = ", ".join(c.name for c in target.columns)
    return (
        f"INSERT INTO {target.name} ({names}) VALUES ({', '.join(marker for _ in target.columns)})"
    )


def _key(source: Table) -> list[Any]:
    return [source.c[k] for k in KEYS[source.name]]


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]
