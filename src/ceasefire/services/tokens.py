"""API bearer tokens: one per actor and device, shown once, stored only as a SHA-256 hash.

A token says who is calling; it never signs anything. Every event an actor posts is signed on
the actor's own machine with its enrolled key, so a stolen token can at most replay what the
log would refuse anyway or read what its actor may read. A token stops working when it is
revoked, or when every key of its actor has been revoked in the log.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime

from ceasefire.domain.actors import Actor, actor_from
from ceasefire.errors import NotFound
from ceasefire.log.keyring import KeyRecord
from ceasefire.services.ports import TokenRow, TokenStore

TOKEN_BYTES = 32


@dataclass(frozen=True)
class Created:
    """A new token: ``secret`` is shown to its holder once and kept nowhere."""

    row: TokenRow
    secret: str


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def create(store: TokenStore, actor: str, now: datetime) -> Created:
    """A fresh random token for ``actor``, which must hold a valid key in the log."""
    if not _valid_records(store, actor):
        raise NotFound(
            f"actor {actor!r} has no valid key in the log: enrol it first", field="actor"
        )
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    row = TokenRow(id=os.urandom(8).hex(), actor=actor, digest=digest(secret), created_at=now)
    store.add_token(row)
    return Created(row, secret)


def revoke(store: TokenStore, token_id: str, now: datetime) -> None:
    if not store.revoke_token(token_id, now):
        raise NotFound(f"no unrevoked token has id {token_id!r}", field="token_id")


def list_tokens(store: TokenStore) -> list[TokenRow]:
    return store.tokens()


def resolve(store: TokenStore, token: str) -> Actor | None:
    """The actor a bearer token belongs to; None if it is unknown or revoked, or if every key
    of its actor has been revoked."""
    secret = digest(token)
    found = store.token_with_keys(secret)  # one query: the token, and its actor's valid keys
    if found is None:
        return None
    row, valid = found
    # The lookup is by hash, so a timing difference reveals nothing of the secret; compare
    # anyway, as a guard should the store ever match loosely.
    if not hmac.compare_digest(row.digest, secret) or row.revoked_at is not None:
        return None
    if not valid:
        return None
    record = valid[-1]
    return actor_from(record.actor, record.role, record.affiliation)


def _valid_records(store: TokenStore, actor: str) -> list[KeyRecord]:
    return [r for r in store.key_records() if r.actor == actor and r.revoked_at is None]
