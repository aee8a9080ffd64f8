"""Verifying RFC 9162 inclusion and consistency proofs.

The algorithms are those of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), step by
step, with two additions that fail closed before any hashing: every hash must be 32 bytes, and
the proof must have exactly the number of hashes the sizes call for (the ``inner + border``
decomposition transparency-dev uses). Every failure raises :class:`VerificationError`, saying
what was expected and what was found; a malformed hash is a failed verification, not a
different kind of error, so that callers have one thing to catch.

Edge cases RFC 9162 leaves to the application follow transparency-dev (and its test vectors):
a consistency check from size 0 is rejected (the witness protocol handles "from the empty tree"
itself), and ``old_size == new_size`` passes iff the proof is empty and the roots are
byte-equal.
"""

from __future__ import annotations

from collections.abc import Sequence

from ceasefire.errors import VerificationError
from ceasefire.log.hashing import HASH_SIZE, node_hash


def _short(value: bytes) -> str:
    return value.hex()[:16] + "…" if len(value) > 8 else value.hex() or "(empty)"


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise VerificationError(
            f"{what}: expected a {HASH_SIZE}-byte SHA-256 hash, found {len(value)} bytes"
        )


def _check_proof_hashes(proof: Sequence[bytes], what: str) -> None:
    for position, value in enumerate(proof):
        _check_hash(value, f"{what} hash {position}")


def _shift_while_even(fn: int, sn: int) -> tuple[int, int]:
    """Right-shift both until ``LSB(fn)`` is set or ``fn`` is 0."""
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


# --- Inclusion (RFC 9162 §2.1.3.2) -----------------------------------------------------------


