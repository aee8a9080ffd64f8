"""C2SP tlog-tiles: the log as static files — tile paths, which tiles a tree has, their bytes.

A *hash tile* ``tile/<L>/<N>[.p/<W>]`` holds the hashes of tree level ``8·L``, indices
``N·256 … N·256 + W - 1``, concatenated: in this package's terms the perfect subtrees
``(8·L, N·256 + i)`` (tlog-tiles §Merkle Tree: ``MTH(D[(n·256 + i)·256**l : …])``). An *entry
bundle* ``tile/entries/<N>[.p/<W>]`` holds the entries behind level-0 tile ``N``, each prefixed
with its length as a big-endian uint16 (tlog-tiles §Log entries). A full tile is 256 wide and has
no ``.p/<W>`` suffix; the rightmost tile of a level is *partial* when the width
``floor(size / 256**L) mod 256`` is not 0 (§Partial Tiles).

Pure: no I/O. The server side builds tiles with :func:`encode_hash_tile` and
:func:`encode_bundle`; a client reads them back with :func:`decode_hash_tile`,
:func:`decode_bundle` and :class:`TileReader`, which answers the node reads of
:mod:`ceasefire.log.merkle` (roots, proofs) from fetched tiles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from ceasefire.errors import InvalidInput, NotFound
from ceasefire.log.checkpoint import MAX_TREE_SIZE
from ceasefire.log.hashing import HASH_SIZE, parent_hashes, require_hash
from ceasefire.log.merkle import NodeId

TILE_HEIGHT: Final = 8
"""Tree levels per tile level: a tile is a subtree of height 8 over its hashes."""
TILE_WIDTH: Final = 256
"""Hashes (or entries) in a full tile: ``2**TILE_HEIGHT``."""
MAX_LEVEL: Final = 63
MAX_BUNDLE_ENTRY: Final = 0xFFFF
"""The largest entry a uint16 length prefix can carry."""

_DECIMAL = re.compile(r"0|[1-9][0-9]*")  # ASCII only, no leading zeroes
_INNER_ELEMENT = re.compile(r"x[0-9]{3}")
_LAST_ELEMENT = re.compile(r"[0-9]{3}")


def _check_index(index: int, width: int, level: int) -> None:
    if index < 0:
        raise InvalidInput(f"a tile index is 0 or more, found {index}", field="index")
    if not 1 <= width <= TILE_WIDTH:
        raise InvalidInput(f"a tile width is 1 to {TILE_WIDTH}, found {width}", field="width")
    if index * TILE_WIDTH << (TILE_HEIGHT * level) > MAX_TREE_SIZE:
        raise InvalidInput(
            f"tile {index} at level {level} starts beyond the largest (uint64) tree size",
            field="index",
        )


def _suffix(width: int) -> str:
    return "" if width == TILE_WIDTH else f".p/{width}"


@dataclass(frozen=True)
class Tile:
    """The hash tile at ``level``, ``index``, ``width`` hashes wide (256 when full)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not 0 <= self.level <= MAX_LEVEL:
            raise InvalidInput(
                f"a tile level is 0 to {MAX_LEVEL}, found {self.level}", field="level"
            )
        _check_index(self.index, self.width, self.level)

    @property
    def path(self) -> str:
        """``tile/<L>/<N>[.p/<W>]`` (tlog-tiles §Merkle Tree)."""
        return f"tile/{self.level}/{encode_index(self.index)}{_suffix(self.width)}"

    @property
    def node_level(self) -> int:
        """The tree level whose hashes the tile holds: ``8·L``."""
        return TILE_HEIGHT * self.level

    @property
    def start(self) -> int:
        """The index, on :attr:`node_level`, of the tile's first hash."""
        return self.index * TILE_WIDTH

    @property
    def end(self) -> int:
        """One past the index, on :attr:`node_level`, of the tile's last hash."""
        return self.start + self.width


@dataclass(frozen=True)
class Bundle:
    """The entry bundle ``index``, ``width`` entries wide: the entries behind level-0 tile
    ``index``."""

    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        _check_index(self.index, self.width, 0)

    @property
    def path(self) -> str:
        """``tile/entries/<N>[.p/<W>]`` (tlog-tiles §Log entries)."""
        return f"tile/entries/{encode_index(self.index)}{_suffix(self.width)}"

    @property
    def start(self) -> int:
        """The index of the bundle's first entry."""
        return self.index * TILE_WIDTH

    @property
    def end(self) -> int:
        """One past the index of the bundle's last entry."""
        return self.start + self.width

    @property
    def tile(self) -> Tile:
        """The level-0 tile holding the leaf hashes of this bundle's entries."""
        return Tile(0, self.index, self.width)


