"""4. ``verify_store`` throughput, against recomputing the root with pymerkle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pymerkle import InmemoryTree, SqliteTree

from bench.config import Config
from bench.corpus import FORMAT, Pool, cached, event_store
from bench.measure import Rate, Section, best_rate, raw_sha256, timed
from ceasefire.log.merkle import MemoryTree
from ceasefire.services.verify import verify_store
from ceasefire.storage.log_store import SqlLogStore


def _verify(store: SqlLogStore, signatures: bool) -> None:
    report = verify_store(store, signatures=signatures)
    if not report.ok:
        raise AssertionError(f"the benchmark store does not verify: {report.first_problem}")


def _memory_root(leaves: list[bytes]) -> bytes:
    tree = MemoryTree()
    tree.extend(leaves)
    return tree.root()


def _pymerkle_root(leaves: list[bytes]) -> Any:
    return InmemoryTree.init_from_entries(leaves).get_root()


def _pymerkle_file(leaves: list[bytes], root: bytes) -> str:
    """pymerkle's store of exactly these leaves, cached under their root."""

    def build(folder: Path) -> None:
        tree = SqliteTree(str(folder / "pymerkle.db"))
        tree.append_entries(leaves)
        tree.close()

    name = f"pymerkle-events-{len(leaves)}-{root.hex()[:12]}-{FORMAT}"
    return str(cached(name, build) / "pymerkle.db")


def _sqlite_root(path: str) -> Any:
    tree = SqliteTree(path)  # a fresh object: its subroot cache is empty
    try:
        return tree.get_root()
    finally:
        tree.close()


def _check_roots(store: SqlLogStore, leaves: list[bytes], path: str) -> None:
    roots = {store.latest_checkpoint().root, _memory_root(leaves), _pymerkle_root(leaves)}
    if len(roots | {_sqlite_root(path)}) != 1:
        raise AssertionError("the trees disagree on the root of the same leaves")


def run(config: Config, pool: Pool) -> Section:
    store = event_store(config.verify_leaves, pool, config.batch)
    leaves = [leaf for _, leaf in store.entries(0, store.head().size)]
    path = _pymerkle_file(leaves, store.latest_checkpoint().root)
    _check_roots(store, leaves, path)
    count, repeats = len(leaves), range(config.repeats)
    raw = raw_sha256(leaves, config.repeats)
    figures = {
        "raw SHA-256 of the same leaves": raw,
        "verify_store, signatures checked": best_rate(
            count, [timed(lambda: _verify(store, True)) for _ in repeats]
        ),
        "verify_store(signatures=False)": best_rate(
            count, [timed(lambda: _verify(store, False)) for _ in repeats]
        ),
        "MemoryTree.extend + root (leaves in memory)": best_rate(
            count, [timed(lambda: _memory_root(leaves)) for _ in repeats]
        ),
        "pymerkle InmemoryTree.init_from_entries + get_root": best_rate(
            count, [timed(lambda: _pymerkle_root(leaves)) for _ in repeats]
        ),
        "pymerkle SqliteTree.get_root, fresh object": best_rate(
            count, [timed(lambda: _sqlite_root(path)) for _ in repeats]
        ),
    }
    store.engine.dispose()
    section = Section(f"4. Verify throughput ({count:,} signed envelopes, SQLite)")
    section.rates = [Rate(label, value, raw) for label, value in figures.items()]
    section.notes = [
        "verify_store reads every entry and every stored node, recomputes them, checks every "
        "checkpoint signature and consistency, and (with signatures) parses each envelope and "
        "replays the keyring with an Ed25519 check per entry",
        "pymerkle has no verify: the nearest equivalents recompute the root from the leaves "
        "held in memory (InmemoryTree), or from its stored leaf hashes without re-hashing the "
        "entries (SqliteTree.get_root); all four roots are checked equal first",
        f"best of {config.repeats}",
    ]
    return section
