"""Witnesses send their cosignatures back: ``POST /log/cosignatures``.

A party's witness (``ceasefire witness``) follows the log, checks it and cosigns the checkpoint
it checked (C2SP tlog-cosignature). It posts the cosignature line here; the store keeps it only
if it verifies under a key enrolled in the log with the ``witness`` role
(``services.witnessing.attach``), so the route takes no token: the signature is the
credential. ``GET /log/checkpoint`` then serves the checkpoint with it attached.

The body is read as ``POST /events`` reads its own (``routes_events.json_body``), so a body
that is not JSON answers the same problems: 415 ``unsupported_media_type``, 413
``content_too_large``, 400 ``malformed_json``. The server's clock, against which a
cosignature's timestamp is judged, is the dependency :func:`server_now` (a test overrides it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ceasefire.api.deps import StoreDep
from ceasefire.api.problems import documented, problem
from ceasefire.api.routes_events import Refused, json_body
from ceasefire.api.schemas import Shape
from ceasefire.errors import InvalidInput
from ceasefire.log.note import NoteSignature
from ceasefire.services import witnessing

router = APIRouter(prefix="/log", tags=["log"])


class CosignatureIn(Shape):
    """A witness's cosignature of the checkpoint of ``size`` leaves."""

    size: int
    cosignature: str
    """The note signature line, ``— <witness name> <base64>``."""


class CosignatureOut(Shape):
    size: int
    name: str
    timestamp: int


async def server_now() -> datetime:
    """The server's clock."""
    return datetime.now(UTC)


@router.post(
    "/cosignatures",
    operation_id="add_cosignature",
    status_code=201,
    response_model=CosignatureOut,
    responses={
        200: {
            "model": CosignatureOut,
            "description": "The checkpoint already carries this witness's cosignature, as new "
            "or newer: nothing changed; the answer is the one kept",
        },
        **documented(
            400,
            403,
            404,
            413,
            415,
            422,
            notes={
                400: "The body is not JSON (malformed_json)",
                403: "The cosignature is not by an enrolled witness key",
                404: "The log has no checkpoint of that size",
                413: "The body is over the size limit",
                415: "The body is not application/json",
                422: "The body or the cosignature line is malformed, its signature does not "
                "verify, or its timestamp is in the future or before the checkpoint was signed "
                "(field cosignature.timestamp)",
            },
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": CosignatureIn.model_json_schema()}},
        }
    },
)
async def add_cosignature(
    request: Request, store: StoreDep, now: Annotated[datetime, Depends(server_now)]
) -> JSONResponse:
    """Attach an enrolled witness's cosignature (C2SP tlog-cosignature, Ed25519 cosignature/v1)
    to the stored checkpoint of ``size`` leaves.

    The timestamp in the line is when the witness cosigned. One more than 5 minutes ahead of
    the server's clock, or more than 5 minutes before the checkpoint was signed (so any before
    the log's genesis, 0 among them), is refused: 422, field ``cosignature.timestamp``. The
    checkpoint keeps one cosignature per witness key, the newest: a newer one replaces it
    (201). An older or identical one changes nothing and answers 200 with the one kept, as a
    repeated cosignature was always answered without error (and as ``POST /events`` answers
    a retry): it is a true statement, only superseded, and a witness retrying must not be
    told it failed."""
    try:
        document = await json_body(request)
    except Refused as refused:
        return problem(refused.status, refused.code, refused.detail, field=refused.field)
    try:
        cosignature = CosignatureIn.model_validate(document)
    except ValidationError as exc:  # answered as FastAPI answers a body it validated itself
        raise RequestValidationError(exc.errors()) from exc
    if cosignature.size < 1:
        raise InvalidInput("a cosigned checkpoint has at least one entry", field="size")
    signature = NoteSignature.from_line(cosignature.cosignature)
    attached = await run_in_threadpool(witnessing.attach, store, cosignature.size, signature, now)
    kept = attached.kept
    answer = CosignatureOut(size=kept.size, name=kept.name, timestamp=kept.timestamp)
    return JSONResponse(answer.model_dump(), status_code=201 if attached.stored else 200)
