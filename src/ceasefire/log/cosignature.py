"""Witness cosignatures (`c2sp.org/tlog-cosignature`), Ed25519 cosignature/v1, type 0x04.

A cosignature is a note signature line on a checkpoint (§Format)::

    — <witness name> base64(key id[4] || uint64_be(timestamp)[8] || ed25519 signature[64])

with key id ``SHA-256(name || 0x0A || 0x04 || public key)[:4]``. The Ed25519 signature is over
(§Ed25519 signed message)::

    "cosignature/v1\\n"
    "time <decimal timestamp>\\n"
    <checkpoint note text, extension lines included>

It states: "as of the timestamp, this is the largest consistent tree I have seen for this
origin". The message does not name the witness, so each witness needs its own key pair.
:class:`CosignatureVerifier` is a :class:`~ceasefire.log.note.NoteVerifier`, so
:func:`~ceasefire.log.note.verify_note` takes log keys and witness keys in one list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ceasefire.errors import InvalidInput
from ceasefire.log.checkpoint import Checkpoint
from ceasefire.log.keys import (
    ED25519_COSIGNATURE,
    ED25519_SIGNATURE_SIZE,
    SigningKey,
    VerifierKey,
    verify_ed25519,
)
from ceasefire.log.note import Note, NoteSignature, verify_note

MAX_TIMESTAMP: Final = 2**63 - 1
"""§Format: the timestamp MUST NOT exceed 2^63 - 1."""

_TIMESTAMP_SIZE: Final = 8
COSIGNATURE_SIZE: Final = _TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE


def _check_timestamp(timestamp: int) -> None:
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise InvalidInput(
            f"a cosignature timestamp is between 0 and 2^63-1 seconds, found {timestamp}",
            field="timestamp",
        )


def _signed_message(body: bytes, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + body


def cosignature_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The bytes a cosigner signs (§Ed25519 signed message)."""
    _check_timestamp(timestamp)
    return _signed_message(checkpoint_text.encode(), timestamp)


def cosignature_timestamp(signature: NoteSignature) -> int:
    """The timestamp in a cosignature/v1 line: the first 8 signature bytes, big-endian."""
    if len(signature.signature) != COSIGNATURE_SIZE:
        raise InvalidInput(
            f"a cosignature/v1 signature is {COSIGNATURE_SIZE} bytes after the key id, found "
            f"{len(signature.signature)}",
            field="signature",
        )
    return int.from_bytes(signature.signature[:_TIMESTAMP_SIZE], "big")


def cosign(note: Note, witness: SigningKey, timestamp: int) -> NoteSignature:
    """Cosign the checkpoint in ``note`` as of ``timestamp`` (POSIX seconds, from the caller).

    Only the note text is signed. Checking the log signature and consistency with the last
    cosigned tree is the witness's job (c2sp.org/tlog-witness) before it calls this.
    """
    Checkpoint.from_text(note.text)  # §Format: a cosignature applies to a checkpoint only
    signature = witness.sign(cosignature_message(note.text, timestamp))
    return NoteSignature(
        name=witness.name,
        key_id=witness.cosignature_key().key_id,
        signature=timestamp.to_bytes(_TIMESTAMP_SIZE, "big") + signature,
    )


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness's type 0x04 key as a note verifier: rebuilds the cosignature/v1 message."""

    key: VerifierKey

    def __post_init__(self) -> None:
        if self.key.key_type != ED25519_COSIGNATURE:
            raise InvalidInput(
                f"a cosignature/v1 key has type 0x04, found 0x{self.key.key_type:02x} for "
                f"{self.key.name}+{self.key.key_id:08x}",
                field="key_type",
            )

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def key_id(self) -> int:
        return self.key.key_id

    def verify(self, message: bytes, signature: bytes) -> bool:
        """``message`` is the note text; ``signature`` is timestamp(8) || Ed25519 signature."""
        if len(signature) != COSIGNATURE_SIZE:
            return False
        timestamp = int.from_bytes(signature[:_TIMESTAMP_SIZE], "big")
        if timestamp > MAX_TIMESTAMP:
            return False
        return verify_ed25519(
            self.key.public_key, _signed_message(message, timestamp), signature[_TIMESTAMP_SIZE:]
        )


def verify_cosignature(note: Note, witness_key: VerifierKey) -> int:
    """Return the timestamp of the witness's valid cosignature on ``note``.

    Raises :class:`~ceasefire.errors.VerificationError` if the witness did not cosign, or if
    any line under its (name, key id) fails to verify. The log signature is not checked here
    (see :func:`~ceasefire.log.checkpoint.open_checkpoint`).
    """
    (signature,) = verify_note(note, [CosignatureVerifier(witness_key)])
    return cosignature_timestamp(signature)
