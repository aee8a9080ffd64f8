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

A reader judges what a verified cosignature states (:class:`Cosigned`, :func:`cosigned_by`):

1. :func:`dated_ahead`: no witness can have cosigned after the reader's ``now`` (an argument,
   POSIX seconds) by more than :data:`CLOCK_SKEW` (§Format: "verifiers MAY reject cosignatures
   with timestamps in the future");
2. :func:`contradiction`: two cosignatures by one witness key of one log cannot both be true
   when they name two roots for one tree size, or when the smaller tree is dated later than the
   larger (the witness cosigned a smaller tree after a larger one: it went back). Timestamps
   are whole seconds, so two trees cosigned in the same second contradict nothing.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
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

CLOCK_SKEW: Final = 300
"""Seconds a witness's clock may be ahead of (or behind) the clock of whoever judges its
cosignature: the server that receives it, or a reader."""


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


# --- what a reader makes of a verified cosignature -------------------------------------------


@dataclass(frozen=True)
class Cosigned:
    """A verified cosignature as a reader keeps it: by whom (name and key id), when, of which
    tree, and the note it came on (the evidence, with the log's signature)."""

    name: str
    key_id: int
    timestamp: int
    origin: str
    size: int
    root: bytes
    note: str = ""

    def describe(self) -> str:
        root = base64.b64encode(self.root).decode()
        return f"the tree of {self.size} entries (root {root}) at {moment(self.timestamp)}"


def cosigned_by(note: Note, keys: Iterable[VerifierKey]) -> list[Cosigned]:
    """The cosignatures on the checkpoint ``note`` by each of ``keys`` that signed it, each
    verified. A key with no line on the note is skipped; a line under a key's (name, key id)
    that does not verify raises :class:`~ceasefire.errors.VerificationError`. The log
    signature is not checked here (see :func:`~ceasefire.log.checkpoint.open_checkpoint`)."""
    checkpoint = Checkpoint.from_text(note.text)
    found: list[Cosigned] = []
    for key in keys:
        if any((s.name, s.key_id) == (key.name, key.key_id) for s in note.signatures):
            timestamp = verify_cosignature(note, key)
            found.append(
                Cosigned(
                    key.name,
                    key.key_id,
                    timestamp,
                    checkpoint.origin,
                    checkpoint.size,
                    checkpoint.root_hash,
                    note.to_text(),
                )
            )
    return found


def dated_ahead(cosigned: Cosigned, now: int) -> str | None:
    """Rule 1 of the module docstring: why ``cosigned`` cannot have been made by ``now``
    (POSIX seconds, the reader's clock); None when it can."""
    ahead = cosigned.timestamp - now
    if ahead <= CLOCK_SKEW:
        return None
    return (
        f"{cosigned.name}'s cosignature of the tree of {cosigned.size} entries is dated "
        f"{moment(cosigned.timestamp)}, {_span(ahead)} after this clock's {moment(now)}: no "
        f"witness can have cosigned in the future (its clock, or this one, is wrong by more "
        f"than {_span(CLOCK_SKEW)})"
    )


class Fault(StrEnum):
    """How two cosignatures by one witness contradict each other (rule 2)."""

    FORK = "fork"
    """Two roots for one tree size: the witness cosigned two histories."""
    ROLLBACK = "rollback"
    """The smaller tree dated later than the larger: the witness went back."""


@dataclass(frozen=True)
class Contradiction:
    """Two cosignatures by one witness key of one log that cannot both be true."""

    fault: Fault
    message: str
    held: Cosigned
    """The one the reader held already."""
    presented: Cosigned
    """The one it was shown now."""

    @property
    def expected(self) -> str:
        return self.held.describe()

    @property
    def found(self) -> str:
        return self.presented.describe()


def contradiction(held: Cosigned, presented: Cosigned) -> Contradiction | None:
    """Rule 2 of the module docstring for two cosignatures by the same witness key of the same
    log (``held`` the one the reader holds, ``presented`` the new one); None when both can be
    true. Cosignatures by two keys, or of two logs, never contradict each other."""
    if (held.name, held.key_id, held.origin) != (
        presented.name,
        presented.key_id,
        presented.origin,
    ):
        return None
    name = held.name
    if held.size == presented.size:
        if held.root == presented.root:
            return None
        return Contradiction(
            Fault.FORK,
            f"witness {name} cosigned two roots for the tree of {held.size} entries: "
            f"{held.describe()} and {presented.describe()}: it vouched for two histories",
            held,
            presented,
        )
    small, large = sorted((held, presented), key=lambda c: c.size)
    if small.timestamp <= large.timestamp:
        return None
    return Contradiction(
        Fault.ROLLBACK,
        f"witness {name} cosigned {small.describe()} after {large.describe()}: a witness "
        "never cosigns a smaller tree after a larger one (its state or its clock went back)",
        held,
        presented,
    )


def moment(timestamp: int) -> str:
    """``timestamp`` (POSIX seconds) with its UTC date, when it has one."""
    try:
        when = datetime.fromtimestamp(timestamp, UTC)
    except (OverflowError, OSError, ValueError):
        return str(timestamp)
    return f"{timestamp} ({when:%Y-%m-%dT%H:%M:%SZ})"


def _span(seconds: int) -> str:
    """A span of time, exact: in days, hours or minutes when it is a whole number of them."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    about = f" (about {seconds // 86400} days)" if seconds >= 2 * 86400 else ""
    return f"{seconds} second{'s' if seconds != 1 else ''}{about}"
