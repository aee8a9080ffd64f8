"""Briefs: the published briefs the log records, and any brief rendered on demand.

A brief is computed from the log at a checkpoint (``services.briefs``), so what this answers
is what any party regenerates from its own copy; the confidential edition is only for callers
the policy lets read every confidential record (the mediators' side).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from ceasefire.api.deps import IncidentFoldsDep, StoreDep, ViewerDep
from ceasefire.api.problems import documented
from ceasefire.api.routes_record import private
from ceasefire.api.schemas import ListOut
from ceasefire.briefs.render import MEDIA_TYPES
from ceasefire.services import briefs as brief_service

router = APIRouter(
    tags=["briefs"], dependencies=[Depends(private)], responses=documented(401, 403, 404, 422)
)


@router.get("/briefs", operation_id="list_briefs")
def published(store: StoreDep) -> ListOut:
    """The briefs published in the log, oldest first: each with its log index, its checkpoint
    and agreement version, and the SHA-256 of its HTML and Markdown."""
    found = brief_service.published_briefs(store)
    items: list[dict[str, Any]] = [
        {"index": p.index, "id": p.id, "actor": p.actor, "time": p.time, **p.brief.to_body()}
        for p in found
    ]
    return ListOut(items=items, total=len(items))


@router.get(
    "/briefs/{period}/{day}",
    operation_id="get_brief",
    response_class=Response,
    responses={
        200: {
            "description": "The brief, in the format asked for; its SHA-256 in `Digest-SHA256`.",
            "content": {media: {} for media in MEDIA_TYPES.values()},
        }
    },
)
def brief(
    response: Response,
    store: StoreDep,
    viewer: ViewerDep,
    incident_folds: IncidentFoldsDep,
    period: Annotated[str, Path(description="daily, weekly or monthly.")],
    day: Annotated[str, Path(description="The brief's date, YYYY-MM-DD.")],
    edition: Annotated[str, Query(description="public or confidential.")] = "public",
    format: Annotated[str, Query(description="html, pdf or md.")] = "html",
    checkpoint: Annotated[
        int | None, Query(ge=1, description="The log size to compute from [the latest].")
    ] = None,
) -> Response:
    """A brief rendered on demand from the log at a checkpoint: the same checkpoint and
    options always give the same bytes."""
    kind = brief_service.parse_format(format)
    request = brief_service.brief_request(period, day, edition, checkpoint)
    rendered = brief_service.brief_document(store, request, kind, viewer, incident_folds)
    answer = Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={"Digest-SHA256": rendered.sha256},
    )
    # A Response returned as is drops the headers the dependencies set (``private``'s
    # Cache-Control and Vary): carried over, as ``GET /api/v1/status`` does.
    answer.headers.raw.extend(response.headers.raw)
    return answer