# --- Paths ------------------------------------------------------------------------------------


def encode_index(index: int) -> str:
    """``<N>``: zero-padded 3-digit path elements, all but the last starting with ``x``
    (tlog-tiles §Merkle Tree: 1234067 is ``x001/x234/067``)."""
    if index < 0:
        raise InvalidInput(f"a tile index is 0 or more, found {index}", field="index")
    elements = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        elements.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(elements))


def parse_index(text: str) -> int:
    """The tile index ``<N>`` encodes; only the one encoding :func:`encode_index` gives."""
    *inner, last = text.split("/")
    for element in inner:
        if not _INNER_ELEMENT.fullmatch(element):
            raise InvalidInput(
                f"expected an index element 'x' and 3 digits, found {element!r}", field="path"
            )
    if not _LAST_ELEMENT.fullmatch(last):
        raise InvalidInput(
            f"expected a last index element of 3 digits, found {last!r}", field="path"
        )
    index = int("".join(element.removeprefix("x") for element in (*inner, last)))
    if encode_index(index) != text:
        raise InvalidInput(
            f"expected index {index} as {encode_index(index)!r}, found {text!r}", field="path"
        )
    return index


def _parse_decimal(text: str, what: str) -> int:
    if not _DECIMAL.fullmatch(text):
        raise InvalidInput(
            f"expected {what} as a decimal with no leading zeroes, found {text!r}", field="path"
        )
    return int(text)


def _split_width(elements: list[str]) -> tuple[str, int]:
    """The ``<N>`` part and the width of ``<N>[.p/<W>]``, split into path elements."""
    if len(elements) >= 2 and elements[-2].endswith(".p"):
        width = _parse_decimal(elements[-1], "a partial tile width")
        if not 1 <= width < TILE_WIDTH:
            raise InvalidInput(
                f"expected a partial tile width of 1 to {TILE_WIDTH - 1}, found {width}",
                field="path",
            )
        return "/".join([*elements[:-2], elements[-2].removesuffix(".p")]), width
    return "/".join(elements), TILE_WIDTH


def parse_path(path: str) -> Tile | Bundle:
    """The tile or entry bundle at ``path`` (relative to the log's prefix), parsed strictly:
    anything :attr:`Tile.path` or :attr:`Bundle.path` would not write is refused."""
    kind, _, rest = path.partition("/")
    level_text, _, rest = rest.partition("/")
    if kind != "tile" or not rest:
        raise InvalidInput(
            f"expected 'tile/<L>/<N>[.p/<W>]' or 'tile/entries/<N>[.p/<W>]', found {path!r}",
            field="path",
        )
    index_text, width = _split_width(rest.split("/"))
    index = parse_index(index_text)
    if level_text == "entries":
        return Bundle(index, width)
    level = _parse_decimal(level_text, "a tile level")
    if level > MAX_LEVEL:
        raise InvalidInput(
            f"expected a tile level of 0 to {MAX_LEVEL}, found {level}", field="path"
        )
    return Tile(level, index, width)


# --- Which tiles a tree has -------------------------------------------------------------------


def tile_width(level: int, index: int, size: int) -> int | None:
    """The width of tile ``index`` at ``level`` in a tree of ``size`` leaves; None if the tree
    has no such tile (tlog-tiles §Partial Tiles: width ``floor(size / 256**l) mod 256``)."""
    full, partial = divmod(size >> (TILE_HEIGHT * level), TILE_WIDTH)
    if index < full:
        return TILE_WIDTH
    if index == full and partial:
        return partial
    return None


def exists_at(item: Tile | Bundle, size: int) -> bool:
    """Whether the tree of ``size`` leaves has exactly this tile or bundle, width included."""
    level = item.level if isinstance(item, Tile) else 0
    return tile_width(level, item.index, size) == item.width


def _widths(level: int, size: int) -> Iterator[tuple[int, int]]:
    full, partial = divmod(size >> (TILE_HEIGHT * level), TILE_WIDTH)
    for index in range(full):
        yield index, TILE_WIDTH
    if partial:
        yield full, partial


