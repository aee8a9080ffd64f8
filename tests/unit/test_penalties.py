"""The penalty ledger folded strictly: a step is notified before it is executed, executed once,
never notified after; the same step is not proposed twice for the same party on the same finding
while the first stands; and over random histories a refused event changes nothing and the
accepted ones replay to the same ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.domain import casework_events as ce
from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.cases import reply_due
from ceasefire.domain.casework import Casework, fold
from ceasefire.domain.projection import Entry
from ceasefire.errors import CeasefireError, Conflict, InvalidInput, NotFound
from ceasefire.log.envelope import format_time
from tests.unit.test_cases import MONITOR, PK, QA, TR, Who

AGREEMENT: Final = load_bundled()
T0: Final = datetime(2025, 11, 1, 8, tzinfo=UTC)


SECRETARIAT: Final = Who("secretariat-1", "secretariat", None)


class Ledger:
    """A strict casework fold and a clock: each event a minute after the one before."""

    def __init__(self) -> None:
        self.casework = Casework(AGREEMENT, strict=True)
        self.index = 0
        self.now = T0

    def act(self, who: Who, kind: str, body: dict[str, Any]) -> str:
        self.index += 1
        self.now += timedelta(minutes=1)
        event_id = f"{self.index:032x}"
        entry = Entry(
            self.index, event_id, kind, who.actor, who.affiliation, format_time(self.now), body
        )
        self.casework.apply(entry, who.role)
        return event_id

    def refused(
        self, error: type[CeasefireError], who: Who, kind: str, body: dict[str, Any]
    ) -> str:
        """Apply an event that must be refused; the casework stays as it was. The message."""
        before = repr(self.casework.penalties), repr(self.casework.cases)
        index, now = self.index, self.now
        with pytest.raises(error) as raised:
            self.act(who, kind, body)
        self.index, self.now = index, now
        assert (repr(self.casework.penalties), repr(self.casework.cases)) == before
        return str(raised.value)

    def propose(self, level: int = 1, cases: tuple[str, ...] = (), party: str = "pk") -> str:
        body: dict[str, Any] = {"party": party, "level": level, "reasons": "a verified violation"}
        if cases:
            body["cases"] = list(cases)
        return self.act(TR, ce.PENALTY_PROPOSED, body)

    def impose(self, level: int = 1, cases: tuple[str, ...] = ()) -> str:
        penalty = self.propose(level, cases)
        for mediator in (TR, QA):
            self.act(mediator, ce.PENALTY_SIGNED, {"penalty": penalty, "concurs": True})
        return penalty

    def issued_case(self, report: str) -> str:
        """A case on an allegation against Pakistan, with its finding issued."""
        opening = {
            "kind": "allegation",
            "reports": [report],
            "party": "pk",
            "act": "airstrike",
            "day": "2025-10-15",
            "title": "an airstrike",
        }
        case = self.act(MONITOR, ce.CASE_OPENED, opening)
        self.act(MONITOR, ce.CASE_ASSIGNED, {"case": case, "monitor": "monitor-1"})
        due = reply_due(self.now + timedelta(minutes=1), AGREEMENT)
        self.act(MONITOR, ce.REPLY_REQUESTED, {"case": case, "due": format_time(due)})
        self.act(PK, ce.CASE_REPLIED, {"case": case, "position": "denies", "text": "no"})
        finding = {
            "case": case,
            "confidence": "established",
            "attribution": "attributable",
            "party": "pk",
            "clauses": ["1"],
            "reasons": "radar tracks",
        }
        proposal = self.act(MONITOR, ce.FINDING_PROPOSED, finding)
        for mediator in (TR, QA):
            signed = {"case": case, "finding": proposal, "concurs": True}
            self.act(mediator, ce.FINDING_SIGNED, signed)
        self.act(TR, ce.FINDING_ISSUED, {"case": case, "finding": proposal})
        return case


def note(penalty: str, text: str = "letter delivered") -> dict[str, Any]:
    return {"penalty": penalty, "note": text}


# -- notice and execution ------------------------------------------------------------------------


def test_a_penalty_is_executed_only_once_the_party_has_been_notified() -> None:
    ledger = Ledger()
    penalty = ledger.impose()

    said = ledger.refused(Conflict, SECRETARIAT, ce.PENALTY_EXECUTED, note(penalty))

    assert f"penalty {penalty} has not been notified to pk" in said
    assert said.startswith("body.penalty: ")
    ledger.act(SECRETARIAT, ce.PENALTY_NOTIFIED, note(penalty))
    ledger.act(SECRETARIAT, ce.PENALTY_EXECUTED, note(penalty, "suspended from the commission"))
    assert ledger.casework.penalties[penalty].stage == "executed"


def test_a_penalty_is_executed_once_and_no_notice_follows_its_execution() -> None:
    ledger = Ledger()
    penalty = ledger.impose()
    ledger.act(SECRETARIAT, ce.PENALTY_NOTIFIED, note(penalty))
    ledger.act(SECRETARIAT, ce.PENALTY_EXECUTED, note(penalty))
    executed = ledger.index

    again = ledger.refused(Conflict, SECRETARIAT, ce.PENALTY_EXECUTED, note(penalty))
    late = ledger.refused(Conflict, SECRETARIAT, ce.PENALTY_NOTIFIED, note(penalty))

    assert f"penalty {penalty} was executed at index {executed}" in again
    assert f"was executed at index {executed}: the party is notified before" in late


def test_a_notice_may_be_repeated_before_execution_as_a_reminder() -> None:
    ledger = Ledger()
    penalty = ledger.impose()
    ledger.act(SECRETARIAT, ce.PENALTY_NOTIFIED, note(penalty))
    ledger.act(SECRETARIAT, ce.PENALTY_NOTIFIED, note(penalty, "reminder, sent by fax too"))
    ledger.act(SECRETARIAT, ce.PENALTY_EXECUTED, note(penalty))

    found = ledger.casework.penalties[penalty]
    assert [n.text for n in found.notices] == ["letter delivered", "reminder, sent by fax too"]
    assert len(found.executions) == 1


def test_an_appeal_suspends_execution_until_the_mediators_uphold_the_penalty() -> None:
    ledger = Ledger()
    penalty = ledger.impose()
    ledger.act(PK, ce.PENALTY_APPEALED, {"penalty": penalty, "grounds": "our reply was ignored"})
    appealed = ledger.index  # before any notice: the imposition is public as it happens
    ledger.act(SECRETARIAT, ce.PENALTY_NOTIFIED, note(penalty))

    said = ledger.refused(Conflict, SECRETARIAT, ce.PENALTY_EXECUTED, note(penalty))

    assert f"penalty {penalty} is under appeal (pk appealed at index {appealed})" in said
    for mediator in (TR, QA):
        decided = {"penalty": penalty, "outcome": "upheld", "reasons": "the evidence stands"}
        ledger.act(mediator, ce.APPEAL_DECIDED, decided)
    ledger.act(SECRETARIAT, ce.PENALTY_EXECUTED, note(penalty))
    assert ledger.casework.penalties[penalty].stage == "executed"


def test_nothing_is_notified_or_executed_before_the_quorum_imposes_it() -> None:
    ledger = Ledger()
    penalty = ledger.propose()
    ledger.act(TR, ce.PENALTY_SIGNED, {"penalty": penalty, "concurs": True})
    for kind in (ce.PENALTY_NOTIFIED, ce.PENALTY_EXECUTED):
        said = ledger.refused(Conflict, SECRETARIAT, kind, note(penalty))
        assert "is not imposed" in said


# -- the same step twice -------------------------------------------------------------------------


def test_the_same_step_is_not_proposed_twice_while_the_first_awaits_signatures() -> None:
    ledger = Ledger()
    first = ledger.propose()
    body = {"party": "pk", "level": 1, "reasons": "the same airstrike"}

    said = ledger.refused(Conflict, TR, ce.PENALTY_PROPOSED, body)

    assert f"step 1 for pk is already penalty {first}, proposed at index 1" in said
    assert "awaiting the mediators' signatures" in said
    assert said.startswith("body.cases: ")


def test_the_same_step_is_not_proposed_again_while_the_first_is_imposed() -> None:
    ledger = Ledger()
    first = ledger.impose()

    said = ledger.refused(
        Conflict, TR, ce.PENALTY_PROPOSED, {"party": "pk", "level": 1, "reasons": "again"}
    )

    assert f"penalty {first}, proposed at index 1 and imposed at index 3" in said


def test_the_same_finding_cannot_ground_the_same_step_twice() -> None:
    ledger = Ledger()
    case = ledger.issued_case("a" * 32)
    first = ledger.impose(cases=(case,))
    finding = ledger.casework.cases[case].issued[-1].id
    body = {"party": "pk", "level": 1, "reasons": "again", "cases": [case]}

    said = ledger.refused(Conflict, TR, ce.PENALTY_PROPOSED, body)

    assert f"already penalty {first}" in said
    assert f"on the same finding {finding} (case {case})" in said
    assert said.startswith("body.cases[0]: ")
    # a proposal citing no case cannot be told apart from it either
    uncited = {"party": "pk", "level": 1, "reasons": "again"}
    assert "this proposal cites no case" in ledger.refused(
        Conflict, TR, ce.PENALTY_PROPOSED, uncited
    )


def test_another_finding_grounds_another_penalty_of_the_same_step() -> None:
    ledger = Ledger()
    first = ledger.issued_case("a" * 32)
    second = ledger.issued_case("b" * 32)
    ledger.impose(cases=(first,))

    ledger.propose(cases=(second,))

    assert len(ledger.casework.penalties) == 2


def test_another_step_or_another_party_is_another_penalty() -> None:
    ledger = Ledger()
    ledger.impose(level=1)
    ledger.propose(level=2)
    ledger.propose(level=1, party="af")
    assert len(ledger.casework.penalties) == 3


def test_a_lifted_penalty_no_longer_stands_in_the_way() -> None:
    ledger = Ledger()
    first = ledger.impose()
    ledger.act(PK, ce.PENALTY_APPEALED, {"penalty": first, "grounds": "our reply was ignored"})
    for mediator in (TR, QA):
        vote = {"penalty": first, "outcome": "lifted", "reasons": "the reply was not weighed"}
        ledger.act(mediator, ce.APPEAL_DECIDED, vote)

    again = ledger.propose()

    assert ledger.casework.penalties[first].stage == "lifted"
    assert ledger.casework.penalties[again].stage == "proposed"


def test_a_proposal_the_mediators_rejected_no_longer_stands_in_the_way() -> None:
    ledger = Ledger()
    first = ledger.propose()
    # with a quorum of both mediators, one dissent means it can never be imposed
    ledger.act(QA, ce.PENALTY_SIGNED, {"penalty": first, "concurs": False})

    ledger.propose()

    assert len(ledger.casework.penalties) == 2


def test_a_cited_case_is_in_the_record_about_the_party_and_decided() -> None:
    ledger = Ledger()
    issued = ledger.issued_case("a" * 32)
    opening = {
        "kind": "allegation",
        "reports": ["b" * 32],
        "party": "pk",
        "act": "airstrike",
        "day": "2025-10-16",
        "title": "another airstrike",
    }
    pending = ledger.act(MONITOR, ce.CASE_OPENED, opening)

    def proposal(party: str, case: str) -> dict[str, Any]:
        return {"party": party, "level": 1, "reasons": "r", "cases": [case]}

    missing = ledger.refused(NotFound, TR, ce.PENALTY_PROPOSED, proposal("pk", "0" * 32))
    other = ledger.refused(InvalidInput, TR, ce.PENALTY_PROPOSED, proposal("af", issued))
    open_ = ledger.refused(Conflict, TR, ce.PENALTY_PROPOSED, proposal("pk", pending))

    assert missing == f"body.cases[0]: no case {'0' * 32} in the record"
    assert f"case {issued} concerns pk; the penalty is for af" in other
    assert f"case {pending} has no issued finding (opened)" in open_


# -- random histories ----------------------------------------------------------------------------

KINDS: Final = [
    ce.PENALTY_SIGNED,
    ce.PENALTY_SIGNED,
    ce.PENALTY_NOTIFIED,
    ce.PENALTY_NOTIFIED,
    ce.PENALTY_EXECUTED,
    ce.PENALTY_EXECUTED,
    ce.PENALTY_APPEALED,
    ce.APPEAL_DECIDED,
    ce.APPEAL_DECIDED,
    ce.APPEAL_DECIDED,
    ce.PENALTY_PROPOSED,
]
"""Weighted toward the steps that take a penalty forward, so that random histories reach
imposition, notice, execution, appeal and its decision."""


def _body(kind: str, penalty: str, draw: Any) -> dict[str, Any]:
    match kind:
        case ce.PENALTY_SIGNED:
            return {"penalty": penalty, "concurs": draw(st.sampled_from([True, True, False]))}
        case ce.PENALTY_APPEALED:
            return {"penalty": penalty, "grounds": "g"}
        case ce.APPEAL_DECIDED:
            outcome = draw(st.sampled_from(["upheld", "lifted", "lifted"]))
            return {"penalty": penalty, "outcome": outcome, "reasons": "r"}
        case ce.PENALTY_PROPOSED:
            level = draw(st.sampled_from([1, 1, 2]))
            return {
                "party": draw(st.sampled_from(["pk", "pk", "af"])),
                "level": level,
                "reasons": "r",
            }
        case _:
            return note(penalty)


@st.composite
def histories(draw: Any) -> tuple[Ledger, list[tuple[Entry, str]]]:
    ledger = Ledger()
    accepted: list[tuple[Entry, str]] = []
    for _ in range(draw(st.integers(1, 60))):
        kind = draw(st.sampled_from(KINDS))
        ids = sorted(ledger.casework.penalties) or ["f" * 32]
        penalty = draw(st.sampled_from([ids[-1], ids[-1], ids[-1], *ids]))  # mostly the newest
        likely = [PK] if kind == ce.PENALTY_APPEALED else [TR, QA]
        who = draw(st.sampled_from([*likely, TR, QA, PK, SECRETARIAT]))
        if not ledger.casework.penalties:
            kind, who = ce.PENALTY_PROPOSED, TR
        body = _body(kind, penalty, draw)
        before = repr(ledger.casework.penalties)
        index, now = ledger.index, ledger.now
        try:
            ledger.act(who, kind, body)
        except CeasefireError:
            ledger.index, ledger.now = index, now
            assert repr(ledger.casework.penalties) == before
            continue
        entry = Entry(
            ledger.index,
            f"{ledger.index:032x}",
            kind,
            who.actor,
            who.affiliation,
            format_time(ledger.now),
            body,
        )
        accepted.append((entry, who.role))
    return ledger, accepted


@settings(max_examples=150)
@given(histories())
def test_every_penalty_keeps_the_order_of_its_ledger(
    history: tuple[Ledger, list[tuple[Entry, str]]],
) -> None:
    ledger, _ = history
    penalties = list(ledger.casework.penalties.values())
    for penalty in penalties:
        assert len(penalty.executions) <= 1
        if penalty.executions:
            executed = penalty.executions[0].index
            assert penalty.notices and penalty.notices[0].index < executed
            assert all(n.index < executed for n in penalty.notices)
            assert penalty.imposed_at is not None and penalty.imposed_at < executed
            if penalty.appeal is not None and penalty.appeal.index < executed:
                assert penalty.decided_at is not None and penalty.decided_at < executed
    for penalty in penalties:
        for other in penalties:
            if other.index >= penalty.index or (other.party, other.level) != (
                penalty.party,
                penalty.level,
            ):
                continue
            # an earlier proposal of the step had been lifted or rejected by then
            lifted = other.lifted_at is not None and other.lifted_at < penalty.index
            dissents = [s for s in other.signatures if not s.concurs and s.index < penalty.index]
            assert lifted or dissents


@settings(max_examples=100)
@given(histories())
def test_replaying_the_accepted_penalty_events_gives_the_same_ledger(
    history: tuple[Ledger, list[tuple[Entry, str]]],
) -> None:
    ledger, accepted = history
    replayed = fold(AGREEMENT, [entry for entry, _ in accepted])
    assert replayed.penalties == ledger.casework.penalties
