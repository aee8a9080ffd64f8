"""The app factory: one FastAPI application over one store, its routers and its error shape.

``create_app(settings)`` opens the store and wires the routers; ``ceasefire serve`` runs it
with uvicorn. The OpenAPI 3.1 document is at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

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
            store.close()

    app = FastAPI(
        title="ceasefire",
        version="1",
        summary="Ceasefire monitoring, verification and enforcement on a signed Merkle log",
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.resolve_token = resolve_token or (
        lambda token: tokens.resolve(app.state.context.store, token)
    )
    problems.install(app)
    ratelimit.install(app, settings)
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
