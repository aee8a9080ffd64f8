"""2. Durable appends on SQLite and PostgreSQL, and pymerkle's SqliteTree, in one run."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from pymerkle import SqliteTree

from bench.config import Config
from bench.corpus import (
    T0,
    Pool,
    append_events,
    submission_batches,
    temporary_postgres,
    temporary_sqlite,
)
from bench.measure import Rate, Section, Target, best_rate, raw_sha256, timed
from ceasefire.services.log import Submission, append_leaves
from ceasefire.storage.log_store import SqlLogStore

Opener = Callable[[Pool], AbstractContextManager[SqlLogStore]]
BATCHED_SQLITE = "SQLite: append_leaves, batched"


def _single(store: SqlLogStore, pool: Pool, leaves: list[bytes]) -> None:
    for leaf in leaves:
        with store.appending() as tx:
            append_leaves(tx, [leaf], pool.log_key, T0)


def _batched(store: SqlLogStore, pool: Pool, chunks: list[list[bytes]]) -> None:
    for chunk in chunks:
        with store.appending() as tx:
            append_leaves(tx, chunk, pool.log_key, T0)


def _trial(opener: Opener, pool: Pool, work: Callable[[SqlLogStore], None]) -> float:
    """Seconds for ``work`` on a fresh log (made outside the timed region)."""
    with opener(pool) as store:
        return timed(lambda: work(store))


@dataclass(frozen=True)
class _Workload:
    """The same inputs for every engine, prepared once outside the timed regions."""

    pool: Pool
    leaves: list[bytes]
    chunks: list[list[bytes]]
    events: list[list[Submission]]
    repeats: int

    @classmethod
    def prepare(cls, pool: Pool, config: Config) -> _Workload:
        leaves, batch = pool.cycle(0, config.batched_leaves), config.batch
        chunks = [leaves[i : i + batch] for i in range(0, len(leaves), batch)]
        events = submission_batches(pool.envelopes(len(leaves)), batch)
        return cls(pool, leaves, chunks, events, config.repeats)


def _engine_rates(name: str, opener: Opener, work: _Workload, single: int) -> dict[str, float]:
    pool, count, repeats = work.pool, len(work.leaves), range(work.repeats)
    per_tx = f"{len(work.chunks[0]):,} per transaction"
    return {
        f"{name}: append_leaves, one leaf per transaction": single
        / _trial(opener, pool, lambda s: _single(s, pool, work.leaves[:single])),
        f"{name}: append_leaves, batched ({per_tx})": best_rate(
            count, [_trial(opener, pool, lambda s: _batched(s, pool, work.chunks)) for _ in repeats]
        ),
        f"{name}: services.log.append events, batched ({per_tx})": best_rate(
            count, [_trial(opener, pool, lambda s: _events(s, pool, work.events)) for _ in repeats]
        ),
    }


def _events(store: SqlLogStore, pool: Pool, batches: list[list[Submission]]) -> None:
    append_events(store, pool.log_key, batches)


def _pymerkle_trial(work: Callable[[SqliteTree], None], wal: bool = False) -> float:
    with tempfile.TemporaryDirectory(prefix="ceasefire-bench-") as folder:
        tree = SqliteTree(str(Path(folder) / "pymerkle.db"))
        if wal:
            tree.con.execute("PRAGMA journal_mode=WAL")
            tree.con.execute("PRAGMA synchronous=FULL")
        try:
            return timed(lambda: work(tree))
        finally:
            tree.close()


def _pymerkle_rates(pool: Pool, config: Config) -> dict[str, float]:
    leaves, single = pool.cycle(0, config.batched_leaves), pool.cycle(0, config.single_sqlite)
    chunks = [leaves[i : i + config.batch] for i in range(0, len(leaves), config.batch)]

    def one_by_one(tree: SqliteTree) -> None:
        for leaf in single:
            tree.append_entry(leaf)

    def batched(tree: SqliteTree) -> None:
        for chunk in chunks:
            tree.append_entries(chunk)

    name = "pymerkle SqliteTree"
    return {
        f"{name}.append_entry, one by one (its default rollback journal)": len(single)
        / _pymerkle_trial(one_by_one),
        f"{name}.append_entry, one by one (WAL, synchronous=FULL like ours)": len(single)
        / _pymerkle_trial(one_by_one, wal=True),
        f"{name}.append_entries, batched ({config.batch:,} per call)": best_rate(
            len(leaves), [_pymerkle_trial(batched) for _ in range(config.repeats)]
        ),
    }


def run(config: Config, pool: Pool, postgres_problem: str | None) -> Section:
    """``postgres_problem``: why PostgreSQL cannot be used, or None to include it."""
    section = Section(f"2. Persisted append, durable ({config.batched_leaves:,} leaves batched)")
    raw = raw_sha256(pool.cycle(0, config.batched_leaves), config.repeats)
    figures = {"raw SHA-256 of the same leaves": raw}
    work = _Workload.prepare(pool, config)
    figures |= _engine_rates("SQLite", temporary_sqlite, work, config.single_sqlite)
    if postgres_problem is None:
        figures |= _engine_rates("PostgreSQL", temporary_postgres, work, config.single_postgres)
    else:
        section.notes.append(postgres_problem)
    figures |= _pymerkle_rates(pool, config)
    section.rates = [Rate(label, value, raw) for label, value in figures.items()]
    batched = next(r for r in section.rates if r.label.startswith(BATCHED_SQLITE))
    section.targets = [
        Target(
            "batched durable SQLite append ≥ 50,000 leaves/s",
            f"{batched.per_second:,.0f} leaves/s",
            batched.per_second >= 50_000,
        )
    ]
    section.notes += _durability(pool, postgres_problem is None)
    postgres = "" if postgres_problem else f", {config.single_postgres:,} on PostgreSQL"
    section.notes += [
        f"one leaf per transaction: {config.single_sqlite:,} transactions on SQLite{postgres}, "
        "each with its own signed checkpoint",
        f"batched figures: best of {config.repeats}, a fresh log each time",
    ]
    return section


def _durability(pool: Pool, postgres: bool) -> list[str]:
    """What the engines were actually set to, read back from the connections used."""
    with temporary_sqlite(pool) as store, store.engine.connect() as connection:
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    notes = [f"SQLite journal_mode={journal}, synchronous={synchronous} (2 = FULL)"]
    if postgres:
        with temporary_postgres(pool) as store, store.engine.connect() as connection:
            settings = [
                f"{name}={connection.exec_driver_sql(f'SHOW {name}').scalar()}"
                for name in ("fsync", "synchronous_commit", "wal_sync_method")
            ]
        notes.append("PostgreSQL " + ", ".join(settings) + " (server defaults)")
    return notes
