"""``ceasefire db``: schema migrations (Alembic)."""

from __future__ import annotations

import typer

from ceasefire.cli import output
from ceasefire.cli.common import DatabaseOption, DataOption, settings
from ceasefire.errors import NotFound
from ceasefire.services.readmodels import rebuild
from ceasefire.storage import migrate
from ceasefire.storage.engine import make_engine
from ceasefire.storage.log_store import SqlLogStore

app = typer.Typer(rich_markup_mode=None, help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(data: DataOption = None, database_url: DatabaseOption = None) -> None:
    """Bring the database schema up to this version of ceasefire, and rebuild the read models
    where a migration emptied them."""
    config = settings(data, database_url)
    config.data.mkdir(parents=True, exist_ok=True)
    engine = make_engine(config.resolved_database_url)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    output.info(f"schema at revision {after}" + ("" if before == after else f" (was {before})"))
    store = SqlLogStore(engine)
    try:
        _rebuild_if_emptied(store)
    finally:
        store.close()


def _rebuild_if_emptied(store: SqlLogStore) -> None:
    try:
        size, applied = store.head().size, store.record_applied()
    except NotFound:  # no log yet: nothing to rebuild
        return
    if applied != size:
        with output.progress_bar() as bar:
            rebuild(store, progress=bar)
        output.info(f"rebuilt the read models from {size:,} log entries")
