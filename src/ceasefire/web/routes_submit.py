"""The Submit page: an allegation or a compliance claim, with evidence, signed in the browser.

The page is a form; ``static/sign.js`` sends its fields to ``/web/drafts/report`` (the body
placed and checked there, a mistake shown beside its field), signs the body with the user's
key and posts it to ``/api/v1/events``, then uploads each photo against the new report and
signs its ``evidence.submitted`` event. The receipts the log answers are shown to keep.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ceasefire.domain.actors import Role
from ceasefire.domain.report_places import GeoPrecision
from ceasefire.services import geography
from ceasefire.web.app import render
from ceasefire.web.deps import StoreDep, ViewerDep, log_origin

router = APIRouter(include_in_schema=False)

SUBMITTERS = frozenset({Role.LIAISON, Role.MONITOR})
"""Who files reports from the web: a party's liaison, a monitor."""


@router.get("/submit", response_class=HTMLResponse)
def submit_page(request: Request, store: StoreDep, viewer: ViewerDep) -> Response:
    if viewer is None:
        return RedirectResponse("/signin?next=/submit", status_code=303)
    agreement = geography.agreement_of(store)
    own = viewer.affiliation
    return render(
        request,
        "submit.html",
        viewer=viewer,
        may_submit=viewer.role in SUBMITTERS,
        log_origin=log_origin(store),
        acts=[(act.id, act.name) for act in agreement.acts],
        parties=[(p.id, p.name) for p in agreement.parties if p.id != own],
        commitments=[c for c in agreement.commitments if own is None or c.party == own],
        precisions=[p.value for p in GeoPrecision if p is not GeoPrecision.COUNTRY],
        today=datetime.now(UTC).date().isoformat(),
    )
