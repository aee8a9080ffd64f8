"""A mechanism in a test: a store with the Istanbul agreement in force and named personas.

``make_mechanism(database_url, data)`` initialises a log, has the operator propose the bundled
agreement, enrols the personas below and, unless ``adopt=False``, has every party and mediator
sign it. The helpers call the real services, with a deterministic clock (one minute a tick).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from ceasefire import bootstrap
from ceasefire.domain.actors import Actor, Role
from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.evidence import Limits
from ceasefire.log.envelope import Envelope
from ceasefire.log.keys import SigningKey
from ceasefire.media.images import analyse
from ceasefire.services import agreements as agreement_service
from ceasefire.services import casework as casework_service
from ceasefire.services import evidence as evidence_service
from ceasefire.services import keys as key_service
from ceasefire.services import log as log_service
from ceasefire.services import reports as report_service
from ceasefire.settings import Settings
from ceasefire.storage.blobs import FileBlobStore
from ceasefire.storage.log_store import SqlLogStore
from tests.factories import OperatorActs

ORIGIN: Final = "ceasefire.test/istanbul"
T0: Final = datetime(2025, 11, 1, 8, 0, tzinfo=UTC)

PERSONAS: Final[Mapping[str, tuple[str, Role, str | None]]] = {
    "pk_liaison": ("pk-liaison-1", Role.LIAISON, "pk"),
    "af_liaison": ("af-liaison-1", Role.LIAISON, "af"),
    "tr_mediator": ("tr-mediator-1", Role.MEDIATOR, "tr"),
    "qa_mediator": ("qa-mediator-1", Role.MEDIATOR, "qa"),
    "monitor": ("monitor-1", Role.MONITOR, None),
    "observer": ("observer-1", Role.OBSERVER, None),
}
"""persona → (actor id, role, affiliation)."""
SIGNERS: Final = ("pk_liaison", "af_liaison", "tr_mediator", "qa_mediator")


@dataclass
class Mechanism(OperatorActs):
    store: SqlLogStore
    blobs: FileBlobStore
    log_key: SigningKey
    operator_key: SigningKey
    keys: dict[str, SigningKey] = field(default_factory=dict)
    now: datetime = T0

    def tick(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now

    def key(self, persona: str) -> SigningKey:
        return self.operator_key if persona == "operator" else self.keys[persona]

    def actor(self, persona: str) -> Actor:
        actor_id, role, affiliation = PERSONAS[persona]
        return Actor(actor_id, role, affiliation)

    def size(self) -> int:
        return self.store.head().size

    def close(self) -> None:
        self.store.close()

    # -- the services, as each persona calls them ------------------------------------------

    def enrol(self, persona: str) -> SigningKey:
        actor_id, role, affiliation = PERSONAS[persona]
        key = SigningKey.generate(actor_id)
        key_service.enrol(
            self.store,
            actor=actor_id,
            public_key=key.public_key,
            role=role.value,
            affiliation=affiliation,
            operator_key=self.operator_key,
            log_key=self.log_key,
            clock=self.tick,
        )
        self.keys[persona] = key
        return key

    def sign_agreement(self, persona: str, version: int | None = None) -> None:
        agreement_service.sign(
            self.store,
            key=self.key(persona),
            version=version,
            log_key=self.log_key,
            clock=self.tick,
        )

    def submit(self, persona: str, body: Mapping[str, Any], confidential: bool = False) -> str:
        """Submit a report; its id."""
        submitted = report_service.submit_report(
            self.store,
            body,
            key=self.key(persona),
            confidential=confidential,
            log_key=self.log_key,
            clock=self.tick,
        )
        return submitted.report

    def correct(
        self,
        persona: str,
        report: str,
        body: Mapping[str, Any],
        *,
        reason: str = "the casualty figures were revised",
        confidential: bool = False,
    ) -> str:
        """Correct ``report``; the id of the correcting report."""
        submitted = report_service.correct_report(
            self.store,
            report,
            body,
            reason=reason,
            key=self.key(persona),
            confidential=confidential,
            log_key=self.log_key,
            clock=self.tick,
        )
        return submitted.report

    def withdraw(self, persona: str, report: str, reason: str = "submitted in error") -> None:
        report_service.withdraw_report(
            self.store,
            report,
            reason=reason,
            key=self.key(persona),
            log_key=self.log_key,
            clock=self.tick,
        )

    def disclose(self, persona: str, report: str) -> None:
        report_service.disclose_report(
            self.store,
            report,
            key=self.key(persona),
            log_key=self.log_key,
            clock=self.tick,
        )

    def add_evidence(
        self, persona: str, path: Path, report: str | None = None
    ) -> evidence_service.Added:
        return evidence_service.add_evidence(
            self.store,
            self.blobs,
            analyse,
            path,
            report=report,
            name=None,
            key=self.key(persona),
            limits=Limits(),
            log_key=self.log_key,
            clock=self.tick,
        )

    def custody(
        self,
        persona: str,
        sha256: str,
        action: str,
        *,
        to: str | None = None,
        note: str | None = None,
    ) -> None:
        evidence_service.record_custody(
            self.store,
            sha256,
            action=action,
            to=to,
            note=note,
            tool=None,
            key=self.key(persona),
            log_key=self.log_key,
            clock=self.tick,
        )

    def signer(self, persona: str) -> casework_service.Signer:
        return casework_service.Signer(self.key(persona), self.log_key, self.tick)

    def act(self, persona: str, event_type: str, body: Mapping[str, Any]) -> str:
        """Record one casework event through the service; the new event's id."""
        return casework_service.record(self.store, self.signer(persona), event_type, body).id

    def event(
        self, persona: str, event_type: str, body: Mapping[str, Any], confidential: bool = False
    ) -> Envelope:
        """Sign and append one raw event, past the services' own checks: what admission sees."""
        _, envelope = log_service.submit(
            self.store,
            self.key(persona),
            event_type,
            body,
            log_key=self.log_key,
            clock=self.tick,
            confidential=confidential,
        )
        return envelope


def make_mechanism(database_url: str, data: Path, *, adopt: bool = True) -> Mechanism:
    """A store with the bundled agreement proposed, the personas enrolled and (by default)
    the agreement adopted by pk, af, tr and qa."""
    store = bootstrap.create_store(Settings(data=data, database_url=database_url))
    log_key, operator_key = SigningKey.generate(ORIGIN), SigningKey.generate("operator")
    log_service.initialise(store, ORIGIN, log_key, operator_key, T0)
    mechanism = Mechanism(store, FileBlobStore(data / "evidence"), log_key, operator_key)
    agreement_service.propose(
        store, load_bundled(), key=operator_key, log_key=log_key, clock=mechanism.tick
    )
    for persona in PERSONAS:
        mechanism.enrol(persona)
    if adopt:
        for persona in SIGNERS:
            mechanism.sign_agreement(persona)
    return mechanism
