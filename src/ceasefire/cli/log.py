"""``ceasefire log``: append signed events, and read the log, its checkpoints and proofs."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from ceasefire import bootstrap
from ceasefire.cli import log_check, output
from ceasefire.cli.common import (
    EXIT_VERIFICATION_FAILED,
    DatabaseOption,
    DataOption,
    JsonOption,
    b64,
    now,
    settings,
    unreadable,
)
from ceasefire.errors import InvalidInput
from ceasefire.log.envelope import Envelope
from ceasefire.log.hashing import leaf_hash
from ceasefire.services import confirmation, drafts, witnessing
from ceasefire.services import log as log_service
from ceasefire.services import tiles as tiles_service
from ceasefire.storage.keyfiles import read_key
from ceasefire.witness.push import push_all

app = typer.Typer(rich_markup_mode=None, help="The signed Merkle log.", no_args_is_help=True)
proof_app = typer.Typer(
    rich_markup_mode=None, help="Inclusion and consistency proofs (RFC 9162).", no_args_is_help=True
)
app.add_typer(proof_app, name="proof")
app.command("check")(log_check.check)


@app.command("append")
def append(
    key: Annotated[Path, typer.Option(help="The signing actor's private key file.")],
    type_: Annotated[
        str | None,
        typer.Option(
            "--type",
            help="Event type, e.g. note.added (the record's own types, such as "
            "report.submitted, are checked against the agreement).",
        ),
    ] = None,
    body: Annotated[str | None, typer.Option(help="The event body, a JSON object.")] = None,
    batch: Annotated[
        Path | None,
        typer.Option(help='NDJSON file, one {"type": …, "body": {…}} per line ("-" for stdin).'),
    ] = None,
    confidential: Annotated[
        bool, typer.Option(help="Log a salted commitment instead of the body (--body only).")
    ] = False,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Sign events with KEY and append them as one all-or-nothing batch; print their indices."""
    config = settings(data, database_url)
    events = _drafts(type_, body, batch, confidential)
    signer = read_key(key)
    with bootstrap.opened(config) as store:
        with output.progress_bar() as progress:
            origin = store.head().identity.origin
            submissions = drafts.sign_drafts(signer, origin, events, now(), progress)
            appended = log_service.append(store, submissions, bootstrap.log_key(config), now)
        if json:
            output.json_line(
                {
                    "indices": list(appended.indices),
                    "tree_size": appended.checkpoint.size,
                    "root_hash": b64(appended.checkpoint.root),
                }
            )
            return
        for index in appended.indices:
            output.data(str(index))


def _drafts(
    type_: str | None, body: str | None, batch: Path | None, confidential: bool
) -> list[drafts.EventDraft]:
    if (body is None) == (batch is None):
        raise InvalidInput("give exactly one of --body JSON or --batch FILE", field="body")
    if body is not None:
        if type_ is None:
            raise InvalidInput("--type is required with --body", field="type")
        return [drafts.EventDraft(type_, drafts.parse_body(body), confidential)]
    assert batch is not None
    if confidential:
        raise InvalidInput(
            'with --batch, mark lines {"confidential": true} instead', field="confidential"
        )
    if str(batch) == "-":
        return drafts.parse_batch(sys.stdin, type_)
    try:
        with batch.open(encoding="utf-8") as lines:
            return drafts.parse_batch(lines, type_)
    except (OSError, UnicodeDecodeError) as exc:
        raise unreadable(batch, exc, "batch") from exc


