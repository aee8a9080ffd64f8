"""Signing in with an actor's API token, and out.

The token is checked by the token service (``app.state.resolve_token``) and kept in an
HttpOnly, SameSite=Strict cookie, so no script reads it and no other site's page sends it.
Attempts are counted per address like the API's writes: past the limit, 429 and a wait.
"""

from __future__ import annotations

import math
from typing import Annotated, Protocol

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ceasefire.web.app import render
from ceasefire.web.deps import SESSION_COOKIE, ViewerDep, resolve

router = APIRouter(include_in_schema=False)
SESSION_SECONDS = 12 * 3600


def _local(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    # "//host" and "/\\host" both leave the site in a browser; so would a control character
    if target is None or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target if target.isprintable() and "\\" not in target else "/"


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, viewer: ViewerDep, next: str | None = None) -> Response:
    return render(request, "signin.html", viewer=viewer, next=_local(next), error=None)


class _Buckets(Protocol):
    def take(self, key: str) -> float: ...


def _wait(request: Request) -> int:
    """Seconds this address must wait before trying a token again (0: it may now): the same
    per-address bucket as the API's writes (``app.state.limits``), so guessing tokens through
    this form is limited like guessing them through the API."""
    limits = getattr(request.app.state, "limits", None)
    if limits is None:
        return 0
    buckets: _Buckets = limits.per_address
    wait = buckets.take(request.client.host if request.client else "unknown")
    return math.ceil(wait) if wait else 0


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    if wait := _wait(request):
        answer = render(
            request,
            "signin.html",
            status_code=429,
            viewer=None,
            next=_local(next),
            error="busy",
            wait=wait,
        )
        answer.headers["Retry-After"] = str(wait)
        return answer
    actor = resolve(request, token)
    if actor is None:
        return render(
            request,
            "signin.html",
            status_code=400,
            viewer=None,
            next=_local(next),
            error="unknown" if token.strip() else "empty",
        )
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token.strip(),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/signout")
def signout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")
    return response
