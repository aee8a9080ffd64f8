"""What the services need from storage, as Protocols. ``ceasefire.storage`` implements them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from ceasefire.domain.evidence import Limits, MediaMetadata
from ceasefire.domain.projection import Op
from ceasefire.log.keyring import KeyRecord
from ceasefire.log.merkle import NodeId

Clock = Callable[[], datetime]
"""Where services get the time when they must read it at a precise moment (under a lock)."""

Row = Mapping[str, Any]
"""A read-model row, by column name (the tables are named in ``domain.projection``)."""


@dataclass(frozen=True)
class LogIdentity:
    """Who the log is: its origin line and the verifier key its checkpoints are signed with."""

    origin: str
    log_vkey: str


@dataclass(frozen=True)
class LogHead:
    identity: LogIdentity
    size: int


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    root: bytes
    note: str
    created_at: datetime


@dataclass(frozen=True)
class SealedRow:
    """The content behind a confidential commitment, kept outside the log (erasable)."""

    commitment: str
    index: int
    salt: bytes
    body: str


@dataclass(frozen=True)
class CosignatureRow:
    size: int
    name: str
    key_id: int
    timestamp: int
    line: str


@dataclass(frozen=True)
class AppendWrite:
    """Everything one append writes, in one transaction."""

    start: int
    leaves: Sequence[bytes]
    nodes: Sequence[tuple[int, int, bytes]]
    checkpoint: StoredCheckpoint
    keys: Sequence[KeyRecord] = ()
    sealed: Sequence[SealedRow] = ()


class AppendTransaction(Protocol):
    """Held while appending: the tree size cannot change under it (the append lock is held)."""

    @property
    def head(self) -> LogHead: ...

    def read_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]: ...

    def key_records(self) -> list[KeyRecord]: ...

    def record(self) -> RecordView: ...

    def write(self, append: AppendWrite) -> None: ...


class RecordView(Protocol):
    """The read models, as admitting new events needs them: inside the append lock, so what it
    reads cannot change before the batch is written."""

    def applied(self) -> int:
        """How many log entries the read models reflect."""
        ...

    def event_indices(self, ids: Collection[str]) -> dict[str, int]: ...

    def rows(self, table: str, column: str, values: Collection[Any]) -> list[Row]: ...

    def lookup(
        self, ids: Collection[str], digests: Collection[str]
    ) -> tuple[dict[str, int], list[Row]]:
        """``event_indices(ids)`` and ``rows(reports, "digest", digests)`` read together: what
        admission looks up first for a batch, in one round trip where the database allows."""
        ...

    def all_rows(self, table: str) -> list[Row]: ...

    def apply(self, ops: Sequence[Op], applied: int) -> None:
        """Write the operations and record that the first ``applied`` entries are reflected.
        An append writes the entry index's rows (``rm_events``) with the rest; a rebuild,
        which keeps the index, leaves their operations out."""
        ...

    def entries_indexed(self, size: int) -> bool:
        """Whether the log's entry index (``rm_events``) holds a row for each of the first
        ``size`` entries and no other."""
        ...

    def index_entries(self, size: int, chunk: int) -> None:
        """Derive the log's entry index again from the first ``size`` leaves, ``chunk`` at a
        time (a rebuild leaves it alone unless it is incomplete or asked to)."""
        ...

    def bulk(self) -> AbstractContextManager[None]:
        """For a rebuild: the secondary indexes dropped while the database projects the log
        (:meth:`project_in_database`), and built once when the block ends."""
        ...

    def project_in_database(self, start: int, end: int) -> bool:
        """For a rebuild: project entries ``start <= index < end`` as far as the database can
        by itself (public reports, evidence and custody records); whether that was every
        entry of those types in the range."""
        ...

    def withdraw_in_database(self, start: int, end: int) -> bool:
        """For a rebuild, once the indexes are built and the entries before ``start``
        projected: apply the range's public withdrawals to the reports held; whether that was
        every withdrawal in the range."""
        ...

    def left_over(self, start: int, end: int, *, complete: bool) -> list[tuple[int, bytes]]:
        """The entries of the range (index and leaf, in order) whose rows other than their
        ``rm_events`` row :meth:`project_in_database` and :meth:`withdraw_in_database` left
        to ``domain.projection``; ``complete``: both did all they do for the range."""
        ...


class LogReader(Protocol):
    """A consistent snapshot of the log for one read (a proof, an entry)."""

    def head(self) -> LogHead: ...

    def read_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]: ...

    def entry(self, index: int) -> bytes: ...


class LogStore(Protocol):
    """The persisted log: entries, complete subtree hashes, checkpoints and the caches."""

    def head(self) -> LogHead: ...

    def appending(
        self, create: LogIdentity | None = None
    ) -> AbstractContextManager[AppendTransaction]: ...

    def reading(self) -> AbstractContextManager[LogReader]: ...

    def read_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]: ...

    def entries(self, start: int, end: int) -> Iterator[tuple[int, bytes]]: ...

    def entry_rows(self, start: int, end: int) -> list[tuple[int, bytes, bytes]]: ...

    def level_rows(self, level: int, start: int, end: int) -> list[tuple[int, bytes]]: ...

    def count_level(self, level: int) -> int: ...

    def count_entries(self) -> int: ...

    def checkpoints(self) -> Iterator[StoredCheckpoint]: ...

    def latest_checkpoint(self) -> StoredCheckpoint: ...

    def checkpoint(self, size: int) -> StoredCheckpoint: ...

    def cosignatures(self, size: int) -> list[CosignatureRow]: ...

    def cosigned_sizes(self, at_most: int) -> Iterator[int]: ...

    def add_cosignature(self, row: CosignatureRow) -> bool: ...

    def key_records(self) -> list[KeyRecord]: ...

    def sealed(self, commitment: str) -> SealedRow: ...

    def sealed_bodies(self, start: int, end: int) -> dict[int, str]:
        """The sealed content held for entries ``start <= index < end``, by index."""
        ...

    def entries_at(self, indices: Collection[int]) -> list[tuple[int, bytes]]:
        """``(index, leaf)`` of the stored entries among ``indices``, in order."""
        ...

    def sealed_bodies_at(self, indices: Collection[int]) -> dict[int, str]:
        """The sealed content held for the entries among ``indices``, by index."""
        ...


class BriefIndex(Protocol):
    """The read-model queries that find the entries a brief reads (``services.brief_scope``;
    ``storage.brief_queries``): log indices or rows below ``size``, never fewer than asked."""

    def folded(self, types: Collection[str], size: int) -> list[int]: ...

    def casework_reports(self, size: int) -> list[int]: ...

    def received(self, first: date, last: date, size: int) -> list[int]: ...

    def dated(self, first: date, last: date, size: int) -> list[Row]: ...

    def allegations_after(self, party: str, size: int, after: int) -> list[Row]: ...

    def allegations_dated(self, party: str, first: date, last: date, size: int) -> list[Row]: ...


class RecordStore(Protocol):
    """The read models outside an append: rebuilding them and reading them."""

    def record_applied(self) -> int: ...

    def rebuilding(self) -> AbstractContextManager[RecordView]:
        """Hold the append lock, empty the read models (not the log's entry index), and give
        a view to refill them."""
        ...

    def table(self, table: str) -> list[Row]:
        """Every row of a read-model table, in primary-key order."""
        ...

    def find(self, table: str, column: str, values: Collection[Any]) -> list[Row]: ...

    def ids_beginning(self, prefix: str, types: Collection[str], limit: int) -> list[str]:
        """The ids (in order, at most ``limit``) of the entries of ``types`` whose id begins
        with ``prefix`` (lowercase hex): a range of the id index, not a scan of the log."""
        ...

    def brief_index(self) -> BriefIndex: ...


class BlobRef(Protocol):
    """A file in the evidence locker, named by the SHA-256 of its bytes."""

    @property
    def sha256(self) -> str: ...

    @property
    def size(self) -> int: ...


class BlobStore(Protocol):
    """The evidence locker's files, content-addressed (``storage.blobs`` implements it)."""

    def put_file(self, path: Path, *, max_bytes: int) -> BlobRef: ...

    def path(self, sha256: str) -> Path: ...

    def exists(self, sha256: str) -> bool: ...

    def verify(self, sha256: str) -> bool: ...


class Analyser(Protocol):
    """Reads a file's type and metadata, refusing what the limits refuse (``media.images``)."""

    def __call__(
        self, path: Path, *, limits: Limits = ..., name: str | None = None
    ) -> MediaMetadata: ...


@dataclass(frozen=True)
class TokenRow:
    """An API token as stored: only the SHA-256 of its secret is kept."""

    id: str
    actor: str
    digest: bytes
    created_at: datetime
    revoked_at: datetime | None = None


class TokenStore(Protocol):
    """API bearer tokens and the idempotency keys of their writes (caches of the service,
    not of the record: they are not in the log)."""

    def add_token(self, row: TokenRow) -> None: ...

    def token_with_keys(self, digest: bytes) -> tuple[TokenRow, list[KeyRecord]] | None:
        """The token and its actor's unrevoked keys, oldest first, read together."""
        ...

    def revoke_token(self, token_id: str, at: datetime) -> bool:
        """Mark an unrevoked token revoked; False if there is no such unrevoked token."""
        ...

    def tokens(self) -> list[TokenRow]: ...

    def idempotent_event(self, actor: str, key: str) -> str | None:
        """The event id a write with this actor's ``Idempotency-Key`` carried, if any."""
        ...

    def remember_idempotency(self, actor: str, key: str, event_id: str, at: datetime) -> None:
        """Record the key's event; a key already recorded is left as it is."""
        ...

    def key_records(self) -> list[KeyRecord]: ...


class Store(LogStore, RecordStore, TokenStore, Protocol):
    """The log, its read models and the API's tokens in one database (what
    ``storage.SqlLogStore`` is)."""
