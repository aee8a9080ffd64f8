"""What the witness reads of the witnesses' cosignatures (``witness.cosigners``), and how it
dates its own: on a log in memory, with the state file in a temporary folder."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.log.checkpoint import Checkpoint, sign_checkpoint
from ceasefire.log.cosignature import CLOCK_SKEW, cosign, verify_cosignature
from ceasefire.log.keys import SigningKey, VerifierKey
from ceasefire.log.merkle import MemoryTree
from ceasefire.log.note import Note, NoteSignature
from ceasefire.witness.alarms import Check, Finding
from ceasefire.witness.cosigners import Read, check, cosigning_time
from ceasefire.witness.protocol import add_checkpoint
from ceasefire.witness.state import STATE_FILE, LogState, StateFile

ORIGIN: Final = "example.test/log"
NOW: Final = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
T: Final = int(NOW.timestamp())
SERVER: Final = "http://mechanism.test/api/v1"
LOG: Final = SigningKey.generate(ORIGIN)
AF: Final = SigningKey.generate("witness-af")
PK: Final = SigningKey.generate("witness-pk")
KEYS: Final = {k.name: k.cosignature_key() for k in (AF, PK)}


class Log:
    """A C2SP log in memory, its checkpoints cosigned as asked."""

    def __init__(self) -> None:
        self.tree = MemoryTree()
        self.grow(5)

    def grow(self, count: int) -> None:
        for n in range(count):
            self.tree.append(f"leaf {self.tree.size} {n}".encode())

    def note(self, size: int, *cosigners: tuple[SigningKey, int], root: bytes | None = None) -> str:
        checkpoint = Checkpoint(ORIGIN, size, root or self.tree.root(size))
        note = sign_checkpoint(checkpoint, LOG)
        return note.with_signatures(*(cosign(note, key, at) for key, at in cosigners)).to_text()


@pytest.fixture
def log() -> Log:
    return Log()


@pytest.fixture
def state(tmp_path: Path) -> StateFile:
    found = StateFile(tmp_path)
    found.put(LogState(ORIGIN, LOG.note_key().to_text()))
    return found


def _read(state: StateFile, *read: Read, now: datetime = NOW) -> list[Finding]:
    return check(state, ORIGIN, read, KEYS, LOG.note_key(), now)


def _held(state: StateFile) -> LogState:
    held = StateFile(state.path.parent).get(ORIGIN)  # as saved
    assert held is not None
    return held


def test_witnesses_moving_forward_raise_nothing_and_the_largest_tree_is_remembered(
    log: Log, state: StateFile
) -> None:
    assert _read(state, Read(SERVER, log.note(5, (AF, T - 60), (PK, T - 30)))) == []
    log.grow(3)
    peer = log.note(8, (AF, T))
    assert _read(state, Read(SERVER, log.note(8, (PK, T))), Read("af", peer, peer=True)) == []
    held = _held(state)
    assert {n: (c.size, c.timestamp) for n, c in held.cosigners.items()} == {
        "witness-af": (8, T),
        "witness-pk": (8, T),
    }
    assert held.peers == {"af": peer}
    assert _read(state, Read(SERVER, log.note(5, (AF, T - 60)))) == []  # an older one: true


def test_a_cosignature_from_the_future_is_an_alarm_and_not_remembered(
    log: Log, state: StateFile
) -> None:
    ahead = T + CLOCK_SKEW + 1
    (found,) = _read(state, Read(SERVER, log.note(5, (AF, ahead))))
    assert (found.check, found.size, found.found) == (Check.COSIGNER, 5, str(ahead))
    assert "no witness can have cosigned in the future" in found.message
    assert found.details["witness"] == "witness-af" and found.details["source"] == SERVER
    assert _held(state).cosigners == {}
    assert _read(state, Read(SERVER, log.note(5, (AF, T + CLOCK_SKEW)))) == []  # within the skew


def test_a_witness_that_cosigned_a_larger_tree_before_a_smaller_one_went_back(
    log: Log, state: StateFile
) -> None:
    smaller = log.note(5, (AF, T))
    _read(state, Read(SERVER, smaller))
    log.grow(2)
    larger = log.note(7, (AF, T - 600))
    (found,) = _read(state, Read(SERVER, larger))
    assert (found.check, found.size) == (Check.WITNESS_ROLLBACK, 7)
    assert "witness witness-af cosigned the tree of 5 entries" in found.message
    assert "never cosigns a smaller tree after a larger one" in found.message
    assert (found.details["held"], found.details["presented"]) == (smaller, larger)
    assert found.expected.startswith("the tree of 5 entries") and "the tree of 7" in found.found
    assert _held(state).cosigners["witness-af"].size == 5  # the held one stays held


def test_a_smaller_tree_cosigned_after_a_larger_one_on_a_peer_s_note_is_a_rollback(
    log: Log, state: StateFile
) -> None:
    log.grow(5)
    _read(state, Read(SERVER, log.note(10, (PK, T - 60))))
    (found,) = _read(state, Read("pk", log.note(6, (PK, T)), peer=True))
    assert found.check is Check.WITNESS_ROLLBACK
    assert "cosigned the tree of 6 entries" in found.message


def test_two_roots_cosigned_for_one_size_are_a_witness_fork(log: Log, state: StateFile) -> None:
    honest = log.note(5, (AF, T - 60))
    _read(state, Read(SERVER, honest))
    forked = log.note(5, (AF, T), root=b"\x07" * 32)
    (found,) = _read(state, Read(SERVER, forked))
    assert (found.check, found.size) == (Check.WITNESS_FORK, 5)
    assert "cosigned two roots for the tree of 5 entries" in found.message
    assert (found.details["held"], found.details["presented"]) == (honest, forked)


def test_a_line_in_a_witness_s_name_it_did_not_sign_is_an_alarm(log: Log, state: StateFile) -> None:
    note = Note.from_text(log.note(5))
    forged = NoteSignature(AF.name, KEYS[AF.name].key_id, bytes(72))
    (found,) = _read(state, Read(SERVER, note.with_signatures(forged).to_text()))
    assert found.check is Check.COSIGNER and "does not verify" in found.message


def test_a_peer_presenting_a_smaller_tree_than_before_went_back(log: Log, state: StateFile) -> None:
    log.grow(5)
    larger = log.note(10, (AF, T - 60))
    assert _read(state, Read("af", larger, peer=True)) == []
    smaller = log.note(7, (AF, T - 120))  # its own cosignature of it is true, and older
    (found,) = _read(state, Read("af", smaller, peer=True))
    assert (found.check, found.size, found.expected) == (Check.WITNESS_ROLLBACK, 7, "size >= 10")
    assert "peer af presents the tree of 7 entries as the latest it cosigned" in found.message
    assert (found.details["held"], found.details["presented"]) == (larger, smaller)
    assert _held(state).peers == {"af": larger}


def test_a_peer_presenting_another_root_for_the_same_size_forked(
    log: Log, state: StateFile
) -> None:
    _read(state, Read("af", log.note(5, (AF, T - 60)), peer=True))
    (found,) = _read(state, Read("af", log.note(5, root=b"\x01" * 32), peer=True))
    assert found.check is Check.WITNESS_FORK and "presents another root" in found.message


def test_a_note_not_signed_by_the_log_is_left_to_the_peer_check(state: StateFile) -> None:
    other = sign_checkpoint(Checkpoint(ORIGIN, 5, bytes(32)), SigningKey.generate(ORIGIN))
    assert _read(state, Read("af", other.to_text(), peer=True)) == []
    assert _held(state).peers == {}


def test_the_state_written_before_these_fields_existed_still_loads(tmp_path: Path) -> None:
    document = {
        "logs": {ORIGIN: {"origin": ORIGIN, "vkey": "v", "size": 0, "root": "", "note": ""}}
    }
    (tmp_path / STATE_FILE).write_text(json.dumps(document))
    loaded = StateFile(tmp_path).get(ORIGIN)
    assert loaded is not None and (loaded.cosigners, loaded.peers) == ({}, {})


@given(st.lists(st.integers(-3600, 3600), min_size=1, max_size=8))
def test_this_witness_never_dates_a_cosignature_before_its_last(steps: list[int]) -> None:
    known, last = LogState(ORIGIN, LOG.note_key().to_text()), 0
    tree = Log()
    for size, step in enumerate(steps, start=1):
        clock = NOW + timedelta(seconds=step)
        timestamp = cosigning_time(known, PK, clock)
        assert timestamp >= max(last, int(clock.timestamp()))
        note = Note.from_text(tree.note(min(size, 5), (PK, timestamp)))
        known = known.advanced(size, b"", note.to_text())
        last = timestamp


def test_add_checkpoint_with_the_clock_set_back_dates_the_cosignature_at_its_last(
    log: Log, state: StateFile
) -> None:
    def request(old: int) -> bytes:
        proof = log.tree.consistency_proof(old, log.tree.size) if old else []
        lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
        return f"old {old}\n{lines}\n{log.note(log.tree.size)}".encode()

    first = add_checkpoint(request(0), state, PK, lambda: NOW, {ORIGIN})
    log.grow(2)
    second = add_checkpoint(request(5), state, PK, lambda: NOW - timedelta(hours=1), {ORIGIN})
    assert (first.status, second.status) == (200, 200)
    key = VerifierKey.from_text(PK.cosignature_key().to_text())
    held = state.get(ORIGIN)
    assert held is not None
    assert verify_cosignature(Note.from_text(held.note), key) == T  # not an hour earlier
    assert NoteSignature.from_line(second.body).name == PK.name
