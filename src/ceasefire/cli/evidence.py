"""``ceasefire evidence``: the evidence locker — add a file, record its custody, show it."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from ceasefire import bootstrap
from ceasefire.cli import client, output
from ceasefire.cli.common import (
    EXIT_VERIFICATION_FAILED,
    AsOption,
    DatabaseOption,
    DataOption,
    JsonOption,
    KeyOption,
    now,
    settings,
)
from ceasefire.domain.events import CustodyAction
from ceasefire.media.images import analyse
from ceasefire.services import evidence as evidence_service
from ceasefire.services import ids
from ceasefire.services import reports as report_service
from ceasefire.services.ids import IdKind
from ceasefire.storage.keyfiles import read_key

app = typer.Typer(
    rich_markup_mode=None,
    help="The evidence locker: files by SHA-256, with their chain of custody.",
    no_args_is_help=True,
)
ACTIONS = ", ".join(a.value for a in CustodyAction if a is not CustodyAction.SUBMITTED)


@app.command("add")
def add(
    file: Annotated[Path, typer.Argument(help="The file (photo, video, document…).")],
    key: KeyOption,
    report: Annotated[
        str | None,
        typer.Option(
            help="The report it supports: its id, or (without --url) its first 8+ characters."
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Its name [default: the file's].")] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
    url: client.UrlOption = None,
    token: client.TokenOption = None,
    log_vkey: client.LogVkeyOption = None,
    receipts: client.ReceiptsOption = client.DEFAULT_RECEIPTS,
) -> None:
    """Put a file in the locker: type from its bytes, metadata and perceptual hashes read,
    stored by SHA-256, and announced by a signed event. With --url the file is uploaded to
    that server, which reads it; the body it answers is signed here and posted, and the
    receipt verified and saved."""
    if url is not None:
        remote = client.Remote(url, token, log_vkey, receipts)
        _add_remote(remote, key, file, name=name or file.name, report=report, json=json)
        return
    config = settings(data, database_url)
    with bootstrap.opened(config) as store:
        added = evidence_service.add_evidence(
            store,
            bootstrap.blob_store(config),
            analyse,
            file,
            report=None if report is None else ids.resolve(store, IdKind.REPORT, report),
            name=name,
            key=read_key(key),
            limits=bootstrap.evidence_limits(config),
            log_key=bootstrap.log_key(config),
            clock=now,
        )
    result = {
        "sha256": added.sha256,
        "size": added.size,
        "index": added.appended.indices.start,
        "metadata": added.metadata.to_body(),
    }
    if json:
        output.json_line(result)
    else:
        output.info(
            f"[green]added[/] {added.metadata.media_type}, {added.size:,} bytes, at index "
            f"{result['index']}"
        )
        output.data(added.sha256)


def _add_remote(
    remote: client.Remote, key: Path, file: Path, *, name: str, report: str | None, json: bool
) -> None:
    uploaded, posted = client.add_evidence(remote, key, file, name=name, report=report)
    if not json:
        client.report_posted(posted, remote.receipts, json=False)
        return
    output.json_line(
        {
            "sha256": uploaded["sha256"],
            "size": uploaded["size"],
            "index": posted.receipt.index,
            "metadata": uploaded["metadata"],
            "receipt": posted.note,
        }
    )


@app.command("custody")
def custody(
    sha256: Annotated[str, typer.Argument(help="The file's SHA-256.")],
    key: KeyOption,
    action: Annotated[str, typer.Option(help=f"What was done: {ACTIONS}.")],
    to: Annotated[str | None, typer.Option(help="For a transfer: the receiving actor.")] = None,
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    tool: Annotated[str | None, typer.Option(help="Tool and version used, if any.")] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Record one handling of a file in its chain of custody."""
    config = settings(data, database_url)
    with bootstrap.opened(config) as store:
        appended = evidence_service.record_custody(
            store,
            sha256,
            action=action,
            to=to,
            note=note,
            tool=tool,
            key=read_key(key),
            log_key=bootstrap.log_key(config),
            clock=now,
        )
    output.info(f"[green]recorded[/] {action} at index {appended.indices.start}")


@app.command("show")
def show(
    sha256: Annotated[str, typer.Argument(help="The file's SHA-256.")],
    reader: AsOption = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """A file's submissions, metadata, flags and chain of custody."""
    with bootstrap.opened(settings(data, database_url)) as store:
        viewer = report_service.viewer_of(store, reader)
        views = evidence_service.evidence_of(store, viewer, sha256)
    for view in views:
        result: dict[str, Any] = asdict(view) | {"metadata": view.metadata.to_body()}
        if json:
            output.json_line(result)
            continue
        output.info(f"[bold]{view.name}[/] at index {view.index}, report {view.report or '—'}")
        for flag in view.flags:
            output.info(f"  [yellow]flag[/] {flag.code}: {flag.message}")
        output.table(
            "custody",
            ["index", "action", "actor", "to", "note", "time"],
            [
                [str(s.index), s.action, s.actor, s.to or "—", s.note or "—", s.time]
                for s in view.custody
            ],
        )


@app.command("verify")
def verify(data: DataOption = None, database_url: DatabaseOption = None) -> None:
    """Re-hash every file in the locker against the SHA-256 the log holds."""
    config = settings(data, database_url)
    with bootstrap.opened(config) as store:
        problems = evidence_service.verify_locker(store, bootstrap.blob_store(config))
    for problem in problems:
        output.error(problem)
    if problems:
        raise typer.Exit(EXIT_VERIFICATION_FAILED)
    output.info("[green]every file in the locker matches its hash[/]")
