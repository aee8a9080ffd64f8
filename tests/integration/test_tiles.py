"""The log as C2SP tlog-tiles files, cut from SQLite and PostgreSQL: a client that has only the
exported files recomputes the checkpoint's root and every entry, and the CLI writes them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete
from typer.testing import CliRunner, Result

from ceasefire.cli.main import app
from ceasefire.errors import InvalidInput, NotFound, StorageError
from ceasefire.log.checkpoint import open_checkpoint
from ceasefire.log.hashing import leaf_hashes
from ceasefire.log.keys import VerifierKey
from ceasefire.log.merkle import root_at
from ceasefire.log.tiles import (
    Tile,
    TileReader,
    bundles,
    decode_bundle,
    decode_hash_tile,
    hash_tiles,
    parse_path,
    tile_levels,
)
from ceasefire.services import tiles as tiles_service
from ceasefire.services.log import checkpoint_note
from ceasefire.storage.tables import log_entries
from tests.factories import ScratchLog, make_log

BATCHES = (300, 300, 150)
"""With the genesis and one enrolment: checkpoints at 2, 302, 602 and 752 leaves, so two full
level-0 tiles and a partial one (width 240), and a partial level-1 tile (width 2)."""


@pytest.fixture
def log(database_url: str, tmp_path: Path) -> Iterator[ScratchLog]:
    scratch = make_log(database_url, tmp_path / "data")
    key = scratch.enrol("monitor-1", "monitor")
    for count in BATCHES:
        scratch.append(*(scratch.submission(key, n=n) for n in range(count)))
    yield scratch
    scratch.store.close()


def exported(log: ScratchLog, size: int | None = None) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    summary = tiles_service.export(log.store, files.__setitem__, size)
    assert len(files) == summary.tiles + summary.bundles + 1
    return files


def expected_paths(size: int) -> set[str]:
    hashes = {t.path for level in tile_levels(size) for t in hash_tiles(size, level)}
    return {"checkpoint", *hashes, *(bundle.path for bundle in bundles(size))}


def read_as_a_client(files: dict[str, bytes], vkey: str) -> tuple[int, list[bytes]]:
    """Verify the checkpoint, recompute its root from the tiles, read every entry; return the
    tree size and the entries."""
    checkpoint, _ = open_checkpoint(files["checkpoint"], VerifierKey.from_text(vkey))
    size = checkpoint.size
    assert root_at(TileReader(size, lambda tile: files[tile.path]), size) == checkpoint.root_hash
    entries: list[bytes] = []
    for bundle in bundles(size):
        in_bundle = decode_bundle(bundle, files[bundle.path])
        tile_hashes = decode_hash_tile(bundle.tile, files[bundle.tile.path])
        assert leaf_hashes(in_bundle) == tile_hashes, f"{bundle.path} disagrees with its tile"
        entries += in_bundle
    return size, entries


def test_a_client_with_only_the_files_recomputes_the_root_and_the_entries(
    log: ScratchLog,
) -> None:
    files = exported(log)
    assert set(files) == expected_paths(752)
    assert {"tile/0/000", "tile/0/001", "tile/0/002.p/240", "tile/1/000.p/2"} <= set(files)
    size, entries = read_as_a_client(files, log.store.head().identity.log_vkey)
    assert size == 752
    assert entries == [leaf for _, leaf in log.store.entries(0, 752)]


def test_an_earlier_checkpoint_exports_the_tiles_of_its_size(log: ScratchLog) -> None:
    files = exported(log, 302)
    assert (
        set(files)
        == expected_paths(302)
        == {
            "checkpoint",
            "tile/0/000",
            "tile/0/001.p/46",
            "tile/1/000.p/1",
            "tile/entries/000",
            "tile/entries/001.p/46",
        }
    )
    size, entries = read_as_a_client(files, log.store.head().identity.log_vkey)
    assert (size, len(entries)) == (302, 302)
    assert files["tile/0/000"] == exported(log)["tile/0/000"]  # full tiles never change


def test_one_tile_at_a_time_equals_the_export(log: ScratchLog) -> None:
    for path, data in exported(log).items():
        if path != "checkpoint":
            assert tiles_service.tile(log.store, path) == data, path
    assert (
        tiles_service.tile(log.store, "tile/0/001.p/46", 302)
        == exported(log, 302)["tile/0/001.p/46"]
    )


@pytest.mark.parametrize(
    ("path", "size", "reason"),
    [
        ("tile/0/003", None, "the tree of size 752 has no tile tile/0/003"),
        ("tile/0/002", None, "has no tile tile/0/002"),  # not full yet
        ("tile/0/002.p/100", None, "has no tile tile/0/002.p/100"),  # another size's
        ("tile/entries/001.p/46", None, "has no tile tile/entries/001.p/46"),
        ("tile/2/000.p/1", None, "has no tile tile/2/000.p/1"),
        ("tile/0/000", 753, "tree size 753 is beyond the latest checkpoint's size 752"),
    ],
)
def test_a_tile_the_tree_does_not_have_is_not_found(
    log: ScratchLog, path: str, size: int | None, reason: str
) -> None:
    with pytest.raises(NotFound, match=reason):
        tiles_service.tile(log.store, path, size)


def test_refusals(log: ScratchLog) -> None:
    with pytest.raises(InvalidInput, match="tile level as a decimal"):
        tiles_service.tile(log.store, "tile/01/000")
    with pytest.raises(NotFound, match="no checkpoint was signed at tree size 500"):
        exported(log, 500)


def test_a_missing_entry_row_stops_the_export(log: ScratchLog) -> None:
    with log.store.engine.begin() as connection:
        connection.execute(delete(log_entries).where(log_entries.c.idx == 300))
    with pytest.raises(StorageError, match=r"entries: expected the rows 0\.\.751"):
        exported(log)


def run_tiles_command(log: ScratchLog, folder: Path) -> Result:
    """``ceasefire log tiles FOLDER`` against the test log's store."""
    database_url = log.settings.database_url
    assert database_url is not None
    arguments = ["--data", str(log.settings.data), "--database-url", database_url]
    return CliRunner().invoke(app, ["log", "tiles", str(folder), *arguments])


def test_the_cli_writes_the_static_tree(log: ScratchLog, tmp_path: Path) -> None:
    folder = tmp_path / "static"
    result = run_tiles_command(log, folder)
    assert result.exit_code == 0, result.output
    assert "wrote 4 tiles, 3 entry bundles and the checkpoint of tree size 752" in result.output
    written = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert written == expected_paths(752)  # and no temporary file left behind
    assert (folder / "checkpoint").read_text() == checkpoint_note(log.store)
    assert parse_path("tile/0/002.p/240") == Tile(0, 2, 240)
    assert (folder / "tile/0/002.p/240").stat().st_size == 240 * 32


def test_the_cli_refuses_a_folder_it_cannot_write(log: ScratchLog, tmp_path: Path) -> None:
    folder = tmp_path / "a-file"
    folder.write_text("not a folder")
    result = run_tiles_command(log, folder)
    assert result.exit_code == 3, result.output
    assert "cannot write" in result.output
