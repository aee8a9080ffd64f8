"""Signatures are verified before the append lock — a large batch in the background while it
is admitted — and an append refuses exactly what it refused when the keyring verified each
signature in turn: the same error at the same place in the batch, nothing written."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from ceasefire.errors import PermissionDenied, VerificationError
from ceasefire.log.keys import SigningKey
from ceasefire.services import keys as key_service
from ceasefire.services import signature_checks
from ceasefire.services.log import Submission
from tests.factories import ScratchLog, make_log

LARGE = signature_checks.IN_BACKGROUND + 3 * signature_checks.SLICE


@pytest.fixture
def log(database_url: str, tmp_path: Path) -> Iterator[ScratchLog]:
    found = make_log(database_url, tmp_path)
    try:
        yield found
    finally:
        found.store.close()


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
    key_service.revoke(
        log.store,
        actor="monitor-1",
        reason="left the mission",
        operator_key=log.operator_key,
        log_key=log.log_key,
        clock=log.tick,
    )
    with pytest.raises(PermissionDenied):
        log.append(*(log.submission(key, n=n) for n in range(LARGE)))
