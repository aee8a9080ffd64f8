"""What every page depends on: the app's store and folds, and who is looking.

The store, the settings and the folds are the ones ``create_app`` opened for the API (read
from ``app.state.context``), so the pages never open a store of their own. The viewer is the
actor whose token the session cookie holds (set by ``/signin``), resolved by the same
``app.state.resolve_token`` the API's bearer tokens go through; no cookie, or a token no
longer good, is the public.
"""

from __future__ import annotations

from typing import Annotated, Final, Protocol

from fastapi import Depends, Request

from ceasefire.domain.actors import Actor
from ceasefire.log.keys import VerifierKey
from ceasefire.services.casework import Folds
from ceasefire.services.incidents import IncidentFolds
from ceasefire.services.ports import Store
from ceasefire.services.reports import ReportQueries
from ceasefire.settings import Settings

SESSION_COOKIE: Final = "ceasefire_session"


class WebStore(Store, ReportQueries, Protocol):
    """What the pages read: the store, and the report pages it selects."""


class WebContext(Protocol):
    """The app's long-lived parts, as ``create_app`` sets them up (``api.deps.Context``)."""

    settings: Settings
    store: WebStore
    folds: Folds
    incidents: IncidentFolds


def context(request: Request) -> WebContext:
    found: WebContext = request.app.state.context
    return found


def store(request: Request) -> WebStore:
    return context(request).store


def folds(request: Request) -> Folds:
    return context(request).folds


def incident_folds(request: Request) -> IncidentFolds:
    return context(request).incidents


def resolve(request: Request, token: str | None) -> Actor | None:
    """The actor ``token`` belongs to (None: no token, or unknown or revoked)."""
    if not token:
        return None
    actor: Actor | None = request.app.state.resolve_token(token.strip())
    return actor


def viewer(request: Request) -> Actor | None:
    """The signed-in actor, or None for the public."""
    return resolve(request, request.cookies.get(SESSION_COOKIE))


StoreDep = Annotated[WebStore, Depends(store)]
FoldsDep = Annotated[Folds, Depends(folds)]
IncidentFoldsDep = Annotated[IncidentFolds, Depends(incident_folds)]
ViewerDep = Annotated[Actor | None, Depends(viewer)]


def log_origin(store: Store) -> str:
    """The log's origin line, which every envelope a page signs names (``log``)."""
    return VerifierKey.from_text(store.head().identity.log_vkey).name
