"""The store keeps, for each witness key and checkpoint, the newest cosignature, whatever the
order the cosignatures arrive in, on SQLite and PostgreSQL (``services.witnessing.attach``); and
of one witness key's cosignatures of different checkpoints, only ones that can all be true,
which ``verify`` checks again."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest

from ceasefire.errors import InvalidInput
from ceasefire.log.cosignature import cosign
from ceasefire.log.keys import SigningKey
from ceasefire.log.note import Note
from ceasefire.services import log as log_service
from ceasefire.services import witnessing
from ceasefire.services.ports import CosignatureRow
from ceasefire.services.verify import verify_store
from tests.factories import ScratchLog


def _attach(log: ScratchLog, witness: SigningKey, after: int) -> witnessing.Attached:
    """Attach ``witness``'s cosignature of the latest checkpoint, ``after`` seconds after the
    checkpoint was signed; the server's clock reads an hour after it."""
    checkpoint = log.store.latest_checkpoint()
    signed = checkpoint.created_at
    signature = cosign(Note.from_text(checkpoint.note), witness, int(signed.timestamp()) + after)
    return witnessing.attach(log.store, checkpoint.size, signature, signed + timedelta(hours=1))


def _lines(log: ScratchLog, witness: SigningKey) -> list[str]:
    note = log_service.checkpoint_note(log.store)
    return [line for line in note.splitlines() if line.startswith(f"— {witness.name} ")]


def test_whatever_the_order_only_a_newer_cosignature_replaces_the_kept_one(
    log: ScratchLog,
) -> None:
    for n, order in enumerate(permutations((60, 120, 180))):
        witness = log.enrol(f"witness-{n}", "witness")  # a checkpoint of its own
        stored = [_attach(log, witness, after).stored for after in order]
        assert stored == [i == 0 or after > max(order[:i]) for i, after in enumerate(order)]
        newest = _attach(log, witness, 180)
        assert (newest.stored, _lines(log, witness)) == (False, [newest.kept.line.rstrip("\n")])
        signed = log.store.latest_checkpoint().created_at
        assert newest.kept.timestamp == int(signed.timestamp()) + 180


def test_racing_cosignatures_leave_the_newest(log: ScratchLog) -> None:
    witness = log.enrol("witness-pk", "witness")
    start = threading.Barrier(8)

    def one(after: int) -> bool:
        start.wait()
        return _attach(log, witness, after).stored

    with ThreadPoolExecutor(8) as pool:
        stored = list(pool.map(one, range(60, 68)))
    assert any(stored)
    (kept,) = log.store.cosignatures(log.store.latest_checkpoint().size)
    signed = int(log.store.latest_checkpoint().created_at.timestamp())
    assert kept.timestamp == signed + 67


# --- one witness key's cosignatures of different checkpoints (attach rule 3, verify) -----------


def _checkpoints(log: ScratchLog, count: int) -> list[int]:
    """``count`` new checkpoints of the log (one append each), their sizes."""
    author = log.enrol(f"monitor-{log.store.head().size}")
    sizes = [log.store.head().size]
    for _ in range(count - 1):
        log.append(log.submission(author))
        sizes.append(log.store.head().size)
    return sizes


def _at(log: ScratchLog, witness: SigningKey, size: int, timestamp: int) -> witnessing.Attached:
    note = Note.from_text(log.store.checkpoint(size).note)
    signature = cosign(note, witness, timestamp)
    return witnessing.attach(log.store, size, signature, log.clock + timedelta(days=1))


def test_a_cosignature_contradicting_the_witness_s_others_is_refused(log: ScratchLog) -> None:
    witness = log.enrol("witness-pk", "witness")
    small, large, larger = _checkpoints(log, 3)
    base = int(log.clock.timestamp()) + 60
    assert _at(log, witness, large, base + 600).stored
    with pytest.raises(InvalidInput, match=f"the one the log holds of checkpoint {large}") as bad:
        _at(log, witness, small, base + 700)  # the smaller tree, after the larger
    assert bad.value.field == "cosignature.timestamp"
    assert "never cosigns a smaller tree after a larger one" in bad.value.message
    with pytest.raises(InvalidInput, match=f"checkpoint {large}"):
        _at(log, witness, larger, base + 550)  # the larger tree, before the smaller
    assert _at(log, witness, small, base + 500).stored
    assert _at(log, witness, larger, base + 600).stored  # the same second: no contradiction
    assert verify_store(log.store).ok


def test_whatever_the_order_the_store_keeps_only_cosignatures_that_can_all_be_true(
    log: ScratchLog,
) -> None:
    for n, order in enumerate(permutations(range(3))):
        witness = log.enrol(f"witness-{n}", "witness")
        sizes = _checkpoints(log, 3)
        base = int(log.clock.timestamp()) + 60
        wanted = [(sizes[0], base + 100), (sizes[1], base + 50), (sizes[2], base + 200)]
        for size, timestamp in (wanted[i] for i in order):
            with contextlib.suppress(InvalidInput):
                _at(log, witness, size, timestamp)
        kept = {r.size for s in sizes for r in log.store.cosignatures(s) if r.name == witness.name}
        first = next(i for i in order if i < 2)  # of the two that contradict, the first to come
        assert kept == {sizes[first], sizes[2]}, order
    assert verify_store(log.store).ok


def test_verify_names_a_witness_that_went_back_and_a_cosignature_from_the_future(
    log: ScratchLog,
) -> None:
    witness = log.enrol("witness-pk", "witness")
    small, large = _checkpoints(log, 2)
    base = int(log.clock.timestamp()) + 60
    for size, timestamp in ((small, base + 600), (large, base + 60)):  # behind attach's back
        note = Note.from_text(log.store.checkpoint(size).note)
        line = cosign(note, witness, timestamp)
        row = CosignatureRow(size, witness.name, line.key_id, timestamp, line.to_line())
        assert log.store.add_cosignature(row)
    (problem,) = verify_store(log.store).problems
    assert problem.where == f"cosignature by witness-pk of checkpoint {large}"
    assert f"witness witness-pk cosigned the tree of {small} entries" in problem.message
    assert problem.expected.startswith(f"the tree of {small} entries")
    assert problem.found.startswith(f"the tree of {large} entries")
    now = datetime.fromtimestamp(base, UTC)  # the reader's clock: before both
    problems = verify_store(log.store, now=now).problems
    assert [p.where for p in problems].count(
        f"cosignature by witness-pk of checkpoint {small}"
    ) == 1
    assert any("no witness can have cosigned in the future" in p.message for p in problems)
