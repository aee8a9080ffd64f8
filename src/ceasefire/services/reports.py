"""Reports: allegations and compliance claims, submitted, corrected, withdrawn, disclosed, read.

A report is never edited: a correction or a withdrawal is a new signed event pointing to the
old one. What a reader gets is decided by the one policy (``domain.policy``): a confidential
report only where the policy allows, and withheld sources and blurred places for whoever may
not see them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.actors import Actor, actor_from
from ceasefire.domain.policy import Action, decide, may_read
from ceasefire.domain.reports import check_report, parse_report, public_view
from ceasefire.errors import CeasefireError, Conflict, NotFound
from ceasefire.log.keys import SigningKey
from ceasefire.services.agreements import require_in_force
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
    kind: str | None = None
    status: str | None = None
    act: str | None = None
    party: str | None = None
    limit: int = 100


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
    if not may_read(viewer_of(store, key.name), record_of(row)):
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
    records: RecordStore, viewer: Actor | None, query: ReportFilter = ReportFilter()
) -> list[ReportView]:
    """The reports ``viewer`` may see, newest first, filtered."""
    rows = sorted(records.table(pj.REPORTS), key=lambda r: r["idx"], reverse=True)
    found = []
    for row in rows:
        if not may_read(viewer, record_of(row)) or not _matches(row, query):
            continue
        found.append(view_of(row, viewer))
        if len(found) >= query.limit:
            break
    return found


def show_report(records: RecordStore, viewer: Actor | None, report_id: str) -> ReportView:
    row = _row(records, report_id)
    if not may_read(viewer, record_of(row)):
        # The same answer as for a report that does not exist: no oracle for confidential ids.
        raise NotFound(f"no report {report_id} in the record", field="report")
    return view_of(row, viewer)


def viewer_of(store: LogStore, actor_id: str | None) -> Actor | None:
    """The actor a command reads as (None: the public)."""
    if actor_id is None:
        return None
    record = next((r for r in store.key_records() if r.actor == actor_id), None)
    if record is None:
        raise NotFound(f"no actor {actor_id!r} is enrolled", field="as")
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
    viewer = viewer_of(store, key.name)
    adoption = require_in_force(store)
    try:
        check_report(report, adoption.agreement, submitter_party=viewer.party() if viewer else None)
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


def _matches(row: Row, query: ReportFilter) -> bool:
    return (
        (query.kind is None or row["kind"] == query.kind)
        and (query.status is None or row["status"] == query.status)
        and (query.act is None or row["act"] == query.act)
        and (query.party is None or query.party in (row["alleged_party"], row["affiliation"]))
    )
