"""``ceasefire init``: create the store, the log's keys and the genesis entry, and propose the
agreement."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ceasefire import bootstrap
from ceasefire.cli import output
from ceasefire.cli.agreement import load_agreement
from ceasefire.cli.common import DatabaseOption, DataOption, JsonOption, b64, now, settings
from ceasefire.errors import Conflict
from ceasefire.log.keys import SigningKey
from ceasefire.services import agreements as agreement_service
from ceasefire.services import log as log_service
from ceasefire.storage.keyfiles import provisional_key

OPERATOR = "operator"


def init(
    data: DataOption = None,
    database_url: DatabaseOption = None,
    origin: Annotated[
        str | None,
        typer.Option(
            help="The log's origin line, e.g. ceasefire.example/pak-afg [env CEASEFIRE_ORIGIN]."
        ),
    ] = None,
    agreement_file: Annotated[
        Path | None,
        typer.Option(
            "--agreement",
            help="The agreement file (TOML) to propose as version 1 [default: the bundled "
            "Istanbul agreement of October 2025].",
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Create the store and the operator's signing keys, write the genesis entry, and propose
    the agreement (adopted once every party and mediator signs it)."""
    config = settings(data, database_url)
    agreement = load_agreement(agreement_file)  # a bad file refuses before anything is made
    log_origin = origin or config.origin
    for path in (config.log_key_path, config.operator_key_path):
        if path.exists():
            raise Conflict(f"{path} already exists: this data folder is already initialised")
    log_key, operator_key = SigningKey.generate(log_origin), SigningKey.generate(OPERATOR)
    # keys of a log that was never created would only mislead: they go if init fails
    with (
        provisional_key(config.log_key_path, log_key),
        provisional_key(config.operator_key_path, operator_key),
        bootstrap.opened(config, create=True) as store,
    ):
        log_service.initialise(store, log_origin, log_key, operator_key, now())
        appended = agreement_service.propose(
            store, agreement, key=operator_key, log_key=log_key, clock=now
        )
    result: dict[str, str | int] = {
        "origin": log_origin,
        "data": str(config.data),
        "database": "postgresql" if config.database_url else "sqlite",
        "log_vkey": log_key.note_key().to_text(),
        "operator_public_key": b64(operator_key.public_key),
        "tree_size": appended.checkpoint.size,
        "agreement": agreement.title,
        "agreement_digest": agreement.digest(),
    }
    if json:
        output.json_line(result)
    else:
        output.info(f"[green]created[/] the log {log_origin} in {config.data}")
        output.info(
            f"[green]proposed[/] {agreement.title}, version {agreement.version}: adopted when "
            f"{', '.join(agreement.signatories())} have signed it (`ceasefire agreement sign`)"
        )
        output.data(str(result["log_vkey"]))
