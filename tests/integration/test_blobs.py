"""The evidence locker's content-addressed files on a real file system."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.errors import InvalidInput, NotFound, StorageError
from ceasefire.storage.blobs import FileBlobStore, StoredBlob

PHOTO = b"\xff\xd8\xff\xe0 not really a photo, but bytes all the same" * 100
PHOTO_SHA = hashlib.sha256(PHOTO).hexdigest()
EMPTY_SHA = hashlib.sha256(b"").hexdigest()
LIMIT = 1024 * 1024


def chunks_of(data: bytes, size: int = 1000) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def files_under(path: Path) -> list[Path]:
    return sorted(entry for entry in path.rglob("*") if entry.is_file())


def test_a_put_files_the_content_under_its_sha256(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    blob = store.put(chunks_of(PHOTO), max_bytes=LIMIT)
    assert blob == StoredBlob(PHOTO_SHA, len(PHOTO))
    path = store.path(PHOTO_SHA)
    assert path == tmp_path / "sha256" / PHOTO_SHA[:2] / PHOTO_SHA[2:4] / PHOTO_SHA
    assert path.read_bytes() == PHOTO
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert store.exists(PHOTO_SHA)
    with store.open(PHOTO_SHA) as handle:
        assert handle.read() == PHOTO
    assert files_under(tmp_path / "tmp") == []


def test_nothing_is_created_before_the_first_put(tmp_path: Path) -> None:
    FileBlobStore(tmp_path / "locker")
    assert not (tmp_path / "locker").exists()


def test_putting_the_same_content_twice_leaves_the_first_file_untouched(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    first = store.put([PHOTO], max_bytes=LIMIT)
    before = store.path(PHOTO_SHA).stat()
    second = store.put(chunks_of(PHOTO, 7), max_bytes=LIMIT)
    after = store.path(PHOTO_SHA).stat()
    assert second == first
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert files_under(tmp_path) == [store.path(PHOTO_SHA)]


def test_empty_content_is_stored_like_any_other(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    assert store.put([], max_bytes=0) == StoredBlob(EMPTY_SHA, 0)
    assert store.path(EMPTY_SHA).read_bytes() == b""


def test_content_of_exactly_the_limit_is_accepted(tmp_path: Path) -> None:
    blob = FileBlobStore(tmp_path).put(chunks_of(PHOTO), max_bytes=len(PHOTO))
    assert blob.size == len(PHOTO)


def test_content_over_the_limit_is_refused_as_soon_as_it_arrives(tmp_path: Path) -> None:
    consumed: list[int] = []

    def upload() -> Iterator[bytes]:
        for number in range(100):
            consumed.append(number)
            yield b"x" * 1000

    store = FileBlobStore(tmp_path)
    with pytest.raises(InvalidInput) as caught:
        store.put(upload(), max_bytes=2500)
    assert caught.value.field == "file"
    assert caught.value.message == (
        "the file is over the limit of 2,500 bytes (0.0 MiB): 3,000 bytes had arrived when it "
        "was refused"
    )
    assert len(consumed) == 3
    assert files_under(tmp_path) == []


def test_an_upload_that_fails_midway_leaves_no_file(tmp_path: Path) -> None:
    def upload() -> Iterator[bytes]:
        yield PHOTO
        raise ConnectionResetError("the client went away")

    store = FileBlobStore(tmp_path)
    with pytest.raises(ConnectionResetError):
        store.put(upload(), max_bytes=LIMIT)
    assert files_under(tmp_path) == []
    assert not store.exists(PHOTO_SHA)


def test_a_failure_to_write_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "locker").write_text("a file where the locker should be")
    with pytest.raises(StorageError, match="cannot store a file in the locker"):
        FileBlobStore(tmp_path / "locker").put([PHOTO], max_bytes=LIMIT)


@pytest.mark.parametrize("max_bytes", [-1, True, 1.5])
def test_the_limit_is_a_whole_number_of_bytes(tmp_path: Path, max_bytes: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        FileBlobStore(tmp_path).put([PHOTO], max_bytes=max_bytes)  # type: ignore[arg-type]
    assert caught.value.field == "max_bytes"


def test_a_file_on_disk_can_be_stored(tmp_path: Path) -> None:
    source = tmp_path / "upload.bin"
    source.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    store = FileBlobStore(tmp_path / "locker")
    blob = store.put_file(source, max_bytes=4 * 1024 * 1024)
    assert blob == StoredBlob(
        hashlib.sha256(source.read_bytes()).hexdigest(), source.stat().st_size
    )
    assert store.path(blob.sha256).read_bytes() == source.read_bytes()


def test_storing_a_missing_or_unreadable_file_fails_clearly(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "locker")
    with pytest.raises(NotFound) as caught:
        store.put_file(tmp_path / "absent.bin", max_bytes=LIMIT)
    assert caught.value.field == "file"
    with pytest.raises(StorageError, match="cannot read"):
        store.put_file(tmp_path, max_bytes=LIMIT)


def test_verify_detects_a_file_changed_on_disk(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    store.put([PHOTO], max_bytes=LIMIT)
    assert store.verify(PHOTO_SHA)
    path = store.path(PHOTO_SHA)
    path.chmod(0o644)
    path.write_bytes(PHOTO.replace(b"photo", b"PHOTO"))
    assert not store.verify(PHOTO_SHA)


def test_an_erased_file_is_gone_and_erasing_again_is_harmless(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    store.put([PHOTO], max_bytes=LIMIT)
    store.erase(PHOTO_SHA)
    assert not store.exists(PHOTO_SHA)
    with pytest.raises(NotFound, match=f"no file with SHA-256 {PHOTO_SHA}") as caught:
        store.path(PHOTO_SHA)
    assert caught.value.field == "sha256"
    with pytest.raises(NotFound):
        store.open(PHOTO_SHA)
    with pytest.raises(NotFound):
        store.verify(PHOTO_SHA)
    store.erase(PHOTO_SHA)
    assert store.put([PHOTO], max_bytes=LIMIT).sha256 == PHOTO_SHA


def test_a_file_erased_while_being_opened_is_not_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileBlobStore(tmp_path)
    monkeypatch.setattr(store, "path", lambda sha256: tmp_path / "vanished")
    with pytest.raises(NotFound):
        store.open(PHOTO_SHA)


@pytest.mark.parametrize("sha256", [PHOTO_SHA.upper(), PHOTO_SHA[:-1], "../" * 21 + "x", ""])
def test_blobs_are_named_only_by_a_sha256(tmp_path: Path, sha256: str) -> None:
    store = FileBlobStore(tmp_path)
    for operation in (store.path, store.exists, store.open, store.verify, store.erase):
        with pytest.raises(InvalidInput, match="64 lowercase hex digits") as caught:
            operation(sha256)
        assert caught.value.field == "sha256"


def test_a_stored_blob_is_built_only_in_a_valid_state() -> None:
    with pytest.raises(InvalidInput) as bad_hash:
        StoredBlob("x" * 64, 1)
    assert bad_hash.value.field == "sha256"
    with pytest.raises(InvalidInput) as bad_size:
        StoredBlob(EMPTY_SHA, -1)
    assert bad_size.value.field == "size"


def test_temporary_files_left_by_a_crash_are_swept(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    assert store.sweep_temporary() == 0
    store.put([PHOTO], max_bytes=LIMIT)
    stale = tmp_path / "tmp" / "put-crashed.part"
    stale.write_bytes(PHOTO[:100])
    old = stale.stat().st_mtime - 7200
    os.utime(stale, (old, old))
    fresh = tmp_path / "tmp" / "put-running.part"
    fresh.write_bytes(PHOTO[:100])
    assert store.sweep_temporary(older_than=timedelta(hours=1)) == 1
    assert not stale.exists() and fresh.exists()
    assert store.sweep_temporary() == 1
    assert files_under(tmp_path) == [store.path(PHOTO_SHA)]


# A put that sends one chunk, says so, and hangs until killed.
HANGING_PUT = """
import sys, time
from pathlib import Path
from ceasefire.storage.blobs import FileBlobStore

