"""The Briefs page: the briefs published in the log, and any brief made on demand.

Each published brief is listed with the checkpoint it was computed from, the agreement version
and the SHA-256 of its HTML and Markdown as the log records them; "open" regenerates it here at
that checkpoint, so a reader sees the digest the log holds beside the one just computed; and
whether the parties' witnesses have confirmed it: a witness that cosigns a checkpoint has
checked the whole tree up to it, every brief digest recorded in it included, so a brief is
confirmed once a checkpoint at least as large as its own meets the witness policy. The
form makes a brief for any period and day; the confidential edition only for whom the policy
lets read every confidential record (``services.briefs``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ceasefire.briefs.render import Format
from ceasefire.domain.brief_events import BriefPeriod, Edition
from ceasefire.services import briefs as brief_service
from ceasefire.web.app import render
from ceasefire.web.deps import IncidentFoldsDep, StoreDep, ViewerDep
from ceasefire.web.witnessed import witnessed

router = APIRouter(include_in_schema=False)


@router.get("/briefs", response_class=HTMLResponse)
def briefs_page(request: Request, store: StoreDep, viewer: ViewerDep) -> HTMLResponse:
    published = list(reversed(brief_service.published_briefs(store)))
    return render(
        request,
        "briefs.html",
        viewer=viewer,
        published=published,
        witnessed=witnessed(store),
        periods=[p.value for p in BriefPeriod],
        editions=[e.value for e in Edition],
        formats=[f.value for f in Format],
        yesterday=(datetime.now(UTC).date() - timedelta(days=1)).isoformat(),
    )


@router.get("/briefs/go")
def brief_form(
    period: Annotated[str, Query()],
    day: Annotated[str, Query()],
    edition: Annotated[str, Query()] = "public",
    format: Annotated[str, Query()] = "html",
) -> RedirectResponse:
    """The form's answer: the brief's own address, checked first so a mistake is named."""
    asked = brief_service.brief_request(period, day, edition)
    kind = brief_service.parse_format(format)
    query = urlencode({"edition": asked.edition.value, "format": kind.value})
    return RedirectResponse(f"/briefs/{asked.period.value}/{asked.day}?{query}", status_code=303)


@router.get("/briefs/{period}/{day}")
async def brief_page(
    store: StoreDep,
    viewer: ViewerDep,
    incident_folds: IncidentFoldsDep,
    period: str,
    day: str,
    edition: Annotated[str, Query()] = "public",
    format: Annotated[str, Query()] = "html",
    checkpoint: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The brief itself, as the signed-in viewer may read it (the API's ``get_brief`` reads
    only bearer tokens; this one the session cookie)."""
    kind = brief_service.parse_format(format)
    asked = brief_service.brief_request(period, day, edition, checkpoint)
    rendered = await run_in_threadpool(
        brief_service.brief_document, store, asked, kind, viewer, incident_folds
    )
    return Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={"Digest-SHA256": rendered.sha256, "Cache-Control": "private, no-cache"},
    )
