"""The bulk of a rebuild, projected inside the database: one INSERT … SELECT per table.

A rebuild replays every log entry into the read models. For the two projections that make up
almost all of a log — the ``rm_events`` row of every entry, and the ``rm_reports`` row of a
public ``report.submitted`` — the database reads the leaf's JSON itself (SQLite's JSON1,
PostgreSQL's ``json``), which is several times faster than parsing each leaf in Python. Every
other entry is left to ``domain.projection``, which stays the reference: ``verify`` recomputes
the read models in Python and compares them with what is stored, and the tests compare a
rebuild with an incremental build.

The SQL below mirrors ``projection._report_row`` column for column: a change there is a change
here. The report's body is not copied: the row says where it lies (``storage.report_bodies``).
Its digest is taken over the leaf's own ``body`` text (SQLite returns a JSON value's text as it
appears in the input, and a leaf is canonical JSON; PostgreSQL's ``json`` keeps the input text
too), so it is the SHA-256 of its canonical JSON, as the Python projection computes it.
An actor keeps one affiliation (the keyring refuses a second), so the reports join
``log_keys`` once per statement by actor rather than look it up for every row.
"""

from __future__ import annotations

import hashlib
from typing import Final

from sqlalchemy import Connection, text

from ceasefire.domain import events
from ceasefire.log.envelope import body_bytes

_AFFILIATIONS: Final = (
    "(SELECT actor, max(affiliation) AS affiliation FROM log_keys GROUP BY actor) AS k"
)
_SQLITE_SOURCE: Final = (
    "(SELECT idx, CAST(leaf AS TEXT) AS l FROM log_entries WHERE idx >= :start AND idx < :end)"
)
_SQLITE_EVENTS: Final = f"""
INSERT INTO rm_events (idx, id, type, actor, time)
SELECT idx, json_extract(l, '$.id'), json_extract(l, '$.type'), json_extract(l, '$.actor'),
       json_extract(l, '$.time')
FROM {_SQLITE_SOURCE}
"""
_SQLITE_SUBMITTED: Final = f"""
(SELECT e.idx, e.id, e.actor, e.time, s.leaf, CAST(s.leaf AS TEXT) AS l
 FROM rm_events AS e JOIN log_entries AS s ON s.idx = e.idx
 WHERE e.idx >= :start AND e.idx < :end AND e.type = '{events.REPORT_SUBMITTED}') AS r
"""
"""The reports of the range, with the envelope's fields as the events statement read them."""
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
       ceasefire_body_digest(r.leaf),
       json_extract(l, '$.body.origin.dataset') || ':' || json_extract(l, '$.body.origin.id')
FROM {_SQLITE_SUBMITTED} LEFT JOIN {_AFFILIATIONS} ON k.actor = r.actor
WHERE json_type(l, '$.body') = 'object'
"""
_POSTGRES_ENVELOPE: Final = (
    "json_to_record(convert_from(leaf, 'UTF8')::json) "
    "AS x(id text, type text, actor text, time text, body json)"
)
"""The leaf's fields in one pass of the parser. ``json`` keeps a value's text as it appears in
the input (``jsonb`` would respell the body), and ``json_to_record`` reads every field at once,
where each ``->`` would parse the leaf again."""
_POSTGRES_EVENTS: Final = f"""
INSERT INTO rm_events (idx, id, type, actor, time)
SELECT idx, x.id, x.type, x.actor, x.time
FROM log_entries CROSS JOIN LATERAL {_POSTGRES_ENVELOPE}
WHERE idx >= :start AND idx < :end
"""
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
    SELECT idx, x.* FROM log_entries CROSS JOIN LATERAL {_POSTGRES_ENVELOPE}
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
_LEFT_OVER: Final = f"""
SELECT e.idx, l.leaf FROM rm_events e JOIN log_entries l ON l.idx = e.idx
WHERE e.idx >= :start AND e.idx < :end
  AND (e.type <> '{events.REPORT_SUBMITTED}'
       OR NOT EXISTS (SELECT 1 FROM rm_reports r WHERE r.id = e.id))
ORDER BY e.idx
"""
"""Run once the bulk pass has built the indexes again (``rm_reports``' id, the events' type)."""
_OTHER_TYPES: Final = f"""
SELECT e.idx, l.leaf FROM rm_events e JOIN log_entries l ON l.idx = e.idx
WHERE e.idx >= :start AND e.idx < :end AND e.type <> '{events.REPORT_SUBMITTED}'
ORDER BY e.idx
"""
"""What is left when every report submitted in the range was projected by the database: the
usual case, and a scan instead of a lookup of every report by id (1.7 → 0.5 s at 1M)."""
_SUBMITTED: Final = f"""
SELECT count(*) FROM rm_events
WHERE idx >= :start AND idx < :end AND type = '{events.REPORT_SUBMITTED}'
"""


def project_in_database(connection: Connection, start: int, end: int) -> bool:
    """Project entries ``start <= index < end`` as far as the database can by itself; whether
    that was every report submitted in the range (``rm_events`` rows are written for every
    entry)."""
    bounds = {"start": start, "end": end}
    if connection.dialect.name == "sqlite":
        _register_digest(connection)
        events_sql, reports_sql = _SQLITE_EVENTS, _SQLITE_REPORTS
    else:
        events_sql, reports_sql = _POSTGRES_EVENTS, _POSTGRES_REPORTS
    connection.execute(text(events_sql), bounds)
    projected = connection.execute(text(reports_sql), bounds).rowcount
    return bool(projected == connection.execute(text(_SUBMITTED), bounds).scalar_one())


def left_over(
    connection: Connection, start: int, end: int, *, every_report: bool
) -> list[tuple[int, bytes]]:
    """The entries of the range (index and leaf) whose projection is left to Python: all of it
    but the ``rm_events`` row, which :func:`project_in_database` wrote."""
    bounds = {"start": start, "end": end}
    query = _OTHER_TYPES if every_report else _LEFT_OVER
    return [(row.idx, bytes(row.leaf)) for row in connection.execute(text(query), bounds)]


def _register_digest(connection: Connection) -> None:
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.create_function("ceasefire_body_digest", 1, _body_digest, deterministic=True)


def _body_digest(leaf: bytes) -> str:
    """The digest of a public leaf's body, hashed where it lies in the leaf: the body's own
    canonical JSON (``envelope.body_bytes``), neither read out as JSON nor decoded."""
    return "sha256:" + hashlib.sha256(body_bytes(leaf)).hexdigest()
