"""The store keeps, for each witness key and checkpoint, the newest cosignature, whatever the
order the cosignatures arrive in, on SQLite and PostgreSQL (``services.witnessing.attach``)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from itertools import permutations

from ceasefire.log.cosignature import cosign
from ceasefire.log.keys import SigningKey
from ceasefire.log.note import Note
from ceasefire.services import log as log_service
from ceasefire.services import witnessing
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
