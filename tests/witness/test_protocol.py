"""C2SP tlog-witness ``add-checkpoint``: every status code, and the state persisted first."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ceasefire.log.checkpoint import Checkpoint, sign_checkpoint
from ceasefire.log.cosignature import verify_cosignature
from ceasefire.log.keys import SigningKey
from ceasefire.log.merkle import MemoryTree
from ceasefire.log.note import Note, NoteSignature
from ceasefire.witness.alarms import Alarm, AlarmLog, Check
from ceasefire.witness.protocol import SIZE_TYPE, BadRequest, add_checkpoint, parse_request
from ceasefire.witness.server import make_server
from ceasefire.witness.state import STATE_FILE, LogState, StateFile

ORIGIN = "example.test/log"
NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)


class Log:
    """A C2SP log in memory: leaves, checkpoints, consistency proofs."""

    def __init__(self) -> None:
        self.key = SigningKey.generate(ORIGIN)
        self.tree = MemoryTree()

    def grow(self, count: int) -> None:
        for n in range(count):
            self.tree.append(f"leaf {self.tree.size} {n}".encode())

    def checkpoint(self, size: int | None = None, key: SigningKey | None = None) -> str:
        size = self.tree.size if size is None else size
        checkpoint = Checkpoint(ORIGIN, size, self.tree.root(size))
        return sign_checkpoint(checkpoint, key or self.key).to_text()

    def request(self, old: int, new: int | None = None, proof: list[bytes] | None = None) -> bytes:
        new = self.tree.size if new is None else new
        if proof is None:
            proof = self.tree.consistency_proof(old, new) if 0 < old < new else []
        lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
        return f"old {old}\n{lines}\n{self.checkpoint(new)}".encode()


@pytest.fixture
def log() -> Log:
    found = Log()
    found.grow(5)
    return found


@pytest.fixture
def state(tmp_path: Path, log: Log) -> StateFile:
    found = StateFile(tmp_path)
    found.put(LogState(ORIGIN, log.key.note_key().to_text()))
    return found


WITNESS = SigningKey.generate("witness-pk")


def _add(body: bytes, state: StateFile) -> tuple[int, str, str]:
    reply = add_checkpoint(body, state, WITNESS, lambda: NOW, {ORIGIN})
    return reply.status, reply.body, reply.content_type


def test_a_consistent_checkpoint_is_cosigned_and_the_state_saved_first(
    log: Log, state: StateFile, tmp_path: Path
) -> None:
    status, body, _ = _add(log.request(0), state)
    assert status == 200
    signature = NoteSignature.from_line(body)
    note = Note.from_text(log.checkpoint()).with_signatures(signature)
    assert verify_cosignature(note, WITNESS.cosignature_key()) == int(NOW.timestamp())
    saved = json.loads((tmp_path / STATE_FILE).read_text())["logs"][ORIGIN]
    assert saved["size"] == 5 and "witness-pk" in saved["note"]

    log.grow(4)
    status, _, _ = _add(log.request(5), state)
    assert status == 200 and StateFile(tmp_path).get(ORIGIN).size == 9  # type: ignore[union-attr]


def test_an_unknown_origin_is_404(state: StateFile) -> None:
    other = Log()
    other.grow(1)
    other_origin = other.checkpoint().replace(ORIGIN, "other.test/log", 1)
    assert _add(f"old 0\n\n{other_origin}".encode(), state)[0] == 404


def test_a_known_origin_not_offered_to_the_protocol_is_404(log: Log, state: StateFile) -> None:
    """The followed log is in the state too, but only the follower cosigns it."""
    reply = add_checkpoint(log.request(0), state, WITNESS, lambda: NOW, origins=())
    assert reply.status == 404


def test_a_checkpoint_without_the_log_signature_is_403(log: Log, state: StateFile) -> None:
    impostor = SigningKey.generate(ORIGIN)
    body = f"old 0\n\n{log.checkpoint(key=impostor)}".encode()
    assert _add(body, state)[0] == 403


def test_old_beyond_the_checkpoint_is_400(log: Log, state: StateFile) -> None:
    assert _add(log.request(0), state)[0] == 200
    assert _add(log.request(9, 5, []), state)[0] == 400


def test_a_stale_old_size_is_409_with_the_latest_size(log: Log, state: StateFile) -> None:
    assert _add(log.request(0), state)[0] == 200
    log.grow(2)
    status, body, content_type = _add(log.request(3), state)
    assert (status, body, content_type) == (409, "5\n", SIZE_TYPE)


def test_a_bad_proof_is_422(log: Log, state: StateFile) -> None:
    assert _add(log.request(0), state)[0] == 200
    log.grow(3)
    assert _add(log.request(5, proof=[b"\x00" * 32]), state)[0] == 422


def test_a_non_empty_proof_from_zero_is_422(log: Log, state: StateFile) -> None:
    assert _add(log.request(0, proof=[b"\x01" * 32]), state)[0] == 422


def test_the_same_size_with_another_root_is_422(log: Log, state: StateFile) -> None:
    assert _add(log.request(0), state)[0] == 200
    forked = Log()
    forked.key = log.key
    for n in range(5):  # same size, other leaves, same key
        forked.tree.append(f"other {n}".encode())
    body = f"old 5\n\n{forked.checkpoint()}".encode()
    assert _add(body, state)[0] == 422


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe", b"old 1\n", b"new 1\n\nx", b"old 01\n\nx", b"old 0\n!!!\n\nx"],
)
def test_a_malformed_request_is_400(body: bytes, state: StateFile) -> None:
    assert _add(body, state)[0] == 400


def test_more_than_63_proof_lines_are_refused() -> None:
    lines = "".join(base64.b64encode(b"\x00" * 32).decode() + "\n" for _ in range(64))
    with pytest.raises(BadRequest, match="at most 63"):
        parse_request(f"old 1\n{lines}\nnote".encode())


@pytest.fixture
def listening(state: StateFile, tmp_path: Path) -> Iterator[tuple[str, AlarmLog]]:
    alarms = AlarmLog(tmp_path)
    server = make_server(
        "127.0.0.1",
        0,
        state=state,
        alarms=alarms,
        key=WITNESS,
        followed=lambda: state.get(ORIGIN),
        clock=lambda: NOW,
        origins={ORIGIN},
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", alarms
    finally:
        server.shutdown()
        server.server_close()


def test_the_listen_server_speaks_add_checkpoint_and_serves_alarms_and_its_checkpoint(
    log: Log, listening: tuple[str, AlarmLog]
) -> None:
    url, alarms = listening
    assert httpx.get(f"{url}/checkpoint").status_code == 404  # nothing cosigned yet
    answer = httpx.post(f"{url}/add-checkpoint", content=log.request(0))
    assert answer.status_code == 200 and answer.text.startswith("\u2014 witness-pk ")
    stale = httpx.post(f"{url}/add-checkpoint", content=log.request(0))
    assert (stale.status_code, stale.text, stale.headers["content-type"]) == (
        409,
        "5\n",
        SIZE_TYPE,
    )
    assert "witness-pk" in httpx.get(f"{url}/checkpoint").text
    assert httpx.get(f"{url}/alarms").json() == {"count": 0, "alarms": []}
    alarms.record([Alarm(Check.SPLIT_VIEW, "two histories", "http://log", NOW, size=5)])
    polled = httpx.get(f"{url}/alarms").json()
    assert polled["count"] == 1
    assert polled["alarms"][0]["check"] == "split-view" and polled["alarms"][0]["size"] == 5
