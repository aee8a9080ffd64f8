"""What the services need from storage, as Protocols. ``ceasefire.storage`` implements them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ceasefire.log.keyring import KeyRecord
from ceasefire.log.merkle import NodeId

Clock = Callable[[], datetime]
"""Where services get the time when they must read it at a precise moment (under a lock)."""


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

    def write(self, append: AppendWrite) -> None: ...


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

    def add_cosignature(self, row: CosignatureRow) -> None: ...

    def key_records(self) -> list[KeyRecord]: ...

    def sealed(self, commitment: str) -> SealedRow: ...
