"""C2SP tlog-tiles bytes against Tessera's POSIX test log (see README.md in this folder).

Tessera wrote ``tile/0/000.p/N`` and ``tile/entries/000.p/N`` for each size N = 1..15; ours,
cut from an in-memory tree of the same 15 entries, must be byte for byte the same, and a
client reading Tessera's tiles must recompute the root of each of its checkpoints.
"""

from __future__ import annotations

import pytest

from ceasefire.log.hashing import leaf_hashes
from ceasefire.log.merkle import MemoryTree, root_at
from ceasefire.log.tiles import (
    Bundle,
    Tile,
    TileReader,
    bundles,
    decode_bundle,
    decode_hash_tile,
    encode_bundle,
    encode_hash_tile,
    hash_tiles,
    parse_path,
    tile_levels,
)
from tests.vectors.test_merkle_vectors import TESSERA, checkpoint_root

ENTRIES = [entry.encode("ascii") for entry in TESSERA["entries_ascii"]]
SIZES = range(1, len(ENTRIES) + 1)


def tessera_tile(size: int) -> bytes:
    return bytes.fromhex(TESSERA["level0_tiles_hex"][str(size)])


def tessera_bundle(size: int) -> bytes:
    return bytes.fromhex(TESSERA["entry_bundles_hex"][str(size)])


def test_the_vectors_cover_sizes_1_to_15() -> None:
    assert len(ENTRIES) == 15
    assert (
        set(TESSERA["level0_tiles_hex"])
        == set(TESSERA["entry_bundles_hex"])
        == set(map(str, SIZES))
    )


@pytest.mark.parametrize("size", SIZES)
def test_our_tiles_of_a_tree_of_those_entries_equal_tesseras(size: int) -> None:
    tree = MemoryTree()
    tree.extend(ENTRIES)
    [tile] = [t for level in tile_levels(size) for t in hash_tiles(size, level)]
    [bundle] = bundles(size)
    assert (tile.path, bundle.path) == (f"tile/0/000.p/{size}", f"tile/entries/000.p/{size}")
    nodes = tree.read_nodes([(0, index) for index in range(size)])
    assert encode_hash_tile(tile, [nodes[0, index] for index in range(size)]) == tessera_tile(size)
    assert encode_bundle(bundle, ENTRIES[:size]) == tessera_bundle(size)


@pytest.mark.parametrize("size", SIZES)
def test_a_client_reads_tesseras_tiles(size: int) -> None:
    tile, bundle = Tile(0, 0, size), Bundle(0, size)
    assert parse_path(f"tile/0/000.p/{size}") == tile
    assert parse_path(f"tile/entries/000.p/{size}") == bundle
    entries = decode_bundle(bundle, tessera_bundle(size))
    assert entries == ENTRIES[:size]
    assert leaf_hashes(entries) == decode_hash_tile(tile, tessera_tile(size))
    checkpoint = TESSERA["checkpoints"][str(size)]
    reader = TileReader(size, lambda wanted: tessera_tile(size) if wanted == tile else b"")
    assert root_at(reader, size) == checkpoint_root(checkpoint)
