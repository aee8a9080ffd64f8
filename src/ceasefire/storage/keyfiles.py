"""Private key files in the data folder: Go note private-key text, mode 0600, never overwritten."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ceasefire.errors import Conflict, InvalidInput, NotFound
from ceasefire.log.keys import SigningKey


def write_key(path: Path, key: SigningKey) -> Path:
    """Create ``path`` with the key, readable by its owner only; refuse to replace a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise Conflict(f"a key file already exists at {path}; refusing to overwrite it") from exc
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.to_text() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path


@contextmanager
def provisional_key(path: Path, key: SigningKey) -> Iterator[Path]:
    """Write ``key`` to ``path`` for a step that must succeed for the key to mean anything
    (its enrolment in the log); if the step fails, the file is removed again."""
    write_key(path, key)
    try:
        yield path
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def read_key(path: Path) -> SigningKey:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError as exc:
        raise NotFound(f"no key file at {path}", field="key") from exc
    except (UnicodeDecodeError, IsADirectoryError) as exc:
        raise InvalidInput(f"{path} is not a key file: {exc}", field="key") from exc
    try:
        return SigningKey.from_text(text)
    except InvalidInput as exc:
        raise InvalidInput(f"{path}: {exc.message}", field="key") from exc
