"""Incidents: the public reports of one event, linked, with the monitors' decisions.

The incidents are the fold of the log (``services.incidents``), kept once per app and carried
forward as the log grows. They are formed from public reports and are public: every caller
gets the same answer, each member as the public sees its report (a blurred place blurred, a
withheld source unnamed), and a box is matched against the places as shown. Confirm, split and
merge are signed events a monitor posts to ``POST /api/v1/events``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ceasefire.api.deps import IncidentFoldsDep, StoreDep
from ceasefire.api.filters import parse_bbox
from ceasefire.api.pagination import Cursor, Limit, decode_cursor, encode_cursor
from ceasefire.api.problems import documented
from ceasefire.api.routes_record import private
from ceasefire.api.schemas import IncidentOut, IncidentPageOut
from ceasefire.services import agreements as agreement_service
from ceasefire.services import incidents as incident_service
from ceasefire.services.incidents import Incident

router = APIRouter(
    tags=["incidents"], dependencies=[Depends(private)], responses=documented(401, 404, 422)
)
Bbox = tuple[float, float, float, float]
BboxQuery = Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")]


@router.get("/incidents", operation_id="list_incidents")
def incidents(
    store: StoreDep,
    folds: IncidentFoldsDep,
    confirmed: Annotated[bool | None, Query(description="Only (un)confirmed ones.")] = None,
    min_reports: Annotated[int, Query(ge=1, description="At least this many reports.")] = 1,
    act: Annotated[str | None, Query(description="A member reports this act.")] = None,
    party: Annotated[str | None, Query(description="A member alleges it of this party.")] = None,
    bbox: BboxQuery = None,
    since: Annotated[date | None, Query(description="Dates overlapping from this day.")] = None,
    until: Annotated[date | None, Query(description="Dates overlapping up to this day.")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> IncidentPageOut:
    """The incidents, latest activity (newest member) first; ``total`` counts all that match.
    ``bbox`` takes an incident with a member placed inside it, as the public sees the place."""
    box, before = parse_bbox(bbox), decode_cursor(cursor)
    agreement_service.check_terms(store, act=act, party=party)
    if act is None and party is None and since is None and until is None and box is None:
        # nothing to match in the members: read only the page's
        newest, total = incident_service.newest_incidents(
            store, folds, confirmed=confirmed, min_reports=min_reports, limit=limit + 1,
            before=before,
        )  # fmt: skip
        page = [IncidentOut.of(i) for i in newest[:limit]]
        return IncidentPageOut(
            items=page,
            total=total,
            next_cursor=encode_cursor(_latest(page[-1])) if len(newest) > limit else None,
        )
    found = incident_service.list_incidents(
        store, folds, confirmed=confirmed, min_reports=min_reports
    )
    chosen = [
        IncidentOut.of(i)
        for i in found
        if (act is None or act in i.acts)
        and (party is None or party in i.parties)
        and _overlaps(i, since, until)
    ]
    if box is not None:
        chosen = [
            i for i in chosen if any(_inside(m.longitude, m.latitude, box) for m in i.members)
        ]
    after = [i for i in chosen if before is None or _latest(i) < before]
    page = after[:limit]
    more = len(after) > limit
    return IncidentPageOut(
        items=page,
        total=len(chosen),
        next_cursor=encode_cursor(_latest(page[-1])) if more else None,
    )


@router.get("/incidents/{incident_id}", operation_id="get_incident")
def incident(store: StoreDep, folds: IncidentFoldsDep, incident_id: str) -> IncidentOut:
    """One incident (named by its first report), its members and the decisions about it."""
    return IncidentOut.of(incident_service.show_incident(store, incident_id, folds))


def _latest(incident: IncidentOut) -> int:
    return max(m.index for m in incident.members)


def _overlaps(incident: Incident, since: date | None, until: date | None) -> bool:
    start, end = incident.start, incident.end or incident.start
    if since is not None and (end is None or end < since.isoformat()):
        return False
    return until is None or (start is not None and start <= until.isoformat())


def _inside(lon: float | None, lat: float | None, box: Bbox) -> bool:
    min_lon, min_lat, max_lon, max_lat = box
    return (
        lon is not None
        and lat is not None
        and min_lon <= lon <= max_lon
        and min_lat <= lat <= max_lat
    )
