"""The log's entry index (``rm_events``): each entry's id, type, signer and time, by index.

These four fields are the envelope's own, fixed when the entry is signed: no later entry
changes them. So, like the leaf hash beside each leaf, the index row is written with its leaf,
in the same transaction, by the database reading the leaf it has just stored (SQLite's JSON1,
PostgreSQL's ``json``), and a rebuild of the read models leaves it as it is. It is what makes
an entry's id unique in the log (the unique index on ``id``), and what finds an entry by id
or type.

A rebuild checks that the index holds one row for every entry and derives it again when it
does not (a store whose index was emptied, or written by an older version that left it to the
read models), or when asked (``ceasefire rebuild --entries``). ``verify`` compares the index
with the envelopes, field by field, like every read model (``readmodels.compare``): a row that
disagrees with its leaf is found there.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Connection, func, select, text

from ceasefire.storage.tables import rm_events

_SQLITE: Final = """
INSERT INTO rm_events (idx, id, type, actor, time)
SELECT idx, json_extract(l, '$.id'), json_extract(l, '$.type'), json_extract(l, '$.actor'),
       json_extract(l, '$.time')
FROM (SELECT idx, CAST(leaf AS TEXT) AS l FROM log_entries WHERE idx >= {start} AND idx < {end})
"""
_POSTGRES: Final = """
INSERT INTO rm_events (idx, id, type, actor, time)
SELECT idx, x.id, x.type, x.actor, x.time
FROM log_entries CROSS JOIN LATERAL json_to_record(convert_from(leaf, 'UTF8')::json)
     AS x(id text, type text, actor text, time text)
WHERE idx >= {start} AND idx < {end}
"""
POSTGRES_DRIVER: Final = _POSTGRES.format(start="%s", end="%s")
"""The statement for psycopg itself (an append's pipeline): parameters ``(start, end)``."""


def index_entries(connection: Connection, start: int, end: int) -> None:
    """Write the index rows of entries ``start <= index < end``, already stored as leaves."""
    template = _SQLITE if connection.dialect.name == "sqlite" else _POSTGRES
    statement = text(template.format(start=":start", end=":end"))
    connection.execute(statement, {"start": start, "end": end})


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
