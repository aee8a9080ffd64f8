"""Exporting reports: what one reader may see, filtered, as ACLED, UCDP, GeoJSON or CSV.

The reports come from :func:`ceasefire.services.reports.page_reports`, so the one policy
decides what the reader gets: a confidential report only where it may read it, and every
report redacted (withheld sources, blurred places) as :func:`~ceasefire.services.reports.
view_of` gives it. The writers never reach behind the redacted body (see
:mod:`ceasefire.interchange.writers`).

Each row says the report's incident and that incident's verification status, as the map
tells it (:func:`ceasefire.services.map_data.status_of`: unconfirmed, confirmed, case,
dismissed, verified), both from one fold of the log; the same status filters the export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Final, Protocol

from ceasefire.domain.actors import Actor
from ceasefire.interchange import writers
from ceasefire.interchange.formats import Format
from ceasefire.services import incidents, map_data
from ceasefire.services.agreements import in_force_now
from ceasefire.services.incidents import IncidentFolds
from ceasefire.services.map_data import MapStatus
from ceasefire.services.ports import Store
from ceasefire.services.reports import ReportFilter, ReportQueries, ReportView, page_reports

_ALL: Final = 10**12
Lookup = Callable[[str], str | None]
"""report id → what the export says of it beyond its body (None: nothing)."""


class ExportStore(Store, ReportQueries, Protocol):
    """A store that lists reports and folds the log into incidents (the SQL store is both)."""


def not_linked(_report_id: str) -> str | None:
    return None


@dataclass(frozen=True)
class Links:
    """Each report's incident and that incident's verification status (None: the report is
    linked to none; a confidential one never is, incidents being formed from the public
    record)."""

    incident_of: Lookup = not_linked
    verification_of: Lookup = not_linked


def links_of(store: Store, folds: IncidentFolds | None = None) -> Links:
    """The links of every report, from one fold of the log (``folds``: the app's, kept)."""
    folds = folds or IncidentFolds()
    return Links(incidents.incident_of(store, folds), map_data.verification_of(store, folds))


@dataclass(frozen=True)
class ExportFilter:
    """Which reports: dates overlapping ``since``..``until``, inside ``bbox`` (min_lon,
    min_lat, max_lon, max_lat), of an agreement act or a dataset's event type
    (``event_type``, matched as a prefix, so ``Battles`` takes every ACLED battle), involving
    ``party`` (alleged or submitting), with the report status ``status`` (active, corrected,
    withdrawn; None or ``all``: every one, as ``ReportFilter`` reads it), and whose incident
    has the verification status ``verification`` (see ``services.map_data``; a report linked
    to no incident has none, so that it is in no export filtered by status)."""

    since: date | None = None
    until: date | None = None
    bbox: tuple[float, float, float, float] | None = None
    act: str | None = None
    event_type: str | None = None
    party: str | None = None
    status: str | None = "active"
    kind: str | None = None
    verification: MapStatus | None = None


def export_reports(
    store: ExportStore,
    viewer: Actor | None,
    fmt: Format,
    out: IO[str],
    query: ExportFilter = ExportFilter(),
    *,
    folds: IncidentFolds | None = None,
) -> int:
    """Write the reports ``viewer`` may see that match ``query`` to ``out``, each with its
    incident and that incident's verification status; returns how many."""
    rows = _rows(store, viewer, query, links_of(store, folds))
    match fmt:
        case Format.ACLED:
            return writers.write_acled(rows, out, _act_classes(store))
        case Format.UCDP:
            return writers.write_ucdp(rows, out, _act_classes(store))
        case Format.GEOJSON:
            return writers.write_geojson(rows, out)
        case Format.CSV:
            return writers.write_plain(rows, out)


def _act_classes(store: Store) -> writers.ActClasses:
    """How the agreement in force classes its acts in the datasets' terms (none before one is
    adopted: an export of an empty record)."""
    adopted = in_force_now(store)
    return writers.act_classes(adopted.agreement.acts) if adopted is not None else {}


def _rows(
    records: ReportQueries, viewer: Actor | None, query: ExportFilter, links: Links
) -> Iterator[writers.ExportRow]:
    for view in _views(records, viewer, query):
        verification = links.verification_of(view.id)
        if query.verification is not None and verification != query.verification:
            continue
        incident = links.incident_of(view.id)
        yield writers.ExportRow(view.id, view.body or {}, incident, view.redacted, verification)


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
