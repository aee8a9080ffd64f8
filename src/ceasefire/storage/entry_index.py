"""The log's entry index (``rm_events``): each entry's id, type, signer, time and body digest.

These are the envelope's own, fixed when the entry is signed: no later entry changes them. The
body digest is the SHA-256 of a public body's canonical JSON (``projection.digest_of``: what a
report's row keeps to refuse a duplicate), NULL where the body is confidential. So the row is
written once, with its entry, in the append's transaction (``domain.projection`` makes it, as it
makes every row), like the leaf hash beside each leaf; a rebuild of the read models keeps it. It
is what makes an entry's id unique in the log (the unique index on ``id``), and what finds an
entry by id or type.

A rebuild checks that the index holds one row for every entry and derives it again when it
does not (a store upgraded to revision 0008, which empties it; leaves appended below the
record, as the benchmarks do), or when asked (``ceasefire rebuild --entries``): the database
reads the leaves itself (SQLite's JSON1 and :func:`body_digest`, PostgreSQL's ``json`` and
``sha256``). ``verify`` compares the index with the envelopes, field by field, like every
read model (``readmodels.compare``): a row that disagrees with its leaf is found there.
"""

from __future__ import annotations

import hashlib
from typing import Final

from sqlalchemy import Connection, func, select, text

from ceasefire.log.envelope import body_bytes
from ceasefire.storage.tables import rm_events

DIGEST_FUNCTION: Final = "ceasefire_body_digest"
"""The SQL name of :func:`body_digest` on SQLite."""
_SQLITE: Final = f"""
INSERT INTO rm_events (idx, id, type, actor, time, body_digest)
SELECT idx, json_extract(l, '$.id'), json_extract(l, '$.type'), json_extract(l, '$.actor'),
       json_extract(l, '$.time'),
       CASE WHEN json_type(l, '$.body') <> 'null' THEN {DIGEST_FUNCTION}(leaf) END
FROM (SELECT idx, leaf, CAST(leaf AS TEXT) AS l FROM log_entries
      WHERE idx >= {{start}} AND idx < {{end}})
"""
_POSTGRES: Final = """
INSERT INTO rm_events (idx, id, type, actor, time, body_digest)
SELECT idx, x.id, x.type, x.actor, x.time,
       CASE WHEN json_typeof(x.body) <> 'null'
            THEN 'sha256:' || encode(sha256(convert_to(x.body::text, 'UTF8')), 'hex') END
FROM log_entries CROSS JOIN LATERAL json_to_record(convert_from(leaf, 'UTF8')::json)
     AS x(id text, type text, actor text, time text, body json)
WHERE idx >= {start} AND idx < {end}
"""
"""PostgreSQL's ``json`` keeps a value's text as it appears in the input, and a leaf is
canonical JSON, so ``body::text`` is the body's canonical JSON."""


def index_entries(connection: Connection, start: int, end: int) -> None:
    """Write the index rows of entries ``start <= index < end``, already stored as leaves."""
    template = _POSTGRES
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.create_function(DIGEST_FUNCTION, 1, body_digest, deterministic=True)
        template = _SQLITE
    statement = text(template.format(start=":start", end=":end"))
    connection.execute(statement, {"start": start, "end": end})


def body_digest(leaf: bytes) -> str:
    """The digest of a public leaf's body, hashed where it lies in the leaf: the body's own
    canonical JSON (``envelope.body_bytes``), neither read out as JSON nor decoded."""
    return "sha256:" + hashlib.sha256(body_bytes(leaf)).hexdigest()


def is_complete(connection: Connection, size: int) -> bool:
    """Whether the index holds a row for each of the log's ``size`` entries, and no other."""
    count, last = connection.execute(
        select(func.count(), func.max(rm_events.c.idx)).select_from(rm_events)
    ).one()
    return bool(count == size and (size == 0 or last == size - 1))


def reindex(connection: Connection, size: int, chunk: int) -> None:
    """Derive the whole index again from the leaves: emptied, filled with its secondary
    indexes dropped, and those built once at the end."""
    connection.execute(rm_events.delete())
    for index in rm_events.indexes:
        index.drop(connection)
    for start in range(0, size, chunk):
        index_entries(connection, start, min(start + chunk, size))
    for index in rm_events.indexes:
        index.create(connection)