@app.command("checkpoint")
def checkpoint(
    size: Annotated[int | None, typer.Option(help="A past checkpoint's tree size.")] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Print the latest signed checkpoint (C2SP signed note), cosignatures attached."""
    with bootstrap.opened(settings(data, database_url)) as store:
        sys.stdout.write(log_service.checkpoint_note(store, size))


@app.command("cosign")
def cosign(
    key: Annotated[Path, typer.Option(help="The witness's private key file (role witness).")],
    data: DataOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Cosign the latest checkpoint as an enrolled witness and attach the cosignature."""
    with bootstrap.opened(settings(data, database_url)) as store:
        signature = witnessing.cosign_latest(store, read_key(key), now())
        sys.stdout.write(signature.to_line())


@app.command("vkey")
def vkey(data: DataOption = None, database_url: DatabaseOption = None) -> None:
    """Print the verifier key (C2SP vkey) that signs this log's checkpoints."""
    with bootstrap.opened(settings(data, database_url)) as store:
        output.data(store.head().identity.log_vkey)


@app.command("policy")
def policy(data: DataOption = None, database_url: DatabaseOption = None) -> None:
    """Print the witness policy (C2SP tlog-policy) written from the agreement in force."""
    with bootstrap.opened(settings(data, database_url)) as store:
        sys.stdout.write(confirmation.store_policy(store).to_text())


@app.command("push-witness")
def push_witness(
    urls: Annotated[list[str], typer.Argument(help="Each witness's add-checkpoint prefix URL.")],
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Offer the latest checkpoint to witnesses that speak C2SP add-checkpoint and attach the
    cosignatures of enrolled witnesses; exit 7 unless every witness cosigned."""
    with bootstrap.opened(settings(data, database_url)) as store:
        answers = push_all(store, urls)
    if json_output:
        output.json_line([asdict(a) for a in answers])
    else:
        for a in answers:
            said = ", ".join(a.cosigned_by) or a.detail or "no cosignature"
            output.info(f"{a.url}: {a.status} at size {a.size}: {said}")
            for refused in a.refused:
                output.info(f"  not kept: {refused}")
    if not all(a.ok for a in answers):
        raise typer.Exit(EXIT_VERIFICATION_FAILED)


@app.command("entries")
def entries(
    start: Annotated[int, typer.Option(help="First index.")] = 0,
    end: Annotated[
        int | None, typer.Option(help="One past the last index [default: size].")
    ] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Print entries START..END-1: with --json one {index, leaf, leaf_hash} object per line."""
    with bootstrap.opened(settings(data, database_url)) as store:
        size = store.head().size
        stop = size if end is None else min(end, size)
        if start < 0 or stop < start:
            raise InvalidInput(
                f"need 0 <= start <= end, got start {start}, end {stop}", field="start"
            )
        for index, leaf in store.entries(start, stop):
            if json:
                output.json_line(
                    {"index": index, "leaf": b64(leaf), "leaf_hash": b64(leaf_hash(leaf))}
                )
            else:
                envelope = Envelope.from_leaf(leaf)
                output.data(
                    f"{index}\t{envelope.time.isoformat()}\t{envelope.actor}\t{envelope.type}"
                )


@app.command("tiles")
def tiles(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="Folder to write the static files into.")
    ],
    size: Annotated[
        int | None, typer.Option(help="A past checkpoint's tree size (default: the latest).")
    ] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Write the log as C2SP tlog-tiles static files: DIR/checkpoint, DIR/tile/…"""
    with bootstrap.opened(settings(data, database_url)) as store, output.progress_bar() as bar:
        exported = tiles_service.export(store, _file_writer(folder), size, bar)
    output.data(
        f"wrote {exported.tiles:,} tiles, {exported.bundles:,} entry bundles and the checkpoint "
        f"of tree size {exported.size:,} to {folder}"
    )


def _file_writer(root: Path) -> Callable[[str, bytes], None]:
    """Write each file under ``root`` by a temporary name and a rename, so a web server
    serving ``root`` never hands out a half-written tile or checkpoint."""

    def write(path: str, data: bytes) -> None:
        target = root / path
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(data)
            os.replace(temporary, target)
        except OSError as exc:
            with suppress(OSError):  # nothing to remove, or no folder to remove it from
                temporary.unlink()
            raise InvalidInput(f"cannot write {target}: {exc}", field="dir") from exc

    return write


@proof_app.command("inclusion")
def inclusion(
    index: Annotated[int, typer.Argument(help="The entry's index.")],
    size: Annotated[int | None, typer.Option(help="Tree size [default: current].")] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Prove that entry INDEX is in the tree of the given size."""
    with bootstrap.opened(settings(data, database_url)) as store:
        proof = log_service.prove_inclusion(store, index, size)
    _print_proof(proof, json)


@proof_app.command("consistency")
def consistency(
    old: Annotated[int, typer.Argument(help="The older tree size.")],
    new: Annotated[
        int | None, typer.Argument(help="The newer tree size [default: current].")
    ] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Prove that the tree of size OLD is a prefix of the tree of size NEW."""
    with bootstrap.opened(settings(data, database_url)) as store:
        proof = log_service.prove_consistency(store, old, new)
    _print_proof(proof, json)


def _print_proof(
    proof: log_service.InclusionProof | log_service.ConsistencyProof, as_json: bool
) -> None:
    """The proof's fields in their declared order (the JSON contract), hashes in base64."""
    result = {name: _encoded(value) for name, value in vars(proof).items()}
    if as_json:
        output.json_line(result)
        return
    for name, value in result.items():
        if isinstance(value, list):
            output.data(f"{name}:")
            for item in value:
                output.data(f"  {item}")
        else:
            output.data(f"{name}: {value}")


def _encoded(value: object) -> object:
    """Hashes (and lists of hashes) as base64; sizes and indices as they are."""
    if isinstance(value, bytes):
        return b64(value)
    if isinstance(value, list):
        return [_encoded(item) for item in value]
    return value
