"""Signed notes (`c2sp.org/signed-note`): text signed by one or more keys.

The layout, byte for byte (signed-note §Format)::

    <text: one or more lines, each ending in "\\n">
    "\\n"                                                  the LAST blank line
    "— " <key name> " " base64(key id[4] || signature) "\\n"   one or more

A signature is identified by the pair (key name, key id); the key id also fixes the algorithm
(signed-note §Signatures). :func:`verify_note` follows that section: unknown pairs are ignored,
a known pair must verify, and a note with no verified signature by a known key is rejected.

Parsing is strict so that every accepted note re-serialises byte for byte: base64 must be the
canonical RFC 4648 §4 encoding (Go's ``encoding/base64`` would also take non-zero padding bits).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from ceasefire.errors import InvalidInput, VerificationError
from ceasefire.log.keys import ED25519_NOTE, SigningKey, VerifierKey

MAX_SIGNATURES: Final = 100
"""Go's cap on signature lines; signed-note §Format asks verifiers to accept at least 16."""

_SIGNATURE_PREFIX: Final = "\u2014 "  # EM DASH, SPACE
_KEY_ID_SIZE: Final = 4
_MAX_KEY_ID: Final = 0xFFFF_FFFF
_FORBIDDEN: Final = re.compile("[\x00-\x09\x0b-\x1f\ud800-\udfff]")
"""ASCII controls other than newline (signed-note §Format) and lone surrogates (not UTF-8)."""


def _position(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line}, column {column}"


def _check_characters(text: str, what: str) -> None:
    """Signed-note §Format: valid UTF-8, no ASCII control character other than newline."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return
    char = found.group()
    why = (
        "is a lone surrogate, not valid UTF-8"
        if "\ud800" <= char <= "\udfff"
        else "is a control character; only newline is allowed"
    )
    raise InvalidInput(
        f"{what} {_position(text, found.start())}: U+{ord(char):04X} {why}", field="note"
    )


def _check_signature_name(name: str, where: str) -> None:
    """Signed-note §Format: a key name is non-empty, without Unicode spaces and without '+'."""
    if not name:
        raise InvalidInput(f"{where}: the key name is empty", field="note")
    bad = next((c for c in name if c.isspace() or c == "+" or c < " "), None)
    if bad is not None:
        raise InvalidInput(
            f"{where}: key name {name!r} contains {bad!r}; key names have no spaces and no '+'",
            field="note",
        )


def _clip(text: str, limit: int = 60) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "…"


def _decode_canonical_base64(encoded: str, where: str) -> bytes:
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(
            f"{where}: {_clip(encoded)} is not valid base64 ({exc})", field="note"
        ) from exc
    if base64.b64encode(raw).decode() != encoded:
        raise InvalidInput(f"{where}: {_clip(encoded)} is not canonical base64", field="note")
    return raw


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key name, the 4-byte key id, and the signature bytes after it.

    ``signature`` is 64 bytes for Ed25519 (type 0x01) and 72 for Ed25519 cosignature/v1 (type
    0x04: an 8-byte timestamp, then 64 bytes); other types are carried unchanged.
    """

    name: str
    key_id: int
    signature: bytes

    def __post_init__(self) -> None:
        _check_signature_name(self.name, "signature")
        if not 0 <= self.key_id <= _MAX_KEY_ID:
            raise InvalidInput(f"a key id is a uint32, found {self.key_id}", field="key_id")
        if not self.signature:
            raise InvalidInput("a signature line carries at least one signature byte", field="note")

    def to_line(self) -> str:
        payload = self.key_id.to_bytes(_KEY_ID_SIZE, "big") + self.signature
        return f"{_SIGNATURE_PREFIX}{self.name} {base64.b64encode(payload).decode()}\n"

    @classmethod
    def from_line(cls, line: str) -> NoteSignature:
        """Parse one signature line, with or without its final newline."""
        body = line.removesuffix("\n")
        if "\n" in body:
            raise InvalidInput("a signature line must not contain a newline", field="note")
        _check_characters(body, "signature line")
        return _parse_signature_line(body, "signature line")


def _parse_signature_line(line: str, where: str) -> NoteSignature:
    """``— <name> base64(key id || signature)`` (signed-note §Signatures)."""
    if not line.startswith(_SIGNATURE_PREFIX):
        raise InvalidInput(
            f"{where}: expected '— <key name> <base64 signature>', found {_clip(line)}",
            field="note",
        )
    name, space, encoded = line.removeprefix(_SIGNATURE_PREFIX).partition(" ")
    _check_signature_name(name, where)
    if not space or not encoded:
        raise InvalidInput(f"{where}: no signature after key name {name!r}", field="note")
    if " " in encoded:
        raise InvalidInput(
            f"{where}: expected '— <key name> <base64 signature>' with one space between them, "
            f"found more (key names contain no spaces): {_clip(line)}",
            field="note",
        )
    raw = _decode_canonical_base64(encoded, where)
    if len(raw) <= _KEY_ID_SIZE:
        raise InvalidInput(
            f"{where}: expected a 4-byte key id and a signature, found {len(raw)} bytes",
            field="note",
        )
    return NoteSignature(name, int.from_bytes(raw[:_KEY_ID_SIZE], "big"), raw[_KEY_ID_SIZE:])


def _check_text(text: str) -> None:
    """Signed-note §Format: the text is non-empty and ends in a newline."""
    if not text.endswith("\n"):
        found = f"text ending in {text[-30:]!r}" if text else "an empty text"
        raise InvalidInput(
            f"the note text must be non-empty and end with a newline, found {found}", field="note"
        )
    _check_characters(text, "note text")


