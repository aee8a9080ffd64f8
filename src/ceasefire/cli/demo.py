"""``ceasefire demo``: the log in action on a small, realistic scenario (October 2025).

Creates a fresh store, enrols the parties' liaison officers, the mediators, a monitor and two
witnesses, appends their signed events, prints a checkpoint and proofs and checks them the way a
sceptical party would (with nothing but the log's verifier key), has the witnesses cosign, runs
``verify`` — and then shows ``verify`` catching a single changed byte in a copy of the store.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from ceasefire import bootstrap
from ceasefire.cli import output
from ceasefire.cli.common import b64
from ceasefire.errors import Conflict
from ceasefire.log.checkpoint import open_checkpoint
from ceasefire.log.envelope import sign_event
from ceasefire.log.keys import SigningKey, VerifierKey
from ceasefire.log.proofs import verify_consistency, verify_inclusion
from ceasefire.services import keys as key_service
from ceasefire.services import log as log_service
from ceasefire.services import witnessing
from ceasefire.services.log import Submission
from ceasefire.services.verify import verify_store
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import write_key
from ceasefire.storage.log_store import SqlLogStore

ORIGIN = "ceasefire.demo/pak-afg-2025"
_MARKER = ".ceasefire-demo"
_START = datetime(2025, 10, 19, 9, 0, tzinfo=UTC)

ACTORS = {
    "pk-liaison-1": "party",
    "af-liaison-1": "party",
    "tr-mediator-1": "mediator",
    "qa-mediator-1": "mediator",
    "monitor-1": "monitor",
    "witness-pk": "witness",
    "witness-af": "witness",
}

# (actor, type, body, confidential). Dates and places follow the public record of October 2025;
# people are invented roles, never real names. Until the domain issue lands, bodies are free-form.
SCENARIO: list[tuple[str, str, dict[str, Any], bool]] = [
    (
        "tr-mediator-1",
        "agreement.noted",
        {
            "title": "Immediate ceasefire agreed in Doha",
            "date": "2025-10-19",
            "parties": ["Pakistan", "Afghanistan"],
            "mediators": ["Qatar", "Türkiye"],
        },
        False,
    ),
    (
        "af-liaison-1",
        "report.submitted",
        {
            "kind": "allegation",
            "act": "airstrike",
            "date": "2025-10-17",
            "place": "Urgun and Barmal districts, Paktika",
            "accused": "Pakistan",
            "summary": "Airstrikes on homes during the 48-hour truce; civilians killed.",
        },
        False,
    ),
    (
        "pk-liaison-1",
        "report.submitted",
        {
            "kind": "allegation",
            "act": "cross_border_attack",
            "date": "2025-10-12",
            "place": "Border posts in Kurram and Angoor Adda sectors",
            "accused": "Afghanistan",
            "summary": "Coordinated attacks on border posts launched from Afghan soil.",
        },
        False,
    ),
    (
        "monitor-1",
        "observation.recorded",
        {
            "date": "2025-10-20",
            "place": "Torkham crossing",
            "summary": "Crossing closed to trade; no firing heard during the observation window.",
            "source": {"role": "local trader", "protected": True},
        },
        True,
    ),
    (
        "qa-mediator-1",
        "meeting.recorded",
        {
            "title": "Istanbul round",
            "from": "2025-10-25",
            "to": "2025-10-30",
            "outcome": "Ceasefire continues; a monitoring and verification mechanism to follow",
            "next_meeting": {"date": "2025-11-06", "place": "Istanbul"},
        },
        False,
    ),
]


def demo(
    data: Annotated[Path, typer.Option(help="Folder for the demo store (recreated).")] = Path(
        "demo-data"
    ),
) -> None:
    """Run the log demo: init, enrol, append, prove, cosign, verify, catch tampering."""
    settings = _fresh_settings(data)
    with bootstrap.opened(settings, create=True) as store:
        _run(store, settings)


def _run(store: SqlLogStore, settings: Settings) -> None:
    log_key, operator_key = SigningKey.generate(ORIGIN), SigningKey.generate("operator")
    write_key(settings.log_key_path, log_key)
    write_key(settings.operator_key_path, operator_key)
    clock = _Clock(_START)
    log_service.initialise(store, ORIGIN, log_key, operator_key, clock.tick())
    keys = _enrol_actors(store, operator_key, log_key, clock)
    for actor, key in keys.items():  # so the demo folder can be explored with the CLI
        write_key(settings.keys_dir / f"{actor}.key", key)
    first = store.latest_checkpoint()
    _append_scenario(store, keys, log_key, clock)
    _show_checkpoint_and_proofs(store, first.size, ORIGIN)
    for witness in ("witness-pk", "witness-af"):
        witnessing.cosign_latest(store, keys[witness], clock.tick())
    output.info("\n[bold]checkpoint, cosigned by both parties' witnesses[/]")
    output.data(log_service.checkpoint_note(store))
    _verify_and_tamper(store, settings)


class _Clock:
    """The demo's own clock, so every run tells the same story."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def tick(self) -> datetime:
        self.now += timedelta(minutes=7)
        return self.now


