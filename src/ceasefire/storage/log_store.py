"""The log on SQLite or PostgreSQL through SQLAlchemy Core.

Appends are serialised by the first statement of the write transaction, a no-op conditional
update of the single ``log_head`` row (``UPDATE … SET size = size … RETURNING size``): on
PostgreSQL it takes that row's lock, so a concurrent appender waits and then reads the size the
first one committed; on SQLite the transaction already began ``IMMEDIATE``. The final size is
written with ``WHERE size = :old`` as a second guard, and the primary keys on entries and nodes
make a duplicate index impossible. Nothing is ever updated in place except the head's size.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from ceasefire.errors import Conflict, NotFound, StorageError
from ceasefire.log.keyring import KeyRecord
from ceasefire.log.merkle import NodeId
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
from ceasefire.storage.record_rows import SqlRecordView
from ceasefire.storage.tables import (
    log_checkpoints,
    log_cosignatures,
    log_entries,
    log_head,
    log_keys,
    log_nodes,
    sealed_bodies,
)

_HEAD_ID: Final = 1
_CHUNK: Final = 5_000
_IN_CHUNK: Final = 900
"""Indices per ``IN (…)`` list: under SQLite's default limit of host parameters."""
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
                if create is not None:
                    _create_head(connection, create)
                yield _SqlAppend(connection, _lock_head(connection))
        except OperationalError as exc:
            raise StorageError(f"the database refused the append: {exc.orig}") from exc

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
        (read from the cosignatures' key, a batch at a time)."""
        query = (
            select(log_cosignatures.c.size)
            .where(log_cosignatures.c.size <= at_most)
            .distinct()
            .order_by(log_cosignatures.c.size.desc())
        )
        with self._engine.connect() as connection:
            for partition in (
                connection.execution_options(yield_per=256).execute(query).partitions()
            ):
                yield from (row.size for row in partition)

    def add_cosignature(self, row: CosignatureRow) -> None:
        """Attach (or replace, for a newer timestamp) a witness's cosignature of a checkpoint."""
        key = and_(
            log_cosignatures.c.size == row.size,
            log_cosignatures.c.name == row.name,
            log_cosignatures.c.key_id == row.key_id,
        )
        with self._engine.connect().execution_options(**WRITE) as connection, connection.begin():
            connection.execute(delete(log_cosignatures).where(key))
            connection.execute(insert(log_cosignatures).values(**row.__dict__))

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

    def token_by_digest(self, digest: bytes) -> TokenRow | None:
        return token_rows.token_by_digest(self._engine, digest)

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
            view.clear()
            with view.without_indexes():
                yield view

    def table(self, table: str) -> list[RecordRow]:
        with self._engine.connect() as connection:
            return SqlRecordView(connection).all_rows(table)

    def find(self, table: str, column: str, values: Collection[Any]) -> list[RecordRow]:
        with self._engine.connect() as connection:
            return SqlRecordView(connection).rows(table, column, values)

    def report_page(
        self, scope: ReadScope, query: ReportFilter, also: Collection[int] = ()
    ) -> ReportRows:
        with self._engine.connect() as connection, connection.begin():  # one snapshot
            return report_queries.report_page(connection, scope, query, also)

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
    """One append transaction, with the head row locked."""

    connection: Connection
    head: LogHead

    def read_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        return tree_rows.read_nodes(self.connection, ids)

    def key_records(self) -> list[KeyRecord]:
        return _key_records(self.connection)

    def record(self) -> SqlRecordView:
        return SqlRecordView(self.connection)

    def write(self, append: AppendWrite) -> None:
        old, new = self.head.size, append.start + len(append.leaves)
        if append.start != old:
            raise Conflict(f"append starts at index {append.start} but the log size is {old}")
        try:
            _insert_rows(self.connection, append)
        except IntegrityError as exc:
            raise Conflict(f"the append clashed with rows already stored: {exc.orig}") from exc
        moved = self.connection.execute(_MOVE_HEAD, {"old": old, "new": new}).rowcount
        if moved != 1:
            raise Conflict(f"the log size moved from {old} during the append; nothing was written")
        self.head = LogHead(self.head.identity, new)


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
