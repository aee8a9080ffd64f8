"""The record: the agreement, the actors, the reports and the evidence, as the caller may see
them.

What a caller sees is decided by the services and their one policy: a report or a file the
caller may not read answers 404 exactly as a missing one, is left out of every list and every
count. Answers that depend on the caller are marked ``private`` so that no shared cache hands
one caller's answer to another.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import FileResponse

from ceasefire import bootstrap
from ceasefire.api.deps import Context, StoreDep, ViewerDep, context
from ceasefire.api.filters import parse_bbox
from ceasefire.api.pagination import Cursor, Limit, decode_cursor, encode_cursor
from ceasefire.api.problems import documented
from ceasefire.api.schemas import (
    ActorListOut,
    ActorOut,
    EvidenceOut,
    EvidenceSubmissionOut,
    ListOut,
    ReportDetailOut,
    ReportOut,
    ReportPageOut,
)
from ceasefire.domain.report_parts import MAX_NAME
from ceasefire.errors import InvalidInput, NotFound
from ceasefire.media.disposition import content_headers
from ceasefire.services import agreements as agreement_service
from ceasefire.services import evidence as evidence_service
from ceasefire.services import geography
from ceasefire.services import keys as key_service
from ceasefire.services import reports as report_service
from ceasefire.services.ports import BlobStore

PRIVATE: Final = "private, no-cache"
SHA256: Final = r"^[0-9a-f]{64}$"
MAX_ORIGINS: Final = 200


async def private(response: Response, _caller: ViewerDep) -> None:
    """Every answer here may differ by caller: revalidate, never share, vary by token. A token
    given must be good even where the answer is public, so a revoked one fails everywhere."""
    response.headers["Cache-Control"] = PRIVATE
    response.headers["Vary"] = "Authorization"


def blobs(found: Annotated[Context, Depends(context)]) -> BlobStore:
    """The evidence locker of the app's data folder."""
    return bootstrap.blob_store(found.settings)


router = APIRouter(
    tags=["record"], dependencies=[Depends(private)], responses=documented(401, 404, 422)
)
Sha256 = Annotated[str, Path(pattern=SHA256, description="The file's SHA-256, lowercase hex.")]


# --- the agreement and the actors ---------------------------------------------------------------


@router.get("/agreement", operation_id="get_agreement")
def agreement(store: StoreDep) -> dict[str, Any]:
    """The version of the agreement in force, with where it was proposed and adopted."""
    adoption = agreement_service.require_in_force(store)
    return {
        "version": adoption.proposal.version,
        "digest": adoption.proposal.digest,
        "proposed_at": adoption.proposal.index,
        "adopted_at": adoption.adopted_at,
        "signatures": {s.signatory: s.index for s in adoption.signatures},
        "agreement": adoption.agreement.to_document(),
    }


@router.get("/agreement/versions", operation_id="list_agreement_versions")
def agreement_versions(store: StoreDep) -> ListOut:
    """Every proposed version: its digest, its signatures (log indices) and its adoption."""
    rows = [
        {
            "version": v.proposal.version,
            "title": v.proposal.agreement.title,
            "digest": v.proposal.digest,
            "proposed_at": v.proposal.index,
            "signatures": {s.signatory: s.index for s in v.signatures},
            "missing": list(v.missing),
            "adopted_at": v.adopted_at,
        }
        for v in agreement_service.versions(store)
    ]
    return ListOut(items=rows, total=len(rows))


@router.get("/actors", operation_id="list_actors")
def actors(store: StoreDep) -> ActorListOut:
    """Every enrolled actor's keys, role and affiliation, with the log indices of their
    validity: what a verifier needs to check each event's signature."""
    items = [ActorOut.of(record) for record in key_service.list_keys(store)]
    return ActorListOut(items=items, total=len(items))


# --- reports ------------------------------------------------------------------------------------


