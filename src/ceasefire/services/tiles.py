"""The log as C2SP tlog-tiles static files: one tile on demand, or every file of a tree size.

Tiles are cut from a :class:`LogStore` at a fixed tree size (default: the latest checkpoint's):
hash tiles at level ``L >= 1`` from the stored subtrees of tree level ``8·L``, level-0 tiles
from the leaf hashes, entry bundles from the entries (c2sp.org/tlog-tiles). Every hash a tile
at a given size holds is a perfect subtree, which never changes once stored, so a tile read
while the log grows is still the tile of that size.

Services do no file I/O: :func:`export` hands each ``(path, bytes)`` to a ``write`` callback,
the ``checkpoint`` last, so a reader that sees the new checkpoint finds every tile it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import TypeVar

from ceasefire.errors import NotFound, StorageError
from ceasefire.log.checkpoint import Checkpoint
from ceasefire.log.note import Note
from ceasefire.log.tiles import (
    Bundle,
    Tile,
    bundles,
    encode_bundle,
    encode_hash_tile,
    exists_at,
    hash_tiles,
    parse_path,
    tile_count,
    tile_levels,
)
from ceasefire.services.log import checkpoint_note
from ceasefire.services.ports import LogStore

Write = Callable[[str, bytes], None]
"""Called as ``write(path, data)`` with a path relative to the log's prefix."""
Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``; the CLI draws it, services never print."""

_BATCH = 8
"""Tiles per store query: 2,048 rows, so at most 128 MiB of (65,535-byte) entries at once."""

_T = TypeVar("_T")


@dataclass(frozen=True)
class Exported:
    """What :func:`export` wrote besides the checkpoint: hash tiles (every level) and bundles."""

    size: int
    tiles: int
    bundles: int


def _no_progress(stage: str, done: int, total: int) -> None:
    """The default ``progress``: report nothing."""


def tile(store: LogStore, path: str, size: int | None = None) -> bytes:
    """The bytes of the tile or entry bundle at ``path`` in the tree of ``size`` leaves.

    :class:`NotFound` if that tree has no such tile, a partial width that is not this tree's
    included: a client asks for partial tiles only of sizes it has a checkpoint for.
    """
    item = parse_path(path)
    tree_size = _tree_size(store, size)
    if not exists_at(item, tree_size):
        raise NotFound(f"the tree of size {tree_size} has no tile {path}", field="path")
    if isinstance(item, Bundle):
        return encode_bundle(item, [leaf for _, leaf, _ in _entry_rows(store, [item])])
    return encode_hash_tile(item, _hashes(store, [item]))


def _tree_size(store: LogStore, size: int | None) -> int:
    latest = store.latest_checkpoint().size
    if size is None:
        return latest
    if not 0 <= size <= latest:
        raise NotFound(
            f"tree size {size} is beyond the latest checkpoint's size {latest}", field="size"
        )
    return size


def _check_rows(indices: list[int], start: int, end: int, what: str) -> None:
    if indices != list(range(start, end)):
        raise StorageError(
            f"{what}: expected the rows {start}..{end - 1}, found {len(indices)} rows that are "
            "not those (run `ceasefire verify`)"
        )


def _entry_rows(store: LogStore, batch: list[Bundle]) -> list[tuple[int, bytes, bytes]]:
    """The ``(index, leaf, leaf hash)`` rows behind consecutive bundles, checked complete."""
    start, end = batch[0].start, batch[-1].end
    rows = store.entry_rows(start, end)
    _check_rows([index for index, _, _ in rows], start, end, "entries")
    return rows


def _hashes(store: LogStore, batch: list[Tile]) -> list[bytes]:
    """The hashes of consecutive tiles of one level, checked complete."""
    level, start, end = batch[0].node_level, batch[0].start, batch[-1].end
    rows = store.level_rows(level, start, end)
    _check_rows([index for index, _ in rows], start, end, f"tree level {level}")
    return [node for _, node in rows]


def _batches(items: Iterable[_T]) -> Iterator[list[_T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, _BATCH)):
        yield batch


def export(
    store: LogStore, write: Write, size: int | None = None, progress: Progress = _no_progress
) -> Exported:
    """Write every file of the tree of ``size`` leaves (default: the latest checkpoint's).

    1. The entry bundles ``tile/entries/…`` and the level-0 tiles ``tile/0/…``, from one read
       of the entries per batch of tiles.
    2. The hash tiles of every level above, a batch of tiles at a time.
    3. ``checkpoint``: the signed checkpoint of that size, cosignatures attached; last, so it
       never names a tree whose tiles are not all written yet.
    """
    note = checkpoint_note(store, size)
    tree_size = Checkpoint.from_text(Note.from_text(note).text).size
    levels = tile_levels(tree_size)
    tiles = sum(tile_count(tree_size, level) for level in levels)
    bundle_count = tile_count(tree_size, 0)
    done = 0
    batches = chain(
        _export_leaves(store, write, tree_size),
        *(_export_level(store, write, tree_size, level) for level in levels[1:]),
    )
    for written in batches:
        done += written
        progress("tiles", done, tiles + bundle_count)
    write("checkpoint", note.encode())
    return Exported(tree_size, tiles, bundle_count)


def _export_leaves(store: LogStore, write: Write, size: int) -> Iterator[int]:
    """Write the entry bundles and level-0 tiles, a batch at a time; yield how many files."""
    for batch in _batches(bundles(size)):
        rows = _entry_rows(store, batch)
        for bundle in batch:
            part = rows[bundle.start - batch[0].start : bundle.end - batch[0].start]
            write(bundle.path, encode_bundle(bundle, [leaf for _, leaf, _ in part]))
            write(bundle.tile.path, encode_hash_tile(bundle.tile, [node for _, _, node in part]))
        yield 2 * len(batch)


def _export_level(store: LogStore, write: Write, size: int, level: int) -> Iterator[int]:
    """Write the hash tiles of ``level`` (>= 1), a batch at a time; yield how many files."""
    for batch in _batches(hash_tiles(size, level)):
        hashes = _hashes(store, batch)
        for item in batch:
            offset = item.start - batch[0].start
            write(item.path, encode_hash_tile(item, hashes[offset : offset + item.width]))
        yield len(batch)
