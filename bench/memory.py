"""1. In-memory append: MemoryTree against raw SHA-256 and pymerkle's InmemoryTree."""

from __future__ import annotations

from pymerkle import InmemoryTree

from bench.config import Config
from bench.corpus import Pool
from bench.measure import Rate, Section, Target, best_rate, raw_sha256, timed
from ceasefire.log.hashing import leaf_hashes
from ceasefire.log.merkle import MemoryTree

EXTEND = "MemoryTree.extend"
APPEND = "MemoryTree.append (one by one)"
PYMERKLE = "pymerkle InmemoryTree.append_entry"


# Each timed run ends by reading the root: a tree may build its subtrees when they are first
# needed (MemoryTree for leaves appended one by one, pymerkle's InmemoryTree for its subroots),
# and that work is part of appending.


def _extend(chunks: list[list[bytes]]) -> None:
    tree = MemoryTree()
    for chunk in chunks:
        tree.extend(chunk)
    tree.root()


def _append(leaves: list[bytes]) -> None:
    tree = MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
    tree.root()


def _pymerkle(leaves: list[bytes]) -> None:
    tree = InmemoryTree()
    for leaf in leaves:
        tree.append_entry(leaf)
    tree.get_root()


def _check_same_root(leaves: list[bytes]) -> None:
    """Both trees hash by RFC 9162, so they must agree; otherwise the race is not fair."""
    ours, theirs = MemoryTree(), InmemoryTree()
    ours.extend(leaves)
    theirs.append_entries(leaves)
    if ours.root() != theirs.get_root():
        raise AssertionError("MemoryTree and pymerkle disagree on the root of the same leaves")


def run(config: Config, pool: Pool) -> Section:
    leaves = pool.cycle(0, config.memory_leaves)
    _check_same_root(leaves[:1000])
    batch, count, repeats = config.batch, len(leaves), range(config.repeats)
    chunks = [leaves[i : i + batch] for i in range(0, count, batch)]
    raw = raw_sha256(leaves, config.repeats)
    section = Section(f"1. In-memory append ({count:,} signed envelopes, mean {_mean(leaves)} B)")
    figures = {
        "raw SHA-256 (hashlib.sha256(leaf).digest())": raw,
        "RFC 9162 leaf hashes only (leaf_hashes)": best_rate(
            count, [timed(lambda: leaf_hashes(leaves)) for _ in repeats]
        ),
        f"{EXTEND} (batches of {batch:,})": best_rate(
            count, [timed(lambda: _extend(chunks)) for _ in repeats]
        ),
        APPEND: best_rate(count, [timed(lambda: _append(leaves)) for _ in repeats]),
        PYMERKLE: best_rate(count, [timed(lambda: _pymerkle(leaves)) for _ in repeats]),
    }
    section.rates = [Rate(label, value, raw) for label, value in figures.items()]
    section.targets = _targets(section, batch)
    section.notes.append(
        f"best of {config.repeats}; same root checked against pymerkle first; each timed run "
        "ends by reading the root (MemoryTree builds the subtrees of leaves appended one by one "
        "when first needed, pymerkle its subroots)"
    )
    return section


def _mean(leaves: list[bytes]) -> int:
    return sum(map(len, leaves)) // len(leaves)


def _targets(section: Section, batch: int) -> list[Target]:
    pymerkle = section.rate(PYMERKLE).per_second
    targets = []
    for label in (f"{EXTEND} (batches of {batch:,})", APPEND):
        rate = section.rate(label)
        targets += [
            Target(f"{label} ≥ 40 % of raw SHA-256", f"{rate.ratio:.0%}", rate.ratio >= 0.40),
            Target(
                f"{label} ≥ 4× pymerkle",
                f"{rate.per_second / pymerkle:.1f}×",
                rate.per_second >= 4 * pymerkle,
            ),
        ]
    return targets
