"""The dashboard: the ceasefire's status with its reasons, recent reports, what is due, what is
next. Each figure links to the log entries it rests on (``/log?index=N``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ceasefire.services import agreements as agreement_service
from ceasefire.services import casework as casework_service
from ceasefire.services import dashboard
from ceasefire.services import incidents as incident_service
from ceasefire.services.reports import ReportFilter, page_reports
from ceasefire.web.app import parse_as_of, render
from ceasefire.web.deps import FoldsDep, IncidentFoldsDep, StoreDep, ViewerDep
from ceasefire.web.witnessed import witnessed

router = APIRouter(include_in_schema=False)
CHART_WIDTH, CHART_HEIGHT, CHART_GAP = 600, 160, 2


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float


def bars(per_day: tuple[tuple[date, int], ...]) -> list[Bar]:
    """The timeline's bars in a ``CHART_WIDTH`` × ``CHART_HEIGHT`` box (the SVG scales it)."""
    top = max((n for _, n in per_day), default=0) or 1
    step = CHART_WIDTH / max(len(per_day), 1)
    found = []
    for position, (day, count) in enumerate(per_day):
        height = CHART_HEIGHT * count / top
        found.append(
            Bar(day, count, position * step, CHART_HEIGHT - height, step - CHART_GAP, height)
        )
    return found


@router.get("/", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    store: StoreDep,
    folds: FoldsDep,
    incident_folds: IncidentFoldsDep,
    viewer: ViewerDep,
    as_of: str | None = None,
) -> Response:
    moment = parse_as_of(as_of)
    now = moment or datetime.now(UTC).replace(microsecond=0)
    evaluation = casework_service.status(store, moment, folds)
    agreement = agreement_service.require_in_force(store).agreement
    names = {s.id: s.name for s in (*agreement.parties, *agreement.mediators)}
    cases = [c for c in casework_service.list_cases(store, folds=folds) if c.time <= now]
    counts = dashboard.counts(store, viewer, now)
    meetings = casework_service.list_meetings(store, folds)
    upcoming = dashboard.next_meeting(meetings, now.date())
    context: dict[str, Any] = {
        "as_of": as_of,
        "now": now,
        "witnessed": witnessed(store),
        "evaluation": evaluation.to_document(),
        "names": names,
        "counts": counts,
        "bars": bars(counts.per_day),
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT},
        "incidents": _latest_incidents(store, incident_folds, now.date()),
        "commitments": [
            c for c in evaluation.commitments if c.status.value in ("overdue", "breached", "due")
        ],
        "replies": dashboard.replies_due(cases, now),
        "upcoming": upcoming,
        "meeting": upcoming or dashboard.last_meeting(meetings, now.date()),
        "reports": [
            r
            for r in page_reports(store, viewer, ReportFilter(limit=20)).reports
            if datetime.fromisoformat(r.time) <= now
        ][:6],
    }
    return render(request, "dashboard.html", viewer=viewer, **context)


def _latest_incidents(
    store: StoreDep, folds: IncidentFoldsDep, today: date, limit: int = 6
) -> list[incident_service.Incident]:
    tomorrow = (today + timedelta(days=1)).isoformat()
    read = limit * 4
    while True:  # the newest few, but for any dated after today: read more only if need be
        found, total = incident_service.newest_incidents(store, folds, limit=read)
        shown = [i for i in found if (i.start or "") < tomorrow][:limit]
        if len(shown) == limit or read >= total:
            return shown
        read *= 4
