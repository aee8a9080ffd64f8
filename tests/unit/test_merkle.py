"""Tree math, proof generation and appends in ``ceasefire.log.merkle``, against a naive RFC 6962."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.errors import InvalidInput, NotFound
from ceasefire.log import merkle
from ceasefire.log.hashing import (
    EMPTY_ROOT,
    HASH_SIZE,
    leaf_hash,
    leaf_hashes,
    node_hash,
    require_hash,
)
from ceasefire.log.merkle import (
    MemoryTree,
    NodeId,
    completed_nodes,
    consistency_plan,
    consistency_proof,
    fold,
    inclusion_plan,
    inclusion_proof,
    root_at,
    root_ids,
    subtree_ids,
)

# --- A naive RFC 6962 written straight from the text, to check the real one against ---------


def naive_mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + naive_mth(leaves[:k]) + naive_mth(leaves[k:])).digest()


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_mth(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_mth(leaves[:k])]


def naive_subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [naive_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*naive_subproof(m, leaves[:k], complete), naive_mth(leaves[k:])]
    return [*naive_subproof(m - k, leaves[k:], False), naive_mth(leaves[:k])]


def make_leaves(n: int) -> list[bytes]:
    return [b"event %d" % i for i in range(n)]


def make_tree(n: int) -> MemoryTree:
    tree = MemoryTree()
    tree.extend(make_leaves(n))
    return tree


def ids_cover(ids: Collection[NodeId]) -> list[int]:
    return [leaf for level, index in ids for leaf in range(index << level, (index + 1) << level)]


class CountingReader:
    """A reader that records every ``read_nodes`` call, standing in for a database."""

    def __init__(self, tree: MemoryTree) -> None:
        self.tree = tree
        self.calls: list[list[NodeId]] = []

    def read_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        self.calls.append(list(ids))
        return self.tree.read_nodes(ids)


@st.composite
def size_and_index(draw: st.DrawFn, max_size: int = 80) -> tuple[int, int]:
    size = draw(st.integers(min_value=1, max_value=max_size))
    return size, draw(st.integers(min_value=0, max_value=size - 1))


@st.composite
def old_and_new(draw: st.DrawFn, max_size: int = 80) -> tuple[int, int]:
    new = draw(st.integers(min_value=1, max_value=max_size))
    return draw(st.integers(min_value=1, max_value=new)), new


# --- Hashing ------------------------------------------------------------------------------


def test_leaf_and_node_hashes_use_rfc6962_domain_prefixes() -> None:
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert node_hash(b"L", b"R") == hashlib.sha256(b"\x01LR").digest()
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT


@given(st.lists(st.binary(max_size=40), max_size=20))
def test_leaf_hashes_equal_leaf_hash_of_each_leaf(leaves: list[bytes]) -> None:
    assert leaf_hashes(leaves) == [leaf_hash(leaf) for leaf in leaves]
    assert leaf_hashes(iter(leaves)) == leaf_hashes(leaves)


def test_require_hash_returns_a_32_byte_hash_unchanged() -> None:
    value = bytes(HASH_SIZE)
    assert require_hash(value, "root") is value


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_require_hash_names_the_value_and_its_length(length: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        require_hash(bytes(length), "old root")
    assert str(caught.value) == (f"old root: expected a 32-byte SHA-256 hash, found {length} bytes")


# --- Tree math ---------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=2**70))
def test_root_ids_are_the_set_bits_of_the_size_largest_first(size: int) -> None:
    ids = root_ids(size)
    levels = [level for level, _ in ids]
    assert levels == sorted(levels, reverse=True)
    assert sum(1 << level for level in levels) == size
    assert ids == subtree_ids(0, size)


@given(st.integers(min_value=0, max_value=600), st.integers(min_value=0, max_value=600))
def test_subtree_ids_tile_any_range_with_aligned_perfect_subtrees(a: int, b: int) -> None:
    start, end = min(a, b), max(a, b)
    ids = subtree_ids(start, end)
    assert ids_cover(ids) == list(range(start, end))


@given(st.integers(min_value=0, max_value=3), st.integers(min_value=1, max_value=40))
def test_fold_of_an_aligned_range_is_its_tree_hash(multiple: int, length: int) -> None:
    # The ranges in RFC 6962 proofs start at a multiple of a power of two >= their length.
    start = multiple << (length - 1).bit_length()
    leaves = make_leaves(start + length)
    tree = make_tree(len(leaves))
    ids = subtree_ids(start, start + length)
    levels = [level for level, _ in ids]
    assert levels == sorted(levels, reverse=True)
    nodes = tree.read_nodes(ids)
    assert fold([nodes[node] for node in ids]) == naive_mth(leaves[start:])


def test_subtree_ids_reject_a_range_that_ends_before_it_starts() -> None:
    with pytest.raises(InvalidInput, match="found 3"):
        subtree_ids(5, 3)
    with pytest.raises(InvalidInput, match="found -1"):
        subtree_ids(-1, 3)


def test_fold_of_no_subtrees_is_the_empty_root() -> None:
    assert fold([]) == EMPTY_ROOT


@given(st.lists(st.binary(max_size=16), max_size=40))
def test_root_equals_naive_mth_at_every_size(leaves: list[bytes]) -> None:
    tree = MemoryTree()
    tree.extend(leaves)
    for size in range(len(leaves) + 1):
        assert tree.root(size) == naive_mth(leaves[:size])
        assert root_at(tree, size) == naive_mth(leaves[:size])
    assert tree.root() == naive_mth(leaves)


# --- Plans --------------------------------------------------------------------------------


@given(size_and_index(max_size=300))
def test_inclusion_plan_names_existing_subtrees_that_cover_all_other_leaves(
    case: tuple[int, int],
) -> None:
    size, index = case
    plan = inclusion_plan(index, size)
    covered = [leaf for element in plan for leaf in ids_cover(element)]
    assert sorted([*covered, index]) == list(range(size))
    assert all((i + 1) << level <= size for element in plan for level, i in element)


@given(old_and_new(max_size=300))
def test_consistency_plan_names_only_subtrees_that_exist_in_the_new_tree(
    case: tuple[int, int],
) -> None:
    old, new = case
    for element in consistency_plan(old, new):
        assert element
        assert all((i + 1) << level <= new for level, i in element)


def test_consistency_plan_is_empty_from_the_empty_tree_and_between_equal_sizes() -> None:
    assert consistency_plan(0, 0) == []
    assert consistency_plan(0, 9) == []
    assert consistency_plan(9, 9) == []


@pytest.mark.parametrize(("index", "size"), [(0, 0), (5, 5), (6, 5), (-1, 5)])
def test_inclusion_plan_rejects_an_index_outside_the_tree(index: int, size: int) -> None:
    with pytest.raises(InvalidInput, match=f"found {index}"):
        inclusion_plan(index, size)


@pytest.mark.parametrize(("old", "new"), [(6, 5), (1, 0), (-1, 5)])
def test_consistency_plan_rejects_an_old_size_outside_zero_to_new(old: int, new: int) -> None:
    with pytest.raises(InvalidInput, match=f"found {old}"):
        consistency_plan(old, new)


# --- Proofs from a reader -----------------------------------------------------------------


@given(size_and_index())
def test_inclusion_proof_equals_rfc6962_path(case: tuple[int, int]) -> None:
    size, index = case
    tree = make_tree(size + 3)
    assert tree.inclusion_proof(index, size) == naive_path(index, make_leaves(size))


@given(old_and_new())
def test_consistency_proof_equals_rfc6962_proof(case: tuple[int, int]) -> None:
    old, new = case
    tree = make_tree(new + 3)
    assert tree.consistency_proof(old, new) == naive_subproof(old, make_leaves(new), True)


@given(size_and_index())
def test_inclusion_proof_makes_exactly_one_read(case: tuple[int, int]) -> None:
    size, index = case
    reader = CountingReader(make_tree(size))
    inclusion_proof(reader, index, size)
    assert len(reader.calls) == 1
    assert len(reader.calls[0]) <= 2 * size.bit_length() + 1


@given(old_and_new())
def test_consistency_proof_makes_at_most_one_read(case: tuple[int, int]) -> None:
    old, new = case
    reader = CountingReader(make_tree(new))
    proof = consistency_proof(reader, old, new)
    assert len(reader.calls) == (1 if proof else 0)


def test_root_at_reads_the_right_edge_once() -> None:
    reader = CountingReader(make_tree(13))
    assert root_at(reader, 13) == naive_mth(make_leaves(13))
    assert reader.calls == [root_ids(13)]


def test_proofs_are_empty_from_the_empty_tree_and_to_the_same_size() -> None:
    tree = make_tree(5)
    assert tree.consistency_proof(0) == []
    assert tree.consistency_proof(5, 5) == []
    assert tree.inclusion_proof(0, 1) == []


def test_inclusion_proof_fails_when_the_reader_lacks_the_leaf() -> None:
    with pytest.raises(NotFound, match="level 0, index 4"):
        inclusion_proof(make_tree(4), 4, 5)


def test_reader_answer_missing_a_node_is_not_found() -> None:
    class ForgetfulReader:
        def read_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]:
            return {}

    with pytest.raises(NotFound, match="missing from the reader's answer"):
        root_at(ForgetfulReader(), 3)


# --- Appends ------------------------------------------------------------------------------


def naive_nodes(leaves: list[bytes]) -> dict[NodeId, bytes]:
    nodes: dict[NodeId, bytes] = {}
    level = 0
    while 1 << level <= len(leaves):
        for i in range(len(leaves) >> level):
            nodes[level, i] = naive_mth(leaves[i << level : (i + 1) << level])
        level += 1
    return nodes


@given(st.lists(st.integers(min_value=0, max_value=20), max_size=8))
def test_completed_nodes_in_any_batches_give_every_node_once_and_the_edge(
    batches: list[int],
) -> None:
    leaves = make_leaves(sum(batches))
    hashes = leaf_hashes(leaves)
    size = 0
    edge: list[bytes] = []
    seen: list[tuple[int, int, bytes]] = []
    for count in batches:
        nodes, edge = completed_nodes(size, edge, hashes[size : size + count])
        seen.extend(nodes)
        size += count
        assert edge == [naive_mth(leaves[i << lvl : (i + 1) << lvl]) for lvl, i in root_ids(size)]
    found = {(level, index): value for level, index, value in seen}
    assert len(found) == len(seen)
    assert found == naive_nodes(leaves)
    tree = make_tree(size)
    assert tree.read_nodes(list(found)) == found


def test_completed_nodes_rejects_an_edge_of_the_wrong_length() -> None:
    with pytest.raises(InvalidInput, match="expected 2 hashes, found 1"):
        completed_nodes(5, [bytes(32)], [])


def test_completed_nodes_rejects_a_hash_that_is_not_32_bytes() -> None:
    with pytest.raises(InvalidInput, match=r"found \[31\] bytes"):
        completed_nodes(0, [], [bytes(32), bytes(31)])


def test_append_returns_the_index_and_extend_the_range() -> None:
    tree = MemoryTree()
    assert tree.size == 0
    assert tree.append(b"first") == 0
    assert tree.extend([b"a", b"b"]) == range(1, 3)
    assert tree.extend([]) == range(3, 3)
    assert tree.size == 3
    assert tree.leaf_hash(2) == leaf_hash(b"b")


_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(1, 9)),
        st.tuples(st.just("extend"), st.integers(0, 6)),
        st.tuples(st.just("read"), st.integers(0, 10**6)),
    ),
    max_size=30,
)


@given(_STEPS)
def test_leaves_appended_one_by_one_and_reads_between_give_the_tree_of_all_leaves(
    steps: list[tuple[str, int]],
) -> None:
    """Appended leaves wait (here at most 4) until a read or an extend builds their subtrees;
    whatever the order of appends, extends and reads, every read sees every leaf before it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(merkle, "PENDING", 4)
        tree, leaves = MemoryTree(), list[bytes]()
        for action, number in steps:
            if action == "read":
                _check_reads(tree, leaves, number)
                continue
            more = make_leaves(len(leaves) + number)[len(leaves) :]
            if action == "append":
                indexes = [tree.append(leaf) for leaf in more]
                assert indexes == list(range(len(leaves), len(leaves) + number))
            else:
                assert tree.extend(more) == range(len(leaves), len(leaves) + number)
            leaves += more
        every = root_ids(len(leaves))
        assert tree.read_nodes(every) == make_tree(len(leaves)).read_nodes(every)


