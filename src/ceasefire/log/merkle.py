"""RFC 6962 tree math over perfect subtrees, proof generation, and an in-memory tree.

A node ``(level, index)`` is the perfect subtree over the leaves
``[index << level, (index + 1) << level)``; level 0 nodes are leaf hashes. RFC 6962 trees are
left-heavy, so a perfect subtree never changes once its last leaf is appended: those are the
only nodes ever stored. Every other hash a proof needs (the tree hash of a range whose length is
not a power of two) is *folded* from the perfect subtrees that make up the range, which is why
plans name groups of node ids.

Proofs are generated in two steps: a pure *plan* (which node ids to fold, RFC 6962 §2.1.1
``PATH`` and §2.1.2 ``PROOF``), then one :meth:`NodeReader.read_nodes` call for all of them, so
that a store behind the reader answers a proof with one query of O(log n) ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import repeat
from typing import Final, Protocol

from ceasefire.errors import InvalidInput, NotFound
from ceasefire.log.hashing import (
    EMPTY_ROOT,
    HASH_SIZE,
    LEAF_SEED,
    NODE_PREFIX,
    leaf_hashes,
    node_hash,
)

NodeId = tuple[int, int]
"""``(level, index)`` of a perfect subtree."""


class NodeReader(Protocol):
    """Anything that holds perfect-subtree hashes: the in-memory tree, a database store."""

    def read_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        """The hash of each node asked for; raises :class:`NotFound` for a missing id."""
        ...


# --- Tree math -------------------------------------------------------------------------------


def _check_count(value: int, what: str) -> None:
    if value < 0:
        raise InvalidInput(f"must be 0 or more, found {value}", field=what)


def _split_point(n: int) -> int:
    """The largest power of two strictly below ``n`` (RFC 6962's ``k``), for ``n >= 2``."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_ids(start: int, end: int) -> list[NodeId]:
    """The perfect subtrees, left to right, whose concatenation is the range ``[start, end)``.

    Each step takes the largest aligned subtree that fits. For ``[0, size)`` and for the ranges
    in RFC 6962 proofs (whose start is a multiple of a power of two at least their length)
    this is the binary decomposition of the length, largest first, and :func:`fold` of their
    hashes is the range's tree hash.
    """
    _check_count(start, "start")
    if end < start:
        raise InvalidInput(f"range end must be at least its start {start}, found {end}")
    ids: list[NodeId] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        ids.append((level, start >> level))
        start += 1 << level
    return ids


def root_ids(size: int) -> list[NodeId]:
    """The right edge ("compact range") of a tree of ``size`` leaves, largest subtree first."""
    return subtree_ids(0, size)


def fold(hashes: Sequence[bytes]) -> bytes:
    """The tree hash of a range from its perfect subtrees' hashes, left to right.

    RFC 6962 splits a range at the largest power of two, so the left part is always the
    first (largest) subtree and the tree hash is a right fold: ``h0 · (h1 · (… · hn))``.
    """
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = node_hash(left, acc)
    return acc


def _path_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose tree hashes make up ``PATH(index, D[0:size])``, root first."""
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split_point(hi - lo)
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    return ranges


def _subproof_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """The leaf ranges of ``SUBPROOF(old, D[0:new], true)`` (RFC 6962 §2.1.2), root first."""
    ranges: list[tuple[int, int]] = []
    lo, hi, m, complete = 0, new, old, True
    while m != hi - lo:
        k = _split_point(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        ranges.append((lo, hi))
    return ranges


def _plan(ranges: list[tuple[int, int]]) -> list[tuple[NodeId, ...]]:
    """Leaf-to-root order: RFC 6962 appends each element after the recursion below it."""
    return [tuple(subtree_ids(lo, hi)) for lo, hi in reversed(ranges)]


def inclusion_plan(index: int, size: int) -> list[tuple[NodeId, ...]]:
    """RFC 6962 §2.1.1 ``PATH(index, D[0:size])``, each element as the perfect subtrees to fold."""
    _check_count(index, "index")
    if index >= size:
        raise InvalidInput(f"leaf index must be below the tree size {size}, found {index}")
    return _plan(_path_ranges(index, size))


def consistency_plan(old: int, new: int) -> list[tuple[NodeId, ...]]:
    """RFC 6962 §2.1.2 ``PROOF(old, D[0:new])``, each element as the perfect subtrees to fold.

    Empty when ``old == new`` and when ``old == 0`` (C2SP tlog-witness: the empty tree is
    consistent with every tree, with an empty proof).
    """
    _check_count(old, "old")
    if old > new:
        raise InvalidInput(f"old size must be at most the new size {new}, found {old}")
    if old == 0:
        return []
    return _plan(_subproof_ranges(old, new))


# --- Proofs from a reader ---------------------------------------------------------------------


def _read(reader: NodeReader, ids: Sequence[NodeId]) -> Mapping[NodeId, bytes]:
    nodes = reader.read_nodes(ids)
    missing = [node for node in ids if node not in nodes]
    if missing:
        level, index = missing[0]
        raise NotFound(f"node (level {level}, index {index}) is missing from the reader's answer")
    return nodes


def _fold_plan(reader: NodeReader, plan: list[tuple[NodeId, ...]], *extra: NodeId) -> list[bytes]:
    """Fold every element of ``plan`` after one read of all its ids (and ``extra``)."""
    ids = [*extra, *(node for element in plan for node in element)]
    if not ids:
        return []
    nodes = _read(reader, ids)
    return [fold([nodes[node] for node in element]) for element in plan]


def root_at(reader: NodeReader, size: int) -> bytes:
    """The RFC 6962 tree hash of the first ``size`` leaves, from one read of the right edge
    (none for the empty tree)."""
    ids = tuple(root_ids(size))
    return _fold_plan(reader, [ids])[0] if ids else EMPTY_ROOT


def inclusion_proof(reader: NodeReader, index: int, size: int) -> list[bytes]:
    """The RFC 6962 inclusion proof of leaf ``index`` in the tree of ``size``, leaf to root.

    One ``read_nodes`` call. It also reads the leaf itself, so a reader that does not hold
    the leaf raises :class:`NotFound` rather than yielding a proof of a leaf it never had.
    """
    plan = inclusion_plan(index, size)
    return _fold_plan(reader, plan, (0, index))


def consistency_proof(reader: NodeReader, old: int, new: int) -> list[bytes]:
    """The RFC 6962 consistency proof from ``old`` to ``new`` leaves; one ``read_nodes`` call.

    Empty, with no read at all, when ``old == new`` or ``old == 0``.
    """
    return _fold_plan(reader, consistency_plan(old, new))


# --- Appending --------------------------------------------------------------------------------


def _edge_levels(size: int) -> list[int]:
    """The level of each subtree in ``root_ids(size)``: the set bits of ``size``, highest first."""
    return [level for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]


def _check_hashes(hashes: Sequence[bytes], what: str) -> None:
    lengths = set(map(len, hashes))  # C-level: cheap even for 100k hashes
    if lengths - {HASH_SIZE}:
        found = sorted(lengths - {HASH_SIZE})
        raise InvalidInput(f"{what}: expected {HASH_SIZE}-byte SHA-256 hashes, found {found} bytes")


def _grow(
    size: int, edge: Sequence[bytes], new_leaf_hashes: Sequence[bytes]
) -> tuple[list[list[bytes]], list[bytes]]:
    """The new nodes of each level (level ``l``'s list starts at index ``size >> l``) and the
    new edge, built a whole level at a time."""
    old_edge = dict(zip(_edge_levels(size), edge, strict=True))
    new_edge: dict[int, bytes] = {}
    levels: list[list[bytes]] = []
    sha256, prefix = hashlib.sha256, NODE_PREFIX
    level, current = 0, list(new_leaf_hashes)
    while current:
        levels.append(current)
        if size >> level & 1:
            # The old tree's last node on this level was unpaired; it pairs with the first new one.
            current = [old_edge[level], *current]
        if len(current) & 1:
            new_edge[level] = current[-1]
        # zip drops an unpaired last node: it stays on the edge (recorded just above).
        lefts, rights = current[::2], current[1::2]
        current = [sha256(prefix + a + b).digest() for a, b in zip(lefts, rights, strict=False)]
        level += 1
    # Above the highest level that gained nodes, the edge is unchanged.
    new_edge.update((lvl, h) for lvl, h in old_edge.items() if lvl >= level)
    new_size = size + len(new_leaf_hashes)
    return levels, [new_edge[lvl] for lvl in _edge_levels(new_size)]


def completed_nodes(
    size: int, edge: Sequence[bytes], new_leaf_hashes: Sequence[bytes]
) -> tuple[list[tuple[int, int, bytes]], list[bytes]]:
    """Append ``new_leaf_hashes`` to a tree of ``size`` leaves whose right edge is ``edge``.

    ``edge`` holds the hashes of ``root_ids(size)``, in that order. Returns every perfect
    subtree that now exists and did not before, as ``(level, index, hash)`` grouped by level
    from level 0 (the new leaves themselves) upwards, and the hashes of ``root_ids`` at the
    new size.
    """
    _check_count(size, "size")
    if len(edge) != size.bit_count():
        raise InvalidInput(
            f"edge of a tree of size {size}: expected {size.bit_count()} hashes, found {len(edge)}"
        )
    _check_hashes(edge, "edge")
    _check_hashes(new_leaf_hashes, "new leaf hashes")
    levels, new_edge = _grow(size, edge, new_leaf_hashes)
    nodes: list[tuple[int, int, bytes]] = []
    for level, hashes in enumerate(levels):
        start = size >> level
        nodes.extend(zip(repeat(level), range(start, start + len(hashes)), hashes))
    return nodes, new_edge


# --- In memory --------------------------------------------------------------------------------


PENDING: Final = 4096
"""How many leaves appended one by one may wait before their subtrees are built."""


class _Level:
    """One level of a :class:`MemoryTree`: its nodes' hashes end to end in one ``bytearray``.

    32 bytes a node instead of a bytes object and a list slot each (~80 bytes), so a tree of
    millions of leaves stays small; appending is amortised O(1).
    """

    __slots__ = ("count", "data")

    def __init__(self) -> None:
        self.data = bytearray()
        self.count = 0

    def extend(self, hashes: list[bytes]) -> None:
        self.data += b"".join(hashes)
        self.count += len(hashes)

    def get(self, index: int) -> bytes:
        """The node at ``index``, for ``0 <= index < count``."""
        offset = index * HASH_SIZE
        return bytes(self.data[offset : offset + HASH_SIZE])


class MemoryTree:
    """An append-only RFC 6962 tree held in memory: every perfect subtree, level by level.

    It is a :class:`NodeReader`, so proofs come from the same code paths a database store uses.

    Leaves appended one by one are hashed at once and kept until a read needs the tree's
    nodes (or :data:`PENDING` of them wait): the subtrees they complete are then built for all
    of them together, as :meth:`extend` does, which costs a third less than merging each leaf
    into the right edge as it comes. Reads see every leaf appended before them. A tree is for
    one thread at a time, as it always was for appends: a read may now build the waiting
    subtrees.
    """

    def __init__(self) -> None:
        self._levels: list[_Level] = [_Level()]
        self._edge: list[bytes] = []  # hashes of root_ids(built size), largest subtree first
        self._pending: list[bytes] = []  # leaf hashes appended after the built levels

    @property
    def size(self) -> int:
        return self._levels[0].count + len(self._pending)

    def append(self, leaf: bytes) -> int:
        """Append one leaf; return its index."""
        state = LEAF_SEED.copy()  # leaf_hash, inlined: this is the per-leaf hot path
        state.update(leaf)
        pending = self._pending
        index = self._levels[0].count + len(pending)
        pending.append(state.digest())
        if len(pending) >= PENDING:
            self._build()
        return index

    def _build(self) -> None:
        """Build the subtrees the pending leaves complete."""
        if self._pending:
            hashes, self._pending = self._pending, []
            self._grow_by(hashes)

    def extend(self, leaves: Iterable[bytes]) -> range:
        """Append leaves; return the range of their indexes."""
        return self._append(leaf_hashes(leaves))

    def extend_hashes(self, leaf_hashes: Sequence[bytes]) -> range:
        """Append leaves given by their leaf hashes; return the range of their indexes."""
        _check_hashes(leaf_hashes, "leaf hashes")
        return self._append(list(leaf_hashes))

    def _append(self, hashes: list[bytes]) -> range:
        self._build()
        return self._grow_by(hashes)

    def _grow_by(self, hashes: list[bytes]) -> range:
        size, levels = self._levels[0].count, self._levels
        new_levels, self._edge = _grow(size, self._edge, hashes)
        for level, new_nodes in enumerate(new_levels):
            if level == len(levels):
                levels.append(_Level())
            levels[level].extend(new_nodes)
        return range(size, size + len(hashes))

    def leaf_hash(self, index: int) -> bytes:
        """The leaf hash at ``index``."""
        _check_count(index, "index")
        if index >= self.size:
            raise NotFound(f"leaf index must be below the tree size {self.size}, found {index}")
        self._build()
        return self._levels[0].get(index)

    def _size_or_current(self, size: int | None, what: str) -> int:
        if size is None:
            return self.size
        _check_count(size, what)
        if size > self.size:
            raise NotFound(f"{what} must be at most the tree size {self.size}, found {size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        """The tree hash at ``size`` leaves (default: all of them)."""
        return root_at(self, self._size_or_current(size, "size"))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The inclusion proof of leaf ``index`` in the tree at ``size`` (default: current)."""
        return inclusion_proof(self, index, self._size_or_current(size, "size"))

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        """The consistency proof from ``old`` to ``new`` leaves (default: current size)."""
        return consistency_proof(self, old, self._size_or_current(new, "new"))

    def read_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        self._build()
        levels = self._levels
        nodes: dict[NodeId, bytes] = {}
        for level, index in ids:
            if not (0 <= level < len(levels) and 0 <= index < levels[level].count):
                raise NotFound(
                    f"node (level {level}, index {index}) does not exist in a tree of size "
                    f"{self.size}"
                )
            nodes[level, index] = levels[level].get(index)
        return nodes
