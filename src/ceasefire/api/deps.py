"""What every route depends on: the store, the settings, and who is asking.

The caller is found from its bearer token (``Authorization: Bearer …``); no token is the
public. The web interface's scripts call the same routes with the session cookie ``/signin``
set, and only with the header ``X-Ceasefire-Web: 1``: a page of another site can send the
cookie (were it not SameSite=Strict) but not that header without a CORS preflight this
server never answers, so a forged cross-site request is the public.

Routes take :func:`viewer` (None for the public) or :func:`caller` (an enrolled actor
required) and hand it to the services, whose one policy decides what it may see or do.

The dependencies are ``async``: FastAPI runs a plain ``def`` dependency on a worker thread, a
trip through the thread pool per dependency per request, which for these (a field read, a
header parsed) costs far more than the work. Only a token's lookup, a database query, goes to
a thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Final, Protocol

from fastapi import Depends, Header, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from ceasefire.domain.actors import Actor
from ceasefire.services.casework import Folds
from ceasefire.services.incidents import IncidentFolds
from ceasefire.services.ports import Store
from ceasefire.services.reports import ReportQueries
from ceasefire.settings import Settings
from ceasefire.web.deps import SESSION_COOKIE


class ApiStore(Store, ReportQueries, Protocol):
    """What the service reads and writes: the store, and the report pages it selects."""


@dataclass
class Context:
    """The app's long-lived parts, set up once by the app factory. ``folds`` is this
    process's memory of the casework fold (each worker has its own; see ``Folds``), and
    ``incidents`` that of the incidents (``IncidentFolds``)."""

    settings: Settings
    store: ApiStore
    folds: Folds = field(default_factory=Folds)
    incidents: IncidentFolds = field(default_factory=IncidentFolds)


def context(request: Request) -> Context:
    found: Context = request.app.state.context
    return found


async def store(request: Request) -> ApiStore:
    return context(request).store


async def folds(request: Request) -> Folds:
    return context(request).folds


async def incident_folds(request: Request) -> IncidentFolds:
    return context(request).incidents


WEB_HEADER: Final = "x-ceasefire-web"


async def viewer(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Actor | None:
    """The actor the bearer token (or, for the web interface's scripts, the session cookie)
    belongs to, or None for the public (no token)."""
    found = credential(request, authorization)
    if found is None:
        return None
    token, refusal = found
    actor: Actor | None = await run_in_threadpool(request.app.state.resolve_token, token)
    if actor is None:
        raise refusal
    return actor


def credential(request: Request, authorization: str | None) -> tuple[str, HTTPException] | None:
    """The token a request presents and the refusal if it resolves to no actor; None for the
    public. A malformed ``Authorization`` header is refused here, before any lookup."""
    if authorization is None:
        session = request.cookies.get(SESSION_COOKIE)
        if session is None or request.headers.get(WEB_HEADER) != "1":
            return None
        return session.strip(), HTTPException(401, "your session has ended: sign in again")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            401, "expected Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"}
        )
    return token.strip(), HTTPException(
        401, "unknown or revoked token", {"WWW-Authenticate": "Bearer"}
    )


def needs_actor() -> HTTPException:
    return HTTPException(401, "this needs an actor's token", {"WWW-Authenticate": "Bearer"})


async def caller(actor: Annotated[Actor | None, Depends(viewer)]) -> Actor:
    """An enrolled actor: the public may only read."""
    if actor is None:
        raise needs_actor()
    return actor


StoreDep = Annotated[ApiStore, Depends(store)]
FoldsDep = Annotated[Folds, Depends(folds)]
IncidentFoldsDep = Annotated[IncidentFolds, Depends(incident_folds)]
ViewerDep = Annotated[Actor | None, Depends(viewer)]
CallerDep = Annotated[Actor, Depends(caller)]