def _decode(data: str | bytes) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"the note is not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            f"({exc.reason})",
            field="note",
        ) from exc


def _merge(
    existing: Iterable[NoteSignature], added: Iterable[NoteSignature]
) -> tuple[NoteSignature, ...]:
    """One signature per (name, key id): the first existing line, replaced by an added one."""
    merged: dict[tuple[str, int], NoteSignature] = {}
    for signature in existing:
        merged.setdefault((signature.name, signature.key_id), signature)
    for signature in added:
        merged[signature.name, signature.key_id] = signature
    return tuple(merged.values())


@dataclass(frozen=True)
class Note:
    """A note text and its signature lines, in order (duplicates kept as found)."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        _check_text(self.text)
        if not self.signatures:
            raise InvalidInput("a signed note carries at least one signature", field="note")

    def to_text(self) -> str:
        return self.text + "\n" + "".join(s.to_line() for s in self.signatures)

    @classmethod
    def from_text(cls, data: str | bytes) -> Note:
        """Parse a signed note: well formed (signed-note §Format), not yet verified.

        Rejects with :class:`InvalidInput` naming the line and the reason: invalid UTF-8, a
        control character, no blank line, no signature line, no final newline, a bad signature
        line. The text is everything up to and including the newline before the last blank line.
        """
        note = _decode(data)
        _check_characters(note, "note")
        split = note.rfind("\n\n")
        if split < 0:
            raise InvalidInput(
                "the note has no blank line separating the text from the signatures", field="note"
            )
        text, block = note[: split + 1], note[split + 2 :]
        if not block:
            raise InvalidInput("the note has no signature lines after the blank line", field="note")
        if not block.endswith("\n"):
            raise InvalidInput(
                "the note must end with a newline after its last signature line", field="note"
            )
        first = text.count("\n") + 2  # the line number of the first signature line
        signatures = tuple(
            _parse_signature_line(line, f"note line {number} (signature line {number - first + 1})")
            for number, line in enumerate(block[:-1].split("\n"), start=first)
        )
        return cls(text, signatures)

    def with_signatures(self, *signatures: NoteSignature) -> Note:
        """Attach signatures; the result carries each (name, key id) once, a new one replacing."""
        return Note(self.text, _merge(self.signatures, signatures))


class NoteVerifier(Protocol):
    """A known key: its (name, key id) pair, and a check of a signature over the note text."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def verify(self, message: bytes, signature: bytes) -> bool: ...


def sign_note(text: str, *signers: SigningKey) -> Note:
    """Sign ``text`` with Ed25519 (type 0x01) by each signer (signed-note §Ed25519 signatures)."""
    if not signers:
        raise InvalidInput("signing a note needs at least one key", field="signers")
    _check_text(text)
    message = text.encode()
    signatures = (NoteSignature(s.name, s.note_key().key_id, s.sign(message)) for s in signers)
    return Note(text, _merge((), signatures))


def _describe(pairs: Iterable[tuple[str, int]]) -> str:
    names = sorted({f"{name}+{key_id:08x}" for name, key_id in pairs})
    shown = ", ".join(names[:8]) + (f", … ({len(names)} in all)" if len(names) > 8 else "")
    return f"[{shown}]"


def _index(verifiers: Sequence[NoteVerifier]) -> dict[tuple[str, int], NoteVerifier]:
    known: dict[tuple[str, int], NoteVerifier] = {}
    for verifier in verifiers:
        pair = (verifier.name, verifier.key_id)
        if isinstance(verifier, VerifierKey) and verifier.key_type != ED25519_NOTE:
            raise InvalidInput(
                f"verifier key {_describe([pair])} has type 0x{verifier.key_type:02x}, not a "
                "note key (0x01); wrap a cosignature key in CosignatureVerifier",
                field="verifiers",
            )
        if known.setdefault(pair, verifier) != verifier:
            raise InvalidInput(f"two verifiers share {_describe([pair])}", field="verifiers")
    return known


def verify_note(note: Note, verifiers: Sequence[NoteVerifier]) -> tuple[NoteSignature, ...]:
    """Return the note's signatures by known keys, each (name, key id) once, all verified.

    Follows signed-note §Signatures; raises :class:`VerificationError` when it does not hold.
    """
    # 1. Bound the work (§Format: verifiers SHOULD limit the number of signatures).
    if len(note.signatures) > MAX_SIGNATURES:
        raise VerificationError(
            f"expected at most {MAX_SIGNATURES} signature lines, found {len(note.signatures)}",
            field="note",
        )
    # 2. Known keys by (name, key id); signatures from any other pair are ignored.
    known = _index(verifiers)
    message = note.text.encode()
    verified: dict[tuple[str, int], NoteSignature] = {}
    for signature in note.signatures:
        pair = (signature.name, signature.key_id)
        verifier = known.get(pair)
        if verifier is None:
            continue
        # 3. A known key's signature MUST verify; reject the whole note if it does not.
        if not verifier.verify(message, signature.signature):
            raise VerificationError(f"invalid signature by {_describe([pair])}", field="note")
        verified.setdefault(pair, signature)
    # 4. Fail closed: with no verified signature by a known key, reject (an empty list never
    #    verifies).
    if not verified:
        raise VerificationError(
            f"no signature by a known key: expected one of {_describe(known)}, found "
            f"{_describe((s.name, s.key_id) for s in note.signatures)}",
            field="note",
        )
    return tuple(verified.values())
