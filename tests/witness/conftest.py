"""Real processes on 127.0.0.1: ``ceasefire serve`` over a copy of the demo store, and the
parties' witnesses run with ``ceasefire witness --once`` against it; and, for the follower's
checks one by one, the app in process over a copy of the same store (``setup``).

The demo is played once per run (``demo_template``); each test works on its own copy, so an attack
in one test never leaks into another.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import pytest

from ceasefire import bootstrap
from ceasefire.api.app import create_app
from ceasefire.log.keys import SigningKey
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import read_key
from ceasefire.storage.log_store import SqlLogStore
from ceasefire.witness.alarms import AlarmLog
from ceasefire.witness.follower import Config, Follower
from ceasefire.witness.mirror import Mirror
from ceasefire.witness.remote import Server
from ceasefire.witness.state import StateFile
from tests.web.conftest import serving

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

ROOT: Final = Path(__file__).resolve().parents[2]
PARTIES: Final = {"pk": "witness-pk", "af": "witness-af"}
NOW: Final = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def ceasefire(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a fresh process."""
    return subprocess.run(
        [sys.executable, "-c", "from ceasefire.cli.main import run; run()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


@pytest.fixture(scope="session")
def baseline(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store served once, both witnesses' first cycle run against it:
    every test starts from a copy of this, both parties having cosigned the demo's log."""
    folder = tmp_path_factory.mktemp("witness")
    shutil.copytree(demo_template, folder / "server")
    with serving(folder / "server") as url:
        world = World(folder / "server", url, folder)
        for party in PARTIES:
            cycle = world.witness(party)
            assert (cycle.code, cycle.outcome["cosigned"]) == (0, True), cycle.stderr
    return folder


@dataclass(frozen=True)
class Cycle:
    """One ``ceasefire witness --once --json`` run."""

    code: int
    outcome: dict[str, Any]
    stderr: str

    @property
    def alarms(self) -> list[dict[str, Any]]:
        alarms: list[dict[str, Any]] = self.outcome["alarms"]
        return alarms

    def checks(self) -> set[str]:
        return {a["check"] for a in self.alarms}

    def first(self, check: str) -> dict[str, Any]:
        return next(a for a in self.alarms if a["check"] == check)


@dataclass
class World:
    """A server over its own copy of the demo store, and a folder per party's witness."""

    data: Path
    url: str
    root: Path
    stack: ExitStack = field(default_factory=ExitStack)

    @property
    def vkey(self) -> str:
        return read_key(self.data / "keys" / "log.key").note_key().to_text()

    def witness_dir(self, party: str) -> Path:
        return self.root / f"witness-{party}"

    def receipts(self, party: str) -> Path:
        return self.root / f"receipts-{party}"

    def witness(self, party: str, *extra: str, url: str | None = None) -> Cycle:
        """One cycle of ``party``'s witness; the receipts folder is always handed over."""
        done = ceasefire(
            "witness",
            "--url",
            url or self.url,
            "--data",
            str(self.witness_dir(party)),
            "--key",
            str(self.data / "keys" / f"{PARTIES[party]}.key"),
            "--receipts",
            str(self.receipts(party)),
            "--once",
            "--json",
            *extra,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        assert lines, f"no outcome printed: {done.stdout}\n{done.stderr}"
        return Cycle(done.returncode, json.loads(lines[-1]), done.stderr)

    def sql(self, statement: str, *params: Any, data: Path | None = None) -> None:
        """What an operator with the database can do behind the service's back."""
        with closing(sqlite3.connect(data or self.data / "ceasefire.db")) as db, db:
            db.execute(statement, params)

    def cli(self, *args: str, data: Path | None = None) -> dict[str, Any]:
        """A command on the store (the operator's side), JSON answer."""
        done = ceasefire(*args, "--data", str(data or self.data), "--json", check=True)
        answer: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
        return answer

    def report(self, party: str, narrative: str, *, url: str | None = None) -> dict[str, Any]:
        """A liaison officer posts an allegation over HTTP and keeps its receipt."""
        liaison = f"{party}-liaison-1"
        token = (self.data / "tokens" / f"{liaison}.token").read_text().strip()
        done = ceasefire(
            "report", "submit",
            "--url", url or self.url,
            "--token", token,
            "--key", str(self.data / "keys" / f"{liaison}.key"),
            "--log-vkey", self.vkey,
            "--receipts", str(self.receipts(party)),
            "--act", "artillery_fire",
            "--party", "af" if party == "pk" else "pk",
            "--date", "2025-11-25",
            "--lat", "34.13", "--lon", "71.09", "--precision", "near",
            "--sector", "torkham",
            "--narrative", narrative,
            "--source", "ISPR:party:C:3",
            "--json",
            check=True,
        )  # fmt: skip
        answer: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
        return answer

    def serve(self, data: Path) -> str:
        """Another server (the operator's fork) over ``data``."""
        return self.stack.enter_context(serving(data))


@pytest.fixture
def world(baseline: Path, tmp_path: Path) -> Iterator[World]:
    for folder in baseline.iterdir():
        shutil.copytree(folder, tmp_path / folder.name)
    data = tmp_path / "server"
    with serving(data) as url:
        found = World(data, url, tmp_path)
        with found.stack:
            yield found


@dataclass
class Setup:
    data: Path
    server_store: SqlLogStore
    client: TestClient
    store: SqlLogStore
    folder: Path

    def follower(self, server: Server | None = None, **config: object) -> Follower:
        key = config.pop("key", None) or read_key(self.data / "keys" / "witness-pk.key")
        return Follower(
            server or Server("http://testserver", self.client),
            Mirror(self.store),
            StateFile(self.folder),
            AlarmLog(self.folder),
            Config(key, **config),  # type: ignore[arg-type]
            # the server's clock, as the witness's: it refuses a cosignature dated before the
            # checkpoint was signed, and the tests append at the time of the run
            lambda: datetime.now(UTC),
            lambda peer: Path(peer).read_text(),
        )

    @property
    def log_key(self) -> SigningKey:
        return read_key(self.data / "keys" / "log.key")


@pytest.fixture
def setup(tmp_path: Path, baseline: Path, database_url: str) -> Iterator[Setup]:
    data = tmp_path / "server"
    shutil.copytree(baseline / "server", data)
    settings = Settings(data=data)
    witness = Settings(data=tmp_path / "witness", database_url=database_url)
    server_store = bootstrap.open_store(settings)
    store = bootstrap.create_store(witness)
    try:
        with TestClient(create_app(settings)) as client:
            yield Setup(data, server_store, client, store, tmp_path / "witness")
    finally:
        store.close()
        server_store.close()
