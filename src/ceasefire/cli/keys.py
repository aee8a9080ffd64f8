"""``ceasefire keys``: actors' Ed25519 keys, enrolled and revoked by operator-signed events."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ceasefire import bootstrap
from ceasefire.cli import output
from ceasefire.cli.common import DatabaseOption, DataOption, JsonOption, b64, now, settings
from ceasefire.log.keys import SigningKey
from ceasefire.services import keys as key_service
from ceasefire.storage.keyfiles import provisional_key, read_key

app = typer.Typer(rich_markup_mode=None, help="Actors' signing keys.", no_args_is_help=True)


@app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="The actor id, e.g. pk-liaison-1.")],
    out: Annotated[
        Path | None, typer.Option(help="Private key file [default <data>/keys/NAME.key].")
    ] = None,
    role: Annotated[
        str, typer.Option(help="The actor's role (party, monitor, mediator, witness…).")
    ] = "actor",
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Create a key pair for an actor, enrol its public key in the log, and print it."""
    config = settings(data, database_url)
    key = SigningKey.generate(name)
    path = out or config.keys_dir / f"{name}.key"
    with bootstrap.opened(config) as store, provisional_key(path, key):
        appended = key_service.enrol(
            store,
            actor=name,
            public_key=key.public_key,
            role=role,
            operator_key=bootstrap.operator_key(config),
            log_key=bootstrap.log_key(config),
            clock=now,
        )
    result: dict[str, str | int] = {
        "actor": name,
        "role": role,
        "public_key": b64(key.public_key),
        "key_file": str(path),
        "index": appended.indices.start,
    }
    if json:
        output.json_line(result)
    else:
        output.info(f"[green]enrolled[/] {name} ({role}) at index {result['index']}; key in {path}")
        output.data(str(result["public_key"]))


@app.command("list")
def list_(
    data: DataOption = None, database_url: DatabaseOption = None, json: JsonOption = False
) -> None:
    """List every enrolled key, with the log indices where it became and ceased to be valid."""
    with bootstrap.opened(settings(data, database_url)) as store:
        records = key_service.list_keys(store)
    rows = [
        {
            "actor": r.actor,
            "role": r.role,
            "public_key": b64(r.public_key),
            "enrolled_at": r.enrolled_at,
            "revoked_at": r.revoked_at,
        }
        for r in records
    ]
    if json:
        for row in rows:
            output.json_line(row)
        return
    output.table(
        "keys",
        ["actor", "role", "public key", "enrolled at", "revoked at"],
        [[str(v) if v is not None else "—" for v in row.values()] for row in rows],
    )


@app.command("rotate")
def rotate(
    key: Annotated[Path, typer.Option(help="The actor's current private key file.")],
    out: Annotated[Path, typer.Option(help="Where to write the new private key (not replaced).")],
    data: DataOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Replace an actor's key: signed with the current key, which stops being valid."""
    config = settings(data, database_url)
    current = read_key(key)
    new_key = SigningKey.generate(current.name)
    with bootstrap.opened(config) as store, provisional_key(out, new_key):
        appended = key_service.rotate(
            store,
            current_key=current,
            new_public_key=new_key.public_key,
            log_key=bootstrap.log_key(config),
            clock=now,
        )
    output.info(f"[green]rotated[/] {current.name}'s key at index {appended.indices.start}")
    output.data(b64(new_key.public_key))


@app.command("revoke")
def revoke(
    name: Annotated[str, typer.Argument(help="The actor whose keys to revoke.")],
    reason: Annotated[str, typer.Option(help="Why, recorded in the log.")],
    data: DataOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Revoke every valid key of an actor (an operator-signed event)."""
    config = settings(data, database_url)
    with bootstrap.opened(config) as store:
        appended = key_service.revoke(
            store,
            actor=name,
            reason=reason,
            operator_key=bootstrap.operator_key(config),
            log_key=bootstrap.log_key(config),
            clock=now,
        )
    for index in appended.indices:
        output.data(str(index))
