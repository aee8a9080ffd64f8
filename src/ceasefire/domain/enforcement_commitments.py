"""Whether each party keeps its commitments, as of a moment.

A negative commitment (refrain from ...) is kept until a standing finding establishes a
violation, by the party bound, of one of the clauses it implements. A positive commitment is
kept deadline by deadline (docs/agreement-format.md §3): its clock gives the deadlines, a
meeting decision (:class:`ceasefire.domain.facts.DeadlineSet`) may move them, and a compliance
claim of one of its steps, by the party bound, not rejected by a finding, meets the deadline
whose period it reached the mechanism in. A period runs from the day after the previous
deadline's last day of grace to its own; a deadline whose last day of grace has passed with no
such claim is missed, and a missed deadline is itself a dated non-compliance
(``commitments_overdue``) counted on the day after it closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from ceasefire.domain.agreements import Agreement, Clock, Commitment, CommitmentKind
from ceasefire.domain.enforcement_counts import (
    finding_node,
    meets_standard,
    standing_findings,
    violations,
)
from ceasefire.domain.enforcement_explain import (
    Counted,
    Explanation,
    cite,
    document,
    iso_time,
    listing,
    utc,
    utc_day,
)
from ceasefire.domain.facts import CaseKind, Claim, Facts, IssuedFinding


class CommitmentState(StrEnum):
    MET = "met"  # nothing outstanding: no violation, or the open deadline already met
    DUE = "due"  # the open deadline still waits for evidence
    OVERDUE = "overdue"  # the last deadline that closed was missed
    BREACHED = "breached"  # a verified violation, or evidence found wanting and not made good


@dataclass(frozen=True)
class CommitmentStatus:
    """Where one commitment stands. ``next_deadline`` is the open deadline (the first whose
    last day of grace has not passed), None for a negative commitment or when none is left;
    ``missed`` every deadline missed so far, oldest first."""

    id: str
    party: str
    kind: CommitmentKind
    status: CommitmentState
    next_deadline: date | None
    missed: tuple[date, ...]
    explanation: Explanation

    def to_document(self) -> dict[str, Any]:
        found: dict[str, Any] = document(self.parts())
        return found

    def parts(self) -> dict[str, Any]:
        """The document with its explanation not yet written (:func:`document`,
        :func:`write_json`)."""
        return {
            "id": self.id,
            "party": self.party,
            "kind": self.kind.value,
            "status": self.status.value,
            "next_deadline": self.next_deadline.isoformat() if self.next_deadline else None,
            "missed": [day.isoformat() for day in self.missed],
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class CommitmentRecord:
    """A commitment's status and what it adds to the ledger: one counted item per missed
    deadline, and the breach, if it is breached."""

    status: CommitmentStatus
    lapses: tuple[Counted, ...]
    breach: Counted | None


def judge_commitments(
    agreement: Agreement, facts: Facts, as_of: datetime
) -> tuple[CommitmentRecord, ...]:
    """Every commitment of ``agreement`` judged on ``facts`` as of ``as_of`` (UTC), in the
    agreement's order."""
    return tuple(
        _negative(agreement, facts, c) if c.clock is None else _positive(agreement, facts, c, as_of)
        for c in agreement.commitments
    )


# --- negative commitments ---------------------------------------------------------------------


def _negative(agreement: Agreement, facts: Facts, commitment: Commitment) -> CommitmentRecord:
    clauses = set(commitment.clauses)
    breaking = [
        f
        for f in violations(agreement, facts)
        if f.party == commitment.party and clauses & _clauses_found(agreement, f)
    ]
    head = f"{commitment.id} ({commitment.party}, negative)"
    where = f"of clauses {listing(commitment.clauses)}" if clauses else "(it names no clause)"
    if not breaking:
        text = f"{head}: met: no verified violation by {commitment.party} {where}"
        node = Explanation(text, True, cite([facts.agreement_index]))
        return CommitmentRecord(_status(commitment, CommitmentState.MET, None, (), node), (), None)
    text = f"{head}: breached by {len(breaking)} verified violation(s) {where}"
    children = tuple(finding_node(f) for f in breaking)
    node = Explanation(text, False, cite([facts.agreement_index]), children)
    breach = Counted(max(f.day for f in breaking), (commitment.id,), node)
    status = _status(commitment, CommitmentState.BREACHED, None, (), node)
    return CommitmentRecord(status, (), breach)


