"""Signatures are verified before the append lock — a large batch in a child process while it
is admitted — and an append refuses exactly what it refused when the keyring verified each
signature in turn: the same error at the same place in the batch, nothing written; also when
the child is busy with another batch or dies half way."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from ceasefire.errors import PermissionDenied, VerificationError
from ceasefire.log import signature_worker
from ceasefire.log.envelope import Envelope
from ceasefire.log.hashing import leaf_hashes
from ceasefire.log.keys import SigningKey
from ceasefire.services import signature_checks, verify
from ceasefire.services.log import Submission
from tests.factories import ScratchLog

LARGE = signature_checks.IN_BACKGROUND + 200


def _forged(submission: Submission, other: Submission) -> Submission:
    """The event carrying another event's signature: it does not verify."""
    return Submission(dataclasses.replace(submission.envelope, sig=other.envelope.sig))


@pytest.mark.parametrize("size", [5, LARGE])
def test_a_batch_with_one_bad_signature_is_refused_at_it(log: ScratchLog, size: int) -> None:
    key = log.enrol("monitor-1")
    before = log.store.head().size
    batch = [log.submission(key, n=n) for n in range(size)]
    bad = size - 2
    batch[bad] = _forged(batch[bad], batch[0])
    with pytest.raises(VerificationError, match="does not verify under key") as caught:
        log.append(*batch)
    assert caught.value.field == f"batch[{bad}].sig"
    assert log.store.head().size == before


def test_an_earlier_refusal_comes_first_whatever_the_signatures(log: ScratchLog) -> None:
    key = log.enrol("monitor-1")
    stranger = SigningKey.generate("stranger")
    batch = [log.submission(key, n=n) for n in range(LARGE)]
    batch[LARGE - 1] = _forged(batch[LARGE - 1], batch[0])
    batch[7] = log.submission(stranger)  # a valid signature by a key the log never enrolled
    with pytest.raises(PermissionDenied) as caught:
        log.append(*batch)
    assert caught.value.field is not None and caught.value.field.startswith("batch[7]")


def test_a_large_batch_of_good_signatures_is_appended_in_order(log: ScratchLog) -> None:
    key = log.enrol("monitor-1")
    start = log.store.head().size
    batch = [log.submission(key, n=n) for n in range(LARGE)]
    appended = log.append(*batch)
    assert appended.indices == range(start, start + LARGE)
    stored = [leaf for _, leaf in log.store.entries(start, start + LARGE)]
    assert stored == [s.envelope.to_leaf() for s in batch]


def test_a_valid_signature_by_a_revoked_key_is_still_refused(log: ScratchLog) -> None:
    key = log.enrol("monitor-1")
    log.revoke("monitor-1", "left the mission")
    with pytest.raises(PermissionDenied):
        log.append(*(log.submission(key, n=n) for n in range(LARGE)))


def test_a_large_batch_while_the_worker_answers_another_is_verified_in_place(
    log: ScratchLog,
) -> None:
    key = log.enrol("monitor-1")
    first = [log.submission(key, n=n) for n in range(LARGE)]
    second = [log.submission(key, n=LARGE + n) for n in range(LARGE)]
    bad = LARGE - 5
    second[bad] = _forged(second[bad], second[0])
    holding = signature_checks.check([s.envelope for s in first])  # the worker is taken
    try:
        with pytest.raises(VerificationError) as caught:
            log.append(*second)
        assert caught.value.field == f"batch[{bad}].sig"
        assert all(answer() for answer in holding)  # its answers are still its own
    finally:
        holding.release()
    log.append(*second[:bad])  # and the worker serves the next batch


def test_a_worker_that_dies_half_way_leaves_the_rest_to_the_caller(log: ScratchLog) -> None:
    key = log.enrol("monitor-1")
    batch = [log.submission(key, n=n) for n in range(LARGE)]
    bad = LARGE - 3
    batch[bad] = _forged(batch[bad], batch[1])
    checks = signature_checks.check([s.envelope for s in batch])
    try:
        assert checks[0]() and checks[1]()
        worker = signature_checks._WORKERS.current
        assert worker is not None
        worker.kill()
        answers = [answer() for answer in checks]
    finally:
        checks.release()
    assert answers == [n != bad for n in range(LARGE)]
    start = log.store.head().size
    batch[bad] = log.submission(key, n=10_000)
    assert log.append(*batch).indices == range(start, start + LARGE)  # a new worker


