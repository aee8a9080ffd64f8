"""``ceasefire tokens``: the HTTP API's bearer tokens, one or more per actor.

A token is shown once, when it is made, and stored only as its SHA-256 hash. It says who calls
the API; it signs nothing (actors sign their events with their own keys)."""

from __future__ import annotations

from typing import Annotated

import typer

from ceasefire import bootstrap
from ceasefire.cli import output
from ceasefire.cli.common import DatabaseOption, DataOption, JsonOption, now, settings
from ceasefire.log.envelope import format_time
from ceasefire.services import tokens as token_service

app = typer.Typer(rich_markup_mode=None, help="API bearer tokens of actors.", no_args_is_help=True)


@app.command("create")
def create(
    actor: Annotated[str, typer.Argument(help="The enrolled actor the token speaks for.")],
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Make a token for an actor with a valid key; print it (the only time it is shown)."""
    with bootstrap.opened(settings(data, database_url)) as store:
        created = token_service.create(store, actor, now())
    if json:
        output.json_line({"id": created.row.id, "actor": actor, "token": created.secret})
        return
    output.info(
        f"[green]token {created.row.id}[/] for {actor}: keep it secret, it is not shown again"
    )
    output.data(created.secret)


@app.command("revoke")
def revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (from `tokens list`).")],
    data: DataOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Revoke a token: the API refuses it from now on."""
    with bootstrap.opened(settings(data, database_url)) as store:
        token_service.revoke(store, token_id, now())
    output.info(f"[green]revoked[/] token {token_id}")


@app.command("list")
def list_(
    data: DataOption = None, database_url: DatabaseOption = None, json: JsonOption = False
) -> None:
    """List the tokens (ids, actors, times; never the secrets)."""
    with bootstrap.opened(settings(data, database_url)) as store:
        rows = token_service.list_tokens(store)
    found = [
        {
            "id": row.id,
            "actor": row.actor,
            "created": format_time(row.created_at.replace(microsecond=0)),
            "revoked": format_time(row.revoked_at.replace(microsecond=0))
            if row.revoked_at
            else None,
        }
        for row in rows
    ]
    if json:
        for item in found:
            output.json_line(item)
        return
    output.table(
        "API tokens",
        ["id", "actor", "created", "revoked"],
        [[str(v) if v is not None else "—" for v in item.values()] for item in found],
    )
