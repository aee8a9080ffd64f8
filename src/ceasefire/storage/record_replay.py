"""The bulk of a rebuild, projected inside the database: one INSERT … SELECT per table.

A rebuild replays every log entry into the read models. For the projections that make up
almost all of a log — the rows that a public ``report.submitted``, ``evidence.submitted`` or
``custody.recorded`` inserts — the database reads the leaf's JSON itself (SQLite's JSON1,
PostgreSQL's ``json``), which is several times faster than parsing each leaf in Python. Each
of those rows is inserted by its own entry and by nothing else, so the database may write them
before the entries that Python projects. The entries of each type are found through the log's
entry index (``rm_events``, written with the leaves: ``storage.entry_index``). Every other
entry is left to ``domain.projection``, which stays the reference: ``verify`` recomputes the
read models in Python and compares them with what is stored, and the tests compare a rebuild
with an incremental build.

The SQL below mirrors ``projection._report_row``, ``_evidence`` and ``_custody`` column for
column: a change there is a change here. The report's body is not copied: the row says where
it lies (``storage.report_bodies``). Its digest is the entry index's, taken over the leaf's own
``body`` text when the leaf was appended (on PostgreSQL here, over the ``json`` body's text,
which keeps the input's spelling): the SHA-256 of its canonical JSON, as the Python projection
computes it. An evidence row's ``metadata`` is the text of that member as the leaf holds it.
An actor keeps one affiliation (the keyring refuses a second), so the statements join
``log_keys`` once per statement by actor rather than look it up for every row.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Connection, text

from ceasefire.domain import events
from ceasefire.domain.projection import WITHDRAWN

_AFFILIATIONS: Final = (
    "(SELECT actor, max(affiliation) AS affiliation FROM log_keys GROUP BY actor) AS k"
)
_SQLITE_SUBMITTED: Final = f"""
(SELECT e.idx, e.id, e.actor, e.time, e.body_digest, CAST(s.leaf AS TEXT) AS l
 FROM rm_events AS e JOIN log_entries AS s ON s.idx = e.idx
 WHERE e.idx >= :start AND e.idx < :end AND e.type = '{events.REPORT_SUBMITTED}') AS r
