"""Witness cosignatures on the log's checkpoints (C2SP tlog-cosignature), attached by the store.

Only keys enrolled in the log with the role ``witness`` may cosign: the cosignature's name is
the witness's actor id and its key the actor's enrolled key. A witness cosigns only a checkpoint
it has opened with the log's key; :func:`cosign_latest` is the co-located witness used by the
CLI and the demo (a remote witness, following the log over HTTP, comes with the witness issue).
"""

from __future__ import annotations

from datetime import datetime

from ceasefire.errors import PermissionDenied
from ceasefire.log.checkpoint import open_checkpoint
from ceasefire.log.cosignature import cosign, verify_cosignature
from ceasefire.log.keys import ED25519_COSIGNATURE, SigningKey, VerifierKey
from ceasefire.log.note import NoteSignature
from ceasefire.services.ports import CosignatureRow, LogStore

WITNESS_ROLE = "witness"


def witness_keys(store: LogStore) -> dict[str, VerifierKey]:
    """Every valid witness key, as the type-0x04 verifier key its cosignatures verify under."""
    return {
        record.actor: VerifierKey(record.actor, ED25519_COSIGNATURE, record.public_key)
        for record in store.key_records()
        if record.role == WITNESS_ROLE and record.revoked_at is None
    }


def attach(store: LogStore, size: int, signature: NoteSignature) -> int:
    """Verify a cosignature of the checkpoint at ``size`` and store it; returns its timestamp."""
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
    store.add_cosignature(
        CosignatureRow(size, signature.name, signature.key_id, timestamp, signature.to_line())
    )
    return timestamp


def cosign_latest(store: LogStore, witness: SigningKey, now: datetime) -> NoteSignature:
    """Open the latest checkpoint with the log's key, cosign it as ``witness`` and attach it."""
    checkpoint = store.latest_checkpoint()
    log_key = VerifierKey.from_text(store.head().identity.log_vkey)
    _, note = open_checkpoint(checkpoint.note, log_key)
    signature = cosign(note, witness, int(now.timestamp()))
    attach(store, checkpoint.size, signature)
    return signature
