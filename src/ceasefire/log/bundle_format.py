"""The offline verification bundle's format: ``ceasefire-bundle/v1``, one JSON Lines file.

Why JSON Lines: it is written and read one record at a time, so a log of millions of entries is
exported and checked in bounded memory (no archive index to write at the end, no member sizes to
know in advance, as tar needs); it survives ``head``/``grep``/any JSON parser, so a court's
expert can read it without this code; and a cut-off file is told from a whole one by its last
record. Every line is one JSON object, UTF-8, ``\\n``-terminated, keys sorted, no spaces. In
this order:

1. ``{"format": "ceasefire-bundle/v1", "origin", "log_key", "size"}``: the header; ``log_key``
   is the C2SP vkey that signs the checkpoints, ``size`` the number of entries that follow.
2. ``{"kind": "entry", "index", "leaf"}`` for index 0, 1, ... size-1: ``leaf`` is the entry's
   exact bytes (the signed envelope) in standard base64, so no byte is re-encoded.
3. ``{"kind": "checkpoint", "size", "note", "cosignatures"}`` by increasing size: ``note`` the
   signed checkpoint (C2SP signed note), ``cosignatures`` its witnesses' signature lines
   (``— name base64``, C2SP tlog-cosignature), as the server collected them.
4. ``{"kind": "agreement", "version", "digest", "index", "document"}``: each agreement version
   proposed, ``document`` its canonical JSON text, ``index`` the entry that proposed it.
5. ``{"kind": "key", "actor", "public_key", "role", "affiliation", "enrolled_at",
   "revoked_at"}``: every actor key with its validity (indices), as the server holds them.
6. ``{"kind": "end", "entries", "checkpoints", "agreements", "keys"}``: the counts written; a
   file without it is truncated.

Records 3-5 repeat what the entries already prove (agreements and keys are events in the log):
they are there to be read, and the verifier checks them against the entries, never trusts them.
Nothing here is secret: sealed (confidential) content is not exported.

This module only encodes and decodes records, refusing anything malformed with the line
number; ``services.bundle`` writes and checks bundles.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, Final

from ceasefire.errors import VerificationError

FORMAT: Final = "ceasefire-bundle/v1"
KINDS: Final = ("entry", "checkpoint", "agreement", "key", "end")
_ORDER: Final = {kind: rank for rank, kind in enumerate(KINDS)}
MAX_LINE: Final = 1 << 20
"""An entry is at most 65,535 bytes (tlog-tiles), a note a few KiB: a longer line is not ours."""


class BundleError(VerificationError):
    """A bundle refused before any check of its content: not a bundle, malformed, truncated.
    ``line`` is the 1-based line at fault (0 when the whole file is)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"bundle line {line}: {reason}" if line else f"bundle: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Header:
    origin: str
    log_key: str
    size: int


@dataclass(frozen=True)
class Record:
    """One record after the header: its kind, its fields, and the line it was read from."""

    kind: str
    fields: Mapping[str, Any]
    line: int


def encode(record: Mapping[str, Any]) -> bytes:
    """One line of the bundle: compact JSON, keys sorted, UTF-8, newline-terminated."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8") + b"\n"


def header(origin: str, log_key: str, size: int) -> bytes:
    return encode({"format": FORMAT, "origin": origin, "log_key": log_key, "size": size})


def entry(index: int, leaf: bytes) -> bytes:
    return encode({"kind": "entry", "index": index, "leaf": base64.b64encode(leaf).decode()})


def leaf_of(record: Record) -> bytes:
    """The exact entry bytes of an ``entry`` record."""
    text = string(record, "leaf")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BundleError(record.line, f"entry leaf is not standard base64: {exc}") from None


def read_header(stream: IO[bytes]) -> Header:
    """The header on the first line, or :class:`BundleError` saying why this is no bundle."""
    raw = stream.readline(MAX_LINE + 1)
    if not raw:
        raise BundleError(0, f"the file is empty; expected a {FORMAT} bundle")
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BundleError(1, f"not a {FORMAT} bundle: the first line is not JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise BundleError(1, f"not a {FORMAT} bundle: expected format {FORMAT!r}, found {found!r}")
    record = Record("header", doc, 1)
    size = integer(record, "size")
    return Header(string(record, "origin"), string(record, "log_key"), size)


def records(stream: IO[bytes]) -> Iterator[Record]:
    """The records after the header, in order, up to and including ``end``.

    Refuses a line that is not a JSON object with a known ``kind``, a kind out of the order
    above, anything after ``end``, and a file that stops before ``end`` (truncated).
    """
    number, rank = 1, 0
    for raw in iter(lambda: stream.readline(MAX_LINE + 1), b""):
        number += 1
        record = _parse(raw, number)
        order = _ORDER[record.kind]
        if order < rank:
            raise BundleError(number, f"a {record.kind} record after the {KINDS[rank]} records")
        rank = order
        yield record
        if record.kind == "end":
            trailing = stream.read(1)
            if trailing:
                raise BundleError(number + 1, "data after the end record")
            return
    raise BundleError(number, "the file ends without its end record: truncated")


def _parse(raw: bytes, number: int) -> Record:
    if len(raw) > MAX_LINE:
        raise BundleError(number, f"line longer than {MAX_LINE} bytes")
    if not raw.endswith(b"\n"):
        raise BundleError(number, "the last line is cut off (no newline): truncated")
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(number, f"not a JSON object: {exc}") from None
    if not isinstance(doc, dict) or doc.get("kind") not in _ORDER:
        kind = doc.get("kind") if isinstance(doc, dict) else None
        raise BundleError(number, f"expected a record of kind {', '.join(KINDS)}, found {kind!r}")
    return Record(doc["kind"], doc, number)


def optional(record: Record, name: str, kind: type[Any]) -> Any:
    """Field ``name`` of ``record``: absent, null or of type ``kind``."""
    value = record.fields.get(name)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise BundleError(record.line, f"{record.kind}.{name}: expected {kind.__name__} or null")
    return value


def strings(record: Record, name: str) -> list[str]:
    value = record.fields.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BundleError(record.line, f"{record.kind}.{name}: expected a list of strings")
    return value


def integer(record: Record, name: str) -> int:
    """Field ``name`` of ``record``: an integer >= 0, or :class:`BundleError`."""
    value = record.fields.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BundleError(
            record.line, f"{record.kind}.{name}: expected an integer >= 0, found {value!r}"
        )
    return value


def string(record: Record, name: str) -> str:
    """Field ``name`` of ``record``: a non-empty string, or :class:`BundleError`."""
    value = record.fields.get(name)
    if not isinstance(value, str) or not value:
        raise BundleError(
            record.line, f"{record.kind}.{name}: expected a non-empty string, found {value!r}"
        )
    return value
