"""The case workbench: a monitor's queue, a mediator's signatures, a party's inbox.

Every action is a form that ``static/sign.js`` drafts (``/web/drafts/…``), signs with the
user's key in the browser and posts to the API; admission and the one policy decide whether
it stands, and a refusal is shown beside the form.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ceasefire.domain.actors import Role
from ceasefire.domain.casework_events import Position
from ceasefire.domain.facts import FindingAttribution
from ceasefire.services import agreements as agreement_service
from ceasefire.services import casework as casework_service
from ceasefire.services import keys as key_service
from ceasefire.services.workbench import workbench
from ceasefire.web.app import render
from ceasefire.web.deps import FoldsDep, StoreDep, ViewerDep, log_origin

router = APIRouter(include_in_schema=False)


@router.get("/work", response_class=HTMLResponse)
def work_page(request: Request, store: StoreDep, folds: FoldsDep, viewer: ViewerDep) -> Response:
    if viewer is None:
        return RedirectResponse("/signin?next=/work", status_code=303)
    now = datetime.now(UTC)
    agreement = agreement_service.require_in_force(store).agreement
    cases = casework_service.list_cases(store, folds=folds)
    keys = key_service.list_keys(store)
    monitors = sorted({k.actor for k in keys if k.role == Role.MONITOR and k.revoked_at is None})
    return render(
        request,
        "work.html",
        viewer=viewer,
        log_origin=log_origin(store),
        bench=workbench(store, viewer, cases, agreement, now),
        now=now,
        names={s.id: s.name for s in (*agreement.parties, *agreement.mediators)},
        acts={a.id: a.name for a in agreement.acts},
        monitors=monitors,
        standards=agreement.verification.standards,
        attributions=[a.value for a in FindingAttribution],
        positions=[p.value for p in Position],
        quorum=agreement.verification.quorum,
    )
