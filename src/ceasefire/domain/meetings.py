"""Follow-up meetings: scheduled with an agenda, attended, and their decisions signed and
recorded.

A decision is recorded only when everyone it requires has signed it: the signatories the
agreement names for that decision of that meeting, or else, by its kind, every party and
mediator (amending the agreement, the ceasefire itself, the mechanism, procedure) or the
mediators and the party concerned (a penalty, a deadline). A recorded decision may amend the
agreement (a version that must have been adopted), impose or lift a penalty step, or set a
commitment's next deadline; enforcement counts the last two.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ceasefire.domain import casework_events as ce
from ceasefire.domain.agreement_parts import DecisionKind
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.cases import Event
from ceasefire.domain.penalties import check_step
from ceasefire.errors import Conflict, InvalidInput, NotFound, PermissionDenied


@dataclass(frozen=True)
class Decision:
    id: str
    index: int
    actor: str
    time: datetime
    proposed: ce.DecisionProposed
    required: tuple[str, ...]
    signatures: tuple[tuple[str, int], ...] = ()
    recorded_at: int | None = None
    recorded_time: datetime | None = None

    def missing(self) -> list[str]:
        signed = {signatory for signatory, _ in self.signatures}
        return [s for s in self.required if s not in signed]


@dataclass(frozen=True)
class Meeting:
    id: str
    index: int
    actor: str
    scheduled: ce.MeetingScheduled
    attendance: tuple[tuple[int, tuple[str, ...]], ...] = ()
    decisions: tuple[Decision, ...] = ()

    def decision(self, decision_id: str) -> Decision | None:
        return next((d for d in self.decisions if d.id == decision_id), None)


def schedule(event: Event) -> Meeting:
    scheduled = event.body
    assert isinstance(scheduled, ce.MeetingScheduled)
    return Meeting(scheduled.meeting, event.index, event.actor, scheduled)


def required_signatories(
    agreement: Agreement, meeting: str, proposed: ce.DecisionProposed
) -> tuple[str, ...]:
    """Who must sign ``proposed``: as the agreement names it for this meeting, else by kind."""
    for planned in agreement.meetings:
        if planned.id == meeting:
            for decision in planned.decisions:
                if decision.id == proposed.decision:
                    return decision.sign
    mediators = agreement.verification.mediators
    effect = proposed.effect
    if isinstance(effect, ce.Impose):
        return (*mediators, effect.party)
    if isinstance(effect, ce.SetDeadline):
        return (*mediators, agreement.commitment(effect.commitment).party)
    if proposed.kind in (DecisionKind.PENALTY, DecisionKind.DEADLINE):
        return mediators
    return agreement.signatories()


def record(meeting: Meeting, event: Event, agreement: Agreement | None, *, strict: bool) -> Meeting:
    """The meeting after ``event``; with ``strict``, refuse what the rules forbid."""
    body = event.body
    match body:
        case ce.MeetingAttended():
            if strict and agreement is not None:
                _check_signatories(agreement, body.present)
            attended = (*meeting.attendance, (event.index, body.present))
            return replace(meeting, attendance=attended)
        case ce.DecisionProposed():
            return _proposed(meeting, event, body, agreement, strict)
        case ce.DecisionSigned():
            return _signed(meeting, event, body, strict)
        case ce.DecisionRecorded():
            decision = _decision(meeting, body.decision, strict)
            if decision is None:
                return meeting
            if strict:
                if decision.recorded_at is not None:
                    raise Conflict(
                        f"decision {decision.id} was recorded at index {decision.recorded_at}",
                        field="body.decision",
                    )
                missing = decision.missing()
                if missing:
                    raise Conflict(
                        f"decision {decision.id} lacks the required signatures of "
                        f"{', '.join(missing)} (it needs {', '.join(decision.required)})",
                        field="body.decision",
                    )
            done = replace(decision, recorded_at=event.index, recorded_time=event.time)
            return _with(meeting, done)
    if strict:
        raise InvalidInput(f"{event.type} is not an event of a meeting", field="type")
    return meeting


def _proposed(
    meeting: Meeting,
    event: Event,
    body: ce.DecisionProposed,
    agreement: Agreement | None,
    strict: bool,
) -> Meeting:
    if strict:
        assert agreement is not None
        if meeting.decision(body.decision) is not None:
            raise Conflict(
                f"meeting {meeting.id} already has a decision {body.decision!r}",
                field="body.decision",
            )
        _check_effect(agreement, body.effect)
    required = required_signatories(agreement, meeting.id, body) if agreement else ()
    decision = Decision(body.decision, event.index, event.actor, event.time, body, required)
    return replace(meeting, decisions=(*meeting.decisions, decision))


def _check_effect(agreement: Agreement, effect: ce.Effect | None) -> None:
    match effect:
        case ce.Impose(party, level):
            check_step(agreement, party, level, "body.effect.impose")
        case ce.SetDeadline(commitment, _):
            try:
                found = agreement.commitment(commitment)
            except NotFound as exc:
                raise InvalidInput(exc.message, field="body.effect.deadline.commitment") from exc
            if found.clock is None:
                raise InvalidInput(
                    f"commitment {commitment} is continuous: it has no deadline to set",
                    field="body.effect.deadline.commitment",
                )


def _signed(meeting: Meeting, event: Event, body: ce.DecisionSigned, strict: bool) -> Meeting:
    decision = _decision(meeting, body.decision, strict)
    if decision is None:
        return meeting
    if strict:
        if body.signatory != event.affiliation:
            raise PermissionDenied(
                f"{event.actor} signs for {event.affiliation or 'no one'}, not {body.signatory!r}",
                field="body.signatory",
            )
        if body.signatory not in decision.required:
            raise PermissionDenied(
                f"decision {decision.id} is signed by {', '.join(decision.required)}, "
                f"not {body.signatory}",
                field="body.signatory",
            )
        if decision.recorded_at is not None:
            raise Conflict(
                f"decision {decision.id} was recorded at index {decision.recorded_at}",
                field="body.decision",
            )
        if any(s == body.signatory for s, _ in decision.signatures):
            raise Conflict(
                f"{body.signatory} has already signed decision {decision.id}",
                field="body.signatory",
            )
    signed = replace(decision, signatures=(*decision.signatures, (body.signatory, event.index)))
    return _with(meeting, signed)


def _decision(meeting: Meeting, decision_id: str, strict: bool) -> Decision | None:
    decision = meeting.decision(decision_id)
    if decision is None and strict:
        raise NotFound(
            f"meeting {meeting.id} has no decision {decision_id!r}", field="body.decision"
        )
    return decision


def _check_signatories(agreement: Agreement, ids: tuple[str, ...]) -> None:
    known = agreement.signatories()
    for i, value in enumerate(ids):
        if value not in known:
            raise InvalidInput(
                f"unknown party or mediator {value!r}; they are {', '.join(known)}",
                field=f"body.present[{i}]",
            )


def _with(meeting: Meeting, decision: Decision) -> Meeting:
    decisions = tuple(decision if d.id == decision.id else d for d in meeting.decisions)
    return replace(meeting, decisions=decisions)