def test_answers_may_be_read_from_another_thread(log: ScratchLog) -> None:
    key = log.enrol("monitor-1")
    batch = [log.submission(key, n=n) for n in range(LARGE)]
    checks = signature_checks.check([s.envelope for s in batch])
    seen: list[bool] = []
    reader = threading.Thread(target=lambda: seen.extend(answer() for answer in checks))
    try:
        reader.start()
        reader.join(timeout=60)
    finally:
        checks.release()
    assert seen == [True] * LARGE


def test_the_worker_answers_as_libsodium_does() -> None:
    key = SigningKey.generate("someone")
    signed = [(key.public_key, b"message %d" % n, key.sign(b"message %d" % n)) for n in range(40)]
    wrong = [
        (signed[0][0], b"another message", signed[0][2]),  # the signature of another message
        (bytes(32), signed[1][1], signed[1][2]),  # a small-order key, refused by libsodium
        (signed[2][0], signed[2][1], bytes(64)),
    ]
    batch = signed + wrong
    worker = signature_worker.Worker()
    owner = object()
    try:
        assert worker.start(batch, owner)
        assert not worker.start(batch, object())  # one batch at a time
        answers = [worker.answer(owner, n) for n in range(len(batch))]
        worker.finish(owner)
        assert worker.start(batch[:3], owner)  # free again
        worker.finish(owner)  # answers left unread are dropped
        assert worker.start(batch[:1], owner) and worker.answer(owner, 0)
        worker.finish(owner)
    finally:
        worker.close()
    assert answers == [signature_worker.verifies(*s) for s in batch]
    assert answers == [True] * 40 + [False] * 3
    with pytest.raises(ValueError, match="32 bytes"):
        signature_worker.frame([(b"short", b"m", bytes(64))])


class _Rewritten:
    """The stored log as a source for ``verify_log``, one entry replaced (its leaf hash
    recomputed, so only its signature can give it away)."""

    def __init__(self, log: ScratchLog, index: int, leaf: bytes) -> None:
        self._store, self._index, self._leaf = log.store, index, leaf

        self.head, self.count_entries = log.store.head, log.store.count_entries
        self.read_nodes, self.checkpoints = log.store.read_nodes, log.store.checkpoints
        self.cosignatures, self.key_records = log.store.cosignatures, log.store.key_records

    def entry_rows(self, start: int, end: int) -> list[tuple[int, bytes, bytes]]:
        rows = self._store.entry_rows(start, end)
        return [
            (i, self._leaf, leaf_hashes([self._leaf])[0]) if i == self._index else (i, leaf, h)
            for i, leaf, h in rows
        ]


def test_verify_finds_the_one_forged_signature_across_chunks(
    log: ScratchLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify, "_CHUNK", signature_checks.IN_BACKGROUND + 10)
    key = log.enrol("monitor-1")
    start = log.store.head().size
    log.append(*(log.submission(key, n=n) for n in range(3 * LARGE)))
    assert verify.verify_store(log.store).ok
    target = start + 2 * LARGE + 7  # in a chunk of its own, after chunks checked by the worker
    (_, leaf), (_, other) = (
        next(log.store.entries(target, target + 1)),
        next(log.store.entries(1, 2)),
    )
    forged = dataclasses.replace(Envelope.from_leaf(leaf), sig=Envelope.from_leaf(other).sig)
    report, _ = verify.verify_log(_Rewritten(log, target, forged.to_leaf()))
    entries = [p for p in report.problems if p.level == 0]
    assert [(p.index, "does not verify under key" in p.message) for p in entries] == [
        (target, True)
    ]


def test_a_worker_found_dead_between_batches_is_replaced(log: ScratchLog) -> None:
    key = log.enrol("monitor-1")
    log.append(*(log.submission(key, n=n) for n in range(LARGE)))  # starts a worker
    dead = signature_checks._WORKERS.current
    assert dead is not None
    dead.kill()
    start = log.store.head().size
    batch = [log.submission(key, n=LARGE + n) for n in range(LARGE)]
    assert log.append(*batch).indices == range(start, start + LARGE)
    assert signature_checks._WORKERS.current is not dead
