"""An appender killed with SIGKILL mid-append leaves the log a whole prefix of what it sent."""

from __future__ import annotations

import random
import signal
import time
import uuid
from itertools import chain
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from ceasefire.log.envelope import Envelope
from ceasefire.services.verify import verify_store
from ceasefire.storage.keyfiles import write_key
from ceasefire.storage.log_store import SqlLogStore
from tests.factories import make_log
from tests.integration.appender import Appender, Journal, spawn, wait_until

BATCH_SIZE = 200
ACKED_BEFORE_KILL = 3
KILL_ATTEMPTS = 5
# How long after a batch is handed to the log the kill comes, one range per trial: an append of
# 200 events takes some 50-100 ms here, so the kills land early, midway and late in it.
KILL_DELAYS_S = [(0.0, 0.01), (0.01, 0.04), (0.04, 0.1)]
TIMEOUT_S = 120.0  # generous: a stuck appender fails the test rather than hanging it

pytestmark = pytest.mark.slow


def test_killed_appender_leaves_a_whole_prefix(database_url: str, tmp_path: Path) -> None:
    scratch = make_log(database_url, tmp_path / "data")
    store, rng = scratch.store, random.Random()
    try:
        if store.engine.dialect.name == "sqlite":
            _assert_wal_and_full_sync(store.engine)
        write_key(scratch.settings.log_key_path, scratch.log_key)
        key = scratch.enrol("pk-liaison")
        key_file = write_key(scratch.settings.keys_dir / "pk-liaison.key", key)
        session = f"ceasefire-crash-{uuid.uuid4().hex[:12]}"  # finds the child's PostgreSQL session
        landed_mid_append: list[bool] = []
        for trial, (low, high) in enumerate(KILL_DELAYS_S):
            before = _leaves(store)
            appender = spawn(
                data=scratch.settings.data,
                database_url=_named(database_url, session),
                key=key_file,
                folder=tmp_path,
                tag=f"trial-{trial}",
                batches=1_000,
                batch_size=BATCH_SIZE,
            )
            try:
                delay = _kill_during_an_append(appender, rng, rng.uniform(low, high))
            finally:
                appender.stop()
            _await_session_end(store.engine, session)
            what = f"trial {trial}, killed {delay * 1000:.0f} ms after a batch was sent"
            landed_mid_append.append(_assert_whole_prefix(store, before, appender.journal, what))

        assert any(landed_mid_append), "no kill landed while a batch was being appended"
        size = store.head().size
        assert scratch.append(scratch.submission(key)).indices == range(size, size + 1)
    finally:
        store.close()


def _assert_whole_prefix(
    store: SqlLogStore, before: list[bytes], journal: Journal, what: str
) -> bool:
    """The log is ``before`` then batches 0..k-1 as sent, acknowledged <= k <= acknowledged + 1.

    Returns whether the kill landed while a batch was in flight (sent, not acknowledged).
    """
    journal.poll()
    acked, sent = len(journal.acks), journal.sent
    what += f" ({len(sent)} sent, {acked} acknowledged)"
    after = _leaves(store)
    assert after[: len(before)] == before, f"{what}: earlier entries changed"
    ids = [Envelope.from_leaf(leaf).id for leaf in after[len(before) :]]
    whole, partial = divmod(len(ids), BATCH_SIZE)
    assert partial == 0, f"{what}: {partial} events of a partial batch were kept"
    assert acked <= whole <= min(acked + 1, len(sent)), f"{what}: {whole} batches kept"
    assert ids == list(chain.from_iterable(sent[:whole])), f"{what}: not the batches as sent"
    report = verify_store(store)
    assert report.ok, f"{what}: {report.problems}"
    return journal.in_flight


def _kill_during_an_append(appender: Appender, rng: random.Random, delay: float) -> float:
    """Once a few batches are acknowledged, SIGKILL the child ``delay`` s into an append.

    If that append has already returned by then, try again on a later one, a few times.
    """
    journal = appender.journal
    wait_until(
        lambda: len(journal.poll().acks) >= ACKED_BEFORE_KILL or not appender.alive(),
        timeout=TIMEOUT_S,
        what=f"{ACKED_BEFORE_KILL} acknowledged batches",
    )
    time.sleep(rng.uniform(0.0, 0.2))  # so that the batch killed is not always the same one
    for _ in range(KILL_ATTEMPTS):
        wait_until(
            lambda: journal.poll().in_flight or not appender.alive(),
            timeout=TIMEOUT_S,
            what="a batch to be sent",
        )
        assert appender.alive(), appender.describe()
        sent = len(journal.sent)
        time.sleep(delay)
        if journal.poll().in_flight and len(journal.sent) == sent:
            break
    appender.process.send_signal(signal.SIGKILL)
    appender.process.wait(timeout=TIMEOUT_S)
    assert appender.process.returncode == -signal.SIGKILL, appender.describe()
    return delay


def _named(url: str, session: str) -> str:
    """The URL with a PostgreSQL application name, so the child's session can be watched."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    named = parsed.update_query_dict({"application_name": session})
    return named.render_as_string(hide_password=False)


def _await_session_end(engine: Engine, session: str) -> None:
    """Wait until PostgreSQL has ended the dead child's session, and so its transaction.

    Until then a COMMIT the child sent just before it died may still land, while we read.
    """
    if engine.dialect.name != "postgresql":
        return

    def ended() -> bool:
        with engine.connect() as connection:
            count = connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": session},
            ).scalar_one()
        return int(count) == 0

    wait_until(ended, timeout=TIMEOUT_S, what="PostgreSQL to end the killed appender's session")


def _assert_wal_and_full_sync(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL


def _leaves(store: SqlLogStore) -> list[bytes]:
    size = store.head().size
    leaves = [leaf for _, leaf in store.entries(0, size)]
    assert len(leaves) == size == store.count_entries(), "entries missing or beyond the head"
    return leaves