"""
"""The reports of the range, with the envelope's fields as the entry index holds them."""
_SQLITE_REPORTS: Final = f"""
INSERT INTO rm_reports (
    id, idx, actor, affiliation, confidential, sealed_commitment, status, corrects,
    superseded_by, withdrawn_at, disclosed_at, time, kind, act, alleged_party, commitment, step,
    start_date, end_date, latitude, longitude, sector, blurred, body_at, body_path, body_sealed,
    digest, origin)
SELECT r.id, r.idx, r.actor, k.affiliation, 0, NULL, 'active', NULL, NULL, NULL, NULL, r.time,
       json_extract(l, '$.body.kind'), json_extract(l, '$.body.act'),
       json_extract(l, '$.body.alleged_party'), json_extract(l, '$.body.commitment'),
       json_extract(l, '$.body.step'), json_extract(l, '$.body.dates.start'),
       json_extract(l, '$.body.dates.end'), json_extract(l, '$.body.location.latitude'),
       json_extract(l, '$.body.location.longitude'), json_extract(l, '$.body.location.sector'),
       json_type(l, '$.body.location.blur_km') IS NOT NULL, r.idx, '$.body', 0,
       r.body_digest,
       json_extract(l, '$.body.origin.dataset') || ':' || json_extract(l, '$.body.origin.id')
FROM {_SQLITE_SUBMITTED} LEFT JOIN {_AFFILIATIONS} ON k.actor = r.actor
WHERE json_type(l, '$.body') = 'object'
"""
_POSTGRES_ENVELOPE: Final = (
    "json_to_record(convert_from({leaf}, 'UTF8')::json) "
    "AS x(id text, type text, actor text, time text, body json)"
)
"""The leaf's fields in one pass of the parser. ``json`` keeps a value's text as it appears in
the input (``jsonb`` would respell the body), and ``json_to_record`` reads every field at once,
where each ``->`` would parse the leaf again."""
_POSTGRES_REPORTS: Final = f"""
INSERT INTO rm_reports (
    id, idx, actor, affiliation, confidential, sealed_commitment, status, corrects,
    superseded_by, withdrawn_at, disclosed_at, time, kind, act, alleged_party, commitment, step,
    start_date, end_date, latitude, longitude, sector, blurred, body_at, body_path, body_sealed,
    digest, origin)
SELECT r.id, r.idx, r.actor, k.affiliation, false, NULL, 'active', NULL, NULL, NULL, NULL, r.time,
       b.kind, b.act, b.alleged_party, b.commitment, b.step, d.start, d."end",
       p.latitude, p.longitude, p.sector, (b.location -> 'blur_km') IS NOT NULL, r.idx, '$.body',
       false, 'sha256:' || encode(sha256(convert_to(r.body::text, 'UTF8')), 'hex'),
       (b.origin ->> 'dataset') || ':' || (b.origin ->> 'id')
FROM (
    SELECT idx, x.* FROM log_entries CROSS JOIN LATERAL {_POSTGRES_ENVELOPE.format(leaf="leaf")}
    WHERE idx >= :start AND idx < :end
      AND x.type = '{events.REPORT_SUBMITTED}' AND json_typeof(x.body) = 'object'
    OFFSET 0  -- a fence: the report's own fields are read from reports only
) AS r
CROSS JOIN LATERAL json_to_record(r.body) AS b(
    kind text, act text, alleged_party text, commitment text, step text, dates json,
    location json, origin json)
CROSS JOIN LATERAL json_to_record(b.dates) AS d(start text, "end" text)
CROSS JOIN LATERAL json_to_record(b.location) AS p(latitude float8, longitude float8, sector text)
LEFT JOIN {_AFFILIATIONS} ON k.actor = r.actor
"""
_SQLITE_TYPED: Final = """
(SELECT e.idx, e.id, e.actor, e.time, CAST(s.leaf AS TEXT) AS l
 FROM rm_events AS e CROSS JOIN log_entries AS s ON s.idx = e.idx
 WHERE e.idx >= :start AND e.idx < :end AND e.type = '{type}') AS r
"""
"""The entries of one type in the range, found by the events statement's rows: SQLite's
``CROSS JOIN`` keeps ``rm_events`` the outer loop, so only those leaves are read (walking the
range's leaves instead costs as much as the reports statement, whatever the type's share)."""
_SQLITE_EVIDENCE: Final = f"""
INSERT INTO rm_evidence (
    idx, id, sha256, report, actor, affiliation, size, name, media_type, captured_at, latitude,
    longitude, device, phash, dhash, phash_mirrored, metadata, confidential, time)
SELECT r.idx, r.id, json_extract(l, '$.body.sha256'), json_extract(l, '$.body.report'), r.actor,
       k.affiliation, json_extract(l, '$.body.size'), json_extract(l, '$.body.name'),
       json_extract(l, '$.body.metadata.media_type'),
       json_extract(l, '$.body.metadata.captured_at'),
       json_extract(l, '$.body.metadata.latitude'), json_extract(l, '$.body.metadata.longitude'),
       json_extract(l, '$.body.metadata.device'), json_extract(l, '$.body.metadata.phash'),
       json_extract(l, '$.body.metadata.dhash'), json_extract(l, '$.body.metadata.phash_mirrored'),
       json_extract(l, '$.body.metadata'), 0, r.time
FROM {_SQLITE_TYPED.format(type=events.EVIDENCE_SUBMITTED)}
LEFT JOIN {_AFFILIATIONS} ON k.actor = r.actor
WHERE json_type(l, '$.body') = 'object'
"""
_SQLITE_CUSTODY: Final = f"""
INSERT INTO rm_custody (idx, sha256, action, actor, to_actor, note, tool, time)
SELECT r.idx, json_extract(l, '$.body.sha256'), json_extract(l, '$.body.action'), r.actor,
       json_extract(l, '$.body.to'), json_extract(l, '$.body.note'),
       json_extract(l, '$.body.tool'), r.time
FROM {_SQLITE_TYPED.format(type=events.CUSTODY_RECORDED)}
WHERE json_type(l, '$.body') = 'object'
"""
_POSTGRES_TYPED: Final = f"""
(SELECT e.idx, x.* FROM rm_events AS e JOIN log_entries AS s ON s.idx = e.idx
 CROSS JOIN LATERAL {_POSTGRES_ENVELOPE.format(leaf="s.leaf")}
 WHERE e.idx >= :start AND e.idx < :end AND e.type = '{{type}}'
   AND json_typeof(x.body) = 'object'
 OFFSET 0) AS r
"""
"""The public entries of one type in the range: only their leaves are parsed (the reports
statement filters on the type it parses, as reports are most of any range)."""
_POSTGRES_EVIDENCE: Final = f"""
INSERT INTO rm_evidence (
    idx, id, sha256, report, actor, affiliation, size, name, media_type, captured_at, latitude,
    longitude, device, phash, dhash, phash_mirrored, metadata, confidential, time)
SELECT r.idx, r.id, b.sha256, b.report, r.actor, k.affiliation, b.size, b.name, m.media_type,
       m.captured_at, m.latitude, m.longitude, m.device, m.phash, m.dhash, m.phash_mirrored,
       b.metadata::text, false, r.time
FROM {_POSTGRES_TYPED.format(type=events.EVIDENCE_SUBMITTED)}
CROSS JOIN LATERAL json_to_record(r.body) AS b(
    sha256 text, report text, size bigint, name text, metadata json)
CROSS JOIN LATERAL json_to_record(b.metadata) AS m(
    media_type text, captured_at text, latitude float8, longitude float8, device text,
    phash text, dhash text, phash_mirrored text)
LEFT JOIN {_AFFILIATIONS} ON k.actor = r.actor
"""
_POSTGRES_CUSTODY: Final = f"""
INSERT INTO rm_custody (idx, sha256, action, actor, to_actor, note, tool, time)
SELECT r.idx, b.sha256, b.action, r.actor, b."to", b.note, b.tool, r.time
FROM {_POSTGRES_TYPED.format(type=events.CUSTODY_RECORDED)}
CROSS JOIN LATERAL json_to_record(r.body) AS b(
    sha256 text, action text, "to" text, note text, tool text)
"""
_SUBMISSION_CUSTODY: Final = f"""
INSERT INTO rm_custody (idx, sha256, action, actor, to_actor, note, tool, time)
SELECT idx, sha256, '{events.CustodyAction.SUBMITTED.value}', actor, NULL, NULL, NULL, time
FROM rm_evidence WHERE idx >= :start AND idx < :end
"""
"""A file's first custody row, ``submitted``, for the evidence the statement above inserted
(the bulk pass runs before any Python projection, so the range holds only those)."""