def _inclusion_length(index: int, size: int) -> int:
    """Hashes in the proof for ``index`` in ``size``: one per level where the path turns
    (``inner``) plus one per left sibling above the point where the path joins the right
    edge (``border``)."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` leads to from ``leaf_hash`` at ``index`` in a tree of ``size``."""
    where = f"index {index} in size {size}"
    # Step 1: compare leaf_index against tree_size; fail if leaf_index >= tree_size.
    if not 0 <= index < size:
        raise VerificationError(f"leaf index must be in [0, {size}), found {index}")
    _check_hash(leaf_hash, "leaf hash")
    _check_proof_hashes(proof, "inclusion proof")
    expected = _inclusion_length(index, size)
    if len(proof) != expected:
        raise VerificationError(f"proof has {len(proof)} hashes, expected {expected} for {where}")
    # Steps 2 and 3: fn = leaf_index, sn = tree_size - 1, r = hash.
    fn, sn, r = index, size - 1, leaf_hash
    # Step 4: for each value p in the inclusion path:
    for p in proof:
        # 4a: if sn is 0, the proof is too long.
        if sn == 0:
            raise VerificationError(f"inclusion proof is too long for {where}")
        # 4b: p is a left sibling if LSB(fn) is set or fn == sn (fn is on the right edge).
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                fn, sn = _shift_while_even(fn, sn)
        else:
            r = node_hash(r, p)
        # 4c: right-shift both fn and sn once.
        fn, sn = fn >> 1, sn >> 1
    # Step 5 (first half): sn must be 0, or the proof was too short.
    if sn != 0:
        raise VerificationError(f"inclusion proof is too short for {where}")
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise :class:`VerificationError` unless ``proof`` shows ``leaf_hash`` at ``index`` in the
    tree of ``size`` whose root is ``root`` (RFC 9162 §2.1.3.2)."""
    _check_hash(root, "root")
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    # Step 5 (second half): r must equal root_hash.
    if computed != root:
        raise VerificationError(
            f"inclusion proof for leaf {index} in tree of size {size}: computed root "
            f"{_short(computed)} but expected {_short(root)}"
        )


# --- Consistency (RFC 9162 §2.1.4.2) ---------------------------------------------------------


def _check_sizes(old_size: int, new_size: int) -> None:
    if old_size < 0 or new_size < 0:
        raise VerificationError(
            f"tree sizes must be 0 or more, found old {old_size} and new {new_size}"
        )
    if old_size > new_size:
        raise VerificationError(
            f"old size must be at most the new size {new_size}, found {old_size}"
        )
    if old_size == 0:
        # RFC 9162 needs 0 < first; the empty tree is consistent with anything, and callers
        # that accept "from the empty tree" (the witness protocol) handle it before calling.
        raise VerificationError(
            f"a consistency proof needs an old size of at least 1, found 0 (new size {new_size})"
        )


def _verify_same_size(size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    if proof:
        raise VerificationError(
            f"proof has {len(proof)} hashes, expected 0 for size {size} to itself"
        )
    if old_root != new_root:
        raise VerificationError(
            f"trees of the same size {size} must have the same root: "
            f"found {_short(old_root)} and {_short(new_root)}"
        )


def _consistency_length(old_size: int, new_size: int) -> int:
    """Hashes in the proof: the inclusion path of the old tree's last leaf in the new tree,
    less the levels below the old tree's lowest perfect subtree, plus that subtree's own hash
    unless it is the whole old tree (``old_size`` a power of two)."""
    shift = (old_size & -old_size).bit_length() - 1
    seed = 0 if old_size == 1 << shift else 1
    return seed + _inclusion_length(old_size - 1, new_size) - shift


def _chain_consistency(
    old_size: int, new_size: int, old_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """RFC 9162 §2.1.4.2 steps 1 to 6: the (old, new) roots the proof leads to."""
    where = f"size {old_size} to size {new_size}"
    # Step 1: an empty consistency_path fails.
    if not proof:
        raise VerificationError(f"consistency proof from {where} is empty")
    # Step 2: if first is an exact power of 2, prepend first_hash to the path.
    path = [old_root, *proof] if old_size & (old_size - 1) == 0 else list(proof)
    # Steps 3 and 4: fn = first - 1, sn = second - 1; shift both while LSB(fn) is set.
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    # Step 5: fr and sr both start at the first value of the path.
    fr = sr = path[0]
    # Step 6: for each subsequent value c in the path:
    for c in path[1:]:
        # 6a: if sn is 0, the proof is too long.
        if sn == 0:
            raise VerificationError(f"consistency proof from {where} is too long")
        # 6b: c is a left sibling if LSB(fn) is set or fn == sn; it then joins both trees.
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                fn, sn = _shift_while_even(fn, sn)
        else:
            sr = node_hash(sr, c)
        # 6c: right-shift both fn and sn once.
        fn, sn = fn >> 1, sn >> 1
    # Step 7 (first part): sn must be 0, or the proof was too short.
    if sn != 0:
        raise VerificationError(f"consistency proof from {where} is too short")
    return fr, sr


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise :class:`VerificationError` unless ``proof`` shows that the tree of ``old_size``
    with ``old_root`` is a prefix of the tree of ``new_size`` with ``new_root``."""
    _check_sizes(old_size, new_size)
    if old_size == new_size:
        _verify_same_size(old_size, old_root, new_root, proof)
        return
    _check_hash(old_root, "old root")
    _check_hash(new_root, "new root")
    _check_proof_hashes(proof, "consistency proof")
    expected = _consistency_length(old_size, new_size)
    if len(proof) != expected:
        raise VerificationError(
            f"proof has {len(proof)} hashes, expected {expected} for size {old_size} "
            f"to size {new_size}"
        )
    fr, sr = _chain_consistency(old_size, new_size, old_root, proof)
    # Step 7: fr must equal first_hash and sr must equal second_hash.
    where = f"consistency proof from size {old_size} to size {new_size}"
    if fr != old_root:
        raise VerificationError(
            f"{where}: computed old root {_short(fr)} but expected {_short(old_root)}"
        )
    if sr != new_root:
        raise VerificationError(
            f"{where}: computed new root {_short(sr)} but expected {_short(new_root)}"
        )
