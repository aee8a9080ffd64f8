"""How the Merkle tree is laid out in rows, and the hot paths that write and read them.

Level 0 of the tree (the leaf hashes) lives beside the leaves in ``log_entries``; the complete
interior subtrees in ``log_nodes``. Appends write both with the driver's fastest bulk path
(SQLite ``executemany`` on tuples, PostgreSQL binary ``COPY``); a proof reads its O(log n) nodes
in one statement per table, as plain SQL whose text is cached by the number of ids, because
building a SQLAlchemy expression per call costs more than SQLite answering it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from functools import cache
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import Connection

from ceasefire.errors import NotFound
from ceasefire.log.merkle import NodeId

Node = tuple[int, int, bytes]
_BATCH = 500
_T = TypeVar("_T")


def insert_tree(
    connection: Connection, start: int, leaves: Sequence[bytes], nodes: Sequence[Node]
) -> None:
    """Insert the leaves from index ``start`` and the subtrees they complete.

    ``nodes`` holds every completed subtree, the leaf hashes (level 0) in index order included.
    """
    leaf_hashes = [node for level, _, node in nodes if level == 0]
    interior = [node for node in nodes if node[0] > 0]
    entries = zip(range(start, start + len(leaves)), leaves, leaf_hashes, strict=True)
    raw: Any = connection.connection.driver_connection  # sqlite3 or psycopg, by dialect
    if connection.dialect.name == "sqlite":
        raw.executemany("INSERT INTO log_entries (idx, leaf, hash) VALUES (?, ?, ?)", entries)
        raw.executemany("INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)", interior)
        return
    with raw.cursor() as cursor:
        _copy(cursor, "log_entries (idx, leaf, hash)", ["int8", "bytea", "bytea"], entries)
        _copy(cursor, "log_nodes (level, idx, hash)", ["int2", "int8", "bytea"], interior)


def _copy(
    cursor: object, target: str, types: list[str], rows: Iterable[tuple[object, ...]]
) -> None:
    with cursor.copy(f"COPY {target} FROM STDIN (FORMAT BINARY)") as copy:  # type: ignore[attr-defined]
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def read_nodes(connection: Connection, ids: Collection[NodeId]) -> dict[NodeId, bytes]:
    """The hash of every node asked for; :class:`NotFound` naming the first one missing."""
    wanted = set(ids)
    leaves = sorted(index for level, index in wanted if level == 0)
    interior = sorted((level, index) for level, index in wanted if level > 0)
    found: dict[NodeId, bytes] = {}
    for chunk in _chunks(leaves):
        rows = connection.exec_driver_sql(
            _leaf_query(connection.dialect.name, len(chunk)), tuple(chunk)
        )
        found.update(((0, index), bytes(node)) for index, node in rows)
    for pairs in _chunks(interior):
        flat = tuple(chain.from_iterable(pairs))
        rows = connection.exec_driver_sql(_node_query(connection.dialect.name, len(pairs)), flat)
        found.update(((level, index), bytes(node)) for level, index, node in rows)
    missing = wanted - found.keys()
    if missing:
        level, index = min(missing)
        raise NotFound(
            f"the store has no hash for the subtree at level {level}, index {index} "
            f"({len(missing)} missing in all): the tree is incomplete or the size is too large"
        )
    return found


def _chunks(items: list[_T]) -> Iterable[list[_T]]:
    for low in range(0, len(items), _BATCH):
        yield items[low : low + _BATCH]


@cache
def _leaf_query(dialect: str, count: int) -> str:
    marks = ", ".join([_mark(dialect)] * count)
    return f"SELECT idx, hash FROM log_entries WHERE idx IN ({marks})"


@cache
def _node_query(dialect: str, count: int) -> str:
    # SQLite plans a row-value IN as a full table scan, but an OR of equalities as one
    # primary-key search per id (MULTI-INDEX OR); PostgreSQL uses its index for either.
    mark = _mark(dialect)
    terms = " OR ".join([f"(level = {mark} AND idx = {mark})"] * count)
    return f"SELECT level, idx, hash FROM log_nodes WHERE {terms}"


def _mark(dialect: str) -> str:
    return "?" if dialect == "sqlite" else "%s"
