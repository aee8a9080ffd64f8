"""RFC 6962 / RFC 9162 Merkle tree hashing with SHA-256.

The two prefixes give domain separation (RFC 6962 §2.1): a leaf is hashed as
``SHA-256(0x00 || leaf)`` and an interior node as ``SHA-256(0x01 || left || right)``, so an
interior node can never be passed off as a leaf. The tree hash of no leaves is ``SHA-256("")``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Final

from ceasefire.errors import InvalidInput

HASH_SIZE: Final = 32
EMPTY_ROOT: Final[bytes] = hashlib.sha256(b"").digest()

LEAF_PREFIX: Final = b"\x00"
NODE_PREFIX: Final = b"\x01"


LEAF_SEED: Final = hashlib.sha256(LEAF_PREFIX)
"""SHA-256 having read the leaf prefix: a leaf is hashed by a copy of it fed the leaf, which
spares copying the leaf (hundreds of bytes) behind the prefix first — measured as fast as
``sha256(leaf)`` alone, where the concatenation cost ~12 %. Only ever copied, never fed."""


def leaf_hash(leaf: bytes) -> bytes:
    """``SHA-256(0x00 || leaf)``: the hash of one leaf (RFC 6962 §2.1)."""
    state = LEAF_SEED.copy()
    state.update(leaf)
    return state.digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: the hash of an interior node (RFC 6962 §2.1)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def leaf_hashes(leaves: Iterable[bytes]) -> list[bytes]:
    """The leaf hash of each leaf, in order: the batch form of :func:`leaf_hash`."""
    # A copy of the seeded state per leaf, in a plain loop (statements do not fit a
    # comprehension): measured as fast as bare sha256() over the same leaves.
    seed, hashes = LEAF_SEED, list[bytes]()
    add = hashes.append
    for leaf in leaves:
        state = seed.copy()
        state.update(leaf)
        add(state.digest())
    return hashes


def parent_hashes(children: Sequence[bytes]) -> list[bytes]:
    """The node hash of each pair ``children[2i], children[2i + 1]``: one tree level up."""
    sha256 = hashlib.sha256
    prefix = NODE_PREFIX
    return [
        sha256(prefix + left + right).digest()
        for left, right in zip(children[0::2], children[1::2], strict=True)
    ]


def require_hash(value: bytes, what: str) -> bytes:
    """Return ``value`` if it is a 32-byte SHA-256 hash; raise :class:`InvalidInput` if not."""
    if len(value) != HASH_SIZE:
        raise InvalidInput(
            f"{what}: expected a {HASH_SIZE}-byte SHA-256 hash, found {len(value)} bytes"
        )
    return value
