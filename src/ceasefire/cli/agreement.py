"""``ceasefire agreement``: the agreement as data — check a file, propose it, sign it, show it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ceasefire import bootstrap
from ceasefire.cli import output
from ceasefire.cli.common import (
    DatabaseOption,
    DataOption,
    JsonOption,
    KeyOption,
    now,
    settings,
    unreadable,
)
from ceasefire.domain.agreement_toml import load_bundled, parse_agreement
from ceasefire.domain.agreements import Agreement
from ceasefire.services import agreements as agreement_service
from ceasefire.storage.keyfiles import read_key

app = typer.Typer(
    rich_markup_mode=None,
    help="The agreement: parties, mediators, clauses, commitments, rules, as data.",
    no_args_is_help=True,
)
FileArgument = Annotated[Path, typer.Argument(help="An agreement file (TOML).")]


def load_agreement(path: Path | None) -> Agreement:
    """The agreement in ``path``, or the bundled Istanbul agreement."""
    if path is None:
        return load_bundled()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise unreadable(path, exc, "agreement") from exc
    return parse_agreement(text, str(path))


@app.command("check")
def check(file: FileArgument, json: JsonOption = False) -> None:
    """Validate an agreement file; print its version and digest."""
    agreement = load_agreement(file)
    result = {"id": agreement.id, "version": agreement.version, "digest": agreement.digest()}
    if json:
        output.json_line(result)
    else:
        output.info(f"[green]valid[/] {agreement.title} (version {agreement.version})")
        output.data(agreement.digest())


@app.command("propose")
def propose(
    file: FileArgument,
    data: DataOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Propose a version of the agreement (the operator signs); it is adopted when every party
    and mediator has signed it."""
    config = settings(data, database_url)
    agreement = load_agreement(file)
    with bootstrap.opened(config) as store:
        appended = agreement_service.propose(
            store,
            agreement,
            key=bootstrap.operator_key(config),
            log_key=bootstrap.log_key(config),
            clock=now,
        )
    output.info(f"[green]proposed[/] version {agreement.version} at index {appended.indices.start}")
    output.data(agreement.digest())


@app.command("sign")
def sign(
    key: KeyOption,
    version: Annotated[int | None, typer.Option(help="The version [default: the latest].")] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Sign a version for the party or mediator the key's actor acts for."""
    config = settings(data, database_url)
    with bootstrap.opened(config) as store:
        appended = agreement_service.sign(
            store,
            key=read_key(key),
            version=version,
            log_key=bootstrap.log_key(config),
            clock=now,
        )
        state = {v.proposal.version: v for v in agreement_service.versions(store)}
    chosen = state[version] if version is not None else list(state.values())[-1]
    adopted = (
        f"adopted at index {chosen.adopted_at}"
        if chosen.adopted_at is not None
        else f"waiting for {', '.join(chosen.missing)}"
    )
    output.info(
        f"[green]signed[/] version {chosen.proposal.version} at index "
        f"{appended.indices.start}; {adopted}"
    )


@app.command("show")
def show(
    data: DataOption = None, database_url: DatabaseOption = None, json: JsonOption = False
) -> None:
    """Every proposed version: its digest, signatures (with log indices) and adoption."""
    with bootstrap.opened(settings(data, database_url)) as store:
        found = agreement_service.versions(store)
    rows = [
        {
            "version": v.proposal.version,
            "title": v.proposal.agreement.title,
            "digest": v.proposal.digest,
            "proposed_at": v.proposal.index,
            "signed": {s.signatory: s.index for s in v.signatures},
            "missing": list(v.missing),
            "adopted_at": v.adopted_at,
        }
        for v in found
    ]
    if json:
        for row in rows:
            output.json_line(row)
        return
    output.table(
        "agreement versions",
        ["version", "title", "proposed at", "signed (index)", "missing", "adopted at"],
        [
            [
                str(v.proposal.version),
                v.proposal.agreement.title,
                str(v.proposal.index),
                ", ".join(f"{s.signatory} ({s.index})" for s in v.signatures) or "—",
                ", ".join(v.missing) or "—",
                str(v.adopted_at) if v.adopted_at is not None else "—",
            ]
            for v in found
        ],
    )
