"""Checkpoints (`c2sp.org/tlog-checkpoint`): a signed note naming a log's tree head.

The note text (tlog-checkpoint §Note text)::

    <origin>\\n            the log's identity, non-empty
    <tree size>\\n         ASCII decimal, no leading zeros ("0" for the empty tree)
    <base64 root hash>\\n  the RFC 6962 root at that size, 32 bytes
    [extension lines]\\n   optional, opaque, non-empty, NOT RECOMMENDED

The spec only RECOMMENDS an origin without spaces or '+', and tells clients not to assume it
(sum.golang.org's origin is ``go.sum database tree``), so the origin is only required to be a
non-empty single line. The log's key name SHOULD equal the origin (§Signatures);
:func:`open_checkpoint` expects exactly that unless told another origin.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Final

from ceasefire.errors import InvalidInput, VerificationError
from ceasefire.log.keys import ED25519_NOTE, SigningKey, VerifierKey
from ceasefire.log.note import Note, sign_note, verify_note

HASH_SIZE: Final = 32
MAX_TREE_SIZE: Final = 2**64 - 1
"""Tree sizes are uint64 throughout C2SP (tlog-witness, tlog-cosignature)."""

_DECIMAL: Final = re.compile("0|[1-9][0-9]*")
_FORBIDDEN: Final = re.compile("[\x00-\x1f\ud800-\udfff]")


def _check_line(value: str, what: str) -> None:
    """A checkpoint line is non-empty note text: no newline or other control character."""
    if not value:
        raise InvalidInput(f"{what} must not be empty", field="checkpoint")
    found = _FORBIDDEN.search(value)
    if found is not None:
        raise InvalidInput(
            f"{what} contains U+{ord(found.group()):04X} at column {found.start() + 1}; "
            "a checkpoint line holds no newline or control characters",
            field="checkpoint",
        )


def _parse_size(line: str) -> int:
    """§Note text 2: ASCII decimal with no leading zeros, ``0`` for the empty tree."""
    if len(line) > len(str(MAX_TREE_SIZE)) or not _DECIMAL.fullmatch(line):
        raise InvalidInput(
            "line 2 (tree size): expected an ASCII decimal uint64 with no leading zeros, "
            f"found {line[:40]!r}",
            field="size",
        )
    size = int(line)
    if size > MAX_TREE_SIZE:
        raise InvalidInput(f"line 2 (tree size): {size} exceeds 2^64-1", field="size")
    return size


def _parse_root(line: str) -> bytes:
    """§Note text 3: the standard (RFC 4648 §4) base64 of a 32-byte RFC 6962 root."""
    try:
        root = base64.b64decode(line, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(
            f"line 3 (root hash): {line[:60]!r} is not valid base64 ({exc})", field="root_hash"
        ) from exc
    if len(root) != HASH_SIZE:
        raise InvalidInput(
            f"line 3 (root hash): expected {HASH_SIZE} bytes, found {len(root)}", field="root_hash"
        )
    if base64.b64encode(root).decode() != line:
        raise InvalidInput(
            f"line 3 (root hash): {line!r} is not canonical base64", field="root_hash"
        )
    return root


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, tree size, RFC 6962 root hash and opaque extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "the origin")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise InvalidInput(f"a tree size is a uint64, found {self.size}", field="size")
        if len(self.root_hash) != HASH_SIZE:
            raise InvalidInput(
                f"a root hash is {HASH_SIZE} bytes, found {len(self.root_hash)}", field="root_hash"
            )
        for number, line in enumerate(self.extensions, start=1):
            _check_line(line, f"extension line {number}")

    def to_text(self) -> str:
        root = base64.b64encode(self.root_hash).decode()
        extensions = "".join(f"{line}\n" for line in self.extensions)
        return f"{self.origin}\n{self.size}\n{root}\n{extensions}"

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text strictly (tlog-checkpoint §Note text).

        ``text`` is the note text (no signature lines). :class:`InvalidInput` names the line.
        """
        if not text.endswith("\n"):
            raise InvalidInput("a checkpoint text must end with a newline", field="checkpoint")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise InvalidInput(
                "a checkpoint has at least 3 lines (origin, tree size, root hash), found "
                f"{len(lines)}",
                field="checkpoint",
            )
        origin, size_line, root_line, *extensions = lines
        _check_line(origin, "line 1 (origin)")
        for number, line in enumerate(extensions, start=4):
            _check_line(line, f"line {number} (extension line)")
        return cls(origin, _parse_size(size_line), _parse_root(root_line), tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, log_key: SigningKey) -> Note:
    """Sign the checkpoint text with the log's Ed25519 note key (type 0x01)."""
    return sign_note(checkpoint.to_text(), log_key)


def open_checkpoint(
    note_text: str | bytes, log_key: VerifierKey, *, origin: str | None = None
) -> tuple[Checkpoint, Note]:
    """Verify and parse a signed checkpoint: tlog-checkpoint client procedure, steps 1–3.

    ``origin`` defaults to the log key's name (§Signatures: it SHOULD match the origin line).
    Signatures by other keys (witnesses) are ignored here; checking a quorum (step 4) and
    consistency with the last accepted checkpoint (step 5) are the caller's next steps.
    """
    if log_key.key_type != ED25519_NOTE:
        raise InvalidInput(
            f"a log key is an Ed25519 note key (type 0x01), found type 0x{log_key.key_type:02x}",
            field="log_key",
        )
    note = Note.from_text(note_text)
    # 1. Verify the log signature: the note must carry a valid signature by log_key.
    verify_note(note, [log_key])
    # 2. Check the origin (the first line) against the expected value.
    expected = log_key.name if origin is None else origin
    found = note.text.split("\n", 1)[0]
    if found != expected:
        raise VerificationError(
            f"checkpoint origin mismatch: expected {expected!r}, found {found!r}", field="origin"
        )
    # 3. Parse the tree size and root hash strictly.
    return Checkpoint.from_text(note.text), note
