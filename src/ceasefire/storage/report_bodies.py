"""A report's body, read where it lies instead of from a copy in the read models.

``rm_reports`` keeps where each report's content is — ``body_at`` (a log index), ``body_path``
(a JSON path) and ``body_sealed`` (in the content store's sealed body at that index, rather
than in the leaf) — and every query that returns report rows reads the body from there with
:func:`body_column`. The leaf is canonical JSON, and both databases return a member's text as it
appears in the input (SQLite's ``json_extract``, PostgreSQL's ``json`` operators), so the body
read is the canonical JSON of the content, byte for byte what the projection computes
(``domain.projection``: ``body``, which the tests compare with what the database returns).

Not copying the content halves what a rebuild writes (docs/benchmarks.md, "Issue 3's replay,
fifth session"); a report's body costs one lookup by primary key when it is read.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import ColumnElement, Select, Table, Text, literal_column, select

from ceasefire.storage.tables import rm_reports

_SQLITE: Final = (
    "CASE WHEN rm_reports.body_sealed THEN "
    "(SELECT json_extract(s.body, rm_reports.body_path) FROM sealed_bodies AS s "
    "WHERE s.idx = rm_reports.body_at) "
    "ELSE (SELECT json_extract(CAST(l.leaf AS TEXT), rm_reports.body_path) FROM log_entries AS l "
    "WHERE l.idx = rm_reports.body_at) END"
)
_POSTGRES_PATH: Final = (
    "coalesce(string_to_array(nullif(substr(rm_reports.body_path, 3), ''), '.'), '{}')"
)
"""``$.body.report`` as PostgreSQL's path array ``{body,report}``; ``$`` as ``{}``."""
_POSTGRES: Final = (
    "CASE WHEN rm_reports.body_sealed THEN "
    f"(SELECT (s.body::json #> {_POSTGRES_PATH})::text FROM sealed_bodies AS s "
    "WHERE s.idx = rm_reports.body_at) "
    f"ELSE (SELECT (convert_from(l.leaf, 'UTF8')::json #> {_POSTGRES_PATH})::text "
    "FROM log_entries AS l WHERE l.idx = rm_reports.body_at) END"
)


def body_sql(dialect: str) -> str:
    """The body of the ``rm_reports`` row in scope, as SQL text for ``dialect``."""
    return _SQLITE if dialect == "sqlite" else _POSTGRES


def body_column(dialect: str) -> ColumnElement[str]:
    """The body of the ``rm_reports`` row in scope, as a column labelled ``body``."""
    return literal_column(body_sql(dialect), Text).label("body")


def rows_of(source: Table, dialect: str) -> Select[Any]:
    """Every column of ``source``'s rows, and for a report its body, read where it lies."""
    if source is rm_reports:
        return select(source, body_column(dialect))
    return select(source)
