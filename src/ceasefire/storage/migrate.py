"""Schema migrations with Alembic, run in-process by ``ceasefire init`` and ``db upgrade``.

Every command that opens a store checks its schema revision first (``bootstrap.open_store``).
That check reads the ``alembic_version`` row and compares it with :data:`HEAD`, without Alembic:
importing Alembic and reading its script directory cost a third of a second on each command.
Alembic is imported only to change the schema; ``tests/integration/test_migrations.py`` holds
:data:`HEAD` to the script directory's head.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

HEAD: Final = "0008"
"""The newest revision under ``migrations/versions``: a new migration moves it."""
_MIGRATIONS = Path(__file__).parent / "migrations"
_VERSION_TABLE: Final = "alembic_version"


def _config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    config = _config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Back to ``revision`` (an older release's schema); its read models are emptied."""
    from alembic import command

    config = _config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None before the first migration."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(_VERSION_TABLE):
            return None
        found = connection.execute(text(f"SELECT version_num FROM {_VERSION_TABLE}")).scalars()
        revisions = list(found)
    return ", ".join(sorted(revisions)) or None


def script_head() -> str | None:
    """The head of the migration scripts, as Alembic reads them (for the test of :data:`HEAD`)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(_MIGRATIONS)).get_current_head()
