"""``ceasefire bundle``: write the whole record as one file anyone can verify offline."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ceasefire import bootstrap
from ceasefire.cli import output
from ceasefire.cli.common import DatabaseOption, DataOption, JsonOption, settings
from ceasefire.services.bundle import export_bundle

app = typer.Typer(
    rich_markup_mode=None,
    help="Offline verification bundles (check one with `ceasefire verify --bundle FILE`).",
    no_args_is_help=True,
)


@app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", help="The bundle file to write.")],
    size: Annotated[
        int | None,
        typer.Option(help="Export the log's first SIZE entries (a signed size) [default: all]."),
    ] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Write the entries, the checkpoints with their cosignatures, the agreement versions and
    the keys as one ceasefire-bundle/v1 file (JSON Lines; docs/verification.md)."""
    partial = out.with_name(out.name + ".partial")
    with bootstrap.opened(settings(data, database_url)) as store, output.progress_bar() as bar:
        try:
            with partial.open("wb") as stream:
                exported = export_bundle(store, stream, size=size, progress=bar)
                stream.flush()
                os.fsync(stream.fileno())
            partial.replace(out)  # never a file at OUT that stops half-way
        finally:
            partial.unlink(missing_ok=True)
    if json:
        output.json_line({"file": str(out), **exported.__dict__})
        return
    output.data(
        f"wrote {out}: {exported.size:,} entries, {exported.checkpoints:,} checkpoints "
        f"({exported.cosignatures:,} cosignatures), {exported.agreements} agreement version(s), "
        f"{exported.keys} keys, {exported.bytes:,} bytes"
    )