def tile_levels(size: int) -> range:
    """The tile levels a tree of ``size`` leaves has: those with at least one hash."""
    return range((size.bit_length() + TILE_HEIGHT - 1) // TILE_HEIGHT)


def hash_tiles(size: int, level: int) -> Iterator[Tile]:
    """Every hash tile at ``level`` of the tree of ``size`` leaves, left to right."""
    return (Tile(level, index, width) for index, width in _widths(level, size))


def bundles(size: int) -> Iterator[Bundle]:
    """Every entry bundle of the tree of ``size`` leaves, left to right."""
    return (Bundle(index, width) for index, width in _widths(0, size))


def tile_count(size: int, level: int) -> int:
    """How many tiles (full and partial) :func:`hash_tiles` yields."""
    nodes = size >> (TILE_HEIGHT * level)
    return -(-nodes // TILE_WIDTH)


# --- Contents ---------------------------------------------------------------------------------


def _check_count(what: str, expected: int, found: int) -> None:
    if expected != found:
        raise InvalidInput(f"{what}: expected {expected} items, found {found}", field="tile")


def encode_hash_tile(tile: Tile, hashes: Sequence[bytes]) -> bytes:
    """The tile's bytes: its ``width`` 32-byte hashes concatenated, left to right."""
    _check_count(tile.path, tile.width, len(hashes))
    return b"".join(require_hash(h, f"{tile.path} hash {i}") for i, h in enumerate(hashes))


def decode_hash_tile(tile: Tile, data: bytes) -> list[bytes]:
    """The hashes in a fetched tile, which must be exactly ``width`` hashes long."""
    if len(data) != tile.width * HASH_SIZE:
        raise InvalidInput(
            f"{tile.path}: expected {tile.width * HASH_SIZE} bytes ({tile.width} hashes), "
            f"found {len(data)}",
            field="tile",
        )
    return [data[offset : offset + HASH_SIZE] for offset in range(0, len(data), HASH_SIZE)]


def encode_bundle(bundle: Bundle, entries: Sequence[bytes]) -> bytes:
    """The bundle's bytes: each entry after its length as a big-endian uint16."""
    _check_count(bundle.path, bundle.width, len(entries))
    parts: list[bytes] = []
    for number, entry in enumerate(entries):
        if len(entry) > MAX_BUNDLE_ENTRY:
            raise InvalidInput(
                f"{bundle.path} entry {number}: expected at most {MAX_BUNDLE_ENTRY} bytes "
                f"(a uint16 length), found {len(entry)}",
                field="entry",
            )
        parts += (len(entry).to_bytes(2, "big"), entry)
    return b"".join(parts)


def decode_bundle(bundle: Bundle, data: bytes) -> list[bytes]:
    """The entries in a fetched bundle: exactly ``width`` of them, no bytes left over."""
    entries: list[bytes] = []
    offset = 0
    while offset < len(data) and len(entries) < bundle.width:
        start = offset + 2
        if start > len(data):
            raise InvalidInput(
                f"{bundle.path} entry {len(entries)}: expected a 2-byte length prefix, found 1",
                field="bundle",
            )
        end = start + int.from_bytes(data[offset:start], "big")
        if end > len(data):
            raise InvalidInput(
                f"{bundle.path} entry {len(entries)}: expected {end - start} bytes after its "
                f"length prefix, found {max(len(data) - start, 0)}",
                field="bundle",
            )
        entries.append(data[start:end])
        offset = end
    _check_count(bundle.path, bundle.width, len(entries))
    if offset != len(data):
        raise InvalidInput(
            f"{bundle.path}: expected {offset} bytes for {bundle.width} entries, found {len(data)}",
            field="bundle",
        )
    return entries


# --- Reading the tree from tiles (the client side) --------------------------------------------


class TileReader:
    """A :class:`~ceasefire.log.merkle.NodeReader` over the tiles of the tree of ``size``.

    Node ``(k, i)`` lies in the tile at level ``k // 8``: the hash itself when ``k`` is a
    multiple of 8, else the subtree of height ``k mod 8`` over ``2**(k mod 8)`` of its hashes,
    rebuilt by hashing (tlog-tiles §Merkle Tree). ``fetch`` returns a tile's bytes; each tile
    is fetched once and kept.
    """

    def __init__(self, size: int, fetch: Callable[[Tile], bytes]) -> None:
        self.size = size
        self._fetch = fetch
        self._tiles: dict[Tile, list[bytes]] = {}

    def read_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        return {node: self._node(*node) for node in ids}

    def _node(self, level: int, index: int) -> bytes:
        if level < 0 or index < 0 or (index + 1) << level > self.size:
            raise NotFound(
                f"node (level {level}, index {index}) is not in a tree of size {self.size}"
            )
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height  # on tree level 8·tile_level
        tile_index, offset = divmod(first, TILE_WIDTH)
        width = tile_width(tile_level, tile_index, self.size)
        assert width is not None  # the node is in the tree, so its tile is
        subtree = self._hashes(Tile(tile_level, tile_index, width))[offset : offset + (1 << height)]
        while len(subtree) > 1:
            subtree = parent_hashes(subtree)
        return subtree[0]

    def _hashes(self, tile: Tile) -> list[bytes]:
        if tile not in self._tiles:
            self._tiles[tile] = decode_hash_tile(tile, self._fetch(tile))
        return self._tiles[tile]
