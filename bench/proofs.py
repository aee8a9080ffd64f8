"""3. Proof generation from big SQLite logs, against pymerkle's trees at the size it can build."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pymerkle import InmemoryTree, SqliteTree

from bench.config import Config
from bench.corpus import FORMAT, Pool, cached, proof_store, say
from bench.measure import Latency, Section, Target, latencies, timed
from ceasefire.log import merkle
from ceasefire.log.proofs import verify_consistency, verify_inclusion
from ceasefire.services import log as log_service
from ceasefire.storage.log_store import SqlLogStore

Samples = list[tuple[int, int]]
Operation = Callable[[int, int], object]
_WARM_UP = 20


def inclusion_samples(size: int, count: int) -> Samples:
    """``(index, tree_size)`` pairs, the same every run: tree size uniform in 1..size."""
    rng = random.Random(f"inclusion {size}")
    pairs = []
    for _ in range(count):
        tree_size = rng.randint(1, size)
        pairs.append((rng.randrange(tree_size), tree_size))
    return pairs


def consistency_samples(size: int, count: int) -> Samples:
    """``(old, new)`` pairs with ``1 <= old < new <= size``, the same every run."""
    rng = random.Random(f"consistency {size}")
    pairs = []
    for _ in range(count):
        new = rng.randint(2, size)
        pairs.append((rng.randint(1, new - 1), new))
    return pairs


def _check_proofs(store: SqlLogStore, inclusion: Samples, consistency: Samples) -> None:
    """The proofs being timed must verify (RFC 9162), or the timing means nothing."""
    for index, size in inclusion[:20]:
        got = log_service.prove_inclusion(store, index, size)
        verify_inclusion(got.leaf_hash, index, size, got.proof, got.root_hash)
    for old, new in consistency[:20]:
        proof = log_service.prove_consistency(store, old, new)
        verify_consistency(old, new, proof.old_root, proof.new_root, proof.proof)


def _ours(store: SqlLogStore, size: int, count: int) -> list[Latency]:
    inclusion, consistency = inclusion_samples(size, count), consistency_samples(size, count)
    _check_proofs(store, inclusion, consistency)
    cases: list[tuple[str, Operation, Samples]] = [
        ("inclusion_proof", lambda i, s: merkle.inclusion_proof(store, i, s), inclusion),
        ("prove_inclusion", lambda i, s: log_service.prove_inclusion(store, i, s), inclusion),
        ("consistency_proof", lambda a, b: merkle.consistency_proof(store, a, b), consistency),
        ("prove_consistency", lambda a, b: log_service.prove_consistency(store, a, b), consistency),
    ]
    # One untimed pass over every sample first: the store's pages in the OS cache, as a
    # serving store's are. Without it the first case timed the disk (after the other
    # sections' stores had pushed the 4.7 GB 10M store out of the cache: a median of 1.2–2.1
    # ms, then 0.3 ms for the next case over the same samples).
    for label, operation, samples in cases[::2]:
        latencies(label, size, operation, samples)
    results = []
    for label, operation, samples in cases:
        latencies(label, size, operation, samples[:_WARM_UP])
        results.append(latencies(f"SQLite {label}", size, operation, samples))
    return results


def _pymerkle_sqlite(size: int, pool: Pool) -> SqliteTree:
    def build(folder: Path) -> None:
        tree = SqliteTree(str(folder / "pymerkle.db"))
        for start in range(0, size, 100_000):
            tree.append_entries(pool.cycle(start, min(start + 100_000, size)))
        tree.close()

    return SqliteTree(str(cached(f"pymerkle-{size}-{FORMAT}", build) / "pymerkle.db"))


Prover = tuple[Operation, Operation]
"""``(inclusion(index, size), consistency(old, new))`` of one tree implementation."""


def _pymerkle_prover(tree: Any) -> Prover:
    # pymerkle counts leaves from one; its sizes mean the same as ours.
    return (lambda i, s: tree.prove_inclusion(i + 1, s)), tree.prove_consistency


def _memory_prover(tree: merkle.MemoryTree) -> Prover:
    return tree.inclusion_proof, tree.consistency_proof


def _trees(size: int, count: int, provers: dict[str, Prover]) -> list[Latency]:
    inclusion, consistency = inclusion_samples(size, count), consistency_samples(size, count)
    results = []
    for name, (include, consistent) in provers.items():
        latencies(name, size, include, inclusion)  # untimed, as for ours (``_ours``)
        latencies(name, size, consistent, consistency)
        results.append(latencies(f"{name} inclusion", size, include, inclusion))
        results.append(latencies(f"{name} consistency", size, consistent, consistency))
    return results


def _in_memory(size: int, pool: Pool, section: Section) -> dict[str, Prover]:
    leaves = pool.cycle(0, size)
    pymerkle = InmemoryTree()
    seconds = timed(lambda: [pymerkle.append_entry(leaf) for leaf in leaves])
    ours = merkle.MemoryTree()
    ours_seconds = timed(lambda: ours.extend(leaves))
    section.notes.append(
        f"building the in-memory trees of {size:,} leaves took {seconds:.1f} s (pymerkle "
        f"InmemoryTree) and {ours_seconds:.1f} s (MemoryTree.extend)"
    )
    return {"pymerkle InmemoryTree": _pymerkle_prover(pymerkle), "MemoryTree": _memory_prover(ours)}


def run(config: Config, pool: Pool) -> Section:
    section = Section("3. Proof generation (ms per proof, random sizes and indices)")
    for size in config.proof_sizes:
        store = proof_store(size, pool)
        say(f"  timing proofs at {size:,} leaves")
        section.latencies += _ours(store, size, config.proof_samples)
        store.engine.dispose()
    size = config.pymerkle_proof_size
    say(f"  timing pymerkle proofs at {size:,} leaves")
    sqlite_tree = _pymerkle_sqlite(size, pool)
    provers = {"pymerkle SqliteTree": _pymerkle_prover(sqlite_tree)}
    provers |= _in_memory(size, pool, section)
    section.latencies += _trees(size, config.proof_samples, provers)
    sqlite_tree.close()
    section.targets = _targets(section, max(config.proof_sizes))
    section.notes += _comparison(section, size) + _notes(config)
    return section


def _targets(section: Section, size: int) -> list[Target]:
    targets = []
    for latency in section.latencies:
        if latency.size == size and latency.label.startswith("SQLite"):
            targets.append(
                Target(
                    f"{latency.label.removeprefix('SQLite ')} median < 1 ms at {size:,}",
                    f"{latency.median_ms:.3f} ms",
                    latency.median_ms < 1.0,
                )
            )
    return targets


def _comparison(section: Section, size: int) -> list[str]:
    """Our SQLite medians against pymerkle's SqliteTree at the same size, when both ran."""
    notes = []
    for kind, ours in (("inclusion", "inclusion_proof"), ("consistency", "consistency_proof")):
        mine = [x for x in section.latencies if x.label == f"SQLite {ours}" and x.size == size]
        theirs = section.latency(f"pymerkle SqliteTree {kind}", size)
        if mine:
            notes.append(
                f"{kind} at {size:,}: pymerkle SqliteTree median / ours = "
                f"{theirs.median_ms / mine[0].median_ms:.2f}×, p95 "
                f"{theirs.p95_ms / mine[0].p95_ms:.2f}×"
            )
    return notes


def _notes(config: Config) -> list[str]:
    return [
        f"{config.proof_samples:,} samples per row after an untimed pass over the samples (the "
        f"store's pages in the OS cache) and {_WARM_UP} untimed warm-up calls; "
        "SQLite rows read through SqlLogStore (a pooled connection per read); the first "
        "samples are checked with RFC 9162 verification",
        "inclusion_proof / consistency_proof: the proof path alone (one read_nodes query); "
        "prove_inclusion also reads the head, the leaf and the root; prove_consistency the "
        "head and both roots",
        "pymerkle SqliteTree: a fresh tree object on its cached file, its subroot cache "
        "filled by the untimed pass over the samples (every tree gets one, ours too)",
    ]