def _quoted(types: tuple[str, ...]) -> str:
    return ", ".join(f"'{t}'" for t in types)


_IN_DATABASE: Final = (
    events.REPORT_SUBMITTED,
    events.EVIDENCE_SUBMITTED,
    events.CUSTODY_RECORDED,
)
"""The types whose rows the database projects (when their body is public)."""
_WITHDRAWN_REPORT: Final = {
    "sqlite": "json_extract(CAST({leaf} AS TEXT), '$.body.report')",
    "postgresql": "(convert_from({leaf}, 'UTF8')::json -> 'body' ->> 'report')",
}
"""The report a public withdrawal names (NULL for a confidential one), from its leaf."""
_WITHDRAW: Final = f"""
WITH w AS MATERIALIZED (
    SELECT e.idx, {{report}} AS report
    FROM rm_events AS e {{join}} log_entries AS s ON s.idx = e.idx
    WHERE e.idx >= :start AND e.idx < :end AND e.type = '{events.REPORT_WITHDRAWN}')
UPDATE rm_reports SET status = '{WITHDRAWN}', withdrawn_at = w.idx
FROM w WHERE rm_reports.id = w.report
"""
"""Run once the indexes are back, before the chunk's Python pass. The withdrawals are gathered
first (``MATERIALIZED``), so each report is found by its id; joined in place, SQLite scanned
every report for each chunk and looked up the withdrawals from there, quadratic. The order of
the passes does not matter: a withdrawal changes the status of an active report, and nothing
else does but a correction, which may neither follow nor precede it (admission requires an
active report for both)."""
_WITHDRAWALS: Final = f"""
SELECT count(*) FROM rm_events
WHERE idx >= :start AND idx < :end AND type = '{events.REPORT_WITHDRAWN}'
"""
_OTHER_TYPES: Final = f"""
SELECT e.idx, l.leaf FROM rm_events e JOIN log_entries l ON l.idx = e.idx
WHERE e.idx >= :start AND e.idx < :end AND e.type <> '{events.REPORT_SUBMITTED}'
  AND e.type NOT IN ({_quoted((*_IN_DATABASE, events.REPORT_WITHDRAWN))})
ORDER BY e.idx
"""
"""What is left when the database projected every entry of its types in the range: the usual
case. (The first condition is the one of the partial index ``ix_rm_events_not_reports``.)"""
_LEFT_OVER: Final = f"""
SELECT e.idx, l.leaf FROM rm_events e JOIN log_entries l ON l.idx = e.idx
WHERE e.idx >= :start AND e.idx < :end
  AND CASE e.type
      WHEN '{events.REPORT_SUBMITTED}' THEN NOT EXISTS (
          SELECT 1 FROM rm_reports r WHERE r.idx = e.idx)
      WHEN '{events.EVIDENCE_SUBMITTED}' THEN NOT EXISTS (
          SELECT 1 FROM rm_evidence v WHERE v.idx = e.idx)
      WHEN '{events.CUSTODY_RECORDED}' THEN NOT EXISTS (
          SELECT 1 FROM rm_custody c WHERE c.idx = e.idx)
      WHEN '{events.REPORT_WITHDRAWN}' THEN NOT EXISTS (
          SELECT 1 FROM rm_reports r WHERE r.id = {{report}} AND r.withdrawn_at = e.idx)
      ELSE true END
ORDER BY e.idx
"""
"""What is left otherwise (confidential bodies, which Python reads from the content store, and
withdrawals of reports Python inserts): every entry whose rows the database did not write."""
_OF_DATABASE_TYPES: Final = f"""
SELECT count(*) FROM rm_events
WHERE idx >= :start AND idx < :end AND type IN ({_quoted(_IN_DATABASE)})
"""


