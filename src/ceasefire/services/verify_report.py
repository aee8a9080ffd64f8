"""What ``ceasefire verify`` reads and what it finds: the log it walks (:class:`LogSource`, a
stored log or an offline bundle) and its report of problems (:class:`VerifyReport`), shared by
the walk over entries and nodes (``services.verify``) and the checks of checkpoints and their
cosignatures (``services.verify_checkpoints``)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ceasefire.log.keyring import KeyRecord
from ceasefire.log.merkle import NodeId
from ceasefire.services.ports import CosignatureRow, LogHead, StoredCheckpoint

_MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Problem:
    """One disagreement: where (first leaf index affected), what, expected vs found."""

    index: int | None
    where: str
    message: str
    expected: str = ""
    found: str = ""
    level: int | None = 0
    """Tree level of the disagreement (0 for entries); None for checkpoints and caches."""


@dataclass
class VerifyReport:
    size: int = 0
    origin: str = ""
    entries_checked: int = 0
    nodes_checked: int = 0
    checkpoints_checked: int = 0
    signatures_checked: bool = True
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        ranked = sorted(
            self.problems,
            key=lambda p: (p.level is None, p.level or 0, p.index is None, p.index or 0),
        )
        return ranked[0] if ranked else None

    def add(self, problem: Problem) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(problem)


class LogSource(Protocol):
    """What steps 1 and 3 read: a stored log (every :class:`LogStore` is one) or a bundle."""

    def head(self) -> LogHead: ...

    def entry_rows(self, start: int, end: int) -> list[tuple[int, bytes, bytes]]:
        """``(index, leaf, leaf hash)`` for the entries ``start <= index < end`` held."""
        ...

    def count_entries(self) -> int: ...

    def read_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]: ...

    def checkpoints(self) -> Iterator[StoredCheckpoint]: ...

    def cosignatures(self, size: int) -> list[CosignatureRow]: ...

    def key_records(self) -> list[KeyRecord]: ...
