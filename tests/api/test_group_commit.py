"""Group commit: concurrent submissions share one transaction and checkpoint, each caller gets
its own receipt, and a bad envelope in a group fails only its sender. Also: the casework
fold a process keeps is dropped as soon as the log grows."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from ceasefire.errors import CeasefireError
from ceasefire.log.envelope import Envelope
from ceasefire.services import casework as casework_service
from ceasefire.services import log as log_service
from ceasefire.services.receipts import Issued, Replayed, Terms, accept, receipt_for
from ceasefire.storage.log_store import SqlLogStore
from tests.api.conftest import signed
from tests.record_factories import Mechanism
from tests.report_bodies import allegation_body


class _Held:
    """The store, with its first append held until released: callers queue behind it."""

    def __init__(self, store: SqlLogStore) -> None:
        self.store, self.release, self._first = store, threading.Event(), True

    def __getattr__(self, name: str) -> Any:  # every other part of the store, as it is
        return getattr(self.store, name)

    @contextmanager
    def appending(self, create: Any = None) -> Iterator[Any]:
        if self._first:
            self._first = False
            assert self.release.wait(10)
        with self.store.appending(create) as tx:
            yield tx


def _concurrently(held: _Held, calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the first call (held), queue the others behind it in order, then let it go."""
    outcomes: list[Any] = [None] * len(calls)

    def run(number: int) -> None:
        try:
            outcomes[number] = calls[number]()
        except CeasefireError as exc:
            outcomes[number] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    threads[0].start()
    group = log_service._group_of(held)
    while held._first:
        time.sleep(0.001)
    deadline = time.monotonic() + 10
    for queued, thread in enumerate(threads[1:], start=1):
        thread.start()  # each queues before the next starts: the queue is in call order
        while len(group._queue) <= queued and time.monotonic() < deadline:  # the first, too
            time.sleep(0.001)
    held.release.set()
    for thread in threads:
        thread.join(10)
    return outcomes


def _report(mechanism: Mechanism, persona: str, number: int, **body: Any) -> Envelope:
    envelope, _ = signed(
        mechanism, persona, body=allegation_body(narrative=f"Report {number}.", **body)
    )
    return envelope


def test_queued_submissions_share_one_checkpoint_each_with_its_own_index(
    mechanism: Mechanism,
) -> None:
    held, clock = _Held(mechanism.store), mechanism.tick
    envelopes = [_report(mechanism, "af_liaison", n) for n in range(5)]

    def post(envelope: Envelope) -> Callable[[], log_service.Appended]:
        submission = log_service.Submission(envelope)
        return lambda: log_service.append(held, [submission], mechanism.log_key, clock)

    calls: list[Callable[[], Any]] = [post(e) for e in envelopes]
    start = mechanism.size()
    appended = _concurrently(held, calls)
    assert [a.indices for a in appended] == [range(start + n, start + n + 1) for n in range(5)]
    # the first waited for the lock (held), and the group is taken once the lock is held:
    # what queued meanwhile goes in with it
    assert {a.checkpoint.size for a in appended} == {start + 5}, "the queue went in apart"
    leaves = dict(mechanism.store.entries(start, start + 5))
    assert [leaves[a.indices.start] for a in appended] == [e.to_leaf() for e in envelopes]


def test_a_bad_envelope_in_a_group_fails_only_its_sender(mechanism: Mechanism) -> None:
    held = _Held(mechanism.store)
    terms = Terms(mechanism.log_key, lambda: datetime.now(UTC), timedelta(seconds=60))
    caller = mechanism.actor("af_liaison")
    already = _report(mechanism, "af_liaison", 0)
    first = accept(mechanism.store, caller, log_service.Submission(already), terms)
    good = [_report(mechanism, "af_liaison", n) for n in (1, 2, 3)]
    bad = _report(mechanism, "af_liaison", 9, act="no-such-act")
    order = [good[0], bad, good[1], already, good[2]]

    def post(envelope: Envelope) -> Callable[[], Issued]:
        return lambda: accept(held, caller, log_service.Submission(envelope), terms)

    outcomes = _concurrently(held, [post(e) for e in order])
    assert isinstance(outcomes[1], CeasefireError) and outcomes[1].field == "envelope.body.act"
    assert isinstance(outcomes[3], Replayed)
    assert outcomes[3].issued.note == first.note, "a replay answers the original receipt"
    issued = [outcomes[0], outcomes[2], outcomes[4]]
    assert all(isinstance(i, Issued) and i.created for i in issued)
    indices = [i.receipt.index for i in issued]
    assert len(set(indices)) == 3
    for envelope, receipt in zip(good, issued, strict=True):
        index = receipt.receipt.index
        assert dict(mechanism.store.entries(index, index + 1))[index] == envelope.to_leaf()
        assert receipt.receipt.event_id == envelope.id
        assert receipt.receipt.include_by == receipt.receipt.accepted + timedelta(seconds=60)
        again = receipt_for(mechanism.store, index, terms)
        assert again.note == receipt.note, "the receipt is not reproducible from the log"
        holding = next(c for c in mechanism.store.checkpoints() if c.size > index)
        millis = holding.created_at.microsecond // 1000 * 1000  # a receipt states milliseconds
        assert holding.created_at.replace(microsecond=millis) == receipt.receipt.accepted
    assert mechanism.size() == first.receipt.index + 4


def test_the_casework_fold_is_kept_until_the_log_grows(mechanism: Mechanism) -> None:
    folds = casework_service.Folds()
    store = mechanism.store
    assert casework_service.list_cases(store, folds=folds) == []
    kept = casework_service.load(store, None, folds)
    assert casework_service.load(store, None, folds) is kept, "the same size folded twice"
    report = mechanism.submit("af_liaison", allegation_body(narrative="A case to open."))
    mechanism.act("monitor", "case.opened", _case(mechanism, report))
    assert casework_service.load(store, None, folds) is not kept
    assert len(casework_service.list_cases(store, folds=folds)) == 1
    later = mechanism.now + timedelta(days=30)
    assert casework_service.status(store, later, folds) == casework_service.status(store, later)
    now = casework_service.status(store, None, folds)
    assert now is casework_service.status(store, None, folds) or now.as_of.microsecond == 0


def _case(mechanism: Mechanism, report: str) -> dict[str, Any]:
    return {
        "kind": "allegation",
        "reports": [report],
        "party": "pk",
        "act": "airstrike",
        "day": "2025-10-15",
        "title": "An airstrike near Spin Boldak",
    }
