"""Witness cosignatures on the log's checkpoints (C2SP tlog-cosignature), attached by the store.

Only keys enrolled in the log with the role ``witness`` may cosign: the cosignature's name is
the witness's actor id and its key the actor's enrolled key. A witness cosigns only a checkpoint
it has opened with the log's key; :func:`cosign_latest` is the co-located witness used by the
CLI and the demo. A remote witness (``ceasefire witness``) posts its cosignature over HTTP
(``api.routes_witness``), and ``ceasefire log push-witness`` attaches those that witnesses
speaking C2SP tlog-witness answer (``witness.push``): all go through :func:`attach`.

A cosignature's timestamp is when the witness cosigned: "as of then, this is the largest
consistent tree I have seen" (tlog-cosignature §Format). :func:`attach` therefore keeps, for
each witness key and checkpoint, one cosignature, and

1. refuses a timestamp later than ``now`` (the server's clock, an argument) by more than
   :data:`MAX_CLOCK_SKEW`: no witness can have cosigned in the future, and one accepted would
   stay the newest, so no true cosignature could replace it;
2. refuses a timestamp earlier than the checkpoint's signing by more than
   :data:`MAX_CLOCK_SKEW`: no witness can have seen the tree before the log signed it. Every
   checkpoint is signed at or after the log's genesis, so this refuses any timestamp before the
   genesis too (0 among them);
3. refuses a timestamp that contradicts the same witness key's cosignatures of the nearest
   checkpoints below and above it that it cosigned (``log.cosignature.contradiction``): dated
   before its cosignature of a smaller tree, or after its cosignature of a larger one, it
   would say the witness cosigned a smaller tree after a larger one. The store then keeps
   only statements of the witness that can all be true, which ``verify`` checks again;
4. replaces the stored cosignature only with a newer one (a later timestamp). An older or
   identical one changes nothing and is not an error: the witness did cosign that checkpoint,
   and the store already holds a statement of it at least as recent
   (:attr:`Attached.stored` is False, :attr:`Attached.kept` the one kept).

The skew allows for the witness's and the server's clocks disagreeing a little, so a witness
that cosigns at once a checkpoint it has just fetched is not refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from ceasefire.errors import InvalidInput, PermissionDenied
from ceasefire.log.checkpoint import open_checkpoint
from ceasefire.log.cosignature import (
    CLOCK_SKEW,
    Cosigned,
    contradiction,
    cosign,
    moment,
    verify_cosignature,
)
from ceasefire.log.keys import ED25519_COSIGNATURE, SigningKey, VerifierKey
from ceasefire.log.note import NoteSignature
from ceasefire.services.ports import CosignatureRow, LogStore, StoredCheckpoint

WITNESS_ROLE = "witness"

MAX_CLOCK_SKEW: Final = timedelta(seconds=CLOCK_SKEW)
"""How far a witness's clock may be from the server's (rules 1 and 2 of the module docstring)."""

TIMESTAMP_FIELD: Final = "cosignature.timestamp"


@dataclass(frozen=True)
class Attached:
    """What :func:`attach` did with a witness's cosignature of one checkpoint."""

    kept: CosignatureRow
    """The cosignature the store holds for that witness key and checkpoint now."""
    stored: bool
    """Whether it is the one given (False: the store already held one as new or newer)."""


def witness_keys(store: LogStore) -> dict[str, VerifierKey]:
    """Every valid witness key, as the type-0x04 verifier key its cosignatures verify under."""
    return {
        record.actor: VerifierKey(record.actor, ED25519_COSIGNATURE, record.public_key)
        for record in store.key_records()
        if record.role == WITNESS_ROLE and record.revoked_at is None
    }


