"""The log on SQLite or PostgreSQL through SQLAlchemy Core.

Appends are serialised by the first statement of the write transaction, a no-op conditional
update of the single ``log_head`` row (``UPDATE … SET size = size … RETURNING size``): on
PostgreSQL it takes that row's lock, so a concurrent appender waits and then reads the size the
first one committed; on SQLite the transaction already began ``IMMEDIATE``. The final size is
written with ``WHERE size = :old`` as a second guard, and the primary keys on entries and nodes
make a duplicate index impossible. Nothing is ever updated in place except the head's size.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from ceasefire.errors import Conflict, NotFound, StorageError
from ceasefire.log.keyring import KeyRecord
from ceasefire.log.merkle import NodeId, root_ids
from ceasefire.services.ports import (
    AppendWrite,
    CosignatureRow,
    LogHead,
    LogIdentity,
    SealedRow,
    StoredCheckpoint,
    TokenRow,
)
from ceasefire.services.ports import (
    Row as RecordRow,
)
from ceasefire.services.reports import ReadScope, ReportFilter, ReportRows
from ceasefire.storage import report_queries, token_rows, tree_rows
from ceasefire.storage.brief_queries import SqlBriefIndex
from ceasefire.storage.engine import WRITE
from ceasefire.storage.record_rows import DriverWrite, Known, SqlRecordView, run_writes
from ceasefire.storage.tables import (
    log_checkpoints,
    log_cosignatures,
    log_entries,
    log_head,
    log_keys,
    log_nodes,
    rm_agreement_signatures,
    rm_agreements,
    rm_events,
    sealed_bodies,
)

_HEAD_ID: Final = 1
_CHUNK: Final = 5_000
_IN_CHUNK: Final = 900
"""Indices per ``IN (…)`` list: under SQLite's default limit of host parameters."""
_HEX_PREFIX: Final = re.compile(r"[0-9a-f]*")
_NOT_INITIALISED = "the store holds no log yet: run `ceasefire init` first"

# The statements every append runs, built once: building them costs more than running them.
_LOCK_HEAD = (  # a no-op update that takes the head row's lock and returns the size
    update(log_head)
    .where(log_head.c.id == _HEAD_ID)
    .values(size=log_head.c.size)
    .returning(log_head.c.origin, log_head.c.log_vkey, log_head.c.size)
)
_MOVE_HEAD = (
    update(log_head)
    .where(log_head.c.id == _HEAD_ID, log_head.c.size == bindparam("old"))
    .values(size=bindparam("new"))
)
_INSERT_CHECKPOINT = insert(log_checkpoints)
_ENTRY_ROWS = text(
    "SELECT idx, leaf, hash FROM log_entries WHERE idx >= :start AND idx < :end ORDER BY idx"
)
_LEAF_ROWS = text(
    "SELECT idx, hash FROM log_entries WHERE idx >= :start AND idx < :end ORDER BY idx"
)
_NODE_ROWS = text(
    "SELECT idx, hash FROM log_nodes WHERE level = :level AND idx >= :start AND idx < :end "
    "ORDER BY idx"
)


