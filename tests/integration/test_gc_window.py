"""A large batch is appended with the process's older objects frozen, and they are unfrozen
when it ends, whatever its outcome; a small batch leaves the collector alone."""

from __future__ import annotations

import gc

import pytest

from ceasefire.errors import Conflict
from ceasefire.services import gc_window
from tests.factories import ScratchLog


def test_the_window_freezes_the_older_objects_and_always_unfreezes_them() -> None:
    older = [[n] for n in range(1000)]  # container objects that exist before the window
    with gc_window.for_batch(gc_window.LARGE):
        assert gc.get_freeze_count() >= len(older)
        gc.collect()  # collections run, over the new objects only
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), gc_window.for_batch(gc_window.LARGE):
        raise RuntimeError("the batch was refused")
    assert gc.get_freeze_count() == 0


def test_a_small_batch_freezes_nothing() -> None:
    with gc_window.for_batch(gc_window.LARGE - 1):
        assert gc.get_freeze_count() == 0


def test_a_large_append_runs_in_the_window_refused_or_not(
    log: ScratchLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = log.enrol("monitor-1")
    calls: list[str] = []
    freeze, unfreeze = gc.freeze, gc.unfreeze

    def counted_freeze() -> None:
        calls.append("freeze")
        freeze()

    def counted_unfreeze() -> None:
        calls.append("unfreeze")
        unfreeze()

    monkeypatch.setattr(gc, "freeze", counted_freeze)
    monkeypatch.setattr(gc, "unfreeze", counted_unfreeze)
    log.append(*(log.submission(key, n=n) for n in range(3)))
    assert calls == []
    large = [log.submission(key, n=10 + n) for n in range(gc_window.LARGE)]
    log.append(*large)
    assert calls == ["freeze", "unfreeze"]
    with pytest.raises(Conflict):  # the same events again: refused
        log.append(*large)
    assert calls == ["freeze", "unfreeze"] * 2
    assert gc.get_freeze_count() == 0
