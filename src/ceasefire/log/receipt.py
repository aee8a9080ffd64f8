"""Receipts (design idea 8): the log's signed promise that an accepted entry will be published.

A receipt is a C2SP signed note (:mod:`ceasefire.log.note`) signed by the log's own key, the
key that signs its checkpoints. Its text, byte for byte::

    ceasefire-receipt/v1\\n
    origin <origin>\\n                  the log the entry was accepted into
    index <decimal>\\n                  the entry's position (no leading zeros)
    leaf <base64 leaf hash>\\n          RFC 6962 leaf hash of the entry, 32 bytes
    event <32 lowercase hex>\\n         the envelope's id
    accepted <time>\\n                  when the log accepted it
    include-by <time>\\n                the latest time by which a published checkpoint holds it

Times are the envelope's canonical RFC 3339 UTC spelling (``2025-10-19T12:00:00Z`` or with
milliseconds). As Certificate Transparency's signed certificate timestamps do, a receipt binds
the operator: a checkpoint signed at or after ``include-by`` whose tree does not hold ``leaf`` at
``index`` (an inclusion proof fails) proves the entry was dropped.

The first line keeps receipts apart from checkpoints signed with the same key: a checkpoint's
second line is a tree size in decimal, a receipt's second line starts with ``origin``, so one
can never be read as the other.

To verify (:func:`verify_receipt`): 1. the note carries a valid signature by the log key
(signed-note §Signatures, failing closed); 2. the text has exactly the lines above, each in its
one canonical spelling; 3. the origin is the log key's name, as for checkpoints.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from ceasefire.errors import InvalidInput, VerificationError
from ceasefire.log.envelope import b64decode_exact, format_time, parse_time
from ceasefire.log.keys import ED25519_NOTE, SigningKey, VerifierKey
from ceasefire.log.note import Note, sign_note, verify_note

RECEIPT_HEADER: Final = "ceasefire-receipt/v1"
LEAF_HASH_SIZE: Final = 32
_DECIMAL: Final = re.compile("0|[1-9][0-9]{0,19}")
_EVENT_ID: Final = re.compile("[0-9a-f]{32}")
_LABELS: Final = ("origin", "index", "leaf", "event", "accepted", "include-by")


@dataclass(frozen=True)
class Receipt:
    """What the log promises about one accepted entry."""

    origin: str
    index: int
    leaf_hash: bytes
    event_id: str
    accepted: datetime
    include_by: datetime

    def __post_init__(self) -> None:
        if not self.origin or any(c in self.origin for c in "\n\r"):
            raise InvalidInput("a receipt's origin is one non-empty line", field="origin")
        if self.index < 0:
            raise InvalidInput(f"an index is never negative, found {self.index}", field="index")
        if len(self.leaf_hash) != LEAF_HASH_SIZE:
            raise InvalidInput(
                f"a leaf hash is {LEAF_HASH_SIZE} bytes, found {len(self.leaf_hash)}",
                field="leaf_hash",
            )
        if not _EVENT_ID.fullmatch(self.event_id):
            raise InvalidInput(
                f"an event id is 32 lowercase hex digits, found {self.event_id!r}", field="event"
            )
        # round-trip through the canonical spelling: aware UTC, milliseconds at most
        for name in ("accepted", "include_by"):
            value: datetime = getattr(self, name)
            object.__setattr__(self, name, parse_time(format_time(value), name))
        if self.include_by < self.accepted:
            raise InvalidInput("include-by cannot come before accepted", field="include_by")

    def to_text(self) -> str:
        """The note text the log signs."""
        values = (
            self.origin,
            str(self.index),
            base64.b64encode(self.leaf_hash).decode(),
            self.event_id,
            format_time(self.accepted),
            format_time(self.include_by),
        )
        lines = [
            RECEIPT_HEADER,
            *(f"{label} {value}" for label, value in zip(_LABELS, values, strict=True)),
        ]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_text(cls, text: str) -> Receipt:
        """Parse a receipt's note text strictly (every line, in order, canonically spelt)."""
        lines = text.split("\n")
        if len(lines) != len(_LABELS) + 2 or lines[-1] != "" or lines[0] != RECEIPT_HEADER:
            raise InvalidInput(
                f"expected {RECEIPT_HEADER!r} and the lines {', '.join(_LABELS)}, each ending "
                "in a newline",
                field="receipt",
            )
        values: list[str] = []
        for number, (label, line) in enumerate(zip(_LABELS, lines[1:-1], strict=True), start=2):
            found, space, value = line.partition(" ")
            if found != label or not space or not value:
                raise InvalidInput(
                    f"receipt line {number}: expected '{label} <value>', found {line[:60]!r}",
                    field=label,
                )
            values.append(value)
        origin, index, leaf, event, accepted, include_by = values
        if not _DECIMAL.fullmatch(index):
            raise InvalidInput(
                f"expected a decimal index without leading zeros, found {index!r}", field="index"
            )
        return cls(
            origin=origin,
            index=int(index),
            leaf_hash=b64decode_exact(leaf, size=LEAF_HASH_SIZE, field="leaf"),
            event_id=event,
            accepted=parse_time(accepted, "accepted"),
            include_by=parse_time(include_by, "include-by"),
        )


def sign_receipt(receipt: Receipt, log_key: SigningKey) -> str:
    """The signed note of ``receipt``, signed with the log's key (Ed25519, type 0x01)."""
    if log_key.name != receipt.origin:
        raise InvalidInput(
            f"a receipt of log {receipt.origin!r} is signed by its log key, not {log_key.name!r}",
            field="log_key",
        )
    return sign_note(receipt.to_text(), log_key).to_text()


def verify_receipt(note_text: str | bytes, log_vkey: VerifierKey | str) -> Receipt:
    """The receipt a signed note carries, once it checks out against the log's verifier key.

    Raises :class:`VerificationError` for a signature that is missing or does not verify, or an
    origin that is not the log key's; :class:`InvalidInput` for a malformed note or text.
    """
    key = VerifierKey.from_text(log_vkey) if isinstance(log_vkey, str) else log_vkey
    if key.key_type != ED25519_NOTE:
        raise InvalidInput(
            f"a log key is an Ed25519 note key (type 0x01), found type 0x{key.key_type:02x}",
            field="log_key",
        )
    note = Note.from_text(note_text)
    # 1. The log's signature must be there and verify (an empty set never verifies).
    verify_note(note, [key])
    # 2. Parse the text strictly.
    receipt = Receipt.from_text(note.text)
    # 3. The receipt speaks for the log whose key signed it.
    if receipt.origin != key.name:
        raise VerificationError(
            f"receipt origin mismatch: expected {key.name!r}, found {receipt.origin!r}",
            field="origin",
        )
    return receipt
