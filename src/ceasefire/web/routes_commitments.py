"""The Commitments page: each commitment's terms, status, deadlines and the evidence received.

The status is the enforcement fold's (``services.casework.status``), each with its reasoning
and the log entries it rests on; the evidence is the compliance claims filed against the
commitment, as the viewer may read them, with their files.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ceasefire.services import agreements as agreement_service
from ceasefire.services import casework as casework_service
from ceasefire.services import evidence as evidence_service
from ceasefire.services.reports import ReportFilter, ReportView, page_reports
from ceasefire.web.app import parse_as_of, render
from ceasefire.web.deps import FoldsDep, StoreDep, ViewerDep

router = APIRouter(include_in_schema=False)
CLAIMS = 500
"""The newest compliance claims read for the page."""


@router.get("/commitments", response_class=HTMLResponse)
def commitments_page(
    request: Request, store: StoreDep, folds: FoldsDep, viewer: ViewerDep, as_of: str | None = None
) -> HTMLResponse:
    moment = parse_as_of(as_of)
    evaluation = casework_service.status(store, moment, folds)
    agreement = agreement_service.require_in_force(store).agreement
    names = {s.id: s.name for s in (*agreement.parties, *agreement.mediators)}
    claims: dict[str, list[ReportView]] = defaultdict(list)
    page = page_reports(store, viewer, ReportFilter(kind="compliance_claim", limit=CLAIMS))
    for view in page.reports:
        if view.body is not None and view.corrects is None:
            claims[str(view.body.get("commitment"))].append(view)
    files = {
        view.id: evidence_service.evidence_for_report(store, viewer, view.id)
        for views in claims.values()
        for view in views
    }
    return render(
        request,
        "commitments.html",
        viewer=viewer,
        as_of=as_of,
        now=moment or datetime.now(UTC),
        names=names,
        terms={c.id: c for c in agreement.commitments},
        statuses=evaluation.commitments,
        claims=claims,
        more=page.more,
        files=files,
    )
