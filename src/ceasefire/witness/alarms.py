"""Alarms: what a witness found wrong, recorded so that it cannot be missed.

An alarm names the check that failed (:class:`Check`), where (the log's URL, the tree size and
the entry index when there is one), what was expected and what was found, and the log indices of
the events involved. Alarms are appended to ``alarms.jsonl`` in the witness's data folder, one
JSON object a line, flushed and fsynced before the cycle reports them; the ``--listen`` server
serves the same records at ``GET /alarms``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from threading import Lock
from typing import Any, Final

from ceasefire.log.envelope import format_time

ALARMS_FILE: Final = "alarms.jsonl"


class Check(StrEnum):
    """The witness's checks, in the order a cycle runs them."""

    CHECKPOINT_SIGNATURE = "checkpoint-signature"
    """1. The checkpoint is signed by the pinned log key and names the log's origin."""
    CONSISTENCY = "consistency"
    """1. The new tree extends the last tree this witness cosigned (no rewritten history)."""
    TILES = "tiles"
    """2. Every entry served hashes to the leaf hash the tiles hold."""
    ENTRY_REWRITTEN = "entry-rewritten"
    """2. An entry the witness already holds is now served with other bytes."""
    ENTRY_MISSING = "entry-missing"
    """2. The server cannot serve an entry its checkpoint covers."""
    ENTRY_SIGNATURE = "entry-signature"
    """2. An entry's envelope is not signed by a key valid at its index."""
    FIGURES = "figures"
    """3. A published figure differs from the witness's recomputation."""
    BRIEF = "brief"
    """3. A published brief's digests differ from the witness's regeneration of it."""
    COSIGNATURE = "cosignature"
    """4. The server refused the witness's cosignature."""
    RECEIPT = "receipt"
    """A receipt's promise was broken: the entry is not at its index by its time."""
    SPLIT_VIEW = "split-view"
    """A peer witness saw a checkpoint inconsistent with this witness's."""
    COSIGNER = "cosigner"
    """A cosignature read (on the server's checkpoint or a peer's) under an enrolled witness
    key does not verify, or is dated in the future (``witness.cosigners``)."""
    WITNESS_ROLLBACK = "witness-rollback"
    """A witness went back: it cosigned a smaller tree after a larger one, or a peer presents a
    smaller tree as its latest cosigned than it presented before."""
    WITNESS_FORK = "witness-fork"
    """A witness cosigned (or a peer presented) two roots for one tree size."""
    UNREACHABLE = "unreachable"
    """The server (or a peer) could not be read: nothing is cosigned."""


@dataclass(frozen=True)
class Alarm:
    """One failed check."""

    check: Check
    message: str
    url: str
    time: datetime
    size: int | None = None
    index: int | None = None
    expected: str = ""
    found: str = ""
    events: tuple[int, ...] = ()
    """Log indices of the events the difference involves."""
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        record = asdict(self)
        record["check"] = self.check.value
        record["time"] = format_time(self.time)
        record["events"] = list(self.events)
        return record

    def describe(self) -> str:
        """One line for a human: what, where, expected and found."""
        where = [f"at {self.url}"]
        if self.size is not None:
            where.append(f"tree size {self.size}")
        if self.index is not None:
            where.append(f"entry {self.index}")
        text = f"ALARM {self.check.value}: {self.message} ({', '.join(where)})"
        if self.expected or self.found:
            text += f": expected {self.expected or '-'}, found {self.found or '-'}"
        if self.events:
            text += f"; events at log indices {', '.join(map(str, self.events))}"
        return text


class AlarmLog:
    """The JSON-lines alarm record in the data folder (appended, never rewritten)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ALARMS_FILE
        self._lock = Lock()

    def record(self, alarms: Sequence[Alarm]) -> None:
        if not alarms:
            return
        lines = "".join(json.dumps(a.to_json(), sort_keys=True) + "\n" for a in alarms)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(lines)
                handle.flush()
                os.fsync(handle.fileno())

    def read(self) -> list[dict[str, Any]]:
        with self._lock:
            if not self.path.exists():
                return []
            text = self.path.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Finding:
    """A failed check before it is placed (URL) and dated: what a check function returns."""

    check: Check
    message: str
    size: int | None = None
    index: int | None = None
    expected: str = ""
    found: str = ""
    events: tuple[int, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    def alarm(self, url: str, time: datetime) -> Alarm:
        return Alarm(
            self.check,
            self.message,
            url,
            time,
            self.size,
            self.index,
            self.expected,
            self.found,
            self.events,
            self.details,
        )


class Refused(Exception):
    """A check failed in a way that stops the cycle before anything is cosigned."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding
