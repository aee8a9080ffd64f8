"""The penalty ledger: a step proposed, signed by the mediators' quorum, notified, executed,
appealed and decided on appeal.

A penalty is *imposed* at the signature that completes the agreement's quorum of concurring
mediators; there is no separate act of imposition for anyone to skip or forge. Whether the
ladder supports the step (the party stands on it as of the proposal) is checked by the admission,
which evaluates the record; everything here depends only on the penalty's own events, the cases
it cites and the penalties proposed before it.

The ledger runs one way: proposed → imposed (at the quorum) → notified → executed, with the
party's appeal and the mediators' decision on it beside. A step is never executed before the
party has been told of it, nor while the party's appeal awaits the mediators' decision, nor
executed twice, and no notice follows its execution. A penalty
is what it rests on: the same step proposed again for the same party on the same finding, while
the earlier proposal still stands, is refused (:func:`propose`), so one violation is never
penalised twice by accident or by a second hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from ceasefire.domain import casework_events as ce
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.cases import Case, Event, Signature, check_signatory
from ceasefire.domain.facts import ImposedPenalty
from ceasefire.errors import Conflict, InvalidInput, NotFound, PermissionDenied


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
class Ground:
    """A case a proposal cites, with the finding in force in it when the penalty was proposed
    (None only where a replay meets a case without one: admission refuses such a citation).
    The finding, not the case, is what a penalty answers: a reopened case whose new finding
    is issued can ground another."""

    case: str
    finding: str | None


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
    grounds: tuple[Ground, ...] = ()
    """The cases the proposal cites and their findings; empty: it cites none."""

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


def propose(
    event: Event,
    agreement: Agreement | None,
    strict: bool,
    *,
    cases: Mapping[str, Case] | None = None,
    earlier: Iterable[Penalty] = (),
) -> Penalty:
    """The penalty ``event`` proposes; with ``strict``, refuse a step the agreement lacks, a
    citation of a case without an issued finding about the party, and a repeat of a penalty
    that still stands (:func:`refuse_repeat`)."""
    proposed = event.body
    assert isinstance(proposed, ce.PenaltyProposed)
    found = cases or {}
    if strict and agreement is not None:
        check_step(agreement, proposed.party, proposed.level, "body")
        _check_cited(proposed, found)
    grounds = tuple(_ground(case, found) for case in proposed.cases)
    penalty = Penalty(event.id, event.index, event.actor, event.time, proposed, grounds=grounds)
    if strict and agreement is not None:
        refuse_repeat(penalty, earlier, agreement)
    return penalty


def _ground(case_id: str, cases: Mapping[str, Case]) -> Ground:
    case = cases.get(case_id)
    finding = case.finding if case is not None else None
    return Ground(case_id, finding.id if finding is not None else None)


def _check_cited(proposed: ce.PenaltyProposed, cases: Mapping[str, Case]) -> None:
    """Each case a proposal cites is in the record, about the party, and decided by an
    issued finding: that finding is what the penalty answers."""
    for i, case_id in enumerate(proposed.cases):
        where = f"body.cases[{i}]"
        case = cases.get(case_id)
        if case is None:
            raise NotFound(f"no case {case_id} in the record", field=where)
        if case.opened.party != proposed.party:
            raise InvalidInput(
                f"case {case_id} concerns {case.opened.party}; the penalty is for {proposed.party}",
                field=where,
            )
        if case.finding is None:
            raise Conflict(
                f"case {case_id} has no issued finding ({case.state}): a penalty rests on an "
                "issued finding",
                field=where,
            )


def refuse_repeat(penalty: Penalty, earlier: Iterable[Penalty], agreement: Agreement) -> None:
    """Refuse ``penalty`` if it repeats one that still stands: the same step for the same
    party on the same finding, proposed before it, neither lifted nor rejected (it is imposed,
    or the mediators who have not signed it can still bring it to the quorum).

    The finding is what tells two proposals of a step apart. A proposal that cites no case
    rests on the party's standing as a whole, which may be that very finding, so it repeats
    any standing proposal of its step, and any such proposal repeats it: whoever means a
    second penalty for another violation cites the case that found it. Once the earlier
    penalty is lifted (on appeal or by a meeting decision) the step may be proposed again."""
    for old in sorted(earlier, key=lambda p: p.index):
        if old.party != penalty.party or old.level != penalty.level:
            continue
        if old.lifted_at is not None or not _may_stand(old, agreement):
            continue
        standing = (
            "awaiting the mediators' signatures"
            if old.imposed_at is None
            else f"imposed at index {old.imposed_at}"
        )
        shared = [g for g in penalty.grounds if g in old.grounds]
        if shared:
            where = f"body.cases[{penalty.grounds.index(shared[0])}]"
            on = f"on the same finding {shared[0].finding} (case {shared[0].case})"
        elif not old.grounds:
            where, on = "body.cases", "which cites no case, so it may rest on the same finding"
        elif not penalty.grounds:
            where, on = "body.cases", "and this proposal cites no case to tell it from that one"
        else:
            continue
        raise Conflict(
            f"step {penalty.level} for {penalty.party} is already penalty {old.id}, proposed "
            f"at index {old.index} and {standing}, {on}: a step is proposed once per finding "
            "while it stands (lift it first, or cite the case of another finding)",
            field=where,
        )


def _may_stand(penalty: Penalty, agreement: Agreement) -> bool:
    """Whether the penalty is imposed or can still be: the mediators who have not signed it
    are enough to complete the quorum. A proposal the mediators have dissented from beyond
    that is rejected, and does not stand in the way of another."""
    if penalty.imposed_at is not None:
        return True
    signed = {s.signatory for s in penalty.signatures}
    concurring = sum(1 for s in penalty.signatures if s.concurs)
    unsigned = sum(1 for m in agreement.verification.mediators if m not in signed)
    return concurring + unsigned >= agreement.verification.quorum


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
    if event.type in (ce.PENALTY_NOTIFIED, ce.PENALTY_EXECUTED):
        _check_order(penalty, event)
    elif event.type == ce.PENALTY_APPEALED:
        _check_appeal(penalty, event)
    elif isinstance(body, ce.AppealDecided):
        _check_vote(penalty, event, agreement)


def _check_appeal(penalty: Penalty, event: Event) -> None:
    if event.affiliation != penalty.party:
        raise PermissionDenied(
            f"only {penalty.party}, the party penalised, may appeal", field="actor"
        )
    if penalty.appeal is not None:
        raise Conflict(
            f"{penalty.party} appealed at index {penalty.appeal.index}", field="body.penalty"
        )


def _check_vote(penalty: Penalty, event: Event, agreement: Agreement) -> None:
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


def _check_order(penalty: Penalty, event: Event) -> None:
    """Notice before execution, one execution, no notice after it, and no execution while an
    appeal waits for the mediators' decision (one that lifts the penalty ends it).

    A notice may be repeated until the penalty is executed: a reminder, the notice sent again
    by another channel or to a liaison the party has newly named are each a fact worth
    recording, and none of them changes what the party was told. Execution is different: it
    happens once, and only to a party that has been told (its first notice)."""
    executed = penalty.executions[0].index if penalty.executions else None
    if event.type == ce.PENALTY_NOTIFIED and executed is not None:
        raise Conflict(
            f"penalty {penalty.id} was executed at index {executed}: the party is notified "
            "before execution, not after",
            field="body.penalty",
        )
    if event.type == ce.PENALTY_EXECUTED:
        if executed is not None:
            raise Conflict(
                f"penalty {penalty.id} was executed at index {executed}", field="body.penalty"
            )
        if not penalty.notices:
            raise Conflict(
                f"penalty {penalty.id} has not been notified to {penalty.party}: a penalty is "
                "executed only once the party has been told of it",
                field="body.penalty",
            )
        if penalty.appeal is not None and penalty.outcome is None:
            raise Conflict(
                f"penalty {penalty.id} is under appeal ({penalty.party} appealed at index "
                f"{penalty.appeal.index}): it is executed once the mediators have upheld it",
                field="body.penalty",
            )


def _note(event: Event, text: str) -> Note:
    return Note(event.index, event.actor, event.time, text)
