"""Enrolling, listing and revoking actors' keys: operator-signed events in the log."""

from __future__ import annotations

import base64

from ceasefire.errors import NotFound
from ceasefire.log.envelope import sign_event
from ceasefire.log.keyring import KeyRecord
from ceasefire.log.keys import SigningKey
from ceasefire.services.log import Appended, Submission, append, submit
from ceasefire.services.ports import Clock, LogStore


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def enrol(
    store: LogStore,
    *,
    actor: str,
    public_key: bytes,
    role: str,
    affiliation: str | None = None,
    operator_key: SigningKey,
    log_key: SigningKey,
    clock: Clock,
) -> Appended:
    """The operator enrols an actor's public key with its role and, for a party liaison or a
    mediator, the party or mediator it acts for."""
    body = {"actor": actor, "public_key": _b64(public_key), "role": role}
    if affiliation is not None:
        body["affiliation"] = affiliation
    appended, _ = submit(store, operator_key, "key.enrolled", body, log_key=log_key, clock=clock)
    return appended


def revoke(
    store: LogStore,
    *,
    actor: str,
    reason: str,
    operator_key: SigningKey,
    log_key: SigningKey,
    clock: Clock,
) -> Appended:
    """The operator revokes every valid key of ``actor``, in one batch."""
    valid = [r for r in store.key_records() if r.actor == actor and r.revoked_at is None]
    if not valid:
        raise NotFound(f"actor {actor!r} has no valid key to revoke", field="actor")
    bodies = [{"actor": actor, "key": _b64(r.public_key), "reason": reason} for r in valid]
    return _key_events(store, operator_key, "key.revoked", bodies, log_key, clock)


def rotate(
    store: LogStore,
    *,
    current_key: SigningKey,
    new_public_key: bytes,
    log_key: SigningKey,
    clock: Clock,
) -> Appended:
    """The actor replaces its own key: the event is signed with the key being retired."""
    body = {
        "actor": current_key.name,
        "old_key": _b64(current_key.public_key),
        "new_key": _b64(new_public_key),
    }
    return _key_events(store, current_key, "key.rotated", [body], log_key, clock)


def _key_events(
    store: LogStore,
    signer: SigningKey,
    event_type: str,
    bodies: list[dict[str, str]],
    log_key: SigningKey,
    clock: Clock,
) -> Appended:
    origin = store.head().identity.origin
    submissions = [
        Submission(
            sign_event(
                signer, log=origin, actor=signer.name, type=event_type, time=clock(), body=body
            )[0]
        )
        for body in bodies
    ]
    return append(store, submissions, log_key, clock)


def list_keys(store: LogStore) -> list[KeyRecord]:
    return sorted(store.key_records(), key=lambda r: (r.enrolled_at, r.actor))
