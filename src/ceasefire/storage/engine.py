"""Engines for SQLite and PostgreSQL, set up for a log that must never lose a committed write.

SQLite: WAL journal, ``synchronous=FULL`` (a committed append survives power loss),
``busy_timeout`` so concurrent processes wait rather than fail, and ``BEGIN IMMEDIATE`` for
write transactions, so two appenders never both read the same tree size. pysqlite's own
transaction handling is switched off so that SQLAlchemy's ``begin`` emits our BEGIN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url

from ceasefire.errors import StorageError

WRITE = {"ceasefire_write": True}
"""Execution options for a connection that will append: SQLite then begins IMMEDIATE."""

_BUSY_TIMEOUT_MS = 60_000


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise StorageError(
        f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL"
    )


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        folder = Path(database).parent
        if not folder.is_dir():
            raise StorageError(f"the folder for the SQLite database does not exist: {folder}")
    engine = create_engine(url, connect_args={"timeout": _BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get("ceasefire_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
