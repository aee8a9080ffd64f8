"""``ceasefire log check``: a party checks the log with nothing but its verifier key.

The latest checkpoint's signature, each ``--entry``'s inclusion in it and, with ``--state``,
its consistency with the checkpoint accepted last time (``services.log_check``), over the
server's public API; with ``--witness-vkey``, that witness's cosignature on it is not dated in
the future nor contradicts its cosignature accepted last time; with ``--quorum K``, at least K
of those witnesses must have cosigned it. A rewritten history, a forged checkpoint, an entry the
tree does not hold or a witness gone back exits 7 (verification failed); the state file then
keeps the checkpoint accepted before, and the one refused is written beside it
(``STATE.refused``): both are the proof. A checkpoint short of its quorum exits 7 too, but is
no proof of anything (the witnesses may not have seen it yet): it is not accepted, and the
state file keeps the checkpoint accepted before.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ceasefire.cli import client, output
from ceasefire.cli.common import JsonOption, b64, now, verifier_key
from ceasefire.errors import InvalidInput, VerificationError
from ceasefire.log.cosignature import moment
from ceasefire.services import log_check


def check(
    url: Annotated[str, typer.Option("--url", help="The ceasefire server, e.g. https://…")],
    log_vkey: client.LogVkeyOption = None,
    entry: Annotated[
        list[int] | None,
        typer.Option("--entry", help="An entry to find in the checkpoint's tree (repeat)."),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            help="The checkpoint accepted last time: checked to be a prefix of the new one, "
            "which then replaces it (created on the first check)."
        ),
    ] = None,
    witness_vkey: Annotated[
        list[str] | None,
        typer.Option(
            "--witness-vkey",
            help="A witness's cosignature key (vkey, type 0x04), or a file holding it, pinned "
            "out of band: its cosignature must not be dated in the future nor contradict the "
            "one accepted last time (repeatable).",
        ),
    ] = None,
    quorum: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="How many of the --witness-vkey witnesses must have cosigned the checkpoint "
            "for it to be accepted (default: none need to).",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Check the log with nothing but its verifier key: the checkpoint's signature, the
    inclusion of each --entry, and with --state that the log grew from the checkpoint
    accepted last time without rewriting it."""
    vkey = client.pinned_vkey(log_vkey)
    witnesses = [verifier_key(text, "witness_vkey") for text in witness_vkey or []]
    log_check.check_quorum(quorum, witnesses)
    accepted = _read_state(state)
    try:
        with client.http_client(url) as http:  # tests put the app in process here
            checked = log_check.check(
                client.LogApi(http), vkey, entry or [], accepted, witnesses=witnesses, now=now()
            )
    except log_check.Refused as refused:
        if state is not None:
            state.with_name(state.name + ".refused").write_text(refused.presented, "utf-8")
        raise
    cosigned = {c.name: c.timestamp for c in checked.cosigned}
    short = log_check.short_of_quorum(quorum, witnesses, checked.cosigned)
    if state is not None and short is None:
        state.write_text(checked.note, encoding="utf-8")
    for warning in checked.warnings:
        output.info(f"warning: {warning}")
    point = checked.checkpoint
    if json_output:
        output.data(
            json.dumps(
                {
                    "tree_size": point.size,
                    "root_hash": b64(point.root_hash),
                    "entries": list(checked.entries),
                    "since": checked.since,
                    "cosigned": cosigned,
                    "quorum": None if quorum is None else {"needed": quorum, "met": not short},
                }
            )
        )
        if short is not None:
            raise VerificationError(short, field="quorum")
        return
    output.data(f"checkpoint verified: {point.size} entries, root {b64(point.root_hash)}")
    for index in checked.entries:
        output.data(f"entry {index} is in the tree (inclusion proof verified)")
    for key in witnesses:
        when = cosigned.get(key.name)
        output.data(
            f"cosigned by {key.name} at {moment(when)}"
            if when is not None
            else f"not cosigned by {key.name}"
        )
    if checked.since is not None:
        output.data(
            f"consistent with the checkpoint accepted before ({checked.since} entries): "
            "nothing rewritten"
        )
    if short is not None:
        raise VerificationError(short, field="quorum")


def _read_state(path: Path | None) -> str | None:
    if path is None or not path.exists():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", field="state") from exc
