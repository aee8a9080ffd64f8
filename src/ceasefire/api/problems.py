"""Errors as RFC 9457 problem details: one JSON shape for every failure the API reports.

Every :class:`~ceasefire.errors.CeasefireError` maps to one HTTP status by its class, and its
body carries the stable error ``code`` and the ``field`` at fault, so a client can act on it
without parsing the message. A confidential record a caller may not read answers exactly as a
missing one (404, the same text), which the services already guarantee.

A person's browser asking for a page gets the error as a page instead: the web interface sets
``app.state.error_page`` (``web.errors.answer``), which answers the requests it recognises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from ceasefire.errors import (
    CeasefireError,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StorageError,
    VerificationError,
)

PROBLEM: Final = "application/problem+json"
STATUS: Final[dict[type[CeasefireError], int]] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    PermissionDenied: 403,
    VerificationError: 422,
    StorageError: 503,
}
TITLES: Final = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}

CODES: Final = {
    401: "not_authenticated",
    404: "not_found",
    405: "method_not_allowed",
    413: "content_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}
"""The codes of errors raised by the HTTP layer itself rather than by the mechanism."""

SCHEMA: Final = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "field": {"type": "string"},
    },
}
"""A problem document's JSON Schema, for the OpenAPI document; other members may follow."""


def documented(
    *statuses: int, notes: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entries of problems with these statuses (``notes`` describe
    a status better than its title), so the document names every answer a route can give."""
    notes = notes or {}
    return {
        status: {
            "description": notes.get(status, TITLES[status]),
            "content": {PROBLEM: {"schema": SCHEMA}},
        }
        for status in statuses
    }


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """One problem document (RFC 9457): ``type`` names the error code, ``code`` and ``field``
    are this API's extension members."""
    body: dict[str, Any] = {
        "type": f"urn:ceasefire:error:{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if field is not None:
        body["field"] = field
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def status_of(error: CeasefireError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


ErrorPage = Callable[[Request, int, str, str | None], Response | None]
"""``(request, status, detail, field)``: the error as a page, or None when no page was asked for."""


def answer(
    request: Request,
    status: int,
    code: str,
    detail: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The error as the page a person's browser asked for, else as a problem document."""
    error_page: ErrorPage | None = getattr(request.app.state, "error_page", None)
    page = error_page(request, status, detail, field) if error_page is not None else None
    if page is None:
        return problem(status, code, detail, field=field, headers=headers)
    page.headers.update(headers or {})
    return page


def install(app: FastAPI) -> None:
    """Answer every error of the mechanism, of request validation and of routing as a problem."""

    @app.exception_handler(CeasefireError)
    async def _mechanism(request: Request, exc: CeasefireError) -> Response:
        return answer(request, status_of(exc), exc.code, exc.message, field=exc.field)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
        return answer(
            request,
            422,
            InvalidInput.code,
            str(first.get("msg", "invalid request")),
            field=where or None,
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        headers = dict(exc.headers) if exc.headers else None
        code = CODES.get(exc.status_code, "error")
        return answer(request, exc.status_code, code, str(exc.detail), headers=headers)