def _check_reads(tree: MemoryTree, leaves: list[bytes], number: int) -> None:
    size = tree.size
    assert size == len(leaves)
    assert tree.root() == naive_mth(leaves)
    if size:
        index, old = number % size, number % (size + 1)
        assert tree.leaf_hash(index) == leaf_hash(leaves[index])
        assert tree.inclusion_proof(index) == naive_path(index, leaves)
        assert tree.consistency_proof(old) == (naive_subproof(old, leaves, True) if old else [])


def test_extend_hashes_builds_the_same_tree_as_extend() -> None:
    by_leaf, by_hash = make_tree(37), MemoryTree()
    assert by_hash.extend_hashes(leaf_hashes(make_leaves(37))) == range(37)
    assert by_hash.root() == by_leaf.root()
    assert by_hash.read_nodes(root_ids(37)) == by_leaf.read_nodes(root_ids(37))


def test_extend_hashes_rejects_a_hash_that_is_not_32_bytes() -> None:
    with pytest.raises(InvalidInput, match="leaf hashes"):
        MemoryTree().extend_hashes([b"short"])


def test_memory_tree_refuses_sizes_and_indexes_beyond_its_leaves() -> None:
    tree = make_tree(4)
    with pytest.raises(NotFound, match="at most the tree size 4, found 5"):
        tree.root(5)
    with pytest.raises(NotFound, match="found 5"):
        tree.inclusion_proof(0, 5)
    with pytest.raises(NotFound, match="found 5"):
        tree.consistency_proof(1, 5)
    with pytest.raises(NotFound, match="below the tree size 4, found 4"):
        tree.leaf_hash(4)
    with pytest.raises(InvalidInput, match="found -1"):
        tree.root(-1)
    with pytest.raises(InvalidInput, match="found -1"):
        tree.leaf_hash(-1)


