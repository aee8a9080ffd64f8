"""The penalty ledger: a step proposed, signed by the mediators' quorum, notified, executed,
appealed and decided on appeal.

A penalty is *imposed* at the signature that completes the agreement's quorum of concurring
mediators; there is no separate act of imposition for anyone to skip or forge. Whether the
ladder supports the step (the party stands on it as of the proposal) is checked by the admission,
which evaluates the record; everything here depends only on the penalty's own events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ceasefire.domain import casework_events as ce
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.cases import Event, Signature, check_signatory
from ceasefire.domain.facts import ImposedPenalty
from ceasefire.errors import Conflict, InvalidInput, PermissionDenied


@dataclass(frozen=True)
class Note:
    index: int
    actor: str
    time: datetime
    text: str


@dataclass(frozen=True)
class Vote:
    signatory: str
    index: int
    outcome: ce.AppealOutcome
    reasons: str


@dataclass(frozen=True)
class Penalty:
    id: str
    index: int
    actor: str
    time: datetime
    proposed: ce.PenaltyProposed
    signatures: tuple[Signature, ...] = ()
    imposed_at: int | None = None
    imposed_time: datetime | None = None
    notices: tuple[Note, ...] = ()
    executions: tuple[Note, ...] = ()
    appeal: Note | None = None
    votes: tuple[Vote, ...] = ()
    decided_at: int | None = None
    outcome: ce.AppealOutcome | None = None
    lifted_at: int | None = None
    """Set by an appeal decided ``lifted`` or by a meeting decision that lifts the penalty."""

    @property
    def party(self) -> str:
        return self.proposed.party

    @property
    def level(self) -> int:
        return self.proposed.level

    @property
    def stage(self) -> str:
        """Where the penalty stands, in words a ledger shows."""
        if self.lifted_at is not None:
            return "lifted"
        if self.imposed_at is None:
            return "proposed"
        if self.appeal is not None and self.outcome is None:
            return "under appeal"
        if self.executions:
            return "executed"
        if self.notices:
            return "notified"
        return "imposed"

    def fact(self) -> ImposedPenalty | None:
        if self.imposed_at is None or self.imposed_time is None:
            return None
        return ImposedPenalty(
            self.id, self.party, self.level, self.imposed_at, self.imposed_time, self.lifted_at
        )


def propose(event: Event, agreement: Agreement | None, strict: bool) -> Penalty:
    proposed = event.body
    assert isinstance(proposed, ce.PenaltyProposed)
    if strict and agreement is not None:
        check_step(agreement, proposed.party, proposed.level, "body")
    return Penalty(event.id, event.index, event.actor, event.time, proposed)


def check_step(agreement: Agreement, party: str, level: int, where: str) -> None:
    """The party and the step must exist in the agreement."""
    parties = [p.id for p in agreement.parties]
    if party not in parties:
        raise InvalidInput(
            f"unknown party {party!r}; the parties are {', '.join(parties)}",
            field=f"{where}.party",
        )
    levels = [step.level for step in agreement.penalties]
    if level not in levels:
        raise InvalidInput(
            f"the penalty ladder has no step {level}; its steps are "
            f"{', '.join(map(str, levels)) or 'none'}",
            field=f"{where}.level",
        )


def record(penalty: Penalty, event: Event, agreement: Agreement | None, *, strict: bool) -> Penalty:
    """The penalty after ``event``; with ``strict``, refuse what the ledger forbids."""
    body = event.body
    if strict:
        assert agreement is not None
        _check(penalty, event, agreement)
    match body:
        case ce.Signed() if event.affiliation is not None and penalty.imposed_at is None:
            signature = Signature(event.affiliation, event.actor, event.index, body.concurs)
            signed = replace(penalty, signatures=(*penalty.signatures, signature))
            concurring = sum(1 for s in signed.signatures if s.concurs)
            if agreement is not None and concurring >= agreement.verification.quorum:
                return replace(signed, imposed_at=event.index, imposed_time=event.time)
            return signed
        case ce.PenaltyNote() if event.type == ce.PENALTY_NOTIFIED:
            return replace(penalty, notices=(*penalty.notices, _note(event, body.note)))
        case ce.PenaltyNote() if event.type == ce.PENALTY_EXECUTED:
            return replace(penalty, executions=(*penalty.executions, _note(event, body.note)))
        case ce.PenaltyNote() if event.type == ce.PENALTY_APPEALED:
            return replace(penalty, appeal=_note(event, body.note))
        case ce.AppealDecided() if event.affiliation is not None and penalty.outcome is None:
            vote = Vote(event.affiliation, event.index, body.outcome, body.reasons)
            voted = replace(penalty, votes=(*penalty.votes, vote))
            same = sum(1 for v in voted.votes if v.outcome is body.outcome)
            if agreement is None or same < agreement.verification.quorum:
                return voted
            lifted = event.index if body.outcome is ce.AppealOutcome.LIFTED else None
            return replace(voted, decided_at=event.index, outcome=body.outcome, lifted_at=lifted)
    return penalty


def lift(penalty: Penalty, index: int) -> Penalty:
    return penalty if penalty.lifted_at is not None else replace(penalty, lifted_at=index)


def _check(penalty: Penalty, event: Event, agreement: Agreement) -> None:
    body = event.body
    if penalty.lifted_at is not None:
        raise Conflict(
            f"penalty {penalty.id} was lifted at index {penalty.lifted_at}", field="body.penalty"
        )
    if isinstance(body, ce.Signed):
        if penalty.imposed_at is not None:
            raise Conflict(
                f"penalty {penalty.id} was imposed at index {penalty.imposed_at}",
                field="body.penalty",
            )
        check_signatory(event, agreement, [s.signatory for s in penalty.signatures], "penalty")
        return
    if penalty.imposed_at is None:
        raise Conflict(
            f"penalty {penalty.id} is not imposed: the mediators' quorum has not signed it",
            field="body.penalty",
        )
    if event.type == ce.PENALTY_APPEALED:
        if event.affiliation != penalty.party:
            raise PermissionDenied(
                f"only {penalty.party}, the party penalised, may appeal", field="actor"
            )
        if penalty.appeal is not None:
            raise Conflict(
                f"{penalty.party} appealed at index {penalty.appeal.index}", field="body.penalty"
            )
    if isinstance(body, ce.AppealDecided):
        if penalty.appeal is None:
            raise Conflict(f"penalty {penalty.id} has not been appealed", field="body.penalty")
        if penalty.outcome is not None:
            raise Conflict(
                f"the appeal was decided ({penalty.outcome}) at index {penalty.decided_at}",
                field="body.penalty",
            )
        mediators = agreement.verification.mediators
        if event.affiliation not in mediators:
            raise PermissionDenied(
                f"only the mediators {', '.join(mediators)} decide an appeal", field="actor"
            )
        if event.affiliation in {v.signatory for v in penalty.votes}:
            raise Conflict(f"{event.affiliation} has already decided this appeal", field="actor")


def _note(event: Event, text: str) -> Note:
    return Note(event.index, event.actor, event.time, text)
