"""Several OS processes appending to one store at once leave one gap-free, verifiable log."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from ceasefire.log.envelope import Envelope
from ceasefire.services.verify import verify_store
from ceasefire.storage.keyfiles import write_key
from ceasefire.storage.log_store import SqlLogStore
from tests.factories import PERSONAS, make_log
from tests.integration.appender import Appender, Journal, spawn, wait_until

APPENDERS = 4
BATCHES = 25
BATCH_SIZE = 4
TIMEOUT_S = 120.0  # generous: a stuck appender fails the test rather than hanging it

pytestmark = pytest.mark.slow


def test_concurrent_appenders_leave_no_gap_or_duplicate(database_url: str, tmp_path: Path) -> None:
    scratch = make_log(database_url, tmp_path / "data")
    try:
        write_key(scratch.settings.log_key_path, scratch.log_key)
        actors = list(PERSONAS)[:APPENDERS]
        for actor in actors:
            write_key(scratch.settings.keys_dir / f"{actor}.key", scratch.enrol(actor))
        base = scratch.store.head().size
        journals = _run_together(scratch.settings.data, database_url, actors, tmp_path)

        ids = _assert_gap_free(scratch.store, base + APPENDERS * BATCHES * BATCH_SIZE)
        position = {event_id: index for index, event_id in enumerate(ids)}
        assert len(position) == len(ids), "an event id appears twice"
        submitted = [
            event_id for journal in journals for batch in journal.sent for event_id in batch
        ]
        assert len(submitted) == len(set(submitted)) == len(ids) - base
        assert set(ids[base:]) == set(submitted), "the log holds other events than those submitted"
        for journal in journals:
            _assert_batches_contiguous_and_in_order(journal, position)
        _assert_one_checkpoint_per_append(scratch.store, base, journals)
        # Evidence of contention, not of interleaving: under load SQLite's busy handler may let
        # one process append all its batches while the others wait for the lock.
        last_start = max(journal.sent_at[0] for journal in journals)
        first_end = min(journal.acks[-1].at for journal in journals)
        assert last_start < first_end, "the appenders ran one after another, not together"

        report = verify_store(scratch.store)
        assert report.ok, report.problems
        assert report.size == len(ids)
    finally:
        scratch.store.close()


def _run_together(data: Path, database_url: str, actors: list[str], folder: Path) -> list[Journal]:
    """Start one appender per actor, release them at once when all are ready, await them."""
    go = folder / "go"
    appenders: list[Appender] = []
    try:
        for actor in actors:
            appenders.append(
                spawn(
                    data=data,
                    database_url=database_url,
                    key=data / "keys" / f"{actor}.key",
                    folder=folder,
                    tag=actor,
                    batches=BATCHES,
                    batch_size=BATCH_SIZE,
                    go=go,
                )
            )
        for appender in appenders:
            wait_until(appender.ready_or_gone, timeout=TIMEOUT_S, what="the appenders to be ready")
            assert appender.alive(), appender.describe()
        go.touch()
        for appender in appenders:
            appender.process.wait(timeout=TIMEOUT_S)
            assert appender.process.returncode == 0, appender.describe()
        return [appender.journal.poll() for appender in appenders]
    finally:
        for appender in appenders:
            appender.stop()


def _assert_gap_free(store: SqlLogStore, size: int) -> list[str]:
    """The log has ``size`` entries at indices 0..size-1 and no row beyond; their event ids."""
    assert store.head().size == size
    entries = list(store.entries(0, size))
    assert [index for index, _ in entries] == list(range(size)), "a gap in the indices"
    assert store.count_entries() == size, "entries stored beyond the head"
    return [Envelope.from_leaf(leaf).id for _, leaf in entries]


def _assert_one_checkpoint_per_append(
    store: SqlLogStore, base: int, journals: list[Journal]
) -> None:
    """Strictly increasing sizes (one per set-up entry, then one at the end of every batch),
    signed at times that never go backwards: the time is read under the append lock."""
    checkpoints = list(store.checkpoints())
    sizes = [checkpoint.size for checkpoint in checkpoints]
    assert all(a < b for a, b in pairwise(sizes)), sizes
    times = [checkpoint.created_at for checkpoint in checkpoints]
    assert all(a <= b for a, b in pairwise(times)), "a larger checkpoint was signed earlier"
    acked = sorted(ack.size for journal in journals for ack in journal.acks)
    assert sizes == list(range(1, base + 1)) + acked, "not one checkpoint per append"
    for journal in journals:
        seen = [ack.size for ack in journal.acks]
        assert all(a < b for a, b in pairwise(seen)), f"{journal.path.name} saw the log shrink"


def _assert_batches_contiguous_and_in_order(journal: Journal, position: dict[str, int]) -> None:
    assert len(journal.sent) == len(journal.acks) == BATCHES
    previous_stop = 0
    for ack, ids in zip(journal.acks, journal.sent, strict=True):
        where = [position[event_id] for event_id in ids]
        assert where == list(range(ack.start, ack.stop)), f"{journal.path.name} batch {ack.batch}"
        assert ack.size == ack.stop, "the acknowledged checkpoint is not at the batch's end"
        assert ack.start >= previous_stop, f"{journal.path.name}: batch {ack.batch} out of order"
        previous_stop = ack.stop