class SqlLogStore:
    """Implements :class:`ceasefire.services.ports.LogStore`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cache = _AppendCache()

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        """Close every pooled connection (the store may be used again: it reconnects)."""
        self._engine.dispose()

    def head(self) -> LogHead:
        with self.reading() as reader:
            return reader.head()

    @contextmanager
    def appending(self, create: LogIdentity | None = None) -> Iterator[_SqlAppend]:
        try:
            with (
                self._engine.connect().execution_options(**WRITE) as connection,
                connection.begin(),
            ):
                if create is None and connection.dialect.name == "postgresql":
                    head, state = _lock_and_read(connection, self._cache)
                    tx = _SqlAppend(connection, head, self._cache, state)
                else:
                    if create is not None:
                        _create_head(connection, create)
                    tx = _SqlAppend(connection, _lock_head(connection), self._cache)
                yield tx
                tx.flush()
        except OperationalError as exc:
            raise StorageError(f"the database refused the append: {exc.orig}") from exc
        except self._driver_error() as exc:  # from the statements sent to the driver itself
            raise StorageError(f"the database refused the append: {exc}") from exc

    def _driver_error(self) -> type[Exception]:
        """The driver's own ``OperationalError``: PostgreSQL's appends send some statements
        to psycopg directly (pipelines), whose errors SQLAlchemy does not wrap."""
        dbapi: Any = self._engine.dialect.dbapi
        found: type[Exception] = dbapi.OperationalError
        return found

    @contextmanager
    def reading(self) -> Iterator[_SqlRead]:
        """One connection and one snapshot for a read made of several queries (a proof)."""
        with self._engine.connect() as connection, connection.begin():
            yield _SqlRead(connection)

    def read_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        with self._engine.connect() as connection:
            return tree_rows.read_nodes(connection, ids)

    def entries(self, start: int, end: int) -> Iterator[tuple[int, bytes]]:
        for low in range(start, end, _CHUNK):
            high = min(low + _CHUNK, end)
            with self._engine.connect() as connection:
                rows = connection.execute(
                    select(log_entries.c.idx, log_entries.c.leaf)
                    .where(log_entries.c.idx >= low, log_entries.c.idx < high)
                    .order_by(log_entries.c.idx)
                ).all()
            for row in rows:
                yield row.idx, bytes(row.leaf)

    def entries_at(self, indices: Collection[int]) -> list[tuple[int, bytes]]:
        wanted = sorted(set(indices))
        found: list[tuple[int, bytes]] = []
        with self._engine.connect() as connection:
            for low in range(0, len(wanted), _IN_CHUNK):
                query = select(log_entries.c.idx, log_entries.c.leaf).where(
                    log_entries.c.idx.in_(wanted[low : low + _IN_CHUNK])
                )
                found.extend((row.idx, bytes(row.leaf)) for row in connection.execute(query))
        return sorted(found)

    def sealed_bodies_at(self, indices: Collection[int]) -> dict[int, str]:
        wanted = sorted(set(indices))
        found: dict[int, str] = {}
        with self._engine.connect() as connection:
            for low in range(0, len(wanted), _IN_CHUNK):
                query = select(sealed_bodies.c.idx, sealed_bodies.c.body).where(
                    sealed_bodies.c.idx.in_(wanted[low : low + _IN_CHUNK])
                )
                found.update((row.idx, row.body) for row in connection.execute(query))
        return found

    def brief_index(self) -> SqlBriefIndex:
        return SqlBriefIndex(self._engine)

    def entry_rows(self, start: int, end: int) -> list[tuple[int, bytes, bytes]]:
        """``(index, leaf, leaf hash)`` of the entries stored in ``[start, end)``, in order."""
        with self._engine.connect() as connection:
            rows = connection.execute(_ENTRY_ROWS, {"start": start, "end": end})
            return [(index, bytes(leaf), bytes(node)) for index, leaf, node in rows]

    def level_rows(self, level: int, start: int, end: int) -> list[tuple[int, bytes]]:
        """``(index, hash)`` of one tree level in ``[start, end)``; level 0 is the leaf hashes."""
        with self._engine.connect() as connection:
            if level == 0:
                rows = connection.execute(_LEAF_ROWS, {"start": start, "end": end})
            else:
                rows = connection.execute(_NODE_ROWS, {"level": level, "start": start, "end": end})
            return [(index, bytes(node)) for index, node in rows]

    def count_level(self, level: int) -> int:
        if level == 0:
            return self.count_entries()
        with self._engine.connect() as connection:
            count = connection.execute(
                select(func.count()).select_from(log_nodes).where(log_nodes.c.level == level)
            ).scalar_one()
        return int(count)

    def count_entries(self) -> int:
        with self._engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(log_entries)).scalar_one()
            )

    def checkpoints(self) -> Iterator[StoredCheckpoint]:
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(log_checkpoints).order_by(log_checkpoints.c.size)
            ).all()
        for row in rows:
            yield _checkpoint(row)

    def checkpoint(self, size: int) -> StoredCheckpoint:
        """The checkpoint signed at tree size ``size``; NotFound if none was."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(log_checkpoints).where(log_checkpoints.c.size == size)
            ).one_or_none()
        if row is None:
            raise NotFound(f"no checkpoint was signed at tree size {size}", field="size")
        return _checkpoint(row)

    def latest_checkpoint(self) -> StoredCheckpoint:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(log_checkpoints).order_by(log_checkpoints.c.size.desc()).limit(1)
            ).one_or_none()
        if row is None:
            raise NotFound(_NOT_INITIALISED)
        return _checkpoint(row)

    def cosignatures(self, size: int) -> list[CosignatureRow]:
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(log_cosignatures)
                .where(log_cosignatures.c.size == size)
                .order_by(log_cosignatures.c.name, log_cosignatures.c.key_id)
            ).all()
        return [CosignatureRow(r.size, r.name, r.key_id, r.timestamp, r.line) for r in rows]

    def cosigned_sizes(self, at_most: int) -> Iterator[int]:
        """The sizes up to ``at_most`` whose checkpoints carry a cosignature, newest first
        (read from the cosignatures' key, a batch at a time). A reader may stop early: the
        result and its connection are closed when the iterator is (on PostgreSQL a server-side
        cursor left open would leak)."""
        query = (
            select(log_cosignatures.c.size)
            .where(log_cosignatures.c.size <= at_most)
            .distinct()
            .order_by(log_cosignatures.c.size.desc())
        )
        with (
            self._engine.connect() as connection,
            connection.execution_options(yield_per=256).execute(query) as result,
        ):
            for partition in result.partitions():
                yield from (row.size for row in partition)

    def add_cosignature(self, row: CosignatureRow) -> bool:
        """Attach a witness's cosignature of a checkpoint, replacing that witness key's
        cosignature of it only with a newer one (a later timestamp); whether it was stored.

        One conditional upsert (``INSERT … ON CONFLICT DO UPDATE … WHERE`` older), so that
        whatever the order of two writers the newer stays: PostgreSQL re-checks the condition
        on the row another writer has just committed, where a delete and an insert in turn
        would each miss the other's row."""
        upsert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        statement = upsert(log_cosignatures).values(**row.__dict__)
        newer = statement.on_conflict_do_update(
            index_elements=[
                log_cosignatures.c.size,
                log_cosignatures.c.name,
                log_cosignatures.c.key_id,
            ],
            set_={"timestamp": statement.excluded.timestamp, "line": statement.excluded.line},
            where=log_cosignatures.c.timestamp < statement.excluded.timestamp,
        ).returning(log_cosignatures.c.size)  # a row only when inserted or replaced
        with self._engine.connect().execution_options(**WRITE) as connection, connection.begin():
            return connection.execute(newer).first() is not None

    def key_records(self) -> list[KeyRecord]:
        with self._engine.connect() as connection:
            return _key_records(connection)

    def sealed(self, commitment: str) -> SealedRow:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(sealed_bodies).where(sealed_bodies.c.commitment == commitment)
            ).one_or_none()
        if row is None:
            raise NotFound(f"no sealed content is held for commitment {commitment}")
        return SealedRow(row.commitment, row.idx, bytes(row.salt), row.body)

    def sealed_bodies(self, start: int, end: int) -> dict[int, str]:
        query = select(sealed_bodies.c.idx, sealed_bodies.c.body).where(
            sealed_bodies.c.idx >= start, sealed_bodies.c.idx < end
        )
        with self._engine.connect() as connection:
            return {row.idx: row.body for row in connection.execute(query)}

    # -- the API's tokens and idempotency keys (ports.TokenStore) ---------------------------

    def add_token(self, row: TokenRow) -> None:
        token_rows.add_token(self._engine, row)

    def token_with_keys(self, digest: bytes) -> tuple[TokenRow, list[KeyRecord]] | None:
        return token_rows.token_with_keys(self._engine, digest)

    def revoke_token(self, token_id: str, at: datetime) -> bool:
        return token_rows.revoke_token(self._engine, token_id, at)

    def tokens(self) -> list[TokenRow]:
        return token_rows.tokens(self._engine)

    def idempotent_event(self, actor: str, key: str) -> str | None:
        return token_rows.idempotent_event(self._engine, actor, key)

    def remember_idempotency(self, actor: str, key: str, event_id: str, at: datetime) -> None:
        token_rows.remember_idempotency(self._engine, actor, key, event_id, at)

    # -- the read models (ports.RecordStore) ------------------------------------------------

    def record_applied(self) -> int:
        with self._engine.connect() as connection:
            return SqlRecordView(connection).applied()

    @contextmanager
    def rebuilding(self) -> Iterator[SqlRecordView]:
        with self.appending() as tx:
            view = tx.record()
            with view.large_cache():
                view.clear()
                yield view

    def table(self, table: str) -> list[RecordRow]:
        with self._engine.connect() as connection:
            return SqlRecordView(connection).all_rows(table)

    def ids_beginning(self, prefix: str, types: Collection[str], limit: int) -> list[str]:
        if not _HEX_PREFIX.fullmatch(prefix):
            raise ValueError(f"expected lowercase hex, found {prefix!r}")
        query = (  # every id is lowercase hex, and "g" follows every hex digit
            select(rm_events.c.id)
            .where(rm_events.c.id >= prefix, rm_events.c.id < prefix + "g")
            .where(rm_events.c.type.in_(list(types)))
            .order_by(rm_events.c.id)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return [str(found) for found in connection.execute(query).scalars()]

    def find(self, table: str, column: str, values: Collection[Any]) -> list[RecordRow]:
        with self._engine.connect() as connection:
            return SqlRecordView(connection).rows(table, column, values)

    def report_page(
        self, scope: ReadScope, query: ReportFilter, also: Collection[int] = ()
    ) -> ReportRows:
        with self._engine.connect() as connection, connection.begin():  # one snapshot
            return report_queries.report_page(connection, scope, query, also)

    def report_times(self, scope: ReadScope, since: str) -> list[str]:
        with self._engine.connect() as connection:
            return report_queries.report_times(connection, scope, since)

    def blurred_candidates(self, scope: ReadScope, query: ReportFilter) -> list[RecordRow]:
        with self._engine.connect() as connection:
            return report_queries.blurred_candidates(connection, scope, query)


@dataclass
class _SqlRead:
    """Implements :class:`ceasefire.services.ports.LogReader` on one open transaction."""

    connection: Connection

    def head(self) -> LogHead:
        row = self.connection.execute(
            select(log_head.c.origin, log_head.c.log_vkey, log_head.c.size).where(
                log_head.c.id == _HEAD_ID
            )
        ).one_or_none()
        if row is None:
            raise NotFound(_NOT_INITIALISED)
        return LogHead(LogIdentity(row.origin, row.log_vkey), row.size)

    def read_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        return tree_rows.read_nodes(self.connection, ids)

    def entry(self, index: int) -> bytes:
        leaf = self.connection.execute(
            select(log_entries.c.leaf).where(log_entries.c.idx == index)
        ).scalar_one_or_none()
        if leaf is None:
            raise NotFound(f"the log has no entry {index}", field="index")
        return bytes(leaf)


@dataclass
class _SqlAppend:
    """One append transaction, with the head row locked.

    What admission reads of the store before it writes comes in one statement, read once the
    lock is held (:func:`_read_state`; on PostgreSQL sent with the lock, :func:`_lock_and_read`):
    the read models' progress, the right edge of the tree,
    and markers of the tables admission reads whole (keys, agreements, their signatures), which
    are served from this process's :class:`_AppendCache` while their markers are unchanged.
    Each statement is a round trip made while every other appender waits, so the fewer the
    better. Once this transaction writes, its reads go to the database again."""

    connection: Connection
    head: LogHead
    cache: _AppendCache
    _state: _State | None = None
    _deferred: list[DriverWrite] = field(default_factory=list)

    def _read(self) -> _State:
        if self._state is None:
            self._state = _read_state(self.connection, self.head.size, self.cache)
        return self._state

    def read_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        edge = self._state.edge if self._state is not None else {}
        if edge and all(node in edge for node in ids):
            return {node: edge[node] for node in ids}
        return tree_rows.read_nodes(self.connection, ids)

    def key_records(self) -> list[KeyRecord]:
        if self._state is None or self._state.keys is None:
            return _key_records(self.connection)
        return list(self._state.keys)

    def record(self) -> SqlRecordView:
        """The read models in this transaction; on PostgreSQL what it applies is sent with
        this append's own writes (:meth:`write`)."""
        state = self._read()
        postgres = self.connection.dialect.name == "postgresql"
        return SqlRecordView(
            self.connection, state.known, deferred=self._deferred if postgres else None
        )

    def flush(self) -> None:
        """Send the read models' writes still held (an append that applied but never wrote)."""
        run_writes(self.connection, self._deferred)
        self._deferred.clear()

    def write(self, append: AppendWrite) -> None:
        self._state = None  # what it read is about to change
        old, new = self.head.size, append.start + len(append.leaves)
        if append.start != old:
            raise Conflict(f"append starts at index {append.start} but the log size is {old}")
        pipelined = len(append.leaves) <= _PIPELINE_MAX and not append.keys and not append.sealed
        try:
            if pipelined and self.connection.dialect.name == "postgresql":
                moved = _write_pipelined(
                    self.connection, [*self._deferred, *_tree_writes(append)], old, new
                )
                self._deferred.clear()
            else:
                self.flush()
                _insert_rows(self.connection, append)
                moved = self.connection.execute(_MOVE_HEAD, {"old": old, "new": new}).rowcount
        except IntegrityError as exc:
            raise Conflict(f"the append clashed with rows already stored: {exc.orig}") from exc
        except self.connection.dialect.dbapi.IntegrityError as exc:  # type: ignore[union-attr]
            raise Conflict(f"the append clashed with rows already stored: {exc}") from exc
        if moved != 1:
            raise Conflict(f"the log size moved from {old} during the append; nothing was written")
        self.head = LogHead(self.head.identity, new)


_PIPELINE_MAX: Final = 1_000
"""Up to this many entries, a PostgreSQL append sends its rows as INSERTs in one pipeline (one
round trip with the head's move); a larger one (an import, a rebuild) takes ``COPY``, whose
per-row cost is lower but which costs two round trips a table."""


def _tree_writes(append: AppendWrite) -> list[DriverWrite]:
    leaf_hashes = [node for level, _, node in append.nodes if level == 0]
    entries = list(
        zip(
            range(append.start, append.start + len(append.leaves)),
            append.leaves,
            leaf_hashes,
            strict=True,
        )
    )
    interior = [node for node in append.nodes if node[0] > 0]
    checkpoint = append.checkpoint
    writes = [DriverWrite("INSERT INTO log_entries (idx, leaf, hash) VALUES (%s, %s, %s)", entries)]
    if interior:
        writes.append(
            DriverWrite(
                "INSERT INTO log_nodes (level, idx, hash) VALUES (%s, %s, %s)", list(interior)
            )
        )
    writes.append(
        DriverWrite(
            "INSERT INTO log_checkpoints (size, root, note, created_at) VALUES (%s, %s, %s, %s)",
            [
                (
                    checkpoint.size,
                    checkpoint.root,
                    checkpoint.note,
                    checkpoint.created_at.astimezone(UTC),
                )
            ],
        )
    )
    return writes


def _write_pipelined(connection: Connection, writes: list[DriverWrite], old: int, new: int) -> int:
    """Every write of a PostgreSQL append and the head's move, in one pipeline: psycopg sends
    them together and the server runs them in order, so the append lock is held for one round
    trip instead of one (or two, for a ``COPY``) per statement. Returns the rows the head's
    move changed."""
    raw: Any = connection.connection.driver_connection  # psycopg
    with raw.cursor() as cursor, raw.cursor() as head:
        with raw.pipeline():
            for write in writes:
                if len(write.rows) == 1:
                    cursor.execute(write.sql, write.rows[0])
                else:
                    cursor.executemany(write.sql, write.rows)
            head.execute(
                "UPDATE log_head SET size = %s WHERE id = %s AND size = %s", (new, _HEAD_ID, old)
            )
        return int(head.rowcount)


_Marker = tuple[int, ...]


class _AppendCache:
    """This process's copies of the tables admission reads whole on every append, each with
    the marker it was read at. These tables only change by appends (a key enrolled, rotated
    or revoked; an agreement proposed or signed), each of which moves a marker (a count, or a
    sum of log indices, which only grow), and a marker is read under the append lock, in the
    transaction that uses the copy. Entries are replaced, never changed, so a reader in
    another thread keeps a consistent copy."""

    def __init__(self) -> None:
        self.keys: tuple[_Marker, list[KeyRecord]] | None = None
        self.tables: dict[str, tuple[_Marker, list[RecordRow]]] = {}


@dataclass(frozen=True)
class _State:
    known: Known
    keys: list[KeyRecord] | None
    edge: dict[NodeId, bytes]


_WHOLE_TABLES: Final = (rm_agreements.name, rm_agreement_signatures.name)
_MARKERS: Final = (
    "(SELECT applied FROM rm_progress WHERE id = 1), "
    "(SELECT count(*) FROM log_keys), "
    "(SELECT coalesce(sum(enrolled_at), 0) FROM log_keys), "
    "(SELECT count(revoked_at) FROM log_keys), "
    "(SELECT coalesce(sum(revoked_at), 0) FROM log_keys), "
    + ", ".join(
        f"(SELECT count(*) FROM {name}), (SELECT coalesce(sum(idx), 0) FROM {name})"
        for name in _WHOLE_TABLES
    )
)
_KEY_MARKER: Final = slice(1, 5)
_TABLE_MARKERS: Final = {name: slice(5 + 2 * n, 7 + 2 * n) for n, name in enumerate(_WHOLE_TABLES)}
_EDGE_FROM: Final = 5 + 2 * len(_WHOLE_TABLES)


def _read_state(connection: Connection, size: int, cache: _AppendCache) -> _State:
    """Progress, markers and the tree's right edge in one statement; the cached tables
    reloaded only where their markers moved. On PostgreSQL the same statement switches
    sequential scans off for the transaction (see ``SqlRecordView._by_key``). PostgreSQL's
    appends read it with the lock instead (:func:`_lock_and_read`)."""
    edge_ids = root_ids(size)
    postgres = connection.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    columns = [_MARKERS]
    params: list[int] = []
    for level, index in edge_ids:
        if level == 0:
            columns.append(f"(SELECT hash FROM log_entries WHERE idx = {mark})")
            params.append(index)
        else:
            columns.append(f"(SELECT hash FROM log_nodes WHERE level = {mark} AND idx = {mark})")
            params += [level, index]
    if postgres:
        columns.append("set_config('enable_seqscan', 'off', true)")
    row = connection.exec_driver_sql(f"SELECT {', '.join(columns)}", tuple(params)).one()
    edge = {
        node: bytes(value)
        for node, value in zip(edge_ids, row[_EDGE_FROM : _EDGE_FROM + len(edge_ids)], strict=True)
        if value is not None
    }
    return _state_of(connection, tuple(row), edge, cache)


def _state_of(
    connection: Connection, row: tuple[Any, ...], edge: dict[NodeId, bytes], cache: _AppendCache
) -> _State:
    """The state from the markers' ``row``: the cached tables reloaded where theirs moved."""
    postgres = connection.dialect.name == "postgresql"
    marker = tuple(int(v) for v in row[_KEY_MARKER])
    if cache.keys is None or cache.keys[0] != marker:
        cache.keys = (marker, _key_records(connection))
    tables: dict[str, list[RecordRow]] = {}
    for name, where in _TABLE_MARKERS.items():
        marker = tuple(int(v) for v in row[where])
        cached = cache.tables.get(name)
        if cached is None or cached[0] != marker:
            cached = cache.tables[name] = (marker, SqlRecordView(connection).all_rows(name))
        tables[name] = cached[1]
    applied = None if row[0] is None else int(row[0])
    return _State(Known(applied, tables, by_key=postgres), cache.keys[1], edge)


_LOCK_HEAD_SQL: Final = (
    "UPDATE log_head SET size = size WHERE id = %s RETURNING origin, log_vkey, size"
)
_MARKERS_SQL: Final = f"SELECT {_MARKERS}, set_config('enable_seqscan', 'off', true)"
_EDGE_SQL: Final = (
    # the right edge of the tree of the locked size: a node of level b > 0 for each bit b set
    # in the size (``merkle.root_ids``), and the last leaf if the size is odd
    "SELECT b, n.hash FROM log_head h CROSS JOIN generate_series(1, 62) AS b "
    "JOIN log_nodes n ON n.level = b AND n.idx = (h.size >> b) - 1 "
    "WHERE h.id = %s AND (h.size >> b) & 1 = 1 "
    "UNION ALL "
    "SELECT 0, e.hash FROM log_head h JOIN log_entries e ON e.idx = h.size - 1 "
    "WHERE h.id = %s AND h.size & 1 = 1"
)


def _lock_and_read(connection: Connection, cache: _AppendCache) -> tuple[LogHead, _State]:
    """PostgreSQL: the transaction's start, the head's lock and what :func:`_read_state`
    reads, in one pipeline (one round trip instead of three). The reads come after the lock
    in the pipeline, and each statement of a READ COMMITTED transaction sees what was
    committed when it starts, so they see the log as the lock holder before us left it, as
    a separate statement after the lock would; the edge is found from the locked size in
    SQL, since the size is not known before the answer."""
    raw: Any = connection.connection.driver_connection  # psycopg
    with raw.cursor() as lock, raw.cursor() as marks, raw.cursor() as nodes:
        with raw.pipeline():
            lock.execute(_LOCK_HEAD_SQL, (_HEAD_ID,))
            marks.execute(_MARKERS_SQL)
            nodes.execute(_EDGE_SQL, (_HEAD_ID, _HEAD_ID))
        found, row, edge_rows = lock.fetchone(), marks.fetchone(), nodes.fetchall()
    if found is None:
        raise NotFound(_NOT_INITIALISED)
    origin, log_vkey, size = found
    edge = {(level, (size >> level) - 1): bytes(value) for level, value in edge_rows}
    head = LogHead(LogIdentity(origin, log_vkey), int(size))
    return head, _state_of(connection, tuple(row), edge, cache)


def _create_head(connection: Connection, identity: LogIdentity) -> None:
    exists = connection.execute(select(log_head.c.id).where(log_head.c.id == _HEAD_ID)).first()
    if exists is not None:
        raise Conflict("this store already holds a log; refusing to create another")
    connection.execute(
        insert(log_head).values(
            id=_HEAD_ID, origin=identity.origin, log_vkey=identity.log_vkey, size=0
        )
    )


def _lock_head(connection: Connection) -> LogHead:
    row = connection.execute(_LOCK_HEAD).one_or_none()
    if row is None:
        raise NotFound(_NOT_INITIALISED)
    return LogHead(LogIdentity(row.origin, row.log_vkey), row.size)


def _insert_rows(connection: Connection, append: AppendWrite) -> None:
    tree_rows.insert_tree(connection, append.start, append.leaves, append.nodes)
    _write_keys(connection, append.keys)
    if append.sealed:
        connection.execute(insert(sealed_bodies), [_sealed_values(row) for row in append.sealed])
    checkpoint = append.checkpoint
    connection.execute(
        _INSERT_CHECKPOINT,
        {
            "size": checkpoint.size,
            "root": checkpoint.root,
            "note": checkpoint.note,
            "created_at": checkpoint.created_at.astimezone(UTC),
        },
    )


def _write_keys(connection: Connection, keys: Collection[KeyRecord]) -> None:
    if not keys:
        return
    connection.execute(
        delete(log_keys).where(log_keys.c.public_key.in_([k.public_key for k in keys]))
    )
    connection.execute(
        insert(log_keys),
        [
            {
                "public_key": k.public_key,
                "actor": k.actor,
                "role": k.role,
                "enrolled_at": k.enrolled_at,
                "revoked_at": k.revoked_at,
                "affiliation": k.affiliation,
            }
            for k in keys
        ],
    )


def _sealed_values(row: SealedRow) -> dict[str, object]:
    return {"commitment": row.commitment, "idx": row.index, "salt": row.salt, "body": row.body}


def _key_records(connection: Connection) -> list[KeyRecord]:
    rows = connection.execute(select(log_keys).order_by(log_keys.c.enrolled_at)).all()
    return [
        KeyRecord(
            actor=r.actor,
            public_key=bytes(r.public_key),
            role=r.role,
            enrolled_at=r.enrolled_at,
            revoked_at=r.revoked_at,
            affiliation=r.affiliation,
        )
        for r in rows
    ]


def _checkpoint(row: Row[Any]) -> StoredCheckpoint:
    created: datetime = row.created_at
    return StoredCheckpoint(
        size=row.size,
        root=bytes(row.root),
        note=row.note,
        # SQLite keeps no offset: times are written in UTC and read back as UTC.
        created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
    )
