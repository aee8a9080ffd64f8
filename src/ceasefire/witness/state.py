"""The witness's state, one JSON file replaced atomically (tlog-witness: "the witness MUST
persist the new state before replying").

For each log it witnesses (by origin): the pinned verifier key and the latest checkpoint it
cosigned (size, root and the note with its cosignature); for the log it follows, what it has
read of other witnesses (``witness.cosigners``): each witness's cosignature of the largest tree
seen, and each peer's latest cosigned checkpoint as presented. Writes go to a temporary file that
is fsynced and renamed over the old one, then the folder is fsynced, so a crash leaves the old
state or the new one, never a mix. One lock serialises the follower and the ``--listen``
server, which share the state.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from threading import RLock
from typing import Any, Final, TypeVar

from ceasefire.errors import StorageError
from ceasefire.log.cosignature import Cosigned, cosignature_timestamp
from ceasefire.log.note import Note

STATE_FILE: Final = "witness-state.json"
COSIGNED_FILE: Final = "cosigned-checkpoint"
"""The latest checkpoint cosigned of the followed log, as a plain note: what a peer reads when
the parties carry checkpoints by another channel than ``GET /checkpoint``."""
_T = TypeVar("_T")


@dataclass(frozen=True)
class LogState:
    """What the witness holds about one log: its key and the latest tree it cosigned."""

    origin: str
    vkey: str
    size: int = 0
    root: bytes = b""
    note: str = ""
    """The latest cosigned checkpoint, this witness's cosignature attached ("" before any)."""
    audit_next: int = 0
    """The entry bundle the next cycle's audit of old entries starts at (the follower's)."""
    cosigners: dict[str, Cosigned] = field(default_factory=dict)
    """By witness name: its verified cosignature of the largest tree this witness has seen it
    cosign (the newest of that tree), with the note it came on."""
    peers: dict[str, str] = field(default_factory=dict)
    """By peer (its URL or file): the largest checkpoint it presented as its latest cosigned."""

    def advanced(self, size: int, root: bytes, note: str) -> LogState:
        return replace(self, size=size, root=root, note=note)

    def cosigned_at(self, name: str, key_id: int) -> int | None:
        """The timestamp of this witness's own cosignature on ``note`` (key ``name``/``key_id``),
        if it carries one: the time its next cosignature must not precede."""
        if not self.note:
            return None
        mine = [
            s for s in Note.from_text(self.note).signatures if (s.name, s.key_id) == (name, key_id)
        ]
        return max((cosignature_timestamp(s) for s in mine), default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "vkey": self.vkey,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "note": self.note,
            "audit_next": self.audit_next,
            "cosigners": {name: _cosigned_json(c) for name, c in sorted(self.cosigners.items())},
            "peers": dict(sorted(self.peers.items())),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> LogState:
        return cls(
            origin=str(value["origin"]),
            vkey=str(value["vkey"]),
            size=int(value["size"]),
            root=base64.b64decode(value["root"]),
            note=str(value["note"]),
            audit_next=int(value.get("audit_next", 0)),
            cosigners={
                str(name): _cosigned(held) for name, held in value.get("cosigners", {}).items()
            },
            peers={str(peer): str(note) for peer, note in value.get("peers", {}).items()},
        )


def _cosigned_json(cosigned: Cosigned) -> dict[str, Any]:
    return {
        "name": cosigned.name,
        "key_id": cosigned.key_id,
        "timestamp": cosigned.timestamp,
        "origin": cosigned.origin,
        "size": cosigned.size,
        "root": base64.b64encode(cosigned.root).decode(),
        "note": cosigned.note,
    }


def _cosigned(value: dict[str, Any]) -> Cosigned:
    return Cosigned(
        name=str(value["name"]),
        key_id=int(value["key_id"]),
        timestamp=int(value["timestamp"]),
        origin=str(value["origin"]),
        size=int(value["size"]),
        root=base64.b64decode(value["root"]),
        note=str(value["note"]),
    )


class StateFile:
    """Every log's :class:`LogState`, read once and written atomically on each change."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / STATE_FILE
        self.lock = RLock()
        self._logs: dict[str, LogState] = self._load()

    def _load(self) -> dict[str, LogState]:
        if not self.path.exists():
            return {}
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            return {o: LogState.from_json(v) for o, v in document["logs"].items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StorageError(f"{self.path}: the witness state cannot be read: {exc}") from exc

    def get(self, origin: str) -> LogState | None:
        with self.lock:
            return self._logs.get(origin)

    def origins(self) -> list[str]:
        with self.lock:
            return sorted(self._logs)

    def put(self, state: LogState) -> None:
        """Persist ``state`` (fsync, rename, fsync the folder) before anything is answered."""
        with self.lock:
            logs = {**self._logs, state.origin: state}
            self._write(logs)
            self._logs = logs

    def update(self, origin: str, change: Callable[[LogState | None], _T]) -> _T:
        """Run ``change`` on the state of ``origin`` under the lock (it may call :meth:`put`)."""
        with self.lock:
            return change(self._logs.get(origin))

    def publish(self, note: str) -> None:
        """Write the followed log's latest cosigned checkpoint to ``cosigned-checkpoint``."""
        with self.lock:
            _replace(self.path.with_name(COSIGNED_FILE), note)

    def _write(self, logs: dict[str, LogState]) -> None:
        document = {"logs": {origin: s.to_json() for origin, s in sorted(logs.items())}}
        _replace(self.path, json.dumps(document, indent=1, sort_keys=True))


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file, fsync it, rename it over ``path``, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except OSError as exc:
        raise StorageError(f"{path}: the witness state cannot be saved: {exc}") from exc