@router.get("/reports", operation_id="list_reports")
def reports(
    store: StoreDep,
    viewer: ViewerDep,
    kind: Annotated[str | None, Query(description="allegation or compliance_claim")] = None,
    status: Annotated[str | None, Query(description="active, corrected or withdrawn")] = None,
    act: Annotated[str | None, Query(description="A prohibited act of the agreement.")] = None,
    party: Annotated[str | None, Query(description="Alleged against or reported by.")] = None,
    sector: Annotated[
        str | None,
        Query(
            description="A sector of the agreement: the one a report names, or, for one that "
            "names none (as imports do), the one its point lies in, as the caller sees it."
        ),
    ] = None,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
    since: Annotated[date | None, Query(description="Dates overlapping from this day.")] = None,
    until: Annotated[date | None, Query(description="Dates overlapping up to this day.")] = None,
    origin: Annotated[
        list[str] | None,
        Query(
            description=f"A dataset's row, `dataset:id` (e.g. `ucdp-ged:59553`), as an import "
            f"keys it; repeat for several (at most {MAX_ORIGINS}).",
        ),
    ] = None,
    dataset: Annotated[
        str | None,
        Query(
            description="Only reports imported from this dataset (e.g. `ucdp-candidate`): "
            "those whose origin begins `dataset:`.",
            max_length=MAX_NAME,
        ),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> ReportPageOut:
    """The reports the caller may see, newest first: ``total`` counts only those. An importer
    signing on its own machine asks by ``origin`` which of its rows the record holds already."""
    if origin is not None and len(origin) > MAX_ORIGINS:
        raise InvalidInput(
            f"at most {MAX_ORIGINS} origins a request, found {len(origin)}", field="origin"
        )
    query = report_service.ReportFilter(
        kind=kind,
        status=status,
        act=act,
        party=party,
        sector=sector,
        bbox=parse_bbox(bbox),
        since=since,
        until=until,
        before=decode_cursor(cursor),
        limit=limit,
        origins=tuple(origin or ()),
        dataset=dataset or None,
    )
    page = report_service.page_reports(store, viewer, query)
    last = page.reports[-1].index if page.reports and page.more else None
    return ReportPageOut(
        items=[ReportOut.of(view) for view in page.reports],
        total=page.total,
        next_cursor=encode_cursor(last) if last is not None else None,
    )


@router.get("/reports/{report_id}", operation_id="get_report")
def report(store: StoreDep, viewer: ViewerDep, report_id: str) -> ReportDetailOut:
    """One report as the caller may see it (404 as for a missing one if it may not), with its
    place measured: the side of the border, the sector, and where the point contradicts the
    country or sector the report names."""
    view = report_service.show_report(store, viewer, report_id)
    return ReportDetailOut.detail(view, geography.report_place(store, view.body))


@router.get("/reports/{report_id}/evidence", operation_id="list_report_evidence")
def report_evidence(store: StoreDep, viewer: ViewerDep, report_id: str) -> ListOut:
    """The files submitted for a report (and the versions it corrects) the caller may see."""
    report_service.show_report(store, viewer, report_id)
    views = evidence_service.evidence_for_report(store, viewer, report_id)
    items = [EvidenceSubmissionOut.of(v).model_dump() | {"sha256": v.sha256} for v in views]
    return ListOut(items=items, total=len(items))


# --- evidence -----------------------------------------------------------------------------------


@router.get("/evidence/{sha256}", operation_id="get_evidence")
def evidence(store: StoreDep, viewer: ViewerDep, sha256: Sha256) -> EvidenceOut:
    """A file's submissions the caller may see: metadata, flags and chain of custody."""
    views = evidence_service.evidence_of(store, viewer, sha256)
    return EvidenceOut(sha256=sha256, submissions=[EvidenceSubmissionOut.of(v) for v in views])


@router.get(
    "/evidence/{sha256}/content",
    operation_id="get_evidence_content",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file."}},
)
def evidence_content(
    store: StoreDep,
    viewer: ViewerDep,
    locker: Annotated[BlobStore, Depends(blobs)],
    sha256: Sha256,
) -> FileResponse:
    """The file's bytes, for a caller who may see one of its submissions."""
    views = evidence_service.evidence_of(store, viewer, sha256)
    if not locker.exists(sha256):
        raise NotFound(f"evidence {sha256} is no longer in the locker (erased)", field="sha256")
    media_type = views[0].metadata.media_type
    return FileResponse(
        locker.path(sha256),
        media_type=media_type,
        headers={"Cache-Control": PRIVATE, "Vary": "Authorization", "ETag": f'"{sha256}"'}
        | content_headers(views[0].name, media_type),
    )
