"""Engines for SQLite and PostgreSQL, set up for a log that must never lose a committed write.

SQLite: WAL journal, ``synchronous=FULL`` (a committed append survives power loss),
``busy_timeout`` so concurrent processes wait rather than fail, and ``BEGIN IMMEDIATE`` for
write transactions, so two appenders never both read the same tree size. pysqlite's own
transaction handling is switched off so that SQLAlchemy's ``begin`` emits our BEGIN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url

from ceasefire.errors import StorageError

WRITE = {"ceasefire_write": True}
"""Execution options for a connection that will append: SQLite then begins IMMEDIATE."""

_BUSY_TIMEOUT_MS = 60_000
_POOL: Final = {"pool_size": 20, "max_overflow": 20}
"""Connections a process keeps open, and how many more it may open for a burst.

The API runs blocking database work on a thread pool of 40 (anyio's default), and under load
most of those threads want a connection at once (the token lookup, then the append). With
SQLAlchemy's default pool (5 kept, 10 more) every connection beyond the fifth was closed when
it was handed back and opened again for the next request: on PostgreSQL a TCP connection and a
new backend process per request, which cost more server and database CPU than the request's
own statements. Twenty are kept (a PostgreSQL server's default limit is 100: four workers
fit), and a burst may reach the thread pool's size."""


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, **_POOL)
    raise StorageError(
        f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL"
    )


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    pool: dict[str, int] = {}  # an in-memory database has one connection per thread
    if database and database != ":memory:":
        folder = Path(database).parent
        if not folder.is_dir():
            raise StorageError(f"the folder for the SQLite database does not exist: {folder}")
        pool = _POOL
    engine = create_engine(url, connect_args={"timeout": _BUSY_TIMEOUT_MS / 1000}, **pool)
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
