"""C2SP tlog-tiles: paths, which tiles a tree has, tile and bundle bytes, and a client reading
the tree back from tiles (level-1 and level-2 tiles on an in-memory tree of 70,000 leaves)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.errors import InvalidInput, NotFound
from ceasefire.log.checkpoint import MAX_TREE_SIZE
from ceasefire.log.hashing import leaf_hashes
from ceasefire.log.merkle import MemoryTree, consistency_proof, inclusion_proof, root_at
from ceasefire.log.tiles import (
    MAX_BUNDLE_ENTRY,
    MAX_LEVEL,
    Bundle,
    Tile,
    TileReader,
    bundles,
    decode_bundle,
    decode_hash_tile,
    encode_bundle,
    encode_hash_tile,
    encode_index,
    exists_at,
    hash_tiles,
    parse_index,
    parse_path,
    tile_count,
    tile_levels,
    tile_width,
)

BIG = 70_000
"""The spec's example size: full and partial tiles on levels 0 and 1, a partial one on 2."""


@cache
def big_tree() -> MemoryTree:
    tree = MemoryTree()
    tree.extend_hashes([hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(BIG)])
    return tree


def serve(tile: Tile) -> bytes:
    """What a log serving ``big_tree`` answers for ``tile``: built from the stored nodes."""
    ids = [(tile.node_level, index) for index in range(tile.start, tile.end)]
    nodes = big_tree().read_nodes(ids)
    return encode_hash_tile(tile, [nodes[node] for node in ids])


def all_paths(size: int) -> list[str]:
    return [tile.path for level in tile_levels(size) for tile in hash_tiles(size, level)]


@st.composite
def tiles(draw: st.DrawFn) -> Tile:
    level = draw(st.integers(0, MAX_LEVEL))
    last = MAX_TREE_SIZE >> (8 * (level + 1))
    return Tile(level, draw(st.integers(0, last)), draw(st.integers(1, 256)))


# --- Paths ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "text"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_index_is_split_into_three_digit_elements_as_the_spec_shows(index: int, text: str) -> None:
    assert encode_index(index) == text
    assert parse_index(text) == index


def test_paths_follow_the_spec_examples() -> None:
    assert Tile(0, 1234067).path == "tile/0/x001/x234/067"
    assert Tile(2, 5, 17).path == "tile/2/005.p/17"
    assert Bundle(1234067, 3).path == "tile/entries/x001/x234/067.p/3"
    assert parse_path("tile/0/x001/x234/067.p/5") == Tile(0, 1234067, 5)
    assert parse_path("tile/entries/000") == Bundle(0)


@given(tiles())
def test_tile_paths_round_trip(tile: Tile) -> None:
    assert parse_path(tile.path) == tile


@given(st.integers(0, MAX_TREE_SIZE >> 8), st.integers(1, 256))
def test_bundle_paths_round_trip(index: int, width: int) -> None:
    bundle = Bundle(index, width)
    assert parse_path(bundle.path) == bundle
    assert bundle.tile.path == bundle.path.replace("tile/entries/", "tile/0/")


