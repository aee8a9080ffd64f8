"""Pages of reports straight from ``rm_reports``: visibility, filters and keyset in SQL.

The rules are the service's (``services.reports``), written here as SQL: a
:class:`~ceasefire.services.reports.ReadScope` says which confidential rows a reader may read
and whose places it sees unblurred; the filter's columns are the report's own. The sector a
report is in is ``domain.sectors``' rule (the one it names, else the one whose box holds its
point, nearest centre first), written with the same arithmetic so that it agrees exactly. The
filters SQL cannot decide are those on a place the reader sees blurred (a box, a sector):
those rows are left out of :func:`report_page` unless the service names them in ``also`` (it
finds them with :func:`blurred_candidates` and checks each as the reader sees it).

Pages run newest first on ``idx`` (unique: a report's submission index), so a cursor is the
last index shown and a page reads at most ``limit + 1`` rows through the ``idx`` index.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Connection,
    Text,
    and_,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
)

from ceasefire.domain.report_origin import origin_key
from ceasefire.domain.sectors import SectorBox, Sectors
from ceasefire.services.ports import Row
from ceasefire.services.reports import ReadScope, ReportFilter, ReportRows
from ceasefire.storage.report_bodies import body_sql, rows_of
from ceasefire.storage.tables import rm_reports

_r = rm_reports.c


def report_page(
    connection: Connection, scope: ReadScope, query: ReportFilter, also: Collection[int] = ()
) -> ReportRows:
    """The page ``query`` asks for, the rows ``scope`` may read, with their count."""
    dialect = connection.dialect.name
    matching = and_(_readable(scope), _filters(query, dialect), _in_place(scope, query, also))
    total = connection.execute(
        select(func.count()).select_from(rm_reports).where(matching)
    ).scalar_one()
    page = rows_of(rm_reports, connection.dialect.name).where(matching)
    if query.before is not None:
        page = page.where(_r.idx < query.before)
    page = page.order_by(_r.idx.desc()).limit(query.limit + 1)
    rows: list[Row] = [dict(row._mapping) for row in connection.execute(page)]
    return ReportRows(rows[: query.limit], int(total), len(rows) > query.limit)


def report_times(connection: Connection, scope: ReadScope, since: str) -> list[str]:
    """When each report ``scope`` may read entered the log, from ``since`` on (the times as
    stored; the caller compares them exactly), corrections left out: counts without bodies."""
    query = select(_r.time).where(_readable(scope), _r.corrects.is_(None), _r.time >= since)
    return [str(time) for time in connection.execute(query).scalars()]


def blurred_candidates(connection: Connection, scope: ReadScope, query: ReportFilter) -> list[Row]:
    """Readable rows matching every filter but the place (box, sector) whose place ``scope``
    sees blurred; of them, with a sector asked, those naming it or none."""
    if (query.bbox is None and query.sector is None) or scope.everything:
        return []
    where = and_(
        _readable(scope),
        _filters(query, connection.dialect.name),
        _r.blurred,
        not_(_sees_sources(scope)),
        _r.latitude.is_not(None),
        _r.longitude.is_not(None),
    )
    if query.sector is not None:
        where = and_(where, or_(_r.sector.is_(None), _r.sector == query.sector))
    return [
        dict(row._mapping)
        for row in connection.execute(rows_of(rm_reports, connection.dialect.name).where(where))
    ]


def _readable(scope: ReadScope) -> ColumnElement[bool]:
    """``policy`` READ: the public record, or everything for the mediators' side, or the
    reader's own and (for a liaison) its party's."""
    if scope.everything:
        return true()
    return or_(_r.confidential.is_(False), _r.disclosed_at.is_not(None), _sees_sources(scope))


def _sees_sources(scope: ReadScope) -> ColumnElement[bool]:
    """``policy`` READ_SOURCES: the mediators' side, the submitter, its party's liaisons."""
    if scope.everything:
        return true()
    if scope.actor is None:
        return false()
    own = _r.actor == scope.actor
    if scope.affiliation is None:
        return own
    return or_(own, _r.affiliation == scope.affiliation)


def _filters(query: ReportFilter, dialect: str) -> ColumnElement[bool]:
    """Every filter but the place (box, sector). The dates overlap ``since``..``until`` (an
    open end is the start day); a missing column (content not held) matches no filter on it.
    A dataset is matched on the origin's prefix ``dataset:``, then exactly on the body's own
    ``origin.dataset``: the prefix alone would take ``csv:press-watch``'s rows for ``csv``'s."""
    conditions: list[ColumnElement[bool]] = []
    equal: dict[str, Any] = {"kind": query.kind, "status": query.status, "act": query.act}
    conditions += [_r[name] == value for name, value in equal.items() if value is not None]
    if query.party is not None:
        conditions.append(or_(_r.alleged_party == query.party, _r.affiliation == query.party))
    if query.origins:
        conditions.append(_r.origin.in_(query.origins))
    if query.dataset is not None:
        prefix = origin_key(query.dataset, "")
        conditions.append(func.substr(_r.origin, 1, len(prefix)) == prefix)
        conditions.append(_DATASET[dialect] == query.dataset)
    if query.since is not None:
        end = func.coalesce(func.nullif(_r.end_date, ""), _r.start_date)
        conditions.append(end >= query.since.isoformat())
    if query.until is not None:
        conditions.append(_r.start_date <= query.until.isoformat())
    return and_(true(), *conditions)


_DATASET: Final = {
    "sqlite": literal_column(f"json_extract({body_sql('sqlite')}, '$.origin.dataset')", Text),
    "postgresql": literal_column(
        f"(({body_sql('postgresql')})::json -> 'origin' ->> 'dataset')", Text
    ),
}
"""The dataset a report's body names (``origin.dataset``), read where the body lies."""


