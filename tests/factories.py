"""Factory functions for tests (rather than a zoo of fixtures), with named personas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ceasefire import bootstrap
from ceasefire.log.envelope import sign_event
from ceasefire.log.keys import SigningKey
from ceasefire.services import keys as key_service
from ceasefire.services import log as log_service
from ceasefire.services.log import Submission
from ceasefire.settings import Settings
from ceasefire.storage.log_store import SqlLogStore

ORIGIN = "ceasefire.test/pak-afg"
T0 = datetime(2025, 10, 19, 12, 0, tzinfo=UTC)

PERSONAS = {
    "pk-liaison": "party",
    "af-liaison": "party",
    "tr-mediator": "mediator",
    "qa-mediator": "mediator",
    "monitor-1": "monitor",
}


class OperatorActs:
    """What the log operator does to a test's log, for a factory holding the store, the
    operator's and the log's keys, and a clock (``tick``)."""

    store: SqlLogStore
    log_key: SigningKey
    operator_key: SigningKey

    def tick(self) -> datetime:
        raise NotImplementedError

    def revoke(self, actor: str, reason: str) -> None:
        """The operator revokes ``actor``'s key."""
        key_service.revoke(
            self.store,
            actor=actor,
            reason=reason,
            operator_key=self.operator_key,
            log_key=self.log_key,
            clock=self.tick,
        )


@dataclass
class ScratchLog(OperatorActs):
    """A freshly initialised log with the operator's keys at hand."""

    settings: Settings
    store: SqlLogStore
    log_key: SigningKey
    operator_key: SigningKey
    clock: datetime = T0

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    def enrol(self, actor: str, role: str = "monitor") -> SigningKey:
        key = SigningKey.generate(actor)
        key_service.enrol(
            self.store,
            actor=actor,
            public_key=key.public_key,
            role=role,
            operator_key=self.operator_key,
            log_key=self.log_key,
            clock=self.tick,
        )
        return key

    def submission(self, key: SigningKey, type_: str = "note.added", **body: Any) -> Submission:
        envelope, sealed = sign_event(
            key, log=ORIGIN, actor=key.name, type=type_, time=self.tick(), body=body or {"n": 1}
        )
        return Submission(envelope, sealed)

    def append(self, *submissions: Submission) -> log_service.Appended:
        return log_service.append(self.store, list(submissions), self.log_key, self.tick)


def make_log(database_url: str, data: Path) -> ScratchLog:
    settings = Settings(data=data, database_url=database_url)
    store = bootstrap.create_store(settings)  # closed by the test's fixture
    log_key, operator_key = SigningKey.generate(ORIGIN), SigningKey.generate("operator")
    log_service.initialise(store, ORIGIN, log_key, operator_key, T0)
    return ScratchLog(settings, store, log_key, operator_key)
