"""Casework: cases, penalties, meetings, the ceasefire's status and the commitments.

Every answer is the pure fold of the log's public entries (``services.casework``), so it is the
document any party recomputes from its own copy of the log; casework events are public by
rule, so these answers are the same for every caller. Each figure carries the log indices it
rests on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from ceasefire.api.deps import FoldsDep, StoreDep
from ceasefire.api.pagination import MAX_LIMIT, Cursor, decode_after, encode_after
from ceasefire.api.problems import documented
from ceasefire.api.routes_record import private
from ceasefire.api.schemas import CasePageOut, ListOut
from ceasefire.domain import moments
from ceasefire.domain.documents import plain
from ceasefire.domain.enforcement import Evaluation
from ceasefire.services import casework as casework_service

router = APIRouter(
    tags=["casework"], dependencies=[Depends(private)], responses=documented(401, 404, 422)
)

JSON = "application/json"

AsOf = Annotated[
    str | None,
    Query(description="YYYY-MM-DD (the end of that day, UTC) or YYYY-MM-DDTHH:MM:SSZ [now]."),
]


def parse_as_of(text: str | None, now: datetime | None = None) -> datetime | None:
    """``as_of``: a day means the end of that day (UTC); a time must carry its zone; on a day
    within the bound of ``domain.moments`` seen from ``now`` (None: this server's clock)."""
    if text is None:
        return None
    return moments.bounded_as_of(text, now=now or datetime.now(UTC))


def _listed(values: list[Any]) -> ListOut:
    return ListOut(items=[plain(v) for v in values], total=len(values))


CaseLimit = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_LIMIT,
        description=f"At most {MAX_LIMIT} per page [default: every case, in one answer].",
    ),
]


@router.get("/cases", operation_id="list_cases")
def cases(
    store: StoreDep,
    folds: FoldsDep,
    state: Annotated[str | None, Query(description="A case state, e.g. investigating.")] = None,
    party: Annotated[str | None, Query(description="The party the case is about.")] = None,
    cursor: Cursor = None,
    limit: CaseLimit = None,
) -> CasePageOut:
    """The cases, oldest first (by the log index of their opening), each with its state and
    the log indices of each step; ``total`` counts every one that matches. With ``limit``, a
    page of at most that many and an opaque ``next_cursor`` for the next page (None on the
    last), as the other lists page; without it, every case (after ``cursor``, if given) in one
    answer, which is what a witness compares with its own fold."""
    found = casework_service.list_cases(store, state=state, party=party, folds=folds)
    after = decode_after(cursor)
    rest = found if after is None else [case for case in found if case.index > after]
    page = rest if limit is None else rest[:limit]
    more = len(page) < len(rest)
    return CasePageOut(
        items=[plain(case) for case in page],
        total=len(found),
        next_cursor=encode_after(page[-1].index) if more else None,
    )


@router.get("/cases/{case_id}", operation_id="get_case")
def case(store: StoreDep, folds: FoldsDep, case_id: str) -> dict[str, Any]:
    """One case: what it is about, its timeline (each step with its log index), its finding."""
    found: dict[str, Any] = plain(casework_service.show_case(store, case_id, folds))
    return found


@router.get("/penalties", operation_id="list_penalties")
def penalties(store: StoreDep, folds: FoldsDep) -> ListOut:
    """The penalty ledger, oldest proposal first, with signatures, notices and appeals."""
    return _listed(casework_service.list_penalties(store, folds))


@router.get("/meetings", operation_id="list_meetings")
def meetings(store: StoreDep, folds: FoldsDep) -> ListOut:
    """The follow-up meetings, their agenda and decisions."""
    return _listed(casework_service.list_meetings(store, folds))


@router.get("/meetings/{meeting_id}", operation_id="get_meeting")
def meeting(store: StoreDep, folds: FoldsDep, meeting_id: str) -> dict[str, Any]:
    found: dict[str, Any] = plain(casework_service.show_meeting(store, meeting_id, folds))
    return found


@router.get("/status", operation_id="get_status", response_model=dict[str, Any])
def status(
    request: Request, response: Response, store: StoreDep, folds: FoldsDep, as_of: AsOf = None
) -> Response:
    """The ceasefire's status, each party's standing and the commitments, as of a moment,
    each figure with the log indices it was derived from."""
    evaluation = casework_service.status(store, parse_as_of(as_of), folds)
    kept: tuple[Evaluation, bytes] | None = getattr(request.app.state, "status_body", None)
    if kept is not None and kept[0] is evaluation:
        return _json(kept[1], response)
    # The document holds an explanation per open allegation: rendered once per evaluation
    # (``Folds`` keeps the latest, with its log size and second), straight to JSON — it is
    # plain data, so FastAPI's validation of it against ``dict[str, Any]`` on every request is
    # left out — and from each explanation's kept JSON (the bytes ``JSONResponse`` would write).
    body = evaluation.to_json().encode()
    if as_of is None:
        request.app.state.status_body = (evaluation, body)
    return _json(body, response)


def _json(body: bytes, headers: Response) -> Response:
    """A JSON answer with the headers the dependencies set (``private``'s)."""
    answer = Response(body, media_type=JSON)
    answer.headers.raw.extend(headers.headers.raw)
    return answer


@router.get("/commitments", operation_id="list_commitments")
def commitments(store: StoreDep, folds: FoldsDep, as_of: AsOf = None) -> ListOut:
    """Each commitment's status (met, due, overdue, breached), next and missed deadlines."""
    evaluation = casework_service.status(store, parse_as_of(as_of), folds)
    items = [c.to_document() for c in evaluation.commitments]
    return ListOut(items=items, total=len(items))