def _fresh_settings(data: Path) -> Settings:
    if data.exists():
        if not (data / _MARKER).exists():
            raise Conflict(f"{data} exists and is not a demo folder; choose another --data")
        shutil.rmtree(data)
    data.mkdir(parents=True)
    (data / _MARKER).write_text("made by `ceasefire demo`; safe to delete\n")
    return Settings(data=data)


def _enrol_actors(
    store: SqlLogStore, operator_key: SigningKey, log_key: SigningKey, clock: _Clock
) -> dict[str, SigningKey]:
    keys: dict[str, SigningKey] = {}
    for actor, role in ACTORS.items():
        keys[actor] = SigningKey.generate(actor)
        key_service.enrol(
            store,
            actor=actor,
            public_key=keys[actor].public_key,
            role=role,
            operator_key=operator_key,
            log_key=log_key,
            clock=clock.tick,
        )
    output.info(f"[green]enrolled[/] {len(keys)} actors: {', '.join(keys)}")
    return keys


def _append_scenario(
    store: SqlLogStore, keys: dict[str, SigningKey], log_key: SigningKey, clock: _Clock
) -> None:
    for actor, event_type, body, confidential in SCENARIO:
        envelope, sealed = sign_event(
            keys[actor],
            log=ORIGIN,
            actor=actor,
            type=event_type,
            time=clock.tick(),
            body=body,
            confidential=confidential,
        )
        appended = log_service.append(store, [Submission(envelope, sealed)], log_key, clock.tick)
        shown = "commitment " + str(envelope.commitment) if confidential else event_type
        output.info(f"  [cyan]{appended.indices.start:>3}[/] {actor:<14} {shown}")


def _show_checkpoint_and_proofs(store: SqlLogStore, old_size: int, origin: str) -> None:
    vkey = VerifierKey.from_text(store.head().identity.log_vkey)
    output.info("\n[bold]the log's verifier key[/] (each party pins it out of band)")
    output.data(vkey.to_text())
    checkpoint, _ = open_checkpoint(log_service.checkpoint_note(store), vkey, origin=origin)
    output.info("\n[bold]latest checkpoint[/] (signature verified with the vkey)")
    output.data(log_service.checkpoint_note(store))
    report_index = next(
        i
        for i, leaf in store.entries(0, checkpoint.size)
        if b'"pk-liaison-1"' in leaf and b"report.submitted" in leaf
    )
    inclusion = log_service.prove_inclusion(store, report_index, checkpoint.size)
    verify_inclusion(
        inclusion.leaf_hash, report_index, checkpoint.size, inclusion.proof, checkpoint.root_hash
    )
    output.info(
        f"[green]inclusion proof verified[/]: Pakistan's report at index {report_index} is in "
        f"the tree of size {checkpoint.size} ({len(inclusion.proof)} hashes):"
    )
    for step in inclusion.proof:
        output.data(f"  {b64(step)}")
    consistency = log_service.prove_consistency(store, old_size, checkpoint.size)
    verify_consistency(
        old_size, checkpoint.size, consistency.old_root, checkpoint.root_hash, consistency.proof
    )
    output.info(
        f"[green]consistency proof verified[/]: the tree of size {old_size} is a prefix of the "
        f"tree of size {checkpoint.size} ({len(consistency.proof)} hashes)"
    )


def _verify_and_tamper(store: SqlLogStore, settings: Settings) -> None:
    report = verify_store(store)
    output.info(
        f"\n[bold]verify[/]: {'[green]ok[/]' if report.ok else '[red]FAILED[/]'} — "
        f"{report.entries_checked} entries, {report.nodes_checked} subtree hashes, "
        f"{report.checkpoints_checked} checkpoints, every signature checked"
    )
    copy = settings.data / "tampered.db"
    with sqlite3.connect(settings.data / "ceasefire.db") as source, sqlite3.connect(copy) as target:
        source.backup(target)  # a consistent copy, WAL included
    with sqlite3.connect(copy) as connection:  # the operator quietly edits one report
        index, leaf = next(
            (i, bytes(leaf))
            for i, leaf in connection.execute("SELECT idx, leaf FROM log_entries ORDER BY idx")
            if b"Kurram" in bytes(leaf)
        )
        edited = leaf.replace(b"Kurram", b"Kurrum")
        connection.execute("UPDATE log_entries SET leaf = ? WHERE idx = ?", (edited, index))
    copy_settings = Settings(data=settings.data, database_url=f"sqlite:///{copy}")
    with bootstrap.opened(copy_settings) as tampered:
        result = verify_store(tampered)
    first = result.first_problem
    if first is not None:
        output.info(
            f"[bold]verify on a copy with one byte changed[/]: [red]caught[/] — first bad index "
            f"{first.index}: {first.where}: {first.message}"
        )
    folder = settings.data
    output.info(
        f"\nThe demo store and its keys are in {folder}. Try:\n"
        f"  .venv/bin/ceasefire log entries --data {folder}\n"
        f"  .venv/bin/ceasefire log append --data {folder} --key {folder}/keys/pk-liaison-1.key "
        '--type report.submitted --body \'{"place": "Torkham"}\'\n'
        f"  .venv/bin/ceasefire verify --data {folder}"
    )
