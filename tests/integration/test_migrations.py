"""The Alembic migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ceasefire.storage import migrate
from ceasefire.storage.engine import make_engine
from ceasefire.storage.tables import metadata


def test_the_revision_the_code_needs_is_the_newest_script() -> None:
    assert migrate.script_head() == migrate.HEAD


def test_migrations_build_the_declared_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.HEAD
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
        assert differences == []
        migrate.upgrade(engine)  # running it again changes nothing
        assert migrate.current_revision(engine) == migrate.HEAD
    finally:
        engine.dispose()
