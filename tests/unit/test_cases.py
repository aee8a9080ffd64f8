"""The case state machine over random event sequences: it never reaches an undefined state, a
refused event changes nothing, an issued finding always has its quorum, a reply is always the
accused party's and in time, and replaying the accepted events gives the same casework."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.domain import casework_events as ce
from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.cases import CaseState
from ceasefire.domain.casework import Casework, fold
from ceasefire.domain.projection import Entry
from ceasefire.errors import CeasefireError, Conflict
from ceasefire.log.envelope import format_time

AGREEMENT: Final = load_bundled()
CASE: Final = "c" * 32
REPORT: Final = "a" * 32
T0: Final = datetime(2025, 11, 1, 8, tzinfo=UTC)


@dataclass(frozen=True)
class Who:
    actor: str
    role: str
    affiliation: str | None


MONITOR: Final = Who("monitor-1", "monitor", None)
PK: Final = Who("pk-liaison-1", "liaison", "pk")
AF: Final = Who("af-liaison-1", "liaison", "af")
TR: Final = Who("tr-mediator-1", "mediator", "tr")
QA: Final = Who("qa-mediator-1", "mediator", "qa")
OPENING: Final = {
    "kind": "allegation",
    "reports": [REPORT],
    "party": "pk",
    "act": "airstrike",
    "day": "2025-10-15",
    "title": "airstrike near Spin Boldak",
}


def proposal_ids(casework: Casework) -> list[str]:
    case = casework.cases.get(CASE)
    ids = [p.id for p in case.issued] if case else []
    if case and case.proposal:
        ids.append(case.proposal.id)
    return ids or ["f" * 32]


def body_for(action: str, casework: Casework, now: datetime, draw: Any) -> dict[str, Any]:
    """A plausible body for ``action`` in the case as it stands (sometimes a stale one)."""
    ids = proposal_ids(casework)
    finding = draw(st.sampled_from([ids[-1], ids[-1], ids[-1], *ids]))
    match action:
        case ce.CASE_ASSIGNED:
            return {"case": CASE, "monitor": "monitor-1"}
        case ce.REPLY_REQUESTED:
            hours = draw(st.sampled_from([72, 72, 71]))
            return {"case": CASE, "due": format_time(now + timedelta(hours=hours))}
        case ce.CASE_REPLIED:
            return {"case": CASE, "position": "denies", "text": "no"}
        case ce.FINDING_PROPOSED:
            attribution = draw(st.sampled_from(["attributable", "not_determined"]))
            party = {"party": "pk"} if attribution == "attributable" else {}
            return {
                "case": CASE,
                "confidence": draw(st.sampled_from(["established", "likely"])),
                "attribution": attribution,
                **party,
                "clauses": ["1"],
                "reasons": "r",
            }
        case ce.FINDING_SIGNED:
            concurs = draw(st.sampled_from([True, True, True, False]))
            return {"case": CASE, "finding": finding, "concurs": concurs}
        case ce.FINDING_ISSUED:
            return {"case": CASE, "finding": finding}
        case ce.CASE_CLOSED:
            return {"case": CASE, "reason": "done"}
        case _:
            return {"case": CASE, "reason": "new imagery", "reports": [REPORT]}


ACTIONS: Final = [
    ce.CASE_ASSIGNED,
    ce.REPLY_REQUESTED,
    ce.REPLY_REQUESTED,
    ce.CASE_REPLIED,
    ce.CASE_REPLIED,
    ce.FINDING_PROPOSED,
    ce.FINDING_PROPOSED,
    ce.FINDING_SIGNED,
    ce.FINDING_SIGNED,
    ce.FINDING_SIGNED,
    ce.FINDING_ISSUED,
    ce.FINDING_ISSUED,
    ce.CASE_CLOSED,
    ce.CASE_REOPENED,
    ce.CASE_REOPENED,
]
"""Weighted toward the steps that take a case forward, so that random histories reach every
state (an issued finding needs several steps in the right order)."""
LIKELY: Final = {
    ce.CASE_REPLIED: [PK, PK, PK],
    ce.FINDING_SIGNED: [TR, QA, TR, QA],
    ce.FINDING_ISSUED: [TR, QA],
}


@st.composite
def histories(draw: Any) -> tuple[Casework, list[tuple[Entry, str]], int]:
    casework = Casework(AGREEMENT, strict=True)
    now = T0
    accepted: list[tuple[Entry, str]] = []
    refused = 0
    first = Entry(0, CASE, ce.CASE_OPENED, "monitor-1", None, format_time(now), OPENING)
    casework.apply(first, "monitor")
    accepted.append((first, "monitor"))
    for index in range(1, draw(st.integers(10, 80))):
        now += timedelta(minutes=draw(st.sampled_from([1, 30, 24 * 60, 80 * 60])))
        action = draw(st.sampled_from(ACTIONS))
        who = draw(st.sampled_from([*LIKELY.get(action, [MONITOR]), MONITOR, PK, AF, TR, QA]))
        body = body_for(action, casework, now, draw)
        entry = Entry(
            index, f"{index:032x}", action, who.actor, who.affiliation, format_time(now), body
        )
        before = repr(casework.cases), repr(casework.facts())
        try:
            casework.apply(entry, who.role)
        except CeasefireError:
            refused += 1
            assert (repr(casework.cases), repr(casework.facts())) == before
            continue
        accepted.append((entry, who.role))
    return casework, accepted, refused


@settings(max_examples=150)
@given(histories())
def test_the_machine_stays_in_a_defined_state_and_keeps_its_rules(
    history: tuple[Casework, list[tuple[Entry, str]], int],
) -> None:
    casework, accepted, _ = history
    case = casework.cases[CASE]
    assert case.state in set(CaseState)
    for step in case.steps:
        assert step.state in set(CaseState)
    for proposal in case.issued:
        assert len(proposal.concurring()) >= AGREEMENT.verification.quorum
        assert {s.signatory for s in proposal.signatures} <= {"tr", "qa"}
    for window in case.windows:
        if window.replied is not None:
            reply = next(e for e, _ in accepted if e.index == window.replied)
            assert reply.affiliation == "pk"
            assert datetime.fromisoformat(reply.time) <= window.due
    if case.state is CaseState.ISSUED:
        assert case.issued
        assert case.steps[-1].type == ce.FINDING_ISSUED


@settings(max_examples=100)
@given(histories())
def test_replaying_the_accepted_events_gives_the_same_casework(
    history: tuple[Casework, list[tuple[Entry, str]], int],
) -> None:
    casework, accepted, _ = history
    replayed = fold(AGREEMENT, [entry for entry, _ in accepted])
    assert replayed.cases == casework.cases
    assert replayed.facts() == casework.facts()


def test_a_finding_is_never_proposed_before_the_reply_window_has_been_offered() -> None:
    casework = Casework(AGREEMENT, strict=True)
    opened = Entry(0, CASE, ce.CASE_OPENED, "monitor-1", None, format_time(T0), OPENING)
    casework.apply(opened, "monitor")
    body = {
        "case": CASE,
        "confidence": "established",
        "attribution": "attributable",
        "party": "pk",
        "clauses": ["1"],
        "reasons": "r",
    }
    proposal = Entry(1, "1" * 32, ce.FINDING_PROPOSED, "monitor-1", None, format_time(T0), body)
    with pytest.raises(Conflict, match="after the accused party was asked to reply"):
        casework.apply(proposal, "monitor")
