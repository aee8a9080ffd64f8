"""Exports: the reports the caller may see, filtered, as ACLED, UCDP GED, GeoJSON or CSV.

``services.exports`` writes them, through the one policy: a confidential report appears only
for a caller who may read it, and every report is redacted as the caller sees it (withheld
sources, blurred places). Each row carries its ``incident_id`` from the app's incident fold, and
that incident's ``verification`` status, which also filters the export.
The file is written to a spooled temporary file (memory, then disk past a few MiB) and streamed
from there; ``X-Export-Count`` says how many reports it holds.

Imports come in as client-signed envelopes (the server never signs for an importer): see
``POST /api/v1/events/batch`` in ``api.routes_events`` and ``ceasefire import --url``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date
from typing import IO, Annotated, Final, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from ceasefire.api.deps import IncidentFoldsDep, StoreDep, ViewerDep
from ceasefire.api.filters import parse_bbox
from ceasefire.api.problems import documented
from ceasefire.api.routes_incidents import BboxQuery
from ceasefire.api.routes_record import PRIVATE, private
from ceasefire.interchange.formats import Format
from ceasefire.services import exports as export_service
from ceasefire.services.map_data import MapStatus

MEDIA_TYPES: Final = {
    Format.ACLED: "text/csv",
    Format.UCDP: "text/csv",
    Format.CSV: "text/csv",
    Format.GEOJSON: "application/geo+json",
}
SUFFIXES: Final = {Format.GEOJSON: "geojson"}
SPOOL: Final = 8 * 1024 * 1024
CHUNK: Final = 64 * 1024
COUNT: Final = "X-Export-Count"
Verification = Literal["unconfirmed", "confirmed", "dismissed", "case", "verified"]
"""``services.map_data.MapStatus``, spelt out so that the contract names no internal type."""

router = APIRouter(
    tags=["interchange"], dependencies=[Depends(private)], responses=documented(401, 422)
)


@router.get(
    "/exports/{format}",
    operation_id="export_reports",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The export, one row (or feature) per report, oldest first.",
            "content": {"text/csv": {}, "application/geo+json": {}},
            "headers": {
                COUNT: {"description": "How many reports it holds.", "schema": {"type": "integer"}}
            },
        }
    },
)
def export(
    store: StoreDep,
    folds: IncidentFoldsDep,
    viewer: ViewerDep,
    format: Format,
    since: Annotated[date | None, Query(description="Dates overlapping from this day.")] = None,
    until: Annotated[date | None, Query(description="Dates overlapping up to this day.")] = None,
    bbox: BboxQuery = None,
    act: Annotated[str | None, Query(description="An act id of the agreement.")] = None,
    event_type: Annotated[
        str | None, Query(description="A dataset event type (prefix), e.g. Battles.")
    ] = None,
    party: Annotated[str | None, Query(description="Alleged against or reported by.")] = None,
    status: Annotated[
        Literal["active", "corrected", "withdrawn", "all"], Query(description="Report status.")
    ] = "active",
    kind: Annotated[str | None, Query(description="allegation, observation, …")] = None,
    verification: Annotated[
        Verification | None,
        Query(description="The verification status of the report's incident (as on the map)."),
    ] = None,
) -> StreamingResponse:
    """The reports the caller may see (redacted as it sees them) that match the filters,
    each with its ``incident_id`` and that incident's ``verification`` status."""
    query = export_service.ExportFilter(
        since=since,
        until=until,
        bbox=parse_bbox(bbox),
        act=act,
        event_type=event_type,
        party=party,
        status=status,
        kind=kind,
        verification=None if verification is None else MapStatus(verification),
    )
    spool: IO[str] = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed by the stream
        max_size=SPOOL, mode="w+", encoding="utf-8", newline=""
    )
    try:
        count = export_service.export_reports(store, viewer, format, spool, query, folds=folds)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    name = f"ceasefire-{format.value}.{SUFFIXES.get(format, 'csv')}"
    return StreamingResponse(
        _chunks(spool),
        media_type=MEDIA_TYPES[format],
        headers={
            COUNT: str(count),
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": PRIVATE,
            "Vary": "Authorization",
        },
    )


def _chunks(spool: IO[str]) -> Iterator[str]:
    with spool:
        while chunk := spool.read(CHUNK):
            yield chunk
