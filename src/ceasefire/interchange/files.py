"""The one place interchange opens files: text with its encoding detected, read as a stream.

The encoding is decided by a first pass over the bytes (:func:`encoding.detect_encoding`, in
chunks, so memory stays bounded); the file is then read again as text, line by line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Final

from ceasefire.errors import InvalidInput
from ceasefire.interchange.encoding import MIXED, STRAY_BYTES, detect_encoding

_CHUNK: Final = 1 << 20


def encoding_of(path: Path) -> str:
    try:
        with path.open("rb") as raw:
            return detect_encoding(iter(lambda: raw.read(_CHUNK), b""))
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", field="file") from exc


_SIGNING_KEY: Final = b"PRIVATE+KEY+"
"""How a signing key file begins (``log.keys``): never a dataset, and never to be quoted."""


@contextmanager
def open_text(path: Path) -> Iterator[IO[str]]:
    """``path`` as text in its detected encoding, newlines kept as they are (for csv).

    A signing key given by mistake is refused before a byte of it is read as data: the
    errors about a header quote the header, and a private key must not reach a terminal."""
    _refuse_a_key(path)
    encoding = encoding_of(path)
    if encoding == MIXED:
        opened = path.open("r", encoding="utf-8", errors=STRAY_BYTES, newline="")
    else:
        opened = path.open("r", encoding=encoding, newline="")
    with opened as text:
        yield text


def count_lines(path: Path) -> int:
    """Physical lines, for a progress bar's total (quoted newlines make it an overestimate)."""
    with path.open("rb") as raw:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(_CHUNK), b""))


def _refuse_a_key(path: Path) -> None:
    try:
        with path.open("rb") as raw:
            start = raw.read(len(_SIGNING_KEY))
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", field="file") from exc
    if start == _SIGNING_KEY:
        raise InvalidInput(
            f"{path} is a private signing key, not a dataset: nothing was read from it (keep "
            "it where only its actor can read it; --key takes it)",
            field="file",
        )
