"""A child process for the concurrency and crash tests, and the parent's side of its journal.

The child (``python -m tests.integration.appender …``) appends batches the way
``ceasefire log append --batch`` does: NDJSON lines through ``drafts.parse_batch``, signed by
``drafts.sign_drafts``, appended by ``log_service.append`` with the store and log key that
``bootstrap`` opens from the settings. It skips only Typer and Rich, so that one process can
append many batches without paying the interpreter's start-up for each.

Every step goes to a journal, one JSON object a line, each line one ``write`` call (unbuffered),
so a SIGKILL leaves complete lines and at most one torn last line, which readers ignore::

    {"ready": true, "at": …}                          set up; waits for the go file if given
    {"sending": 3, "ids": ["…", …], "at": …}          batch 3 signed, about to be appended
    {"acked": 3, "start": 812, "stop": 1012, "size": 1012, "at": …}   the append returned

``at`` is the wall-clock time (``time.time()``), comparable between the processes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from ceasefire import bootstrap
from ceasefire.services import drafts
from ceasefire.services import log as log_service
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import read_key

ROOT = Path(__file__).resolve().parents[2]
EVENT_TYPE = "note.added"
_GO_TIMEOUT_S = 120.0


# --- the child ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = Settings(data=args.data, database_url=args.database_url)
    store = bootstrap.open_store(settings)
    log_key, signer = bootstrap.log_key(settings), read_key(args.key)
    origin = store.head().identity.origin
    with args.journal.open("ab", buffering=0) as journal:
        _record(journal, {"ready": True})
        if args.go is not None:
            _wait_for(args.go)
        for batch in range(args.batches):
            events = drafts.parse_batch(_batch_lines(args.tag, batch, args.batch_size))
            submissions = drafts.sign_drafts(signer, origin, events, _now())
            _record(journal, {"sending": batch, "ids": [s.envelope.id for s in submissions]})
            appended = log_service.append(store, submissions, log_key, _now)
            indices, size = appended.indices, appended.checkpoint.size
            _record(
                journal,
                {"acked": batch, "start": indices.start, "stop": indices.stop, "size": size},
            )
    store.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--key", type=Path, required=True, help="the signing actor's key file")
    parser.add_argument("--journal", type=Path, required=True)
    parser.add_argument("--batches", type=int, required=True)
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--tag", required=True, help="names this appender in the event bodies")
    parser.add_argument("--go", type=Path, help="wait, once ready, until this file exists")
    return parser


def _batch_lines(tag: str, batch: int, size: int) -> list[str]:
    return [
        json.dumps({"type": EVENT_TYPE, "body": {"tag": tag, "batch": batch, "seq": seq}})
        for seq in range(size)
    ]


def _record(journal: BinaryIO, record: dict[str, Any]) -> None:
    journal.write(json.dumps({**record, "at": time.time()}).encode() + b"\n")


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + _GO_TIMEOUT_S
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {path}")
        time.sleep(0.002)


def _now() -> datetime:
    return datetime.now(UTC)


# --- the parent -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ack:
    batch: int
    start: int
    stop: int
    size: int
    at: float


@dataclass
class Journal:
    """What one appender has journalled so far, read incrementally (torn last line held back)."""

    path: Path
    ready: bool = False
    sent: list[list[str]] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    _offset: int = 0
    _torn: bytes = b""

    def poll(self) -> Journal:
        if not self.path.exists():
            return self
        with self.path.open("rb") as handle:
            handle.seek(self._offset)
            chunk = handle.read()
        self._offset += len(chunk)
        *lines, self._torn = (self._torn + chunk).split(b"\n")
        for line in lines:
            self._take(json.loads(line))
        return self

    @property
    def in_flight(self) -> bool:
        """A batch was handed to the log and the append has not returned (as far as we know)."""
        return len(self.sent) > len(self.acks)

    def _take(self, record: dict[str, Any]) -> None:
        if "ready" in record:
            self.ready = True
        elif "sending" in record:
            assert record["sending"] == len(self.sent), f"journal out of order: {record}"
            self.sent.append(list(record["ids"]))
            self.sent_at.append(record["at"])
        else:
            ack = Ack(
                record["acked"], record["start"], record["stop"], record["size"], record["at"]
            )
            assert ack.batch == len(self.acks) == len(self.sent) - 1, f"journal: {record}"
            self.acks.append(ack)


@dataclass
class Appender:
    """A running child process and its journal; its stdout and stderr go to a file."""

    process: subprocess.Popen[bytes]
    journal: Journal
    output: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def ready_or_gone(self) -> bool:
        return self.journal.poll().ready or not self.alive()

    def describe(self) -> str:
        text = self.output.read_text(errors="replace") if self.output.exists() else ""
        return f"appender exit code {self.process.returncode}; its output:\n{text[-4000:]}"

    def stop(self) -> None:
        """Kill the child if it still runs (for ``finally`` blocks)."""
        if self.alive():
            self.process.kill()
        self.process.wait(timeout=60)


def spawn(
    *,
    data: Path,
    database_url: str,
    key: Path,
    folder: Path,
    tag: str,
    batches: int,
    batch_size: int,
    go: Path | None = None,
) -> Appender:
    """Start ``python -m tests.integration.appender`` with this interpreter (the venv's)."""
    journal, output = folder / f"{tag}.journal", folder / f"{tag}.out"
    command = [
        sys.executable,
        "-m",
        "tests.integration.appender",
        *("--data", str(data), "--database-url", database_url, "--key", str(key)),
        *("--journal", str(journal), "--tag", tag),
        *("--batches", str(batches), "--batch-size", str(batch_size)),
        *(("--go", str(go)) if go is not None else ()),
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    with output.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink
        )
    return Appender(process, Journal(journal), output)


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll ``condition`` every few milliseconds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.002)


if __name__ == "__main__":
    main()