@given(st.text(alphabet="0123456789x/", max_size=20))
def test_an_index_parses_only_from_its_one_encoding(text: str) -> None:
    try:
        index = parse_index(text)
    except InvalidInput:
        return
    assert encode_index(index) == text


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("tiles/0/000", "expected 'tile/"),
        ("tile/0", "expected 'tile/"),
        ("/tile/0/000", "expected 'tile/"),
        ("tile/00/000", "tile level as a decimal with no leading zeroes"),
        ("tile/-1/000", "tile level as a decimal"),
        ("tile/64/000", "tile level of 0 to 63, found 64"),
        ("tile/0/1", "3 digits, found '1'"),
        ("tile/0/0001", "3 digits, found '0001'"),
        ("tile/0/x001", "3 digits, found 'x001'"),
        ("tile/0/001/002", "'x' and 3 digits, found '001'"),
        ("tile/0/x000/001", "expected index 1 as '001'"),
        ("tile/0/000/", "'x' and 3 digits, found '000'"),
        ("tile/0/\u0660\u0660\u0660", "3 digits"),
        ("tile/0/000.p", "3 digits, found '000.p'"),
        ("tile/0/000.p/0", "width of 1 to 255, found 0"),
        ("tile/0/000.p/256", "width of 1 to 255, found 256"),
        ("tile/entries/000.p/256", "width of 1 to 255, found 256"),
        ("tile/0/000.p/05", "partial tile width as a decimal with no leading zeroes"),
        ("tile/0/000.p/", "partial tile width as a decimal"),
        ("tile/0/000.p/1/2", "'x' and 3 digits, found '000.p'"),
        ("tile/7/001", "starts beyond the largest (uint64) tree size"),
    ],
)
def test_malformed_paths_are_refused_naming_the_fault(path: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(reason)):
        parse_path(path)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: Tile(64, 0), "a tile level is 0 to 63, found 64"),
        (lambda: Tile(0, -1), "a tile index is 0 or more, found -1"),
        (lambda: Tile(0, 0, 0), "a tile width is 1 to 256, found 0"),
        (lambda: Bundle(0, 257), "a tile width is 1 to 256, found 257"),
        (lambda: encode_index(-1), "a tile index is 0 or more, found -1"),
    ],
)
def test_tiles_are_checked_when_made(make: Callable[[], object], reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        make()


# --- Which tiles a tree has -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "paths"),
    [
        (0, []),
        (1, ["tile/0/000.p/1"]),
        (255, ["tile/0/000.p/255"]),
        (256, ["tile/0/000", "tile/1/000.p/1"]),
        (257, ["tile/0/000", "tile/0/001.p/1", "tile/1/000.p/1"]),
    ],
)
def test_small_trees_have_these_tiles(size: int, paths: list[str]) -> None:
    assert all_paths(size) == paths


def test_a_tree_of_65536_has_a_full_level_1_tile_and_a_partial_level_2_tile() -> None:
    paths = all_paths(65536)
    assert paths == [*(f"tile/0/{n:03d}" for n in range(256)), "tile/1/000", "tile/2/000.p/1"]
    assert all_paths(65537) == [*paths[:256], "tile/0/256.p/1", *paths[256:]]


def test_a_tree_of_70000_has_the_tiles_the_spec_lists() -> None:
    # tlog-tiles §Partial Tiles: 273 full level-0 tiles, one of width 112, one full level-1
    # tile, one of width 17, and one level-2 tile of width 1.
    paths = all_paths(BIG)
    assert len(paths) == 273 + 1 + 1 + 1 + 1
    assert paths[272:] == [
        "tile/0/272",
        "tile/0/273.p/112",
        "tile/1/000",
        "tile/1/001.p/17",
        "tile/2/000.p/1",
    ]
    assert [tile_count(BIG, level) for level in tile_levels(BIG)] == [274, 2, 1]


@given(st.integers(0, 2**20))
def test_each_level_tiles_its_hashes_exactly_once(size: int) -> None:
    for level in range(6):
        level_tiles = list(hash_tiles(size, level))
        assert [t.index for t in level_tiles] == list(range(len(level_tiles)))
        assert sum(t.width for t in level_tiles) == size >> (8 * level)
        assert all(t.width == 256 for t in level_tiles[:-1])
        assert len(level_tiles) == tile_count(size, level)
        assert all(exists_at(t, size) for t in level_tiles)
        assert (level in tile_levels(size)) == bool(level_tiles)
    assert [b.tile for b in bundles(size)] == list(hash_tiles(size, 0))


def test_a_tile_exists_only_at_its_own_width() -> None:
    assert exists_at(Tile(0, 0, 10), 10)
    assert not exists_at(Tile(0, 0, 5), 10)  # an older partial tile: not this tree's
    assert not exists_at(Tile(0, 0), 10)  # the full tile does not exist yet
    assert not exists_at(Bundle(1, 10), 10)
    assert tile_width(1, 0, 255) is None
    assert tile_width(0, 1, 512) == 256


# --- Contents ---------------------------------------------------------------------------------


@given(st.lists(st.binary(max_size=300), min_size=1, max_size=40))
def test_bundles_round_trip(entries: list[bytes]) -> None:
    bundle = Bundle(3, len(entries))
    data = encode_bundle(bundle, entries)
    assert len(data) == sum(2 + len(entry) for entry in entries)
    assert decode_bundle(bundle, data) == entries


