"""``ceasefire actors``: who acts in the mechanism, with which role and Ed25519 keys.

Enrolment, rotation and revocation are events in the log (the operator signs enrolments and
revocations; an actor rotates its own key)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ceasefire import bootstrap
from ceasefire.cli import output
from ceasefire.cli.common import DatabaseOption, DataOption, JsonOption, b64, now, settings
from ceasefire.domain.actors import Role
from ceasefire.log.keys import SigningKey
from ceasefire.services import keys as key_service
from ceasefire.storage.keyfiles import provisional_key, read_key

app = typer.Typer(
    rich_markup_mode=None, help="Actors, their roles and signing keys.", no_args_is_help=True
)
ROLES = ", ".join(role.value for role in Role if role is not Role.OPERATOR)


@app.command("enrol")
def enrol(
    name: Annotated[str, typer.Argument(help="The actor id, e.g. pk-liaison-1.")],
    role: Annotated[str, typer.Option(help=f"The actor's role: {ROLES}.")],
    affiliation: Annotated[
        str | None,
        typer.Option(
            "--for",
            help="The party (for a liaison) or mediator (for a mediator) the actor acts for, "
            "by its id in the agreement, e.g. pk, af, tr, qa.",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Private key file [default <data>/keys/NAME.key].")
    ] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Create a key pair for an actor, enrol it with its role in the log, and print its key."""
    config = settings(data, database_url)
    key = SigningKey.generate(name)
    path = out or config.keys_dir / f"{name}.key"
    with bootstrap.opened(config) as store, provisional_key(path, key):
        appended = key_service.enrol(
            store,
            actor=name,
            public_key=key.public_key,
            role=role,
            affiliation=affiliation,
            operator_key=bootstrap.operator_key(config),
            log_key=bootstrap.log_key(config),
            clock=now,
        )
    result: dict[str, str | int | None] = {
        "actor": name,
        "role": role,
        "for": affiliation,
        "public_key": b64(key.public_key),
        "key_file": str(path),
        "index": appended.indices.start,
    }
    if json:
        output.json_line(result)
    else:
        suffix = f" for {affiliation}" if affiliation else ""
        output.info(
            f"[green]enrolled[/] {name} ({role}{suffix}) at index {result['index']}; key in {path}"
        )
        output.data(str(result["public_key"]))


@app.command("list")
def list_(
    data: DataOption = None, database_url: DatabaseOption = None, json: JsonOption = False
) -> None:
    """List every actor's keys, with the log indices where each became and ceased to be valid."""
    with bootstrap.opened(settings(data, database_url)) as store:
        records = key_service.list_keys(store)
    rows = [
        {
            "actor": r.actor,
            "role": r.role,
            "for": r.affiliation,
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
        "actors",
        ["actor", "role", "for", "public key", "enrolled at", "revoked at"],
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
