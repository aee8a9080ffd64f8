"""Accepting an actor's signed event from outside, and the signed receipt that answers it.

:func:`accept` is what ``POST /api/v1/events`` does: the caller (known by its bearer token)
may post only envelopes signed as itself; the envelope is admitted and appended exactly as any
other (``services.log.append``), and the log answers with a receipt (``log.receipt``) promising
the entry's publication by ``accepted + max merge delay``. Every append already signs a
checkpoint holding the entry, so the promise is kept before it is made.

Retries are safe. With an ``Idempotency-Key`` the same key and the same envelope answer the
original receipt again and append nothing; the same key with another envelope is refused
(:class:`IdempotencyKeyReused`). Without a key, an envelope already in the log is refused as
:class:`Replayed`, which carries the index and the original receipt. Receipts are
reproducible: the accepted time is the time of the first checkpoint that holds the entry, and
Ed25519 signatures are deterministic, so the original receipt is rebuilt byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ceasefire.domain.actors import Actor
from ceasefire.domain.projection import EVENTS
from ceasefire.errors import CeasefireError, Conflict, InvalidInput, NotFound, PermissionDenied
from ceasefire.log.hashing import leaf_hash
from ceasefire.log.keys import SigningKey
from ceasefire.log.receipt import Receipt, sign_receipt
from ceasefire.services.log import Submission, append
from ceasefire.services.ports import Clock, Store


@dataclass(frozen=True)
class Issued:
    """A receipt and its signed note; ``created`` is False when it answers a retry."""

    receipt: Receipt
    note: str
    created: bool


class Replayed(Conflict):
    """The envelope is already in the log: nothing was appended."""

    code = "replayed_event"

    def __init__(self, message: str, *, issued: Issued) -> None:
        super().__init__(message, field="envelope.id")
        self.issued = issued


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Terms:
    """What the log signs receipts with and promises in them."""

    log_key: SigningKey
    clock: Clock
    max_merge_delay: timedelta


def accept(
    store: Store,
    caller: Actor,
    submission: Submission,
    terms: Terms,
    *,
    idempotency_key: str | None = None,
) -> Issued:
    """Append ``caller``'s own signed envelope and issue its receipt (see the module doc)."""
    envelope = submission.envelope
    if envelope.actor != caller.id:
        raise PermissionDenied(
            f"the token is {caller.id}'s but the envelope is signed as {envelope.actor!r}: an "
            "actor posts only its own events",
            field="envelope.actor",
        )
    if idempotency_key is not None:
        earlier = store.idempotent_event(caller.id, idempotency_key)
        if earlier is not None:
            return _retried(store, submission, earlier, idempotency_key, terms)
    try:
        appended = append(store, [submission], terms.log_key, terms.clock)
    except Conflict as exc:
        index = _index_of(store, envelope.id)
        if index is None:
            raise _unbatched(exc) from exc
        issued = receipt_for(store, index, terms, created=False)
        if idempotency_key is not None and _same_leaf(store, index, submission):
            store.remember_idempotency(caller.id, idempotency_key, envelope.id, terms.clock())
            return issued
        raise Replayed(
            f"event {envelope.id} is already in the log at index {index}: a replayed "
            "submission appends nothing",
            issued=issued,
        ) from exc
    except CeasefireError as exc:
        raise _unbatched(exc) from exc
    if idempotency_key is not None:
        store.remember_idempotency(caller.id, idempotency_key, envelope.id, terms.clock())
    accepted = appended.checkpoint.created_at
    # the append signed its checkpoint with this key only once it matched the log's, whose
    # verifier key names the origin: the key's name is the origin (no second trip for the head)
    return _issue(
        terms.log_key.name,
        appended.indices.start,
        envelope.to_leaf(),
        envelope.id,
        accepted,
        terms,
        created=True,
    )


def receipt_for(store: Store, index: int, terms: Terms, *, created: bool = False) -> Issued:
    """The receipt of the entry at ``index``, as it was issued when the entry was accepted."""
    entries = list(store.entries(index, index + 1))
    if not entries:
        raise NotFound(f"the log has no entry {index}", field="index")
    leaf = entries[0][1]
    event_id = _event_id(store, index)
    return _issue(
        store.head().identity.origin,
        index,
        leaf,
        event_id,
        _accepted_at(store, index),
        terms,
        created=created,
    )


def _retried(store: Store, submission: Submission, event_id: str, key: str, terms: Terms) -> Issued:
    index = _index_of(store, event_id)
    if (
        event_id != submission.envelope.id
        or index is None
        or not _same_leaf(store, index, submission)
    ):
        raise IdempotencyKeyReused(
            f"Idempotency-Key {key!r} was used for event {event_id}, not for this envelope: "
            "use a fresh key for a new event",
            field="Idempotency-Key",
        )
    return receipt_for(store, index, terms, created=False)


def _issue(
    origin: str,
    index: int,
    leaf: bytes,
    event_id: str,
    accepted: datetime,
    terms: Terms,
    *,
    created: bool,
) -> Issued:
    receipt = Receipt(
        origin=origin,
        index=index,
        leaf_hash=leaf_hash(leaf),
        event_id=event_id,
        accepted=accepted,
        include_by=accepted + terms.max_merge_delay,
    )
    return Issued(receipt, sign_receipt(receipt, terms.log_key), created)


def _accepted_at(store: Store, index: int) -> datetime:
    """The time of the first checkpoint holding entry ``index``: when it was accepted."""
    try:
        return store.checkpoint(index + 1).created_at
    except NotFound:  # appended in a batch: the batch's checkpoint is later
        for checkpoint in store.checkpoints():
            if checkpoint.size > index:
                return checkpoint.created_at
    raise NotFound(f"no checkpoint holds entry {index} yet", field="index")


def _index_of(store: Store, event_id: str) -> int | None:
    rows = store.find(EVENTS, "id", [event_id])
    return int(rows[0]["idx"]) if rows else None


def _event_id(store: Store, index: int) -> str:
    rows = store.find(EVENTS, "idx", [index])
    if not rows:
        raise NotFound(f"the read models hold no event at index {index}", field="index")
    return str(rows[0]["id"])


def _same_leaf(store: Store, index: int, submission: Submission) -> bool:
    stored = list(store.entries(index, index + 1))
    return bool(stored) and stored[0][1] == submission.envelope.to_leaf()


def _unbatched(exc: CeasefireError) -> CeasefireError:
    """One event: its fields are the envelope's, not a batch position's."""
    field = exc.field
    if field is not None and field.startswith("batch[0]"):
        rest = field.removeprefix("batch[0]").lstrip(".")
        field = rest if rest.startswith(("envelope", "sealed")) else f"envelope.{rest}".rstrip(".")
    return type(exc)(exc.message, field=field)
