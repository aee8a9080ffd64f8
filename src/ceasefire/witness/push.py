"""The log's side of C2SP tlog-witness: offer the latest checkpoint to witnesses that speak
``add-checkpoint``, and keep the cosignatures they answer.

The parties' own witnesses (``ceasefire witness``) follow the log and post their cosignatures
back; a witness of the public witness network (or any C2SP witness, ours included with
``--witness-log``) waits instead for the log to push. Each push sends ``old <size>``, the
consistency proof from that size and the log-signed checkpoint; a witness that knows another
size answers 409 with it, and the push is made once more from there (a witness that knows
nothing of the log is at size 0). A 200 carries the cosignature lines: each is attached to the
checkpoint only if it verifies under a key enrolled in the log with the ``witness`` role and
its timestamp is sane against the log's clock (``services.witnessing.attach``); any other line
is reported, not kept.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import httpx

from ceasefire.errors import CeasefireError, InvalidInput
from ceasefire.log.note import NoteSignature
from ceasefire.services import log as log_service
from ceasefire.services import witnessing
from ceasefire.services.ports import LogStore

SIZE_TYPE: Final = "text/x.tlog.size"
ATTEMPTS: Final = 2


@dataclass(frozen=True)
class Pushed:
    """What one witness answered to the checkpoint of ``size``."""

    url: str
    size: int
    status: int
    cosigned_by: tuple[str, ...] = ()
    """The enrolled witnesses whose cosignatures were attached."""
    refused: tuple[str, ...] = ()
    """Cosignature lines not kept, each with why."""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.refused


def request_body(store: LogStore, old: int) -> tuple[int, bytes]:
    """The add-checkpoint request from ``old`` to the latest checkpoint: its size and body."""
    checkpoint = store.latest_checkpoint()
    if not 0 <= old <= checkpoint.size:
        raise InvalidInput(
            f"the witness knows size {old}; the log's checkpoint is at {checkpoint.size}",
            field="old",
        )
    proof: list[bytes] = []
    if 0 < old < checkpoint.size:
        proof = log_service.prove_consistency(store, old, checkpoint.size).proof
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof), ""]
    return checkpoint.size, ("\n".join(lines) + "\n" + checkpoint.note).encode()


def push(
    store: LogStore,
    url: str,
    client: httpx.Client,
    *,
    old: int = 0,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Pushed:
    """Offer the latest checkpoint to the witness at ``url`` (its add-checkpoint prefix);
    ``clock`` is the log's, which the cosignatures' timestamps are judged against."""
    endpoint = url.rstrip("/") + "/add-checkpoint"
    for _ in range(ATTEMPTS):
        size, body = request_body(store, old)
        try:
            answer = client.post(endpoint, content=body)
        except httpx.HTTPError as exc:
            return Pushed(url, size, 0, detail=f"unreachable: {exc}")
        if answer.status_code == 409 and answer.headers.get("content-type", "").startswith(
            SIZE_TYPE
        ):
            old = _size(answer.text, url)
            continue
        if answer.status_code != 200:
            return Pushed(url, size, answer.status_code, detail=answer.text.strip()[:500])
        return _attach(store, url, size, answer.text, clock())
    return Pushed(url, size, 409, detail=f"the witness's size kept changing (last {old})")


def push_all(store: LogStore, urls: list[str], *, timeout: float = 10.0) -> list[Pushed]:
    """Offer the latest checkpoint to each witness in turn."""
    with httpx.Client(timeout=timeout) as client:
        return [push(store, url, client) for url in urls]


def _attach(store: LogStore, url: str, size: int, text: str, now: datetime) -> Pushed:
    kept: list[str] = []
    refused: list[str] = []
    for line in (line for line in text.splitlines() if line.strip()):
        try:
            signature = NoteSignature.from_line(line)
            witnessing.attach(store, size, signature, now)
        except CeasefireError as exc:
            refused.append(f"{line[:60]}: {exc}")
        else:
            kept.append(signature.name)
    return Pushed(url, size, 200, tuple(kept), tuple(refused))


def _size(text: str, url: str) -> int:
    value = text.strip()
    if not value.isdecimal():
        raise InvalidInput(f"{url} answered 409 without a size: {value[:40]!r}", field="url")
    return int(value)
