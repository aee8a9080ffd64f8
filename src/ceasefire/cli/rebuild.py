"""``ceasefire rebuild``: drop the read models and recompute them from the log."""

from __future__ import annotations

from typing import Annotated

import typer

from ceasefire import bootstrap
from ceasefire.cli import output
from ceasefire.cli.common import DatabaseOption, DataOption, JsonOption, settings
from ceasefire.services.readmodels import rebuild as rebuild_models

EntriesOption = Annotated[
    bool,
    typer.Option(
        "--entries",
        help="Also derive the log's entry index (each entry's id, type, signer, time and body "
        "digest) again from the leaves; it is written once with each entry, and a rebuild "
        "derives it only when it lacks rows.",
    ),
]


def rebuild(
    data: DataOption = None,
    database_url: DatabaseOption = None,
    entries: EntriesOption = False,
    json: JsonOption = False,
) -> None:
    """Replay the whole log into the read models (they are caches; the log is the record)."""
    with bootstrap.opened(settings(data, database_url)) as store, output.progress_bar() as bar:
        replayed = rebuild_models(store, progress=bar, entries=entries)
    if json:
        output.json_line({"replayed": replayed})
    else:
        output.info(f"[green]rebuilt[/] the read models from {replayed:,} log entries")