def _clauses_found(agreement: Agreement, finding: IssuedFinding) -> set[str]:
    """The clauses a finding found violated: its own, or else those its acts break."""
    if finding.clauses:
        return set(finding.clauses)
    acts = {act.id: act for act in agreement.acts}
    return {clause for id_ in finding.acts if id_ in acts for clause in acts[id_].clauses}


def _status(
    commitment: Commitment,
    state: CommitmentState,
    next_deadline: date | None,
    missed: tuple[date, ...],
    explanation: Explanation,
) -> CommitmentStatus:
    return CommitmentStatus(
        commitment.id,
        commitment.party,
        commitment.kind,
        state,
        next_deadline,
        missed,
        explanation,
    )


# --- positive commitments ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Deadline:
    """One deadline and its period: ``meeting`` the claims that meet it, ``considered`` the
    other claims toward the commitment that reached the mechanism in its period."""

    day: date
    closes: date
    set_by: int | None
    meeting: tuple[Claim, ...]
    considered: tuple[Claim, ...]


def _positive(
    agreement: Agreement, facts: Facts, commitment: Commitment, as_of: datetime
) -> CommitmentRecord:
    assert commitment.clock is not None
    today = as_of.date()
    deadlines = _deadlines(commitment, commitment.clock, facts, today)
    closed = [d for d in deadlines if d.closes < today]
    current = next((d for d in deadlines if d.closes >= today), None)
    missed = tuple(d for d in closed if not d.meeting)
    failed = _failed_finding(agreement, facts, commitment, deadlines)
    state = _state(closed, current, failed)
    nodes = tuple(_deadline_node(commitment, d, facts, today) for d in deadlines)
    lapses = tuple(
        Counted(d.closes + timedelta(days=1), (commitment.id,), node)
        for d, node in zip(deadlines, nodes, strict=True)
        if d.closes < today and not d.meeting
    )
    breach = None
    if failed is not None:
        node = _breach_node(agreement, failed)
        breach = Counted(utc_day(failed.issued), (commitment.id,), node)
        nodes = (*nodes, node)
    text = _summary(commitment, state, closed, current, len(missed), failed)
    explanation = Explanation(text, state in _KEPT, cite([facts.agreement_index]), nodes)
    next_day = current.day if current is not None else None
    status = _status(commitment, state, next_day, tuple(d.day for d in missed), explanation)
    return CommitmentRecord(status, lapses, breach)


_KEPT = frozenset({CommitmentState.MET, CommitmentState.DUE})


def _state(
    closed: list[_Deadline], current: _Deadline | None, failed: IssuedFinding | None
) -> CommitmentState:
    """Breached while evidence found wanting is not made good; else overdue while the last
    deadline that closed stands missed; else met if the open deadline (or, none left, the
    last) is met; else due."""
    if failed is not None:
        return CommitmentState.BREACHED
    if closed and not closed[-1].meeting:
        return CommitmentState.OVERDUE
    if current is None or current.meeting:
        return CommitmentState.MET
    return CommitmentState.DUE


def _schedule(
    commitment: Commitment, clock: Clock, facts: Facts, today: date
) -> list[tuple[date, int | None]]:
    """The deadlines up to ``today`` and the one after, as the clock gives them and then as
    each meeting decision moved them, in index order: a decision drops the deadlines from the
    day it was taken up to its new due date, and adds that date. Each comes with the index of
    the decision that set it, if one did."""
    days: dict[date, int | None] = dict.fromkeys(clock.deadlines(today))
    following = clock.next_deadline(today)
    if following is not None:
        days[following] = None
    moves = sorted(
        (s for s in facts.deadlines if s.commitment == commitment.id), key=lambda s: s.index
    )
    for move in moves:
        days = {d: by for d, by in days.items() if not move.decided <= d < move.due}
        days[move.due] = move.index
    return sorted(days.items())


def _deadlines(
    commitment: Commitment, clock: Clock, facts: Facts, today: date
) -> tuple[_Deadline, ...]:
    """The deadlines that have closed, and the open one, each with the claims of its period."""
    toward = sorted(
        (c for c in facts.claims if c.commitment == commitment.id), key=lambda c: c.index
    )
    found: list[_Deadline] = []
    opened_after: date | None = None
    for day, set_by in _schedule(commitment, clock, facts, today):
        closes = clock.closes(day)
        period = [
            c
            for c in toward
            if utc_day(c.submitted) <= closes
            and (opened_after is None or utc_day(c.submitted) > opened_after)
        ]
        meeting = tuple(c for c in period if _counts(commitment, c))
        considered = tuple(c for c in period if not _counts(commitment, c))
        found.append(_Deadline(day, closes, set_by, meeting, considered))
        if closes >= today:
            break
        opened_after = closes
    return tuple(found)


