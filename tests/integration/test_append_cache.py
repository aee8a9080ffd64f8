"""The append path's per-process copies of the keys and the agreements (``log_store``'s
``_AppendCache``) follow changes made by another process at once: two store objects on one
database stand for two API workers, each with its own copies."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ceasefire.domain import events
from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.errors import Conflict, PermissionDenied
from ceasefire.services import agreements as agreement_service
from ceasefire.services import log as log_service
from ceasefire.storage.log_store import SqlLogStore
from tests.record_factories import Mechanism
from tests.report_bodies import allegation_body


def _submit(mechanism: Mechanism, store: SqlLogStore, persona: str, number: int) -> None:
    log_service.submit(
        store,
        mechanism.key(persona),
        events.REPORT_SUBMITTED,
        allegation_body(narrative=f"Report {number} through the other worker."),
        log_key=mechanism.log_key,
        clock=mechanism.tick,
    )


def test_a_key_revoked_by_another_worker_is_refused_at_once(mechanism: Mechanism) -> None:
    other = SqlLogStore(mechanism.store.engine)  # its own copies, as another process has
    _submit(mechanism, other, "af_liaison", 1)  # the other worker's copies are now filled
    mechanism.revoke("af-liaison-1", "the liaison left")
    size = mechanism.size()
    with pytest.raises(PermissionDenied):
        _submit(mechanism, other, "af_liaison", 2)
    assert mechanism.size() == size
    _submit(mechanism, other, "pk_liaison", 3)  # the other keys still sign
    assert mechanism.size() == size + 1


def test_an_agreement_proposed_by_another_worker_is_seen_at_once(mechanism: Mechanism) -> None:
    other = SqlLogStore(mechanism.store.engine)
    _submit(mechanism, other, "af_liaison", 1)
    second = replace(load_bundled(), version=2)
    key, log_key, clock = mechanism.operator_key, mechanism.log_key, mechanism.tick
    agreement_service.propose(mechanism.store, second, key=key, log_key=log_key, clock=clock)
    with pytest.raises(Conflict, match="expected version 3"):
        agreement_service.propose(other, second, key=key, log_key=log_key, clock=clock)
