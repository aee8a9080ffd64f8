"""The bulk of a rebuild, projected inside the database: one INSERT … SELECT per table.

A rebuild replays every log entry into the read models. For the two projections that make up
almost all of a log — the ``rm_events`` row of every entry, and the ``rm_reports`` row of a
public ``report.submitted`` — the database reads the leaf's JSON itself (SQLite's JSON1,
PostgreSQL's ``json``), which is several times faster than parsing each leaf in Python. Every
other entry is left to ``domain.projection``, which stays the reference: ``verify`` recomputes
the read models in Python and compares them with what is stored, and the tests compare a
rebuild with an incremental build.

The SQL below mirrors ``projection._report_row`` column for column: a change there is a change
here. The body text is the leaf's own ``body`` substring (both databases return a JSON value's
text as it appears in the input, and a leaf is canonical JSON), so its digest is the SHA-256 of
its canonical JSON, as the Python projection computes it.
"""

from __future__ import annotations

import hashlib
from typing import Final

from sqlalchemy import Connection, text

from ceasefire.domain import events

_SQLITE_SOURCE: Final = (
    "(SELECT idx, CAST(leaf AS TEXT) AS l FROM log_entries WHERE idx >= :start AND idx < :end)"
)
_SQLITE_EVENTS: Final = f"""
INSERT INTO rm_events (idx, id, type, actor, time)
SELECT idx, json_extract(l, '$.id'), json_extract(l, '$.type'), json_extract(l, '$.actor'),
       json_extract(l, '$.time')
FROM {_SQLITE_SOURCE}
"""
_SQLITE_REPORTS: Final = f"""
INSERT INTO rm_reports (
    id, idx, actor, affiliation, confidential, sealed_commitment, status, corrects,
    superseded_by, withdrawn_at, disclosed_at, time, kind, act, alleged_party, commitment, step,
    start_date, end_date, latitude, longitude, sector, body, digest)
SELECT json_extract(l, '$.id'), idx, json_extract(l, '$.actor'),
       (SELECT affiliation FROM log_keys WHERE log_keys.actor = json_extract(l, '$.actor')
        LIMIT 1),
       0, NULL, 'active', NULL, NULL, NULL, NULL, json_extract(l, '$.time'),
       json_extract(l, '$.body.kind'), json_extract(l, '$.body.act'),
       json_extract(l, '$.body.alleged_party'), json_extract(l, '$.body.commitment'),
       json_extract(l, '$.body.step'), json_extract(l, '$.body.dates.start'),
       json_extract(l, '$.body.dates.end'), json_extract(l, '$.body.location.latitude'),
       json_extract(l, '$.body.location.longitude'), json_extract(l, '$.body.location.sector'),
       json_extract(l, '$.body'), ceasefire_digest(json_extract(l, '$.body'))
FROM {_SQLITE_SOURCE}
WHERE json_extract(l, '$.type') = '{events.REPORT_SUBMITTED}'
  AND json_type(l, '$.body') = 'object'
"""
_POSTGRES_SOURCE: Final = (
    "(SELECT idx, convert_from(leaf, 'UTF8')::json AS j FROM log_entries "
    "WHERE idx >= :start AND idx < :end) AS e"
)
_POSTGRES_EVENTS: Final = f"""
INSERT INTO rm_events (idx, id, type, actor, time)
SELECT idx, j->>'id', j->>'type', j->>'actor', j->>'time' FROM {_POSTGRES_SOURCE}
"""
_POSTGRES_REPORTS: Final = f"""
INSERT INTO rm_reports (
    id, idx, actor, affiliation, confidential, sealed_commitment, status, corrects,
    superseded_by, withdrawn_at, disclosed_at, time, kind, act, alleged_party, commitment, step,
    start_date, end_date, latitude, longitude, sector, body, digest)
SELECT j->>'id', idx, j->>'actor',
       (SELECT affiliation FROM log_keys WHERE log_keys.actor = j->>'actor' LIMIT 1),
       false, NULL, 'active', NULL, NULL, NULL, NULL, j->>'time',
       j->'body'->>'kind', j->'body'->>'act', j->'body'->>'alleged_party',
       j->'body'->>'commitment', j->'body'->>'step', j->'body'->'dates'->>'start',
       j->'body'->'dates'->>'end', (j->'body'->'location'->>'latitude')::float8,
       (j->'body'->'location'->>'longitude')::float8, j->'body'->'location'->>'sector',
       (j->'body')::text,
       'sha256:' || encode(sha256(convert_to((j->'body')::text, 'UTF8')), 'hex')
FROM {_POSTGRES_SOURCE}
WHERE j->>'type' = '{events.REPORT_SUBMITTED}' AND json_typeof(j->'body') = 'object'
"""
_LEFT_OVER: Final = f"""
SELECT e.idx FROM rm_events e
WHERE e.idx >= :start AND e.idx < :end
  AND (e.type <> '{events.REPORT_SUBMITTED}'
       OR NOT EXISTS (SELECT 1 FROM rm_reports r WHERE r.id = e.id))
ORDER BY e.idx
"""
"""Through the primary keys only: the secondary indexes are dropped during a rebuild."""


def project_in_database(connection: Connection, start: int, end: int) -> list[int]:
    """Project entries ``start <= index < end`` as far as the database can by itself; the
    indices of the entries whose projection is left to Python (all of it but the
    ``rm_events`` row, which is written here for every entry)."""
    bounds = {"start": start, "end": end}
    if connection.dialect.name == "sqlite":
        _register_digest(connection)
        statements = (_SQLITE_EVENTS, _SQLITE_REPORTS)
    else:
        statements = (_POSTGRES_EVENTS, _POSTGRES_REPORTS)
    for statement in statements:
        connection.execute(text(statement), bounds)
    return [row.idx for row in connection.execute(text(_LEFT_OVER), bounds)]


def _register_digest(connection: Connection) -> None:
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.create_function("ceasefire_digest", 1, _digest, deterministic=True)


def _digest(body: str | None) -> str | None:
    if body is None:
        return None
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()