def upload():
    yield b"half of a photo" * 1000
    Path(sys.argv[2]).touch()
    time.sleep(60)
    yield b"the other half"

FileBlobStore(Path(sys.argv[1])).put(upload(), max_bytes=1 << 20)
"""


@pytest.mark.slow
def test_a_put_killed_midway_leaves_no_file_under_a_final_name(tmp_path: Path) -> None:
    root, marker = tmp_path / "locker", tmp_path / "sent"
    child = subprocess.Popen([sys.executable, "-c", HANGING_PUT, str(root), str(marker)])
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert child.poll() is None, "the putting process ended early"
            assert time.monotonic() < deadline, "the putting process never sent its chunk"
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert files_under(root / "sha256") == []
    assert len(files_under(root / "tmp")) == 1
    assert FileBlobStore(root).sweep_temporary() == 1
    assert files_under(root) == []


@given(st.lists(st.binary(max_size=300), max_size=12))
def test_the_name_of_stored_content_is_its_sha256(chunks: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = FileBlobStore(Path(folder))
        blob = store.put(chunks, max_bytes=LIMIT)
        content = b"".join(chunks)
        assert blob == StoredBlob(hashlib.sha256(content).hexdigest(), len(content))
        assert store.path(blob.sha256).read_bytes() == content
        assert store.verify(blob.sha256)
