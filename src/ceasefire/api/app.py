"""The app factory: one FastAPI application over one store, its routers and its error shape.

``create_app(settings)`` opens the store and wires the routers; ``ceasefire serve`` runs it
with uvicorn. The OpenAPI 3.1 document is at ``/api/v1/openapi.json``, its Swagger UI at
``/api/v1/docs``, served from the copy vendored in ``web/static/vendor/swagger-ui`` (the
deployment is offline: no CDN). Every path that answers GET answers HEAD too (``HeadAsGet``).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Final

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ceasefire import bootstrap
from ceasefire.api import (
    problems,
    ratelimit,
    routes_batch,
    routes_briefs,
    routes_casework,
    routes_confirmation,
    routes_events,
    routes_evidence,
    routes_geo,
    routes_incidents,
    routes_interchange,
    routes_log,
    routes_record,
    routes_witness,
    warmup,
)
from ceasefire.api.deps import Context
from ceasefire.domain.actors import Actor
from ceasefire.services import tokens
from ceasefire.settings import Settings
from ceasefire.web.app import mount as mount_web

API: str = "/api/v1"
SWAGGER_UI: Final = "/static/vendor/swagger-ui"


def create_app(
    settings: Settings,
    *,
    resolve_token: Callable[[str], Actor | None] | None = None,
    warm: bool = False,
) -> FastAPI:
    """The service for the store ``settings`` name. ``resolve_token`` maps a bearer token to
    its actor (the token service's, unless a test gives its own); ``warm``: fold the record in
    the background as it starts (``api.warmup``; ``ceasefire serve`` does)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = bootstrap.open_store(settings)
        app.state.context = Context(settings, store)
        if resolve_token is not None:
            app.state.resolve_token = resolve_token
        stopping = threading.Event()
        app.state.warm_up = warmup.start(app.state.context, stopping) if warm else None
        try:
            yield
        finally:
            stopping.set()
            warmup.finish(app.state.warm_up)
            store.close()

    app = FastAPI(
        title="ceasefire",
        version="1",
        summary="Ceasefire monitoring, verification and enforcement on a signed Merkle log",
        description="Every path that answers `GET` also answers `HEAD`: the same status and "
        "headers (`Content-Length`, `ETag`, `Cache-Control`…), no body.",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,  # ``_add_docs``: FastAPI's own page loads Swagger UI from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.resolve_token = resolve_token or (
        lambda token: tokens.resolve(app.state.context.store, token)
    )
    app.add_middleware(NoSniff)
    app.add_middleware(HeadAsGet)
    problems.install(app)
    ratelimit.install(app, settings)
    _add_docs(app)
    # --- routers (one line each) ---
    app.include_router(routes_events.router, prefix=API)
    app.include_router(routes_batch.router, prefix=API)
    app.include_router(routes_log.router, prefix=API)
    app.include_router(routes_confirmation.router, prefix=API)
    app.include_router(routes_witness.router, prefix=API)
    app.include_router(routes_record.router, prefix=API)
    app.include_router(routes_casework.router, prefix=API)
    app.include_router(routes_evidence.router, prefix=API)
    app.include_router(routes_incidents.router, prefix=API)
    app.include_router(routes_geo.router, prefix=API)
    app.include_router(routes_interchange.router, prefix=API)
    app.include_router(routes_briefs.router, prefix=API)
    mount_web(app, settings)
    return app


def _add_docs(app: FastAPI) -> None:
    """Swagger UI at ``/api/v1/docs`` (and the OAuth2 redirect page FastAPI's default adds,
    at its usual address), neither in the OpenAPI document."""
    redirect = app.swagger_ui_oauth2_redirect_url

    @app.get(f"{API}/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{root}{SWAGGER_UI}/favicon-32x32.png",
            oauth2_redirect_url=f"{root}{redirect}" if redirect else None,
        )

    if redirect:

        @app.get(redirect, include_in_schema=False)
        async def swagger_ui_redirect() -> HTMLResponse:
            return get_swagger_ui_oauth2_redirect_html()


class HeadAsGet:
    """HEAD wherever GET is answered (RFC 9110 §9.3.2), for every route at once — the API's,
    the pages', the static files' — rather than route by route: the request goes on as a GET
    and its answer is sent with its status and headers (``Content-Length`` included) and no
    body. A path that answers no GET answers HEAD as it answers GET: 405 with ``Allow``. (A
    file's bytes are still read, and dropped, as for a GET; HEAD on a file is rare.)"""

    _SEND_FILE: Final = ("http.response.pathsend", "http.response.zerocopysend")
    """Server extensions that would send a file's bytes past us: not offered to a HEAD."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        extensions = {
            name: value
            for name, value in scope.get("extensions", {}).items()
            if name not in self._SEND_FILE
        }

        async def headers_only(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
            elif not message.get("more_body", False):  # the last part: the answer is over
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        as_get = {**scope, "method": "GET", "extensions": extensions}
        await self.app(as_get, receive, headers_only)


class NoSniff:
    """``X-Content-Type-Options: nosniff`` on every answer: a browser takes each for the type
    it declares and never guesses another (an uploaded file served as text is never run as
    HTML or script). Plain ASGI, so streamed answers pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        await self.app(scope, receive, send_with_header)
