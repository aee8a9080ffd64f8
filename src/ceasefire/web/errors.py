"""Errors as a page, for a person whose browser asked for a page.

The API answers every error with a problem document (``api.problems``). A person who follows a
stale link to an incident, or mistypes an address, asked for a page: :func:`answer` tells the
two apart (a path outside ``/api``, ``/static`` and the pages' data, and an ``Accept`` header
that names HTML, as a browser's navigation does; the pages' scripts ask for JSON) and answers
with the site's layout, the mechanism's message and the way back.
"""

from __future__ import annotations

import logging
from typing import Final

from fastapi import Request
from fastapi.responses import HTMLResponse

from ceasefire.web.app import render

_NOT_PAGES: Final = ("/api/", "/static/", "/web/data/")
_NO_ROUTE: Final = "Not Found"
"""Starlette's detail for an address no route answers."""
log = logging.getLogger(__name__)


def wanted(request: Request) -> bool:
    """Whether the request is a person's browser asking for a page."""
    if request.url.path.startswith(_NOT_PAGES):
        return False
    return "text/html" in request.headers.get("accept", "")


def answer(request: Request, status: int, detail: str, field: str | None) -> HTMLResponse | None:
    """The error ``status`` as a page (what went wrong: ``detail``, about ``field``), or None
    when no page was asked for, or when the page itself cannot be made (the caller then sends
    the problem document: a failing page must not hide the error it was to show)."""
    if not wanted(request):
        return None
    address = request.url.path if status == 404 and detail == _NO_ROUTE else None
    try:
        return render(
            request,
            "error.html",
            status_code=status,
            status=status,
            detail=None if address else detail,
            field=field,
            address=address,
        )
    except Exception:  # any failure: the problem document still goes out
        log.exception("the error page for %s could not be made", request.url.path)
        return None
