"""``POST /api/v1/evidence/files``: the first of the two steps of submitting evidence over HTTP.

The server never signs for an actor, so a file is submitted in two steps::

    POST /api/v1/evidence/files?name=strike.jpg[&report=<report id>]
    Authorization: Bearer <token>
    Content-Type: image/jpeg               or application/octet-stream: the content decides
    <the file's bytes>

    201 {"sha256", "size", "media_type", "metadata", "confidential",
         "event": {"type": "evidence.submitted", "body": {…}}}

The file is streamed to a temporary file (refused with 413 as soon as it passes
``CEASEFIRE_MAX_EVIDENCE_MB``, nothing kept), read (type sniffed from its bytes, the name and the
declared type checked against it, metadata and image hashes), and only then stored by its
SHA-256. Then the client signs ``event.body`` as an ``evidence.submitted`` event with its own key
(sealed when ``confidential``) and posts it to ``POST /api/v1/events``, where
``services.evidence.check_submission`` holds it against the stored file: a file not uploaded, a
size or a metadata member other than the server's own reading is refused before admission.

A file uploaded but never announced stays in the locker unseen: every read of a file goes
through its ``evidence.submitted`` events, so no one can download it. A file read back
(``GET /api/v1/evidence/{sha256}/content``) carries ``media.disposition.content_headers``:
never sniffed, and downloaded rather than shown unless it is an image the pages show.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from ceasefire import bootstrap
from ceasefire.api.deps import StoreDep, context
from ceasefire.api.problems import documented, problem
from ceasefire.api.ratelimit import WriterDep, address_limit
from ceasefire.domain.actors import Actor
from ceasefire.domain.events import EVIDENCE_SUBMITTED
from ceasefire.domain.media_types import MEDIA_TYPES
from ceasefire.media.images import analyse
from ceasefire.services import evidence as evidence_service
from ceasefire.services.log import Submission
from ceasefire.services.ports import Store
from ceasefire.settings import Settings

ANY_TYPE: Final = "application/octet-stream"
MIB: Final = 1024 * 1024

router = APIRouter(tags=["evidence"])


class EventToSign(BaseModel):
    type: str
    body: dict[str, Any]


class UploadOut(BaseModel):
    """What the server read from the stored file, and the event body to sign for it."""

    sha256: str
    size: int
    media_type: str
    metadata: dict[str, Any]
    confidential: bool
    event: EventToSign


class _TooLarge(Exception):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"the file is {size:,} bytes or more, over the limit of {limit:,} bytes "
            "(CEASEFIRE_MAX_EVIDENCE_MB)"
        )


@router.post(
    "/evidence/files",
    operation_id="upload_evidence_file",
    status_code=201,
    response_model=UploadOut,
    summary="Store a file in the locker; answer the evidence.submitted body to sign",
    dependencies=[Depends(address_limit)],
    responses=documented(
        401,
        403,
        404,
        413,
        415,
        422,
        429,
        notes={
            403: "The caller's role may not submit evidence",
            404: "No such report, or one the caller may not read",
            413: "The file is over CEASEFIRE_MAX_EVIDENCE_MB",
            415: "The declared Content-Type is not one the locker accepts",
            422: "The content is refused, or contradicts the name or the declared type",
            429: "Too many writes; see Retry-After",
        },
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            # One entry: the others accepted are listed in the description, and a generic
            # client (or a fuzzer) need not know a serializer for each of them.
            "description": "The file's bytes. Content-Type is application/octet-stream (the "
            "content decides) or the file's own type, one of: " + ", ".join(sorted(MEDIA_TYPES)),
            "content": {ANY_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_evidence_file(
    request: Request,
    store: StoreDep,
    caller: WriterDep,
    name: Annotated[str, Query(min_length=1, max_length=255, description="The file's name.")],
    report: Annotated[str | None, Query(description="The report it supports.")] = None,
) -> JSONResponse:
    settings = context(request).settings
    declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if declared not in MEDIA_TYPES | {ANY_TYPE}:
        return problem(
            415,
            "unsupported_media_type",
            f"expected a Content-Type the locker accepts or {ANY_TYPE}, found "
            f"{declared or 'none'!r}",
            field="Content-Type",
        )
    limits = bootstrap.evidence_limits(settings)
    incoming = settings.evidence_dir / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=incoming)
    try:
        try:
            await _receive(request, fd, limits.max_bytes)
        except _TooLarge as exc:
            return problem(413, "content_too_large", str(exc), field="file")
        received = await run_in_threadpool(
            evidence_service.receive_file,
            store,
            bootstrap.blob_store(settings),
            analyse,
            Path(temporary),
            actor=caller,
            name=name,
            report=report,
            declared=None if declared == ANY_TYPE else declared,
            limits=limits,
        )
    finally:
        Path(temporary).unlink(missing_ok=True)
    return JSONResponse(_answer(received), status_code=201)


async def _receive(request: Request, fd: int, limit: int) -> None:
    """Stream the body into ``fd`` (closed afterwards); _TooLarge as soon as it passes
    ``limit`` (a declared Content-Length over it is refused before a byte is read)."""
    with os.fdopen(fd, "wb") as handle:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _TooLarge(int(declared), limit)
        size = 0
        async for chunk in _chunks(request):
            size += len(chunk)
            if size > limit:
                raise _TooLarge(size, limit)
            handle.write(chunk)


async def _chunks(request: Request) -> AsyncIterator[bytes]:
    async for chunk in request.stream():
        if chunk:
            yield chunk


def _answer(received: evidence_service.Received) -> dict[str, Any]:
    return {
        "sha256": received.sha256,
        "size": received.size,
        "media_type": received.metadata.media_type,
        "metadata": received.metadata.to_body(),
        "confidential": received.confidential,
        "event": {"type": EVIDENCE_SUBMITTED, "body": received.body},
    }


def check_posted(settings: Settings, store: Store, caller: Actor, submission: Submission) -> None:
    """What ``POST /api/v1/events`` checks before admitting an event signed elsewhere: an
    ``evidence.submitted`` event is held against the stored file (the module doc)."""
    if submission.envelope.type == EVIDENCE_SUBMITTED:
        evidence_service.check_submission(
            store,
            bootstrap.blob_store(settings),
            analyse,
            submission,
            actor=caller,
            limits=bootstrap.evidence_limits(settings),
        )
