"""The Map and Incident pages, and the GeoJSON the map draws (``services.map_data``).

The map has no tile server: it draws the countries, the border line and the agreement's
sectors from ``/web/data/boundary.geojson`` and ``/web/data/sectors.geojson``, and the
incidents from ``/web/data/incidents.geojson`` (filtered by dates, act, party and status).
All three are public, the same for every viewer. The incident page shows the member reports
as the signed-in viewer may read them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from ceasefire import bootstrap
from ceasefire.errors import NotFound
from ceasefire.media.disposition import content_headers
from ceasefire.services import evidence as evidence_service
from ceasefire.services import geography, ids, map_data
from ceasefire.services.casework import list_cases
from ceasefire.services.incidents import list_incidents
from ceasefire.web.app import render
from ceasefire.web.deps import FoldsDep, IncidentFoldsDep, StoreDep, ViewerDep, context

router = APIRouter(include_in_schema=False)

GEOJSON: Final = "application/geo+json"
PUBLIC_DATA: Final = "public, max-age=300"
"""The boundary and the sectors: the same for everyone, changed only by a new agreement."""


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, store: StoreDep, viewer: ViewerDep) -> HTMLResponse:
    agreement = geography.agreement_of(store)
    return render(
        request,
        "map.html",
        viewer=viewer,
        acts=[(act.id, act.name) for act in agreement.acts],
        parties=[(party.id, party.name) for party in agreement.parties],
        statuses=list(map_data.MapStatus),
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(
    request: Request,
    store: StoreDep,
    viewer: ViewerDep,
    folds: IncidentFoldsDep,
    case_folds: FoldsDep,
    incident_id: str,
) -> Response:
    """One incident; its id may be cut to the 8 or more characters its heading shows (the
    whole id is then where the page lives: a redirect to it)."""
    whole = ids.resolve(store, ids.IdKind.INCIDENT, incident_id, folds)
    if whole != incident_id:
        return RedirectResponse(f"/incidents/{whole}", status_code=307)
    page = map_data.incident_page(store, viewer, incident_id, folds, case_folds)
    agreement = geography.agreement_of(store)
    return render(
        request,
        "incident.html",
        viewer=viewer,
        page=page,
        act_names={act.id: act.name for act in agreement.acts},
        party_names={s.id: s.name for s in (*agreement.parties, *agreement.mediators)},
    )


@router.get("/web/evidence/{sha256}/content")
def evidence_content(
    request: Request,
    store: StoreDep,
    viewer: ViewerDep,
    sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
) -> FileResponse:
    """A file for the gallery, for a viewer who may see one of its submissions: the API's
    ``/api/v1/evidence/{sha256}/content`` reads a bearer token, an image tag sends cookies."""
    views = evidence_service.evidence_of(store, viewer, sha256)
    locker = bootstrap.blob_store(context(request).settings)
    if not locker.exists(sha256):
        raise NotFound(f"evidence {sha256} is no longer in the locker (erased)", field="sha256")
    return FileResponse(
        locker.path(sha256),
        media_type=views[0].metadata.media_type,
        headers={"Cache-Control": "private, no-cache", "Vary": "Cookie", "ETag": f'"{sha256}"'}
        | content_headers(views[0].name, views[0].metadata.media_type),
    )


@router.get("/web/data/boundary.geojson")
def boundary() -> JSONResponse:
    return _geojson(map_data.boundary(), PUBLIC_DATA)


@router.get("/web/data/sectors.geojson")
def sectors(store: StoreDep) -> JSONResponse:
    return _geojson(map_data.sectors(geography.agreement_of(store)), PUBLIC_DATA)


@router.get("/web/data/incidents.geojson")
def incidents(
    store: StoreDep,
    folds: IncidentFoldsDep,
    case_folds: FoldsDep,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
    act: Annotated[str | None, Query()] = None,
    party: Annotated[str | None, Query()] = None,
    status: Annotated[map_data.MapStatus | None, Query()] = None,
) -> JSONResponse:
    query = map_data.IncidentFilter(since, until, act or None, party or None, status)
    markers = map_data.incident_markers(
        store, list_incidents(store, folds), list_cases(store, folds=case_folds), query
    )
    return _geojson(map_data.feature_collection(markers), "no-cache")


def _geojson(document: dict[str, Any], cache: str) -> JSONResponse:
    return JSONResponse(document, media_type=GEOJSON, headers={"Cache-Control": cache})
