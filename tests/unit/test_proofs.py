"""Verifying RFC 9162 proofs (``ceasefire.log.proofs``): honest proofs pass, changed ones fail."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ceasefire.errors import VerificationError
from ceasefire.log.hashing import leaf_hash
from ceasefire.log.merkle import MemoryTree
from ceasefire.log.proofs import root_from_inclusion_proof, verify_consistency, verify_inclusion

MAX_SIZE = 100


def make_tree(n: int) -> MemoryTree:
    tree = MemoryTree()
    tree.extend(b"event %d" % i for i in range(n))
    return tree


@st.composite
def inclusion_cases(draw: st.DrawFn) -> tuple[MemoryTree, int, int]:
    size = draw(st.integers(min_value=1, max_value=MAX_SIZE))
    return make_tree(size), draw(st.integers(min_value=0, max_value=size - 1)), size


@st.composite
def consistency_cases(draw: st.DrawFn, *, strict: bool = False) -> tuple[MemoryTree, int, int]:
    """A tree and ``0 < old <= new`` (``old < new`` when ``strict``)."""
    new = draw(st.integers(min_value=2 if strict else 1, max_value=MAX_SIZE))
    old = draw(st.integers(min_value=1, max_value=new - 1 if strict else new))
    return make_tree(new), old, new


def flip_bit(proof: list[bytes], position: int, bit: int) -> list[bytes]:
    target = bytearray(proof[position])
    target[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:position], bytes(target), *proof[position + 1 :]]


# --- Inclusion ------------------------------------------------------------------------------


@given(inclusion_cases())
def test_inclusion_proof_verifies_for_its_leaf(case: tuple[MemoryTree, int, int]) -> None:
    tree, index, size = case
    proof = tree.inclusion_proof(index, size)
    verify_inclusion(tree.leaf_hash(index), index, size, proof, tree.root(size))
    assert root_from_inclusion_proof(tree.leaf_hash(index), index, size, proof) == tree.root(size)


@given(inclusion_cases(), st.binary(min_size=32, max_size=32))
def test_inclusion_proof_fails_for_any_other_leaf(
    case: tuple[MemoryTree, int, int], other: bytes
) -> None:
    tree, index, size = case
    assume(other != tree.leaf_hash(index))
    with pytest.raises(VerificationError, match=f"leaf {index} in tree of size {size}"):
        verify_inclusion(other, index, size, tree.inclusion_proof(index, size), tree.root(size))


@given(inclusion_cases(), st.integers(min_value=0, max_value=2**64 - 1))
def test_inclusion_proof_fails_for_any_other_index(
    case: tuple[MemoryTree, int, int], other: int
) -> None:
    tree, index, size = case
    assume(other != index)
    proof = tree.inclusion_proof(index, size)
    with pytest.raises(VerificationError):
        verify_inclusion(tree.leaf_hash(index), other, size, proof, tree.root(size))


@given(inclusion_cases(), st.data())
def test_inclusion_proof_fails_with_any_flipped_bit(
    case: tuple[MemoryTree, int, int], data: st.DataObject
) -> None:
    tree, index, size = case
    proof = tree.inclusion_proof(index, size)
    assume(proof)
    position = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    tampered = flip_bit(proof, position, bit)
    with pytest.raises(VerificationError, match="computed root"):
        verify_inclusion(tree.leaf_hash(index), index, size, tampered, tree.root(size))


@given(inclusion_cases(), st.data())
def test_inclusion_proof_fails_when_truncated_or_extended(
    case: tuple[MemoryTree, int, int], data: st.DataObject
) -> None:
    tree, index, size = case
    proof = tree.inclusion_proof(index, size)
    extra = data.draw(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=3))
    keep = data.draw(st.integers(min_value=0, max_value=len(proof)))
    for tampered in ([*proof, *extra], [*extra, *proof], proof[:keep] if keep < len(proof) else []):
        if tampered == proof:
            continue
        with pytest.raises(VerificationError, match="proof has"):
            verify_inclusion(tree.leaf_hash(index), index, size, tampered, tree.root(size))


def test_inclusion_error_says_how_many_hashes_were_expected() -> None:
    tree = make_tree(8)
    proof = [*tree.inclusion_proof(5, 8), bytes(32)]
    with pytest.raises(VerificationError) as caught:
        verify_inclusion(tree.leaf_hash(5), 5, 8, proof, tree.root())
    assert str(caught.value) == "proof has 4 hashes, expected 3 for index 5 in size 8"


def test_inclusion_error_shows_computed_and_expected_roots() -> None:
    tree = make_tree(8)
    wrong_root = bytes(32)
    with pytest.raises(VerificationError) as caught:
        verify_inclusion(tree.leaf_hash(5), 5, 8, tree.inclusion_proof(5, 8), wrong_root)
    computed = tree.root().hex()[:16]
    assert str(caught.value) == (
        f"inclusion proof for leaf 5 in tree of size 8: computed root {computed}… "
        f"but expected 0000000000000000…"
    )


@pytest.mark.parametrize(
    ("leaf", "proof", "root", "what"),
    [
        (b"", [], None, "leaf hash: expected a 32-byte SHA-256 hash, found 0 bytes"),
        (None, [b"x" * 33], None, "inclusion proof hash 0: expected a 32-byte"),
        (None, None, b"x" * 31, "root: expected a 32-byte SHA-256 hash, found 31 bytes"),
    ],
)
def test_inclusion_rejects_hashes_that_are_not_32_bytes(
    leaf: bytes | None, proof: list[bytes] | None, root: bytes | None, what: str
) -> None:
    tree = make_tree(2)
    with pytest.raises(VerificationError, match=what):
        verify_inclusion(
            tree.leaf_hash(0) if leaf is None else leaf,
            0,
            2,
            tree.inclusion_proof(0, 2) if proof is None else proof,
            tree.root() if root is None else root,
        )


@pytest.mark.parametrize(
    ("index", "size", "proof_length"),
    [(2**64 - 1, 1, 0), (2**64 - 1, 2**64, 64), (2**64 - 2, 2**64 - 1, 63), (-1, 8, 3), (0, 0, 0)],
)
def test_inclusion_handles_huge_and_negative_indexes_without_crashing(
    index: int, size: int, proof_length: int
) -> None:
    with pytest.raises(VerificationError):
        verify_inclusion(bytes(32), index, size, [bytes(32)] * proof_length, bytes(32))


# --- Consistency ----------------------------------------------------------------------------


@given(consistency_cases())
def test_consistency_proof_verifies_for_every_old_size(case: tuple[MemoryTree, int, int]) -> None:
    tree, old, new = case
    verify_consistency(old, new, tree.root(old), tree.root(new), tree.consistency_proof(old, new))


@given(consistency_cases(strict=True), st.data())
def test_consistency_proof_fails_with_any_flipped_bit(
    case: tuple[MemoryTree, int, int], data: st.DataObject
) -> None:
    tree, old, new = case
    proof = tree.consistency_proof(old, new)
    position = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    tampered = flip_bit(proof, position, data.draw(st.integers(min_value=0, max_value=255)))
    with pytest.raises(VerificationError, match="computed"):
        verify_consistency(old, new, tree.root(old), tree.root(new), tampered)


@given(consistency_cases(strict=True), st.data())
def test_consistency_proof_fails_when_truncated_or_extended(
    case: tuple[MemoryTree, int, int], data: st.DataObject
) -> None:
    tree, old, new = case
    proof = tree.consistency_proof(old, new)
    extra = data.draw(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=3))
    keep = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    for tampered in ([*proof, *extra], [*extra, *proof], proof[:keep]):
        with pytest.raises(VerificationError):
            verify_consistency(old, new, tree.root(old), tree.root(new), tampered)


@given(consistency_cases(strict=True), st.binary(min_size=32, max_size=32))
def test_consistency_proof_fails_for_any_other_root(
    case: tuple[MemoryTree, int, int], other: bytes
) -> None:
    tree, old, new = case
    proof = tree.consistency_proof(old, new)
    if other != tree.root(old):
        with pytest.raises(VerificationError, match="root"):
            verify_consistency(old, new, other, tree.root(new), proof)
    if other != tree.root(new):
        with pytest.raises(VerificationError, match="computed new root"):
            verify_consistency(old, new, tree.root(old), other, proof)


@given(consistency_cases(strict=True), st.integers(min_value=1, max_value=MAX_SIZE))
def test_consistency_proof_fails_for_any_other_old_size(
    case: tuple[MemoryTree, int, int], other: int
) -> None:
    tree, old, new = case
    assume(other not in (old, new))
    proof = tree.consistency_proof(old, new)
    with pytest.raises(VerificationError):
        verify_consistency(other, new, tree.root(old), tree.root(new), proof)


def test_consistency_from_the_empty_tree_is_left_to_the_caller() -> None:
    tree = make_tree(3)
    for proof in ([], tree.consistency_proof(0)):
        with pytest.raises(VerificationError, match="old size of at least 1, found 0"):
            verify_consistency(0, 3, tree.root(0), tree.root(), proof)


def test_consistency_between_equal_sizes_needs_an_empty_proof_and_equal_roots() -> None:
    tree = make_tree(5)
    verify_consistency(5, 5, tree.root(), tree.root(), [])
    with pytest.raises(VerificationError, match="proof has 1 hashes, expected 0"):
        verify_consistency(5, 5, tree.root(), tree.root(), [tree.root()])
    with pytest.raises(VerificationError, match="must have the same root"):
        verify_consistency(5, 5, tree.root(), tree.root(4), [])


@pytest.mark.parametrize(("old", "new"), [(6, 5), (-1, 5), (1, -1)])
def test_consistency_rejects_sizes_out_of_order(old: int, new: int) -> None:
    with pytest.raises(VerificationError):
        verify_consistency(old, new, bytes(32), bytes(32), [bytes(32)] * 3)


def test_consistency_error_shows_computed_and_expected_roots() -> None:
    tree = make_tree(8)
    with pytest.raises(VerificationError) as caught:
        verify_consistency(6, 8, tree.root(6), bytes(32), tree.consistency_proof(6, 8))
    assert str(caught.value) == (
        f"consistency proof from size 6 to size 8: computed new root {tree.root().hex()[:16]}… "
        f"but expected 0000000000000000…"
    )


def test_consistency_rejects_hashes_that_are_not_32_bytes() -> None:
    tree = make_tree(8)
    proof = tree.consistency_proof(6, 8)
    with pytest.raises(VerificationError, match="consistency proof hash 1: expected a 32-byte"):
        verify_consistency(6, 8, tree.root(6), tree.root(), [proof[0], b"", proof[2]])
    with pytest.raises(VerificationError, match="old root: expected a 32-byte"):
        verify_consistency(6, 8, b"", tree.root(), proof)


def test_consistency_handles_huge_sizes_without_crashing() -> None:
    with pytest.raises(VerificationError, match="proof has 2 hashes, expected"):
        verify_consistency(2**63 + 5, 2**64 - 1, bytes(32), bytes(32), [bytes(32)] * 2)


def test_leaf_hash_of_the_leaf_itself_is_what_inclusion_proves() -> None:
    tree = make_tree(3)
    verify_inclusion(leaf_hash(b"event 2"), 2, 3, tree.inclusion_proof(2), tree.root())
