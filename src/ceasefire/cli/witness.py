"""``ceasefire witness``: a party's witness following a ceasefire server (docs/witness.md).

Data to stdout (one line per cycle, or JSON with ``--json``); alarms to stderr as they are
found, to ``alarms.jsonl`` in the data folder, and at ``GET /alarms`` with ``--listen``. With
``--once`` the exit code is 7 (a verification failed) when the cycle raised any alarm.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Annotated, Final

import typer

from ceasefire import bootstrap
from ceasefire.cli import output
from ceasefire.cli.client import LogVkeyOption, pinned_vkey
from ceasefire.cli.common import (
    EXIT_VERIFICATION_FAILED,
    DatabaseOption,
    DataOption,
    JsonOption,
    now,
    settings,
)
from ceasefire.errors import InvalidInput
from ceasefire.storage.keyfiles import read_key
from ceasefire.witness.alarms import AlarmLog
from ceasefire.witness.follower import DEFAULT_AUDIT, Config, Follower, Outcome
from ceasefire.witness.mirror import Mirror
from ceasefire.witness.remote import Server, make_client, peer_checkpoint
from ceasefire.witness.server import make_server
from ceasefire.witness.state import LogState, StateFile

ALARM_EXIT: Final = EXIT_VERIFICATION_FAILED


def witness(
    url: Annotated[
        str,
        typer.Option(
            "--url",
            help="The ceasefire server to follow [env CEASEFIRE_URL].",
            envvar="CEASEFIRE_URL",
        ),
    ],
    key: Annotated[
        Path,
        typer.Option(
            "--key",
            help="This witness's private key file (its enrolled witness "
            "actor's, e.g. keys/witness-pk.key) [env CEASEFIRE_KEY].",
            envvar="CEASEFIRE_KEY",
        ),
    ],
    data: DataOption = None,
    database_url: DatabaseOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Run one cycle; exit 7 on any alarm.")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="Seconds between cycles.")
    ] = 60.0,
    listen: Annotated[
        str | None,
        typer.Option(
            "--listen",
            help="HOST:PORT to serve GET /alarms, GET /checkpoint and POST /add-checkpoint on.",
        ),
    ] = None,
    peer: Annotated[
        list[str] | None,
        typer.Option(
            "--peer",
            help="A peer witness's --listen URL, or a file holding its "
            "latest cosigned checkpoint (repeatable).",
        ),
    ] = None,
    receipts: Annotated[
        Path | None,
        typer.Option(
            "--receipts",
            help="Folder of *.receipt files the party's liaison "
            "officers kept [env CEASEFIRE_RECEIPTS].",
            envvar="CEASEFIRE_RECEIPTS",
        ),
    ] = None,
    log_vkey: LogVkeyOption = None,
    witness_log: Annotated[
        list[str] | None,
        typer.Option(
            "--witness-log",
            help="Another C2SP log's verifier key (or a file with "
            "it) to cosign on POST /add-checkpoint (repeatable).",
        ),
    ] = None,
    audit: Annotated[
        int, typer.Option("--audit", min=0, help="Old entry bundles fetched again per cycle.")
    ] = DEFAULT_AUDIT,
    json: JsonOption = False,
) -> None:
    """Follow a server's log, check it, recompute its figures, and cosign what checks out."""
    config = settings(data, database_url)
    signing_key = read_key(key)
    pinned = pinned_vkey(log_vkey).to_text() if log_vkey is not None else None
    state, alarms = StateFile(config.data), AlarmLog(config.data)
    origins = _witnessed_logs(witness_log or [], state, pinned)
    client = make_client()
    with bootstrap.opened(config, create=True) as store:
        follower = Follower(
            Server(url, client),
            Mirror(store),
            state,
            alarms,
            Config(signing_key, pinned, receipts, tuple(peer or ()), audit),
            now,
            lambda where: peer_checkpoint(where, client),
        )
        if listen is not None:
            _serve(listen, follower, state, alarms, origins)
        if once:
            outcome = follower.cycle()
            _report(outcome, json)
            if outcome.alarms:
                raise typer.Exit(ALARM_EXIT)
            return
        try:
            while True:
                _report(follower.cycle(), json)
                time.sleep(interval)
        except KeyboardInterrupt:
            output.info("stopped")


def _witnessed_logs(keys: list[str], state: StateFile, followed: str | None) -> frozenset[str]:
    """The ``--witness-log`` logs, registered in the state; never the followed one."""
    origins = set()
    for text in keys:
        other = pinned_vkey(text)
        if followed is not None and other.name == pinned_vkey(followed).name:
            raise InvalidInput(
                f"{other.name} is the log this witness follows: it is cosigned once checked, "
                "not on add-checkpoint",
                field="witness_log",
            )
        known = state.get(other.name)
        if known is None:
            state.put(LogState(other.name, other.to_text()))
        elif known.vkey != other.to_text():
            raise InvalidInput(
                f"{other.name} is already witnessed under the key {known.vkey}", field="witness_log"
            )
        origins.add(other.name)
    return frozenset(origins)


def _serve(
    listen: str, follower: Follower, state: StateFile, alarms: AlarmLog, origins: frozenset[str]
) -> None:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise InvalidInput(f"--listen takes HOST:PORT, found {listen!r}", field="listen")
    server = make_server(
        host,
        int(port),
        state=state,
        alarms=alarms,
        key=follower.config.key,
        followed=follower.followed,
        clock=now,
        origins=origins,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    output.info(
        f"listening on http://{host}:{server.server_port}: GET /alarms, GET /checkpoint, "
        "POST /add-checkpoint"
    )


def _report(outcome: Outcome, json: bool) -> None:
    for alarm in outcome.alarms:
        output.error(alarm.describe().replace("[", "\\["))  # the text, not console markup
    if json:
        output.json_line(
            {
                "size": outcome.size,
                "cosigned": outcome.cosigned,
                "alarms": [a.to_json() for a in outcome.alarms],
                "receipts": {
                    "kept": outcome.receipts.kept,
                    "pending": outcome.receipts.pending,
                    "broken": outcome.receipts.broken,
                },
                "peers": outcome.peers,
            }
        )
        return
    verdict = "cosigned" if outcome.cosigned else "checked" if not outcome.alarms else "ALARM"
    output.data(
        f"{verdict}: tree size {outcome.size}; {len(outcome.alarms)} alarm(s); receipts kept "
        f"{outcome.receipts.kept}, pending {outcome.receipts.pending}, broken "
        f"{outcome.receipts.broken}; peers compared {outcome.peers}"
    )