def _in_place(scope: ReadScope, query: ReportFilter, also: Collection[int]) -> ColumnElement[bool]:
    """The box and the sector, on the stored place where ``scope`` sees it as stored; a row
    whose place it sees blurred only when the service names it in ``also``."""
    if query.bbox is None and query.sector is None:
        return true()
    stored = and_(_in_box(query), _in_sector(query))
    if scope.everything:
        return stored
    exact = or_(_sees_sources(scope), not_(_r.blurred), _r.body_at.is_(None))
    named = _r.idx.in_(list(also)) if also else false()
    return or_(and_(exact, stored), named)


def _in_box(query: ReportFilter) -> ColumnElement[bool]:
    if query.bbox is None:
        return true()
    min_lon, min_lat, max_lon, max_lat = query.bbox
    return and_(_r.longitude.between(min_lon, max_lon), _r.latitude.between(min_lat, max_lat))


def _in_sector(query: ReportFilter) -> ColumnElement[bool]:
    """``Sectors.of_place`` is ``query.sector``: the report names it, or names none and its
    point lies in the sector's box and is nearer its centre than that of every other box that
    holds it (strictly nearer than those before it in the agreement, which take a tie)."""
    if query.sector is None:
        return true()
    named = _r.sector == query.sector
    sectors = query.sectors
    mine = None if sectors is None else sectors.box(query.sector)
    if sectors is None or mine is None:
        return named
    beaten = [
        or_(not_(_holds(rival)), _nearer(sectors, mine, rival, wins_tie))
        for rival, wins_tie in sectors.rivals(query.sector)
    ]
    located = and_(_r.latitude.is_not(None), _r.longitude.is_not(None))
    return or_(named, and_(_r.sector.is_(None), located, _holds(mine), *beaten))


def _holds(box: SectorBox) -> ColumnElement[bool]:
    west, south, east, north = box.bbox
    return and_(_r.longitude.between(west, east), _r.latitude.between(south, north))


def _nearer(
    sectors: Sectors, mine: SectorBox, rival: SectorBox, wins_tie: bool
) -> ColumnElement[bool]:
    near, far = _distance(sectors, mine), _distance(sectors, rival)
    return near <= far if wins_tie else near < far


def _distance(sectors: Sectors, box: SectorBox) -> ColumnElement[float]:
    """:meth:`Sectors.distance` of the row's point: the same operations on the same doubles,
    in the same order, so SQL and Python rank the centres alike."""
    centre_lat, centre_lon = box.centre
    east, north = _r.longitude - centre_lon, _r.latitude - centre_lat
    return sectors.scale * east * east + north * north
