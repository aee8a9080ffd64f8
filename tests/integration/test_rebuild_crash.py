"""A rebuild killed with SIGKILL halfway leaves the read models as they were before it began.

A rebuild is one transaction (the read models emptied, every entry replayed, the indexes built
again); on SQLite it also enlarges the page cache for its duration, which changes when pages
reach the WAL but not what a commit makes durable. So a crash rolls it back whole.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Final

import pytest

from ceasefire.domain import events
from ceasefire.log.envelope import sign_event
from ceasefire.services import log as log_service
from ceasefire.services.log import Submission
from ceasefire.services.readmodels import compare, rebuild
from tests.integration.appender import ROOT, wait_until
from tests.record_factories import ORIGIN, PERSONAS, Mechanism, make_mechanism
from tests.report_bodies import allegation_body

REPORTS: Final = 12_000
BATCH: Final = 2_000
ATTEMPTS: Final = 5
TIMEOUT_S: Final = 120.0
CHILD: Final = """
import sys
from pathlib import Path
from ceasefire import bootstrap
from ceasefire.services import readmodels
from ceasefire.settings import Settings
data, url, marker = sys.argv[1:]
store = bootstrap.open_store(Settings(data=Path(data), database_url=url))
Path(marker).write_text("started")
readmodels.rebuild(store)
Path(marker).write_text("done")
"""

pytestmark = pytest.mark.slow


def test_a_rebuild_killed_halfway_leaves_the_read_models_as_they_were(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'ceasefire.db'}"
    (tmp_path / "data").mkdir()
    mechanism = make_mechanism(url, tmp_path / "data")
    try:
        _submit_many(mechanism, REPORTS)
        started = time.perf_counter()
        rebuild(mechanism.store)
        seconds = time.perf_counter() - started
        rng = random.Random()

        killed_halfway = any(
            _kill_a_rebuild(url, tmp_path, attempt, seconds * rng.uniform(0.2, 0.8))
            for attempt in range(ATTEMPTS)
        )

        assert killed_halfway, f"no kill landed during a rebuild (one takes {seconds:.2f} s)"
        assert mechanism.store.record_applied() == mechanism.size()
        assert compare(mechanism.store) == []
        mechanism.submit("af_liaison", allegation_body(narrative="After the crash."))
    finally:
        mechanism.close()


def _submit_many(mechanism: Mechanism, count: int) -> None:
    actor = PERSONAS["pk_liaison"][0]
    for start in range(0, count, BATCH):
        submissions = [
            Submission(
                sign_event(
                    mechanism.key("pk_liaison"),
                    log=ORIGIN,
                    actor=actor,
                    type=events.REPORT_SUBMITTED,
                    time=mechanism.tick(),
                    body=allegation_body(narrative=f"Report {number}."),
                )[0]
            )
            for number in range(start, min(start + BATCH, count))
        ]
        log_service.append(mechanism.store, submissions, mechanism.log_key, mechanism.tick)


def _kill_a_rebuild(url: str, folder: Path, attempt: int, delay: float) -> bool:
    """Whether a rebuild in a child process was still running when SIGKILL came."""
    marker = folder / f"rebuild-{attempt}"
    data = str(folder / "data")
    child = subprocess.Popen([sys.executable, "-c", CHILD, data, url, str(marker)], cwd=ROOT)
    try:
        wait_until(marker.exists, timeout=TIMEOUT_S, what="the rebuild to start")
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=TIMEOUT_S)
    finally:
        if child.poll() is None:
            child.kill()
    return marker.read_text() == "started"
