"""``POST /api/v1/events/batch``: an import's chunk of client-signed events, all or none.

Each body is what ``POST /events`` takes (``routes_events``); the batch is appended as one
all-or-nothing append, each envelope counts as a write against the actor's rate, and the
answer is one signed receipt per envelope. The same ``Idempotency-Key`` and batch answer the
original receipts.

A batch is bounded three ways, and a refusal says which bound it met and how to split: at
most :data:`MAX_BATCH` events; no more events than the actor may write in a minute; and, as
every request body, no more than ``CEASEFIRE_API_MAX_BODY_KB`` in all — at the default 256 KiB
about 200 reports as the demo's (1.1 KB each, signed), 140 imported ACLED rows (1.8 KB) or 70
UCDP rows (3.6 KB), so that is the bound a batch meets first unless the operator raises it.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter
from starlette.concurrency import run_in_threadpool

from ceasefire.api import routes_evidence
from ceasefire.api.deps import CallerDep, StoreDep, context
from ceasefire.api.problems import documented, problem
from ceasefire.api.ratelimit import Limits, address_limit
from ceasefire.api.routes_events import (
    EventIn,
    ReceiptOut,
    Refused,
    TooLarge,
    check_key,
    parse_json,
    read_body,
    receipt_json,
    submission_of,
    terms,
)
from ceasefire.domain.actors import Actor
from ceasefire.domain.projection import EVENTS
from ceasefire.errors import CeasefireError, InvalidInput, PermissionDenied
from ceasefire.log.envelope import Envelope
from ceasefire.log.hashing import leaf_hash
from ceasefire.log.receipt import Receipt, sign_receipt
from ceasefire.services.log import Submission, append
from ceasefire.services.ports import Store
from ceasefire.services.receipts import (
    IdempotencyKeyReused,
    Issued,
    Terms,
    receipt_for,
)
from ceasefire.settings import Settings

router = APIRouter(tags=["events"])

MAX_BATCH: Final = 1_000
_BATCH_FIELD: Final = re.compile(r"batch\[(\d+)\]\.?(.*)")


class BatchOut(BaseModel):
    """One receipt per envelope, in the order the batch sent them."""

    receipts: list[ReceiptOut]


BATCH_SCHEMA: Final = TypeAdapter(list[EventIn]).json_schema() | {
    "minItems": 1,
    "maxItems": MAX_BATCH,
}


@router.post(
    "/events/batch",
    operation_id="append_batch",
    status_code=201,
    summary="Append a batch of events the caller signed, all or none; one receipt each",
    dependencies=[Depends(address_limit)],
    response_model=BatchOut,
    responses={
        200: {"model": BatchOut, "description": "A retry: the original receipts"},
        **documented(
            400,
            401,
            403,
            404,
            409,
            413,
            415,
            422,
            429,
            notes={
                400: "The body is not JSON (malformed_json)",
                403: "The token's actor is not the signer of batch[k]",
                404: "Something batch[k] names is not in the record",
                409: "batch[k] is already in the log, or conflicts with the record",
                413: "The batch is over the body limit (CEASEFIRE_API_MAX_BODY_KB) in all: "
                "the detail says into how many batches to split it",
                415: "The body is not application/json",
                422: "batch[k] is refused (its field named), or the batch holds more events "
                "than 1,000 or than the actor may write in a minute: nothing was appended",
                429: "Too many writes (one per envelope); see Retry-After",
            },
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": BATCH_SCHEMA}},
        }
    },
)
async def append_batch(
    request: Request,
    store: StoreDep,
    caller: CallerDep,
    receipt_terms: Annotated[Terms, Depends(terms)],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """A JSON array of bodies of ``POST /events`` (an import, chunked), each signed by the
    caller, appended as one batch: all of them or, when one is refused, none, the problem
    naming ``batch[k]`` and its field. A batch holds at most 1,000 events, and no more than
    the actor may write in a minute (each envelope counts as a write against its rate), and
    its body is bounded as any request's (`CEASEFIRE_API_MAX_BODY_KB`, 256 KiB by default:
    about 200 reports of 1.1 KB, 140 imported ACLED rows of 1.8 KB or 70 UCDP rows of 3.6 KB)
    — the bound a batch meets first unless the operator raises it; a 413 says into how many
    batches to split. The same ``Idempotency-Key`` and batch answer the original receipts."""
    try:
        submissions = _batch(await _batch_body(request))
        check_key(idempotency_key)
    except Refused as refused:
        return problem(refused.status, refused.code, refused.detail, field=refused.field)
    _spend(request, caller, len(submissions))
    settings = context(request).settings
    issued = await run_in_threadpool(
        _checked_batch, settings, store, caller, submissions, receipt_terms, idempotency_key
    )
    receipts = [receipt_json(one) for one in issued]
    return JSONResponse({"receipts": receipts}, status_code=201 if issued[0].created else 200)


async def _batch_body(request: Request) -> Any:
    """The batch as JSON; over the body limit, a 413 that says how to split it."""
    try:
        return parse_json(await read_body(request))
    except TooLarge as refused:
        raise Refused(413, refused.code, _split(refused), "batch") from refused


def _split(refused: TooLarge) -> str:
    """What a client does with a batch over the body limit, which bounds a batch as a whole."""
    limit = refused.limit
    if refused.exact:
        parts = max(2, math.ceil(refused.size / limit))
        found, how = f"{refused.size:,} bytes", f"into {parts} or more batches"
    else:  # no Content-Length: the size is known only to have passed the limit
        found, how = f"over {limit:,} bytes", "in halves, and again, until each fits"
    return (
        f"the batch is {found}, over the limit of {limit:,} bytes on a request body, which "
        f"bounds a batch as a whole (CEASEFIRE_API_MAX_BODY_KB): split it {how}, each "
        f"under {limit:,} bytes and of at most {MAX_BATCH:,} events and no more than the "
        "actor may write in a minute; nothing was appended"
    )


def _batch(document: Any) -> list[Submission]:
    if not isinstance(document, list):
        raise Refused(422, InvalidInput.code, "expected a JSON array of events", "batch")
    if not document:
        raise Refused(422, InvalidInput.code, "the batch is empty: send 1 or more events", "batch")
    if len(document) > MAX_BATCH:
        raise Refused(
            422,
            InvalidInput.code,
            f"a batch holds 1 to {MAX_BATCH:,} events, found {len(document):,}: split it into "
            f"batches of at most {MAX_BATCH:,}",
            "batch",
        )
    found: list[Submission] = []
    for number, item in enumerate(document):
        try:
            found.append(submission_of(item))
        except Refused as refused:
            refused.field = _at(number, refused.field)
            raise
    return found


def _at(number: int, field: str | None) -> str:
    return f"batch[{number}].{field}" if field else f"batch[{number}]"


def _spend(request: Request, caller: Actor, count: int) -> None:
    """One token of the actor's bucket per envelope. A batch larger than the bucket could never
    pass, so it is refused as such; a batch refused for want of tokens keeps those it took."""
    limits: Limits = request.app.state.limits
    bucket, setting = limits.of(caller)
    if count > bucket.rate_per_minute:
        raise InvalidInput(
            f"a batch holds at most {bucket.rate_per_minute:,} events, the writes this actor "
            f"may make in a minute ({setting}); found {count:,}: split it into batches of at "
            f"most {bucket.rate_per_minute:,}",
            field="batch",
        )
    for taken in range(count):
        wait = bucket.take(caller.id)
        if wait:
            left = count - taken - 1
            seconds = max(1, math.ceil(wait + left * 60 / bucket.rate_per_minute))
            raise HTTPException(
                429,
                f"too many writes from this actor: a batch of {count} may go in {seconds} s",
                {"Retry-After": str(seconds)},
            )


def _checked_batch(
    settings: Settings,
    store: Store,
    caller: Actor,
    submissions: list[Submission],
    receipt_terms: Terms,
    idempotency_key: str | None,
) -> list[Issued]:
    """What ``services.receipts.accept`` does for one event, for a batch in one append."""
    for number, submission in enumerate(submissions):
        if submission.envelope.actor != caller.id:
            raise PermissionDenied(
                f"the token is {caller.id}'s but batch[{number}] is signed as "
                f"{submission.envelope.actor!r}: an actor posts only its own events",
                field=_at(number, "envelope.actor"),
            )
    if idempotency_key is not None:
        earlier = store.idempotent_event(caller.id, idempotency_key)
        if earlier is not None:
            return _retried_batch(store, submissions, earlier, idempotency_key, receipt_terms)
    for number, submission in enumerate(submissions):
        try:
            routes_evidence.check_posted(settings, store, caller, submission)
        except CeasefireError as exc:
            raise type(exc)(exc.message, field=_at(number, exc.field)) from exc
    try:
        appended = append(store, submissions, receipt_terms.log_key, receipt_terms.clock)
    except CeasefireError as exc:
        raise _in_envelope(exc) from exc
    if idempotency_key is not None:
        first = submissions[0].envelope.id
        store.remember_idempotency(caller.id, idempotency_key, first, receipt_terms.clock())
    origin, accepted = store.head().identity.origin, appended.checkpoint.created_at
    return [
        _issued(origin, index, s.envelope, accepted, receipt_terms, created=True)
        for index, s in zip(appended.indices, submissions, strict=True)
    ]


def _in_envelope(exc: CeasefireError) -> CeasefireError:
    """``batch[k].body.x`` of the log is ``batch[k].envelope.body.x`` of the request."""
    found = _BATCH_FIELD.fullmatch(exc.field or "")
    if found is None:
        return exc
    rest = found.group(2)
    if not rest.startswith(("envelope", "sealed")):
        rest = f"envelope.{rest}" if rest else "envelope"
    return type(exc)(exc.message, field=_at(int(found.group(1)), rest))


def _retried_batch(
    store: Store, submissions: list[Submission], earlier: str, key: str, receipt_terms: Terms
) -> list[Issued]:
    """The original receipts, when the key was used for this very batch (every envelope in
    the log, one checkpoint accepting them all)."""
    ids = [s.envelope.id for s in submissions]
    indices: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        for row in store.find(EVENTS, "id", ids[start : start + 500]):
            indices[row["id"]] = int(row["idx"])
    found = [indices.get(i) for i in ids]
    at = [i for i in found if i is not None]
    leaves = dict(store.entries(min(at), max(at) + 1)) if at else {}
    if earlier != ids[0] or any(
        i is None or leaves.get(i) != s.envelope.to_leaf()
        for i, s in zip(found, submissions, strict=True)
    ):
        raise IdempotencyKeyReused(
            f"Idempotency-Key {key!r} was used for a batch starting with event {earlier}, not "
            "for this one: use a fresh key for a new batch",
            field="Idempotency-Key",
        )
    origin = store.head().identity.origin
    accepted = receipt_for(store, at[0], receipt_terms).receipt.accepted
    return [
        _issued(origin, index, s.envelope, accepted, receipt_terms, created=False)
        for index, s in zip(at, submissions, strict=True)
    ]


def _issued(
    origin: str, index: int, envelope: Envelope, accepted: datetime, terms: Terms, *, created: bool
) -> Issued:
    """A receipt as ``services.receipts`` issues it, for an entry whose checkpoint is known."""
    receipt = Receipt(
        origin=origin,
        index=index,
        leaf_hash=leaf_hash(envelope.to_leaf()),
        event_id=envelope.id,
        accepted=accepted,
        include_by=accepted + terms.max_merge_delay,
    )
    return Issued(receipt, sign_receipt(receipt, terms.log_key), created)
