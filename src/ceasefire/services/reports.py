"""Reports: allegations and compliance claims, submitted, corrected, withdrawn, disclosed, read.

A report is never edited: a correction or a withdrawal is a new signed event pointing to the
old one. What a reader gets is decided by the one policy (``domain.policy``): a confidential
report only where the policy allows, and withheld sources and blurred places for whoever may
not see them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Final, Protocol

from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.actors import Actor, Role, actor_from
from ceasefire.domain.policy import Action, decide, may_read
from ceasefire.domain.report_kinds import ReportKind
from ceasefire.domain.reports import check_report, parse_report, public_view
from ceasefire.domain.sectors import NO_SECTORS, Sectors
from ceasefire.errors import CeasefireError, Conflict, InvalidInput, NotFound, PermissionDenied
from ceasefire.log.envelope import format_time, parse_time
from ceasefire.log.keys import SigningKey
from ceasefire.services.agreements import check_terms, in_force_now, require_in_force
from ceasefire.services.log import Appended, submit
from ceasefire.services.ports import Clock, LogStore, RecordStore, Row, Store
from ceasefire.services.record import record_of


@dataclass(frozen=True)
class Submitted:
    report: str
    appended: Appended


@dataclass(frozen=True)
class ReportView:
    """A report as one reader may see it."""

    id: str
    index: int
    actor: str
    affiliation: str | None
    kind: str | None
    status: str
    confidential: bool
    disclosed_at: int | None
    corrects: str | None
    superseded_by: str | None
    withdrawn_at: int | None
    time: str
    body: Mapping[str, Any] | None
    """None when the reader may not see the content (or this store does not hold it)."""
    redacted: bool


@dataclass(frozen=True)
class ReportFilter:
    """Which reports to list. ``bbox`` (min_lon, min_lat, max_lon, max_lat), ``sector`` and
    the dates (a report matches when its dates overlap ``since``..``until``) are matched
    against the report as the reader sees it, so a blurred place cannot be located by
    narrowing a box or naming a sector. A report is in the sector it names, or, naming none,
    in the one its point lies in among ``sectors`` (``domain.sectors``; :func:`page_reports`
    gives the agreement in force's). ``before`` is a log index: list only reports older than
    it. ``origins`` (``dataset:id``, what an import keys a row by): only reports of those
    dataset rows; ``dataset``: only reports imported from that dataset (whose origin begins
    ``dataset:``)."""

    kind: str | None = None
    status: str | None = None
    act: str | None = None
    party: str | None = None
    limit: int = 100
    sector: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    since: date | None = None
    until: date | None = None
    before: int | None = None
    origins: tuple[str, ...] = ()
    dataset: str | None = None
    sectors: Sectors | None = None

    def __post_init__(self) -> None:
        """A value no report can have is refused, not answered with an empty list; ``status``
        ``all`` is no status filter, as the exports read it."""
        if self.status == ALL_STATUSES:
            object.__setattr__(self, "status", None)
        for field, value, known in (
            ("status", self.status, STATUSES),
            ("kind", self.kind, KINDS),
        ):
            if value is not None and value not in known:
                raise InvalidInput(
                    f"no report has {field} {value!r}: expected one of {', '.join(known)}",
                    field=field,
                )
        if self.since is not None and self.until is not None and self.until < self.since:
            raise InvalidInput(
                f"the period ends ({self.until.isoformat()}) before it begins "
                f"({self.since.isoformat()})",
                field="until",
            )


ALL_STATUSES: Final = "all"
STATUSES: Final = (pj.ACTIVE, pj.CORRECTED, pj.WITHDRAWN)
KINDS: Final = tuple(kind.value for kind in ReportKind)


@dataclass(frozen=True)
class ReportPage:
    """One page of the reports a reader may see: ``total`` counts every one that matches
    (no more than the reader may see), ``more`` says whether a page follows."""

    reports: list[ReportView]
    total: int
    more: bool


@dataclass(frozen=True)
class ReadScope:
    """``domain.policy``'s reading rules for one reader, as a store's query can apply them:
    the mediators' side (``everything``) reads every report and sees every source; anyone
    else reads the public record, plus, unblurred and with sources, what ``actor`` submitted
    and (for a liaison) what its party's ``affiliation`` submitted. The public has neither.
    ``tests/api/test_pagination_keyset.py`` holds this to the policy itself."""

    everything: bool
    actor: str | None
    affiliation: str | None


@dataclass(frozen=True)
class ReportRows:
    """A page of ``rm_reports`` rows, newest first, the count of all that match, and whether
    more follow."""

    rows: list[Row]
    total: int
    more: bool


class ReportQueries(RecordStore, Protocol):
    """The read models, and the report pages a store selects itself."""

    def report_page(
        self, scope: ReadScope, query: ReportFilter, also: Collection[int] = ()
    ) -> ReportRows:
        """Rows ``scope`` may read that match ``query`` (a box or a sector only where the place
        is seen as stored, or the row is named in ``also``), newest first, before
        ``query.before``."""
        ...

    def report_times(self, scope: ReadScope, since: str) -> list[str]:
        """When each report ``scope`` may read entered the log (its ``time`` as stored), for
        those stored at ``since`` or later (text order), corrections left out."""
        ...

    def blurred_candidates(self, scope: ReadScope, query: ReportFilter) -> list[Row]:
        """With a box or a sector: readable rows matching every other filter whose place
        ``scope`` sees blurred (to be checked as seen); none without either."""
        ...


def submit_report(
    store: Store,
    body: Mapping[str, Any],
    *,
    key: SigningKey,
    confidential: bool,
    log_key: SigningKey,
    clock: Clock,
) -> Submitted:
    """Check the report against the agreement in force, sign it and append it."""
    _precheck(store, key, body)
    appended, envelope = submit(
        store,
        key,
        events.REPORT_SUBMITTED,
        body,
        log_key=log_key,
        clock=clock,
        confidential=confidential,
    )
    return Submitted(envelope.id, appended)


def correct_report(
    store: Store,
    report_id: str,
    body: Mapping[str, Any],
    *,
    reason: str,
    key: SigningKey,
    confidential: bool,
    log_key: SigningKey,
    clock: Clock,
) -> Submitted:
    _precheck(store, key, body, where="report")
    event = {"corrects": report_id, "reason": reason, "report": dict(body)}
    appended, envelope = submit(
        store,
        key,
        events.REPORT_CORRECTED,
        event,
        log_key=log_key,
        clock=clock,
        confidential=confidential,
    )
    return Submitted(envelope.id, appended)


def withdraw_report(
    store: LogStore,
    report_id: str,
    *,
    reason: str,
    key: SigningKey,
    log_key: SigningKey,
    clock: Clock,
) -> Appended:
    body = {"report": report_id, "reason": reason}
    appended, _ = submit(store, key, events.REPORT_WITHDRAWN, body, log_key=log_key, clock=clock)
    return appended


def disclose_report(
    store: Store,
    report_id: str,
    *,
    key: SigningKey,
    log_key: SigningKey,
    clock: Clock,
) -> Appended:
    """Publish a confidential report's salt and content: anyone can check they open the
    commitment the log has held since the report was submitted."""
    row = _row(store, report_id)
    if not may_read(signer_of(store, key.name), record_of(row)):
        raise NotFound(f"no report {report_id} in the record", field="report")
    if row["sealed_commitment"] is None:
        raise Conflict(
            f"report {report_id} is not confidential: it is public already", field="report"
        )
    sealed = store.sealed(row["sealed_commitment"])
    body = {
        "report": report_id,
        "salt": base64.b64encode(sealed.salt).decode(),
        "body": json.loads(sealed.body),
    }
    appended, _ = submit(store, key, events.REPORT_DISCLOSED, body, log_key=log_key, clock=clock)
    return appended


def list_reports(
    records: ReportQueries, viewer: Actor | None, query: ReportFilter = ReportFilter()
) -> list[ReportView]:
    """The reports ``viewer`` may see, newest first, filtered."""
    return page_reports(records, viewer, query).reports


def page_reports(
    records: ReportQueries, viewer: Actor | None, query: ReportFilter = ReportFilter()
) -> ReportPage:
    """A page of the reports ``viewer`` may see, newest first, filtered, with their count.

    The store selects, counts and pages in SQL (``report_page``); only the page's rows are
    redacted. A box or a sector over places this reader sees blurred is the exception: those
    rows are checked here as the reader sees them, and named to the store."""
    check_terms(records, act=query.act, party=query.party, sector=query.sector)
    query = with_sectors(records, query)
    scope = scope_of(viewer)
    also = [
        row["idx"]
        for row in records.blurred_candidates(scope, query)
        if _matches_view(view_of(row, viewer), query)
    ]
    found = records.report_page(scope, query, also)
    return ReportPage([view_of(row, viewer) for row in found.rows], found.total, found.more)


def with_sectors(records: RecordStore, query: ReportFilter) -> ReportFilter:
    """``query`` with the sectors of the agreement in force to measure places by, when it asks
    for a sector and brings none (no agreement in force: a report is in the sector it names)."""
    if query.sector is None or query.sectors is not None:
        return query
    adoption = in_force_now(records)
    return replace(
        query, sectors=Sectors.of(adoption.agreement.sectors) if adoption else NO_SECTORS
    )


def report_times(records: ReportQueries, viewer: Actor | None, since: datetime) -> list[datetime]:
    """When each report ``viewer`` may see entered the log, after ``since``, corrections left
    out: what the dashboard counts, without reading a body."""
    coarse = format_time(since.replace(microsecond=0) - timedelta(seconds=1))  # text order
    times = (parse_time(text) for text in records.report_times(scope_of(viewer), coarse))
    return [time for time in times if time > since]


def scope_of(viewer: Actor | None) -> ReadScope:
    """What ``policy`` lets ``viewer`` read, as the store can ask it (see :class:`ReadScope`)."""
    if viewer is None:
        return ReadScope(everything=False, actor=None, affiliation=None)
    liaison = viewer.role is Role.LIAISON
    return ReadScope(viewer.is_staff, viewer.id, viewer.affiliation if liaison else None)


def show_report(records: RecordStore, viewer: Actor | None, report_id: str) -> ReportView:
    row = _row(records, report_id)
    if not may_read(viewer, record_of(row)):
        # The same answer as for a report that does not exist: no oracle for confidential ids.
        raise NotFound(f"no report {report_id} in the record", field="report")
    return view_of(row, viewer)


def status_note(store: Store, view: ReportView) -> str | None:
    """Why a report is no longer active, from the event that ended it: ``withdrawn at index 234
    by press-watch: <reason>`` or ``corrected by report <id> (index 240) by …: <reason>``; None
    for an active report. A sealed withdrawal or correction gives its index and actor only."""
    if view.withdrawn_at is not None:
        at, what = view.withdrawn_at, f"withdrawn at index {view.withdrawn_at}"
    elif view.superseded_by is not None:
        rows = store.find(pj.REPORTS, "id", [view.superseded_by])
        if not rows:
            return f"corrected by report {view.superseded_by}"
        at = int(rows[0]["idx"])
        what = f"corrected by report {view.superseded_by} (index {at})"
    else:
        return None
    ((_, leaf),) = store.entries_at([at])
    envelope = json.loads(leaf)
    reason = (envelope.get("body") or {}).get("reason")
    return f"{what} by {envelope['actor']}" + (f": {reason}" if reason else "")


def viewer_of(store: LogStore, actor_id: str | None, field: str = "as") -> Actor | None:
    """The actor a command reads (or acts) as (None: the public); NotFound names ``field``
    when none is enrolled."""
    if actor_id is None:
        return None
    record = next((r for r in store.key_records() if r.actor == actor_id), None)
    if record is None:
        raise NotFound(f"no actor {actor_id!r} is enrolled", field=field)
    return actor_from(record.actor, record.role, record.affiliation)


def signer_of(store: LogStore, key_name: str) -> Actor:
    """The enrolled actor a signing key acts for; PermissionDenied naming ``key`` when none is
    (the log would refuse whatever the key signs: the README's "an unknown key")."""
    record = next((r for r in store.key_records() if r.actor == key_name), None)
    if record is None:
        raise PermissionDenied(
            f"the key signs as {key_name!r}, an actor this log has not enrolled "
            "(`ceasefire actors enrol`, by the operator)",
            field="key",
        )
    return actor_from(record.actor, record.role, record.affiliation)


def view_of(row: Row, viewer: Actor | None) -> ReportView:
    body = json.loads(row["body"]) if row["body"] is not None else None
    redacted = False
    if body is not None and not decide(viewer, Action.READ_SOURCES, record_of(row)):
        public = public_view(parse_report(body))
        body, redacted = public, public != body
    return ReportView(
        id=row["id"],
        index=row["idx"],
        actor=row["actor"],
        affiliation=row["affiliation"],
        kind=row["kind"],
        status=row["status"],
        confidential=bool(row["confidential"]),
        disclosed_at=row["disclosed_at"],
        corrects=row["corrects"],
        superseded_by=row["superseded_by"],
        withdrawn_at=row["withdrawn_at"],
        time=row["time"],
        body=body,
        redacted=redacted,
    )


def _precheck(
    store: Store,
    key: SigningKey,
    body: Mapping[str, Any],
    where: str = "",
) -> None:
    """The checks admission will make, made first so errors name the report's own fields."""
    try:
        report = parse_report(body)
    except CeasefireError as exc:
        raise type(exc)(exc.message, field=_join(where, exc.field)) from exc
    viewer = signer_of(store, key.name)
    adoption = require_in_force(store)
    try:
        check_report(report, adoption.agreement, submitter_party=viewer.party())
    except CeasefireError as exc:
        raise type(exc)(exc.message, field=_join(where, exc.field)) from exc


def _join(where: str, field: str | None) -> str | None:
    if not where:
        return field
    return f"{where}.{field}" if field else where


def _row(records: RecordStore, report_id: str) -> Row:
    rows = records.find(pj.REPORTS, "id", [report_id])
    if not rows:
        raise NotFound(f"no report {report_id} in the record", field="report")
    return rows[0]


def _matches_view(view: ReportView, query: ReportFilter) -> bool:
    """The filters on what the report says, as this reader sees it (blurred, redacted)."""
    if query.sector is None and query.bbox is None and query.since is None and query.until is None:
        return True
    body = view.body or {}
    location = body.get("location") or {}
    dates = body.get("dates") or {}
    sectors = query.sectors or NO_SECTORS
    if query.sector is not None and sectors.of_place(location) != query.sector:
        return False
    if query.bbox is not None:
        lon, lat = location.get("longitude"), location.get("latitude")
        min_lon, min_lat, max_lon, max_lat = query.bbox
        if (
            lon is None
            or lat is None
            or not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat)
        ):
            return False
    start, end = dates.get("start"), dates.get("end") or dates.get("start")
    if query.since is not None and (end is None or end < query.since.isoformat()):
        return False
    return query.until is None or (start is not None and start <= query.until.isoformat())
