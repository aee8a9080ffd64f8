"""``POST /api/v1/events``: an actor posts an event it signed itself; the log answers with a
signed receipt.

The server never signs for an actor and holds no actor's key: the envelope is signed on the
client (``log.envelope.sign_event``), checked and appended exactly as the CLI's are, and the
bearer token only says who is calling — its actor must be the envelope's. The request::

    POST /api/v1/events
    Authorization: Bearer <token>          from `ceasefire tokens create ACTOR`
    Content-Type: application/json
    Idempotency-Key: <any text, optional>  a retry with the same key gets the same receipt

    {"envelope": {…the envelope, whose canonical JSON is its leaf…},
     "sealed": {"salt": "<base64, 32 bytes>", "body": {…}}}   only for a confidential event

Answers: 201 with the receipt (``log.receipt``); 200 with the original receipt for a retry
with the same ``Idempotency-Key`` and envelope; 409 ``replayed_event`` (with ``index`` and the
original ``receipt``) for an envelope already in the log without that key; otherwise a problem
document (``api.problems``): 400 ``malformed_json``, 401, 403 ``permission_denied``, 413
``content_too_large``, 415 ``unsupported_media_type``, 422 ``invalid_input`` /
``verification_failed`` / ``idempotency_key_reused``, 429 with ``Retry-After``.

``POST /api/v1/events/batch`` takes a JSON array of up to 1,000 such bodies, no larger in all
than the body limit (an import, chunked; ``ceasefire import --url``) and appends them as one
batch, all or none: a refused envelope is named ``batch[k]`` with its field, and nothing is
appended. Each envelope counts as one write against the actor's rate; the answer is one receipt
per envelope, in order.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from ceasefire import bootstrap
from ceasefire.api import routes_evidence
from ceasefire.api.deps import context, credential, needs_actor
from ceasefire.api.problems import documented, problem
from ceasefire.api.ratelimit import address_limit, take_for_actor
from ceasefire.domain.actors import Actor
from ceasefire.errors import CeasefireError, InvalidInput
from ceasefire.log.canonical import canonical_json
from ceasefire.log.envelope import SALT_SIZE, Envelope, Sealed, b64decode_exact, format_time
from ceasefire.services.log import Submission
from ceasefire.services.ports import Store
from ceasefire.services.receipts import (
    Issued,
    Replayed,
    Terms,
    accept,
)
from ceasefire.settings import Settings

router = APIRouter(tags=["events"])


class SealedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    salt: str
    body: dict[str, Any]


class EventIn(BaseModel):
    """A client-signed envelope and, for a confidential event, its sealed content."""

    model_config = ConfigDict(extra="forbid")

    envelope: dict[str, Any]
    sealed: SealedIn | None = None


class ReceiptOut(BaseModel):
    """The log's signed receipt. ``receipt`` is the signed note (``log.receipt``); the other
    members repeat what it says, for convenience: check the note, not them."""

    index: int
    event_id: str
    leaf_hash: str
    accepted: str
    include_by: str
    receipt: str


class Refused(Exception):
    def __init__(self, status: int, code: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.field = status, code, detail, field


class TooLarge(Refused):
    """413: the body passed ``limit`` bytes; ``size`` is its declared length when ``exact``,
    else the bytes read when it passed the limit."""

    def __init__(self, size: int, limit: int, *, exact: bool) -> None:
        more = "" if exact else " or more"
        super().__init__(
            413,
            "content_too_large",
            f"the body is {size} bytes{more}, over the limit of {limit} bytes "
            "(CEASEFIRE_API_MAX_BODY_KB)",
        )
        self.size, self.limit, self.exact = size, limit, exact


async def terms(request: Request) -> Terms:
    """The log key and the promise receipts make, loaded once per app."""
    found: Terms | None = getattr(request.app.state, "receipt_terms", None)
    if found is None:
        settings = context(request).settings
        found = Terms(
            log_key=bootstrap.log_key(settings),
            clock=lambda: datetime.now(UTC),
            max_merge_delay=timedelta(seconds=settings.max_merge_delay_seconds),
        )
        request.app.state.receipt_terms = found
    return found


@router.post(
    "/events",
    operation_id="post_event",
    status_code=201,
    summary="Append an event the caller signed; answer with the log's signed receipt",
    response_model=ReceiptOut,
    responses={
        200: {"model": ReceiptOut, "description": "A retry: the original receipt"},
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
                403: "The token's actor is not the envelope's",
                404: "Something the event names is not in the record (a report, a case, a file)",
                409: "The envelope is already in the log (replayed_event), with its index and "
                "original receipt",
                413: "The body is over the size limit",
                415: "The body is not application/json",
                429: "Too many writes; see Retry-After",
            },
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": EventIn.model_json_schema()}},
        }
    },
)
async def post_event(
    request: Request,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    # The hot path of writes, so its dependencies are called here rather than resolved by
    # FastAPI (which costs more per request than they do), in the order the other writes
    # resolve theirs: the address's rate, the caller as ``WriterDep`` checks it (its token,
    # then its rate), then the body. The token is looked up on the worker thread that appends:
    # one trip to the thread pool per submission instead of two. (No docstring: it would
    # become the operation's description in the OpenAPI document.)
    await address_limit(request)
    presented = credential(request, authorization)  # a malformed header: 401 before the body
    if presented is None:
        raise needs_actor()
    try:
        body: bytes | Refused = await read_body(request)
    except Refused as refused:
        body = refused  # answered once the caller is known, as before
    state, found = request.app.state, context(request)
    receipt_terms = await terms(request)
    try:
        issued = await run_in_threadpool(
            _post,
            found.settings,
            found.store,
            state,
            presented,
            body,
            receipt_terms,
            idempotency_key,
        )
    except Refused as refused:
        return problem(refused.status, refused.code, refused.detail, field=refused.field)
    except Replayed as exc:
        return problem(
            409,
            exc.code,
            exc.message,
            field=exc.field,
            index=exc.issued.receipt.index,
            receipt=exc.issued.note,
        )
    return JSONResponse(receipt_json(issued), status_code=201 if issued.created else 200)


def _post(
    settings: Settings,
    store: Store,
    state: State,
    presented: tuple[str, HTTPException],
    body: bytes | Refused,
    receipt_terms: Terms,
    idempotency_key: str | None,
) -> Issued:
    """Everything after the headers in one trip to a worker thread: the token's actor, its
    rate, the body, the checks and the append. Appends made at once by several requests go in
    together (``services.log``'s group commit), each with its own receipt."""
    token, refusal = presented
    caller: Actor | None = state.resolve_token(token)
    if caller is None:
        raise refusal
    take_for_actor(state.limits, caller)
    if isinstance(body, Refused):
        raise body
    submission = submission_of(parse_json(body))
    check_key(idempotency_key)
    routes_evidence.check_posted(settings, store, caller, submission)
    return accept(store, caller, submission, receipt_terms, idempotency_key=idempotency_key)


async def json_body(request: Request) -> Any:
    return parse_json(await read_body(request))


async def read_body(request: Request) -> bytes:
    """The body's bytes: 415 unless it is JSON, 413 over the size limit."""
    limit = context(request).settings.api_max_body_kb * 1024
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise Refused(
            415,
            "unsupported_media_type",
            f"expected Content-Type application/json, found {media_type or 'none'!r}",
            "Content-Type",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(int(declared), limit, exact=True)
    body, size = bytearray(), 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(size, limit, exact=False)
        body += chunk
    return bytes(body)


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and bad UTF-8 are ValueErrors
        raise Refused(400, "malformed_json", f"the body is not valid JSON: {exc}") from exc


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} appears more than once in one object")
        result[key] = value
    return result


def submission_of(document: Any) -> Submission:
    """Parse the body into a submission; the envelope's leaf is its canonical JSON."""
    shape = _plain_shape(document)
    if shape is None:  # anything unusual: pydantic, whose first error is the answer
        try:
            parsed = EventIn.model_validate(document)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise Refused(422, InvalidInput.code, first["msg"], where or None) from exc
        shape = (parsed.envelope, None if parsed.sealed is None else parsed.sealed.model_dump())
    document_envelope, document_sealed = shape
    try:
        envelope = Envelope.from_leaf(canonical_json(document_envelope, what="envelope"))
    except CeasefireError as exc:
        raise invalid(exc, "envelope") from exc
    sealed = None
    if document_sealed is not None:
        try:
            salt = b64decode_exact(document_sealed["salt"], size=SALT_SIZE, field="salt")
            sealed = Sealed(salt=salt, body=document_sealed["body"])
        except CeasefireError as exc:
            raise invalid(exc, "sealed") from exc
    return Submission(envelope, sealed)


def _plain_shape(document: Any) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """The envelope and the sealed content of a body that :class:`EventIn` accepts as it is
    (what a JSON parser gives for a well-formed request), without pydantic's copy of it; None
    for any other, which pydantic then judges."""
    if type(document) is not dict or "envelope" not in document:
        return None
    envelope, sealed = document["envelope"], document.get("sealed")
    if type(envelope) is not dict or len(document) != 1 + ("sealed" in document):
        return None
    if sealed is None:
        return envelope, None
    if (
        type(sealed) is not dict
        or sealed.keys() != {"salt", "body"}
        or type(sealed["salt"]) is not str
        or type(sealed["body"]) is not dict
    ):
        return None
    return envelope, sealed


def invalid(exc: CeasefireError, part: str) -> Refused:
    """``exc`` about the request's ``part``: its field under that part (once: the canonical
    form's errors already name their path from ``part``)."""
    field = exc.field
    if not field or field == part:
        return Refused(422, exc.code, exc.message, part)
    within = field.startswith((f"{part}.", f"{part}["))
    return Refused(422, exc.code, exc.message, field if within else f"{part}.{field}")


def check_key(key: str | None) -> None:
    if key is not None and not 1 <= len(key) <= 255:
        raise Refused(
            422,
            InvalidInput.code,
            "an Idempotency-Key is 1 to 255 characters",
            "Idempotency-Key",
        )


def receipt_json(issued: Issued) -> dict[str, Any]:
    receipt = issued.receipt
    return {
        "index": receipt.index,
        "event_id": receipt.event_id,
        "leaf_hash": base64.b64encode(receipt.leaf_hash).decode(),
        "accepted": format_time(receipt.accepted),
        "include_by": format_time(receipt.include_by),
        "receipt": issued.note,
    }


# --- batches ----------------------------------------------------------------------------------