def project_in_database(connection: Connection, start: int, end: int) -> bool:
    """Project entries ``start <= index < end`` as far as the database can by itself; whether
    that was every entry of the types it projects."""
    bounds = {"start": start, "end": end}
    if connection.dialect.name == "sqlite":
        statements = (_SQLITE_REPORTS, _SQLITE_EVIDENCE, _SQLITE_CUSTODY)
    else:
        statements = (_POSTGRES_REPORTS, _POSTGRES_EVIDENCE, _POSTGRES_CUSTODY)
    projected = sum(connection.execute(text(sql), bounds).rowcount for sql in statements)
    connection.execute(text(_SUBMISSION_CUSTODY), bounds)
    return bool(projected == connection.execute(text(_OF_DATABASE_TYPES), bounds).scalar_one())


def withdraw_in_database(connection: Connection, start: int, end: int) -> bool:
    """Apply the public withdrawals of entries ``start <= index < end`` to the reports the
    read models hold (the indexes built); whether that was every withdrawal in the range."""
    bounds = {"start": start, "end": end}
    dialect = connection.dialect.name
    join = "CROSS JOIN" if dialect == "sqlite" else "JOIN"
    report = _WITHDRAWN_REPORT[dialect].format(leaf="s.leaf")
    withdrawn = connection.execute(text(_WITHDRAW.format(report=report, join=join)), bounds)
    return bool(
        _changed(connection, withdrawn.rowcount)
        == connection.execute(text(_WITHDRAWALS), bounds).scalar_one()
    )


def _changed(connection: Connection, rowcount: int) -> int:
    """The rows the last statement changed. Python's ``sqlite3`` (3.11) gives no row count for a
    statement that begins with ``WITH``; SQLite's own ``changes()`` does."""
    if connection.dialect.name == "sqlite":
        return int(connection.exec_driver_sql("SELECT changes()").scalar_one())
    return rowcount


def left_over(
    connection: Connection, start: int, end: int, *, complete: bool
) -> list[tuple[int, bytes]]:
    """The entries of the range (index and leaf) whose projection is left to Python (all of
    it: the ``rm_events`` row is the log's, written with the leaf). ``complete``:
    :func:`project_in_database` and :func:`withdraw_in_database` did all they do for the
    range."""
    bounds = {"start": start, "end": end}
    if complete:
        query = _OTHER_TYPES
    else:
        query = _LEFT_OVER.format(
            report=_WITHDRAWN_REPORT[connection.dialect.name].format(leaf="l.leaf")
        )
    return [(row.idx, bytes(row.leaf)) for row in connection.execute(text(query), bounds)]