def _counts(commitment: Commitment, claim: Claim) -> bool:
    """A claim meets a deadline when the party bound made it, of one of the commitment's
    steps, and no finding has rejected it (an unverified claim counts until one does)."""
    return (
        claim.party == commitment.party
        and claim.step in commitment.steps
        and claim.verified is not False
    )


def _failed_finding(
    agreement: Agreement, facts: Facts, commitment: Commitment, deadlines: tuple[_Deadline, ...]
) -> IssuedFinding | None:
    """The latest standing finding on a claim toward the commitment that fell short of the
    standard, if no claim has met a deadline since it was issued: the party has not made good."""
    failed = [
        f
        for f in standing_findings(facts)
        if f.kind is CaseKind.COMPLIANCE_CLAIM
        and f.commitment == commitment.id
        and not meets_standard(agreement, f)
    ]
    if not failed:
        return None
    latest = failed[-1]
    since = [c for d in deadlines for c in d.meeting if utc(c.submitted) > utc(latest.issued)]
    return None if since else latest


# --- explaining them --------------------------------------------------------------------------


def _deadline_node(
    commitment: Commitment, deadline: _Deadline, facts: Facts, today: date
) -> Explanation:
    head = f"deadline {deadline.day} (evidence until {deadline.closes})"
    if deadline.set_by is not None:
        head += ", set by a meeting decision"
    steps = listing(commitment.steps)
    if deadline.meeting:
        holds: bool | None = True
        text = f"{head}: met by {listing(c.report for c in deadline.meeting)}"
    elif deadline.closes < today:
        holds = False
        text = f"{head}: missed, no claim of {steps} by {commitment.party} that counts"
    else:
        holds = None
        text = f"{head}: open, no claim of {steps} by {commitment.party} yet"
    claims = sorted(deadline.meeting + deadline.considered, key=lambda c: c.index)
    children = tuple(_claim_node(commitment, c) for c in claims)
    indices = cite([facts.agreement_index, deadline.set_by], (c.index for c in claims))
    return Explanation(text, holds, indices, children)


def _claim_node(commitment: Commitment, claim: Claim) -> Explanation:
    submitted = iso_time(claim.submitted)
    text = f"claim {claim.report}: {claim.step} by {claim.party}, submitted {submitted}"
    if claim.party != commitment.party:
        reason = f"does not count: {commitment.party} is the party bound"
    elif claim.step not in commitment.steps:
        reason = f"does not count: the steps that count are {listing(commitment.steps)}"
    elif claim.verified is False:
        reason = "does not count: a finding did not verify it"
    elif claim.verified:
        reason = "counts, verified"
    else:
        reason = "counts, not yet verified"
    return Explanation(f"{text}: {reason}", _counts(commitment, claim), (claim.index,))


def _breach_node(agreement: Agreement, finding: IssuedFinding) -> Explanation:
    needed = agreement.verification.standard_for_violation
    text = (
        f"finding {finding.finding} on a claim toward it did not meet the standard "
        f"({finding.confidence}, {needed} needed), and no claim has met a deadline since"
    )
    return Explanation(text, False, (), (finding_node(finding),))


def _summary(
    commitment: Commitment,
    state: CommitmentState,
    closed: list[_Deadline],
    current: _Deadline | None,
    missed: int,
    failed: IssuedFinding | None,
) -> str:
    head = f"{commitment.id} ({commitment.party}, positive): {state.value}"
    if failed is not None:
        detail = f"finding {failed.finding} found its evidence wanting"
    elif state is CommitmentState.OVERDUE:
        detail = f"the deadline of {closed[-1].day} was missed"
    elif current is None:
        detail = f"its last deadline, {closed[-1].day}, was met" if closed else "no deadline"
    elif state is CommitmentState.MET:
        detail = f"the deadline of {current.day} is met"
    else:
        detail = f"the deadline of {current.day} is open until {current.closes}"
    total = f"; {missed} deadline(s) missed in all" if missed else ""
    return f"{head}: {detail}{total}"
