"""Exporting reports: what one reader may see, filtered, as ACLED, UCDP, GeoJSON or CSV.

The reports come from :func:`ceasefire.services.reports.page_reports`, so the one policy
decides what the reader gets: a confidential report only where it may read it, and every
report redacted (withheld sources, blurred places) as :func:`~ceasefire.services.reports.
view_of` gives it. The writers never reach behind the redacted body (see
:mod:`ceasefire.interchange.writers`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Final

from ceasefire.domain.actors import Actor
from ceasefire.interchange import writers
from ceasefire.interchange.formats import Format
from ceasefire.services.reports import ReportFilter, ReportQueries, ReportView, page_reports

_ALL: Final = 10**12
IncidentOf = Callable[[str], str | None]


def not_linked(_report_id: str) -> str | None:
    return None


@dataclass(frozen=True)
class ExportFilter:
    """Which reports: dates overlapping ``since``..``until``, inside ``bbox`` (min_lon,
    min_lat, max_lon, max_lat), of an agreement act or a dataset's event type
    (``event_type``, matched as a prefix, so ``Battles`` takes every ACLED battle), involving
    ``party`` (alleged or submitting), with the report status ``status`` (active, corrected,
    withdrawn; None or ``all``: every one, as ``ReportFilter`` reads it), and whose incident
    has the verification status ``verification`` (unconfirmed, confirmed, case, dismissed,
    verified: see ``services.map_data``; a report linked to no incident has none)."""

    since: date | None = None
    until: date | None = None
    bbox: tuple[float, float, float, float] | None = None
    act: str | None = None
    event_type: str | None = None
    party: str | None = None
    status: str | None = "active"
    kind: str | None = None
    verification: str | None = None


def export_reports(
    records: ReportQueries,
    viewer: Actor | None,
    fmt: Format,
    out: IO[str],
    query: ExportFilter = ExportFilter(),
    *,
    incident_of: IncidentOf = not_linked,
    verification_of: Callable[[str], str | None] = not_linked,
) -> int:
    """Write the reports ``viewer`` may see that match ``query`` to ``out``; returns how many.
    ``verification_of`` gives a report's verification status (``query.verification``)."""
    rows = (
        writers.ExportRow(view.id, view.body or {}, incident_of(view.id), view.redacted)
        for view in _views(records, viewer, query)
        if query.verification is None or verification_of(view.id) == query.verification
    )
    match fmt:
        case Format.ACLED:
            return writers.write_acled(rows, out)
        case Format.UCDP:
            return writers.write_ucdp(rows, out)
        case Format.GEOJSON:
            return writers.write_geojson(rows, out)
        case Format.CSV:
            return writers.write_plain(rows, out)


def _views(
    records: ReportQueries, viewer: Actor | None, query: ExportFilter
) -> Iterator[ReportView]:
    listing = ReportFilter(
        kind=query.kind,
        status=query.status,
        act=query.act,
        party=query.party,
        limit=_ALL,
        bbox=query.bbox,
        since=query.since,
        until=query.until,
    )
    page = page_reports(records, viewer, listing)
    for view in reversed(page.reports):  # oldest first, as datasets are
        if view.body is None:
            continue  # the reader may know it exists but not what it says
        if query.event_type is not None and not writers.event_type(view.body).startswith(
            query.event_type
        ):
            continue
        yield view
