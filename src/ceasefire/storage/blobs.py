"""The evidence locker's files, stored by content: ``<root>/sha256/ab/cd/<64 hex>``.

The name of a file is the SHA-256 of its bytes, so a file is written once and never changed:
putting the same content again is a no-op, and :meth:`FileBlobStore.verify` re-hashes a file to
detect a change on disk. A put streams into ``<root>/tmp/``, hashing as it goes, fsyncs, and
only then renames into place: a crash never leaves a partial file under a final name, only a
temporary file that :meth:`FileBlobStore.sweep_temporary` removes. Files are read-only
(0444). Erasing a file (personal data) leaves the log intact: it keeps only the hash.

Plain ``os`` and ``hashlib``; no database here.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, Final

from ceasefire.errors import InvalidInput, NotFound, StorageError

CHUNK_SIZE: Final = 1024 * 1024
_SHA256: Final = re.compile(r"[0-9a-f]{64}")
_READ_ONLY: Final = 0o444


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int

    def __post_init__(self) -> None:
        _check_sha256(self.sha256)
        if type(self.size) is not int or self.size < 0:
            raise InvalidInput(f"expected a size >= 0, found {self.size!r}", field="size")


class FileBlobStore:
    """Content-addressed files under ``root``; nothing is created until the first put."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"
        self._blobs = root / "sha256"

    def put(self, chunks: Iterable[bytes], *, max_bytes: int) -> StoredBlob:
        """Store the concatenated ``chunks``; InvalidInput as soon as more than ``max_bytes``
        arrive. Storing content that is already there leaves the first file untouched.

        StorageError when the disk fails; an error raised by ``chunks`` itself (a client that
        went away) passes through unchanged. Either way no file is left behind.
        """
        if type(max_bytes) is not int or max_bytes < 0:
            raise InvalidInput(f"expected a limit >= 0, found {max_bytes!r}", field="max_bytes")
        with self._disk():
            _make_dirs(self._tmp)
            fd, name = tempfile.mkstemp(prefix="put-", suffix=".part", dir=self._tmp)
        temporary = Path(name)
        try:
            with os.fdopen(fd, "wb") as handle:
                blob = self._write(handle, chunks, max_bytes)
                with self._disk():
                    handle.flush()
                    os.fsync(handle.fileno())
                    os.fchmod(handle.fileno(), _READ_ONLY)
            with self._disk():
                self._place(temporary, blob.sha256)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return blob

    def put_file(self, path: Path, *, max_bytes: int) -> StoredBlob:
        """Store a copy of the file at ``path``, read in 1 MiB chunks."""
        try:
            with path.open("rb") as handle:
                return self.put(_chunks(handle), max_bytes=max_bytes)
        except FileNotFoundError as exc:
            raise NotFound(f"no file at {path}", field="file") from exc
        except OSError as exc:  # put reports its own disk errors as StorageError
            raise StorageError(f"cannot read {path}: {exc}") from exc

    def path(self, sha256: str) -> Path:
        """Where the file with this SHA-256 is; NotFound if the store has no such file."""
        path = self._path_of(sha256)
        if not path.is_file():
            raise NotFound(f"no file with SHA-256 {sha256} in the locker", field="sha256")
        return path

    def exists(self, sha256: str) -> bool:
        return self._path_of(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError as exc:  # erased between the check and the open
            raise NotFound(f"no file with SHA-256 {sha256} in the locker", field="sha256") from exc

    def verify(self, sha256: str) -> bool:
        """Whether the stored file still hashes to its name (False: it changed on disk)."""
        digest = hashlib.sha256()
        with self.open(sha256) as handle:
            for chunk in _chunks(handle):
                digest.update(chunk)
        return digest.hexdigest() == sha256

    def erase(self, sha256: str) -> None:
        """Remove the file; erasing what is not there is a no-op, so an erasure can be retried."""
        path = self._path_of(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        _fsync_dir(path.parent)

    def sweep_temporary(self, *, older_than: timedelta = timedelta(0)) -> int:
        """Remove temporary files left by interrupted puts; returns how many were removed.

        With the default, call it only while no put is running (at start-up); otherwise pass
        a margin longer than any upload, so a put in progress keeps its file.
        """
        if not self._tmp.is_dir():
            return 0
        cutoff = time.time() - older_than.total_seconds()
        removed = 0
        for entry in self._tmp.iterdir():
            with contextlib.suppress(FileNotFoundError):  # a put finished meanwhile
                if entry.is_file() and entry.stat().st_mtime <= cutoff:
                    entry.unlink()
                    removed += 1
        return removed

    def _path_of(self, sha256: str) -> Path:
        _check_sha256(sha256)
        return self._blobs / sha256[:2] / sha256[2:4] / sha256

    def _write(self, handle: BinaryIO, chunks: Iterable[bytes], max_bytes: int) -> StoredBlob:
        digest = hashlib.sha256()
        size = 0
        for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise InvalidInput(
                    f"the file is over the limit of {max_bytes:,} bytes "
                    f"({max_bytes / CHUNK_SIZE:.1f} MiB): {size:,} bytes had arrived when it "
                    "was refused",
                    field="file",
                )
            digest.update(chunk)
            with self._disk():
                handle.write(chunk)
        return StoredBlob(digest.hexdigest(), size)

    def _place(self, temporary: Path, sha256: str) -> None:
        final = self._path_of(sha256)
        if final.exists():
            # The name is the hash, so what is there is this content. (Two concurrent puts
            # of the same content may both rename; the second replaces identical bytes.)
            temporary.unlink()
            return
        _make_dirs(final.parent)
        os.replace(temporary, final)
        _fsync_dir(final.parent)

    @contextlib.contextmanager
    def _disk(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise StorageError(f"cannot store a file in the locker at {self.root}: {exc}") from exc


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK_SIZE):
        yield chunk


def _check_sha256(sha256: str) -> None:
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise InvalidInput(
            f"expected a SHA-256 as 64 lowercase hex digits, found {sha256!r}", field="sha256"
        )


def _make_dirs(path: Path) -> None:
    """Create ``path`` and missing parents, fsyncing each new directory's parent so the new
    entries survive a crash."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        try:
            directory.mkdir()
        except FileExistsError:
            continue  # made by a concurrent put
        _fsync_dir(directory.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