@pytest.mark.parametrize("node", [(0, 4), (0, -1), (-1, 0), (3, 0), (2, 1)])
def test_read_nodes_raises_not_found_for_a_node_not_in_the_tree(node: NodeId) -> None:
    with pytest.raises(NotFound, match="does not exist in a tree of size 4"):
        make_tree(4).read_nodes([node])


@given(
    steps=st.lists(
        st.one_of(st.binary(max_size=8), st.lists(st.binary(max_size=8), max_size=9)), max_size=30
    )
)
def test_appends_one_by_one_and_in_batches_mix_into_the_same_tree(
    steps: list[bytes | list[bytes]],
) -> None:
    tree = MemoryTree()
    leaves: list[bytes] = []
    for step in steps:
        if isinstance(step, bytes):
            assert tree.append(step) == len(leaves)
            leaves.append(step)
        else:
            assert tree.extend(step) == range(len(leaves), len(leaves) + len(step))
            leaves.extend(step)
        assert tree.root() == naive_mth(leaves)
    assert tree.read_nodes(list(naive_nodes(leaves))) == naive_nodes(leaves)


@given(st.lists(st.binary(min_size=32, max_size=32), max_size=20).filter(lambda h: len(h) % 2 == 0))
def test_parent_hashes_hash_each_pair_one_level_up(children: list[bytes]) -> None:
    from ceasefire.log.hashing import parent_hashes

    expected = [node_hash(children[i], children[i + 1]) for i in range(0, len(children), 2)]
    assert parent_hashes(children) == expected
