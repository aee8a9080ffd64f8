"""Enrolling, listing and revoking actors' keys: operator-signed events in the log."""

from __future__ import annotations

import base64

from ceasefire.errors import NotFound
from ceasefire.log.envelope import sign_event
from ceasefire.log.keyring import KeyRecord
from ceasefire.log.keys import SigningKey
from ceasefire.services.log import Appended, Submission, append
from ceasefire.services.ports import Clock, LogStore


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def enrol(
    store: LogStore,
    *,
    actor: str,
    public_key: bytes,
    role: str,
    operator_key: SigningKey,
    log_key: SigningKey,
    clock: Clock,
) -> Appended:
    envelope, _ = sign_event(
        operator_key,
        log=store.head().identity.origin,
        actor=operator_key.name,
        type="key.enrolled",
        time=clock(),
        body={"actor": actor, "public_key": _b64(public_key), "role": role},
    )
    return append(store, [Submission(envelope)], log_key, clock)


def revoke(
    store: LogStore,
    *,
    actor: str,
    reason: str,
    operator_key: SigningKey,
    log_key: SigningKey,
    clock: Clock,
) -> Appended:
    """Revoke every valid key of ``actor`` in one batch."""
    valid = [r for r in store.key_records() if r.actor == actor and r.revoked_at is None]
    if not valid:
        raise NotFound(f"actor {actor!r} has no valid key to revoke", field="actor")
    origin = store.head().identity.origin
    submissions = [
        Submission(
            sign_event(
                operator_key,
                log=origin,
                actor=operator_key.name,
                type="key.revoked",
                time=clock(),
                body={"actor": actor, "key": _b64(record.public_key), "reason": reason},
            )[0]
        )
        for record in valid
    ]
    return append(store, submissions, log_key, clock)


def rotate(
    store: LogStore,
    *,
    current_key: SigningKey,
    new_public_key: bytes,
    log_key: SigningKey,
    clock: Clock,
) -> Appended:
    """The actor replaces its own key: the event is signed with the key being retired."""
    envelope, _ = sign_event(
        current_key,
        log=store.head().identity.origin,
        actor=current_key.name,
        type="key.rotated",
        time=clock(),
        body={
            "actor": current_key.name,
            "old_key": _b64(current_key.public_key),
            "new_key": _b64(new_public_key),
        },
    )
    return append(store, [Submission(envelope)], log_key, clock)


def list_keys(store: LogStore) -> list[KeyRecord]:
    return sorted(store.key_records(), key=lambda r: (r.enrolled_at, r.actor))