def attach(store: LogStore, size: int, signature: NoteSignature, now: datetime) -> Attached:
    """Verify a cosignature of the checkpoint at ``size``, judge its timestamp against ``now``
    and the checkpoint, and store it unless the store holds one as new or newer (module
    docstring)."""
    key = witness_keys(store).get(signature.name)
    if key is None or key.key_id != signature.key_id:
        raise PermissionDenied(
            f"{signature.name!r} (key id {signature.key_id:08x}) is not an enrolled witness key",
            field="cosignature",
        )
    checkpoint = store.checkpoint(size)
    log_key = VerifierKey.from_text(store.head().identity.log_vkey)
    _, note = open_checkpoint(checkpoint.note, log_key)
    timestamp = verify_cosignature(note.with_signatures(signature), key)
    check_timestamp(timestamp, checkpoint, now)
    row = CosignatureRow(size, signature.name, signature.key_id, timestamp, signature.to_line())
    check_order(store, row)
    if store.add_cosignature(row):
        return Attached(row, stored=True)
    kept = next(
        (r for r in store.cosignatures(size) if (r.name, r.key_id) == (row.name, row.key_id)),
        row,  # removed since (a checkpoint is never dropped): answer with the one given
    )
    return Attached(kept, stored=False)


def check_timestamp(timestamp: int, checkpoint: StoredCheckpoint, now: datetime) -> None:
    """Rules 1 and 2 of the module docstring: refuse a cosignature dated in the future, or
    before the checkpoint it cosigns was signed."""
    if timestamp > (now + MAX_CLOCK_SKEW).timestamp():
        raise InvalidInput(
            f"the cosignature's timestamp {moment(timestamp)} is in the future: the server's "
            f"clock reads {moment(int(now.timestamp()))}, and a witness's clock may be ahead "
            f"of it by at most {_minutes(MAX_CLOCK_SKEW)}",
            field=TIMESTAMP_FIELD,
        )
    signed = checkpoint.created_at
    if timestamp < (signed - MAX_CLOCK_SKEW).timestamp():
        raise InvalidInput(
            f"the cosignature's timestamp {moment(timestamp)} is before the checkpoint of "
            f"size {checkpoint.size} was signed, at {moment(int(signed.timestamp()))}: no "
            f"witness can have cosigned it then (a witness's clock may be behind the server's "
            f"by at most {_minutes(MAX_CLOCK_SKEW)})",
            field=TIMESTAMP_FIELD,
        )


def check_order(store: LogStore, row: CosignatureRow) -> None:
    """Rule 3 of the module docstring: ``row`` against the same witness key's cosignatures of
    the nearest checkpoints below and above it (the store's cosignatures by one key are in
    order, so those two bound every other)."""
    origin = store.head().identity.origin
    for neighbour in _neighbours(store, row):
        held, presented = _cosigned(store, origin, neighbour), _cosigned(store, origin, row)
        found = contradiction(held, presented)
        if found is not None:
            raise InvalidInput(
                f"the cosignature contradicts the one the log holds of checkpoint "
                f"{neighbour.size}: {found.message}",
                field=TIMESTAMP_FIELD,
            )


def _neighbours(store: LogStore, row: CosignatureRow) -> list[CosignatureRow]:
    """The key's cosignatures of the nearest checkpoints above and below ``row.size``, walking
    the cosigned checkpoints down from the latest, and no further than the nearest below (a
    witness cosigns the latest, so that is usually the next checkpoint it cosigned)."""
    above: CosignatureRow | None = None
    below: CosignatureRow | None = None
    for size in store.cosigned_sizes(store.latest_checkpoint().size):
        if below is not None:
            break
        if size == row.size:
            continue
        mine = next(
            (r for r in store.cosignatures(size) if (r.name, r.key_id) == (row.name, row.key_id)),
            None,
        )
        if mine is not None and size < row.size:
            below = mine
        elif mine is not None:
            above = mine
    return [r for r in (above, below) if r is not None]


def _cosigned(store: LogStore, origin: str, row: CosignatureRow) -> Cosigned:
    root = store.checkpoint(row.size).root
    return Cosigned(row.name, row.key_id, row.timestamp, origin, row.size, root)


def cosign_latest(store: LogStore, witness: SigningKey, now: datetime) -> NoteSignature:
    """Open the latest checkpoint with the log's key, cosign it as ``witness`` at ``now`` and
    attach it."""
    checkpoint = store.latest_checkpoint()
    log_key = VerifierKey.from_text(store.head().identity.log_vkey)
    _, note = open_checkpoint(checkpoint.note, log_key)
    signature = cosign(note, witness, int(now.timestamp()))
    attach(store, checkpoint.size, signature, now)
    return signature


def _minutes(span: timedelta) -> str:
    return f"{span.total_seconds() / 60:g} minutes"
