"""The API's casework memory (``services.casework.Folds``): a fold kept from a shorter log and
grown by the new entries answers exactly what a fresh fold of the longer log answers.

The Istanbul scenario is loaded once; :class:`Prefix` shows it as the log was after its first
``size`` entries (the read models the agreement is read from cut at the same point), so the
log can be "grown" step by step, or in random strides, through every kind of entry the
scenario holds: reports, cases, findings, penalties, meetings, decisions and agreement
versions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceasefire.api.app import create_app
from ceasefire.domain import projection as pj
from ceasefire.domain.enforcement import assess
from ceasefire.errors import Conflict
from ceasefire.services import casework
from ceasefire.services.ports import LogHead
from ceasefire.settings import Settings
from ceasefire.storage.log_store import SqlLogStore
from tests.api.conftest import TestClient

_CUT = (pj.AGREEMENTS, pj.SIGNATURES)


class Prefix:
    """The store as it was when the log held its first ``size`` entries."""

    def __init__(self, store: SqlLogStore, size: int) -> None:
        self._store, self.size = store, size

    def head(self) -> LogHead:
        return replace(self._store.head(), size=self.size)

    def entries(self, start: int, end: int) -> Iterator[tuple[int, bytes]]:
        return self._store.entries(start, min(end, self.size))

    def table(self, table: str) -> list[Any]:
        rows = self._store.table(table)
        return [r for r in rows if r["idx"] < self.size] if table in _CUT else rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _first_adopted(store: SqlLogStore) -> int:
    """The size at which a version of the agreement is first in force (before it, there is no
    casework to fold)."""
    for size in range(store.head().size + 1):
        try:
            casework.load(Prefix(store, size), None)
        except Conflict:
            continue
        return size
    raise AssertionError("the scenario adopts no agreement")


def _answers(store: Any, folds: casework.Folds | None) -> dict[str, Any]:
    return {
        "cases": casework.list_cases(store, folds=folds),
        "penalties": casework.list_penalties(store, folds),
        "meetings": casework.list_meetings(store, folds),
        "facts": casework.load(store, None, folds)[0].facts(),
    }


def _check_grown(store: SqlLogStore, folds: casework.Folds, size: int) -> None:
    prefix: Any = Prefix(store, size)
    assert _answers(prefix, folds) == _answers(prefix, None), f"at size {size}"
    now = casework.status(prefix, None, folds)
    fresh = casework.status(prefix, now.as_of)
    assert json.dumps(now.to_document()) == json.dumps(fresh.to_document()), f"at size {size}"


def test_a_fold_grown_entry_by_entry_equals_a_fresh_fold(played: SqlLogStore) -> None:
    folds = casework.Folds()
    start = _first_adopted(played)
    for size in range(start, played.head().size + 1):
        _check_grown(played, folds, size)
    agreement_entries = sum(
        1
        for _, leaf in played.entries(start, played.head().size)
        if json.loads(leaf)["type"].startswith("agreement.")
    )
    # one fresh fold at the start, per kind of fold (now, and as of a moment), then one per
    # agreement entry: every other entry was applied to the kept fold
    assert folds.refolds <= 2 * (1 + agreement_entries)


@pytest.mark.no_cover  # heavy, and of code other tests cover: run without the coverage tracer
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_fold_grown_in_random_strides_equals_a_fresh_fold(
    played: SqlLogStore, data: st.DataObject
) -> None:
    start, end = _first_adopted(played), played.head().size
    sizes = data.draw(st.lists(st.integers(start, end), min_size=1, max_size=8, unique=True))
    folds = casework.Folds()
    for size in sorted(sizes):
        _check_grown(played, folds, size)


def test_growth_without_agreement_entries_folds_nothing_afresh(played: SqlLogStore) -> None:
    end = played.head().size
    quiet = [
        index
        for index, leaf in played.entries(0, end)
        if not json.loads(leaf)["type"].startswith("agreement.")
    ]
    last_agreement = max(set(range(end)) - set(quiet))
    folds = casework.Folds()
    casework.list_cases(Prefix(played, last_agreement + 1), folds=folds)
    before = folds.refolds
    for size in range(last_agreement + 2, end + 1):
        casework.list_cases(Prefix(played, size), folds=folds)
    assert folds.refolds == before


def test_a_kept_fold_is_never_changed_by_a_later_one(played: SqlLogStore) -> None:
    folds = casework.Folds()
    end = played.head().size
    size = end - 20
    early, _ = casework.load(Prefix(played, size), None, folds)
    seen = (dict(early.cases), dict(early.penalties), dict(early.meetings), early.facts())
    late, _ = casework.load(Prefix(played, end), None, folds)
    assert late is not early
    assert (dict(early.cases), dict(early.penalties), dict(early.meetings), early.facts()) == seen


def test_a_copy_shares_no_table_with_its_original(played: SqlLogStore) -> None:
    original, _ = casework.load(played, None)
    copied = original.copy()
    for name, value in vars(original).items():
        if isinstance(value, dict | list):
            assert getattr(copied, name) == value and getattr(copied, name) is not value, name
        else:
            assert getattr(copied, name) == value, name


def test_concurrent_readers_of_a_growing_log_agree_with_fresh_folds(played: SqlLogStore) -> None:
    folds = casework.Folds()
    start, end = _first_adopted(played), played.head().size
    failures: list[str] = []

    def reader(offset: int) -> None:
        for size in range(start + offset, end + 1, 3):
            prefix: Any = Prefix(played, size)
            if casework.list_cases(prefix, folds=folds) != casework.list_cases(prefix):
                failures.append(f"size {size}")

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_status_over_http_is_the_evaluation_document_with_its_headers(
    folder: Path, played: SqlLogStore
) -> None:
    with TestClient(create_app(Settings(data=folder))) as client:
        answers = [client.get("/api/v1/status") for _ in range(3)]
    for answer in answers:
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        assert (answer.headers["cache-control"], answer.headers["vary"]) == (
            "private, no-cache",
            "Authorization",
        )
        document = answer.json()
        moment = datetime.fromisoformat(document["as_of"])
        assert document == casework.status(played, moment).to_document()


class _Growing(Prefix):
    """One store whose log a test grows while requests are on their way; ``seen`` holds the
    sizes its head was read at."""

    def __init__(self, store: SqlLogStore, size: int) -> None:
        super().__init__(store, size)
        self.seen: list[int] = []

    def head(self) -> LogHead:
        self.seen.append(self.size)
        return super().head()

    def wait_for_reads(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while len(self.seen) < count and time.monotonic() < deadline:
            time.sleep(0.005)


def test_one_evaluation_of_the_newest_log_answers_the_requests_queued_behind_another(
    played: SqlLogStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    moment = datetime(2025, 11, 28, 9, 0, tzinfo=UTC)
    monkeypatch.setattr(casework, "_now", lambda: moment)
    made: list[int] = []
    release = threading.Event()

    def slow_assess(agreement: Any, facts: Any, as_of: datetime) -> Any:
        made.append(log.size)
        if len(made) == 1:
            release.wait(timeout=30)  # the first evaluation runs while the others arrive
        return assess(agreement, facts, as_of)

    monkeypatch.setattr(casework, "assess", slow_assess)
    end = played.head().size
    log = _Growing(played, end - 30)
    folds = casework.Folds()
    answers: dict[str, Any] = {}

    def request(name: str) -> None:
        answers[name] = casework.status(log, None, folds)

    first = threading.Thread(target=request, args=("first",))
    first.start()
    while not made:
        time.sleep(0.01)
    waiting = []
    for name, size in (("b", end - 20), ("c", end - 10), ("d", end)):
        log.size = size  # the log grows: each request sees a longer one
        reads = len(log.seen)
        waiting.append(threading.Thread(target=request, args=(name,)))
        waiting[-1].start()
        log.wait_for_reads(reads + 1)
    time.sleep(0.1)
    release.set()
    for thread in [first, *waiting]:
        thread.join(timeout=30)
    assert made == [end - 30, end]  # not one evaluation per size seen
    assert answers["b"] is answers["c"] is answers["d"]
    fresh = casework.status(played, moment)
    assert answers["d"].to_json() == fresh.to_json()


def test_a_kept_evaluation_never_answers_a_request_that_saw_a_longer_log_or_a_later_second(
    played: SqlLogStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    moment = datetime(2025, 11, 28, 9, 0, tzinfo=UTC)
    monkeypatch.setattr(casework, "_now", lambda: moment)
    folds = casework.Folds()
    end = played.head().size
    shorter = casework.status(Prefix(played, end - 3), None, folds)
    longer = casework.status(played, None, folds)
    assert longer is not shorter
    assert casework.status(Prefix(played, end - 3), None, folds) is longer  # newer is fine
    later = moment + timedelta(seconds=1)
    monkeypatch.setattr(casework, "_now", lambda: later)
    again = casework.status(played, None, folds)
    assert again is not longer and again.as_of == later