def test_a_bundle_entry_is_at_most_65535_bytes() -> None:
    largest = b"x" * MAX_BUNDLE_ENTRY
    data = encode_bundle(Bundle(0, 1), [largest])
    assert data[:2] == b"\xff\xff"
    assert decode_bundle(Bundle(0, 1), data) == [largest]
    with pytest.raises(InvalidInput, match=r"entry 1: expected at most 65535 bytes.*found 65536"):
        encode_bundle(Bundle(0, 2), [b"", largest + b"x"])


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x00\x01a\x00", "entry 1: expected a 2-byte length prefix, found 1"),
        (b"\x00\x01a\x00\x03ab", "entry 1: expected 3 bytes after its length prefix, found 2"),
        (b"\x00\x01a", "expected 2 items, found 1"),
        (b"\x00\x01a\x00\x00\x00", "expected 5 bytes for 2 entries, found 6"),
    ],
)
def test_malformed_bundles_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        decode_bundle(Bundle(0, 2), data)


def test_hash_tiles_hold_exactly_width_hashes() -> None:
    tile = Tile(1, 0, 2)
    hashes = [b"\x01" * 32, b"\x02" * 32]
    assert decode_hash_tile(tile, encode_hash_tile(tile, hashes)) == hashes
    with pytest.raises(InvalidInput, match=r"tile/1/000\.p/2: expected 2 items, found 1"):
        encode_hash_tile(tile, hashes[:1])
    with pytest.raises(InvalidInput, match="hash 1: expected a 32-byte SHA-256 hash, found 31"):
        encode_hash_tile(tile, [hashes[0], b"\x02" * 31])
    with pytest.raises(InvalidInput, match=r"expected 64 bytes \(2 hashes\), found 63"):
        decode_hash_tile(tile, b"\x00" * 63)


def test_level_0_tiles_hold_the_leaf_hashes_of_their_bundle() -> None:
    entries = [b"one", b"two", b"three"]
    bundle = Bundle(0, 3)
    tile_hashes = decode_hash_tile(bundle.tile, encode_hash_tile(bundle.tile, leaf_hashes(entries)))
    assert leaf_hashes(decode_bundle(bundle, encode_bundle(bundle, entries))) == tile_hashes


# --- Level-1 tiles and reading the tree back --------------------------------------------------


def test_a_level_1_hash_is_the_tree_hash_of_a_full_level_0_tile() -> None:
    level_1 = decode_hash_tile(Tile(1, 0), serve(Tile(1, 0)))
    for n in (0, 1, 137, 255):
        below = MemoryTree()
        below.extend_hashes(decode_hash_tile(Tile(0, n), serve(Tile(0, n))))
        assert level_1[n] == below.root()


@pytest.mark.parametrize("size", [1, 255, 256, 257, 65535, 65536, 65537, BIG])
def test_a_client_recomputes_the_root_from_the_tiles(size: int) -> None:
    fetched: list[Tile] = []

    def fetch(tile: Tile) -> bytes:
        assert exists_at(tile, size), f"the client asked for {tile.path}, not in the tree"
        fetched.append(tile)
        return serve(tile)

    assert root_at(TileReader(size, fetch), size) == big_tree().root(size)
    assert len(fetched) == len(set(fetched)) <= len(tile_levels(size)) * 2


@given(st.integers(1, BIG).flatmap(lambda size: st.tuples(st.just(size), st.integers(0, size))))
def test_proofs_from_tiles_equal_proofs_from_the_tree(sizes: tuple[int, int]) -> None:
    size, other = sizes
    reader, tree = TileReader(size, serve), big_tree()
    index = min(other, size - 1)
    assert inclusion_proof(reader, index, size) == tree.inclusion_proof(index, size)
    assert consistency_proof(reader, other, size) == tree.consistency_proof(other, size)


def test_a_reader_refuses_nodes_outside_its_tree_and_short_tiles() -> None:
    reader = TileReader(300, serve)
    with pytest.raises(NotFound, match=r"node \(level 0, index 300\) is not in a tree of size"):
        reader.read_nodes([(0, 300)])
    with pytest.raises(NotFound, match=r"node \(level 9, index 0\)"):
        reader.read_nodes([(9, 0)])
    short = TileReader(300, lambda tile: serve(tile)[:-1])
    with pytest.raises(InvalidInput, match=r"tile/0/001\.p/44: expected 1408 bytes"):
        short.read_nodes([(0, 299)])
