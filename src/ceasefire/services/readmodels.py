"""Rebuilding the read models from the log, and checking the stored ones against a rebuild.

The read models are caches (design idea 2): ``rebuild`` empties them and replays every entry
through ``domain.projection`` under the append lock; ``recompute`` does the same into memory,
and ``compare`` names every row where the stored tables and the recomputation disagree. The
log's entry index (``rm_events``: each entry's id, type, signer, time and body digest) is
compared too, but is not a cache of state: it is written once with each entry, as the leaf
hash is, and a rebuild derives it again only when it lacks rows or is asked to.
Replay trusts the entries (``verify`` checks their signatures and the tree separately), so it
parses each leaf once with the standard JSON parser and runs at database speed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ceasefire.domain import projection as pj
from ceasefire.services.ports import LogStore, Row, Store

Progress = Callable[[str, int, int], None]
_CHUNK: Final = 50_000
_MAX_DIFFERENCES: Final = 50


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple[Any, ...]
    message: str


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


def rebuild(store: Store, progress: Progress = _no_progress, *, entries: bool = False) -> int:
    """Replace the read models with a replay of the whole log; returns the entries replayed.
    The log's entry index is derived again from the leaves first when it does not hold one row
    for every entry, or when ``entries`` asks for it (a row changed by hand, which ``verify``
    finds).

    The database projects what it can by itself (public reports, evidence and custody records:
    most of any log), with the secondary indexes dropped; then, chunk by chunk in log order,
    the database applies the public withdrawals to the reports it finds and the other entries
    go through ``domain.projection`` here. The
    order of the passes does not change the result: what the database projects are inserts of
    rows nothing else inserts, the later entries' updates find them whichever pass wrote them,
    and a withdrawal's update commutes with every other (``record_replay._WITHDRAW``).
    """
    with store.rebuilding() as view:
        size = store.head().size
        affiliations = _affiliations(store)
        if entries or not view.entries_indexed(size):
            view.index_entries(size, _CHUNK)
            progress("entries", size, size)
        chunks = [(start, min(start + _CHUNK, size)) for start in range(0, size, _CHUNK)]
        complete: list[bool] = []
        with view.bulk():
            for start, end in chunks:
                complete.append(view.project_in_database(start, end))
                progress("bulk", end, size)
        for (start, end), done in zip(chunks, complete, strict=True):
            withdrew = view.withdraw_in_database(start, end)
            left = view.left_over(start, end, complete=done and withdrew)
            sealed = store.sealed_bodies(start, end) if left else {}
            ops = [
                op
                for index, leaf in left
                for op in pj.project(_entry(index, leaf, affiliations, sealed))
                if op.table != pj.EVENTS  # the database wrote every entry's event row
            ]
            view.apply(ops, end)
            progress("replay", end, size)
    return size


def recompute(store: LogStore, size: int | None = None) -> pj.MemoryTables:
    """The read models of the first ``size`` entries, in memory, by the Python projection."""
    tables = pj.MemoryTables()
    size = store.head().size if size is None else size
    affiliations = _affiliations(store)
    for start in range(0, size, _CHUNK):
        for entry in _entries(store, start, min(start + _CHUNK, size), affiliations):
            tables.apply(pj.project(entry))
    return tables


def compare(store: Store) -> list[Difference]:
    """Every disagreement between the stored read models and a replay of the log (capped)."""
    applied = store.record_applied()
    size = store.head().size
    differences: list[Difference] = []
    if applied != size:
        differences.append(
            Difference("rm_progress", (), f"the read models reflect {applied} of {size} entries")
        )
    expected = recompute(store, size)
    for table, key_columns in pj.KEYS.items():
        stored = {tuple(r[k] for k in key_columns): dict(r) for r in store.table(table)}
        differences.extend(_diff_table(table, expected.tables[table], stored))
    return differences[:_MAX_DIFFERENCES]


def _diff_table(
    table: str, expected: Mapping[tuple[Any, ...], Row], stored: Mapping[tuple[Any, ...], Row]
) -> Iterator[Difference]:
    for key in sorted(expected.keys() - stored.keys()):
        yield Difference(table, key, "missing from the stored read model")
    for key in sorted(stored.keys() - expected.keys()):
        yield Difference(table, key, "stored, but no log entry makes it")
    for key in sorted(expected.keys() & stored.keys()):
        want, have = expected[key], stored[key]
        for column in sorted(want):
            if want[column] != have.get(column):
                yield Difference(
                    table, key, f"{column}: expected {want[column]!r}, found {have.get(column)!r}"
                )


def _affiliations(store: LogStore) -> dict[str, str | None]:
    return {r.actor: r.affiliation for r in store.key_records()}


def _entries(
    store: LogStore, start: int, end: int, affiliations: Mapping[str, str | None]
) -> Iterator[pj.Entry]:
    """The entries ``start <= index < end`` as the projection sees them."""
    sealed = store.sealed_bodies(start, end)
    for index, leaf in store.entries(start, end):
        yield _entry(index, leaf, affiliations, sealed)


def _entry(
    index: int, leaf: bytes, affiliations: Mapping[str, str | None], sealed: Mapping[int, str]
) -> pj.Entry:
    return pj.entry_of(index, leaf, affiliations, sealed.get(index))
