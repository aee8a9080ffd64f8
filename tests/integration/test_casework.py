"""Verification and enforcement end to end, on SQLite and PostgreSQL: a case worked from an
allegation to an issued finding, a penalty imposed by the mediators' quorum, a meeting whose
decision moves a deadline, and every forbidden step refused with its own error, leaving the
log and the read models as they were."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ceasefire.domain import casework_events as ce
from ceasefire.domain import projection as pj
from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.cases import CaseState
from ceasefire.domain.casework import evaluate
from ceasefire.errors import CeasefireError, Conflict, InvalidInput, NotFound, PermissionDenied
from ceasefire.log.envelope import format_time, sign_event
from ceasefire.services import agreements as agreement_service
from ceasefire.services import casework as cw
from ceasefire.services import log as log_service
from ceasefire.services import readmodels
from ceasefire.services.log import Submission
from tests.record_factories import ORIGIN, Mechanism, make_mechanism
from tests.report_bodies import (
    BLURRED_OVER_AN_EDGE,
    TORKHAM,
    allegation_body,
    compliance_body,
    observation_body,
)


@pytest.fixture
def mechanism(database_url: str, tmp_path: Path) -> Iterator[Mechanism]:
    built = make_mechanism(database_url, tmp_path / "data")
    yield built
    built.close()


def refused(
    mechanism: Mechanism, error: type[CeasefireError], persona: str, kind: str, body: Any
) -> CeasefireError:
    """Record an event that must be refused; the log and read models stay as they were."""
    before = mechanism.size(), mechanism.store.table(pj.CASEWORK)
    with pytest.raises(error) as raised:
        mechanism.act(persona, kind, body)
    assert (mechanism.size(), mechanism.store.table(pj.CASEWORK)) == before
    return raised.value


def allegation_case(mechanism: Mechanism) -> str:
    """An airstrike alleged against Pakistan by Afghanistan, under investigation."""
    report = mechanism.submit("af_liaison", allegation_body())
    case = cw.open_case(mechanism.store, mechanism.signer("monitor"), [report]).id
    mechanism.act("monitor", ce.CASE_ASSIGNED, {"case": case, "monitor": "monitor-1"})
    return case


def finding(**overrides: Any) -> dict[str, Any]:
    return {
        "confidence": "established",
        "attribution": "attributable",
        "party": "pk",
        "clauses": ["1", "2(a)"],
        "reasons": "Radar tracks, debris and the monitors' site visit agree.",
        **overrides,
    }


def to_proposal(mechanism: Mechanism, case: str) -> str:
    """Ask for Pakistan's reply, take it, and propose a finding; the finding's id."""
    cw.request_reply(mechanism.store, mechanism.signer("monitor"), case)
    mechanism.act(
        "pk_liaison",
        ce.CASE_REPLIED,
        {"case": case, "position": "denies", "text": "No Pakistani aircraft flew that day."},
    )
    return mechanism.act("monitor", ce.FINDING_PROPOSED, {"case": case, **finding()})


def issued(mechanism: Mechanism) -> str:
    case = allegation_case(mechanism)
    proposal = to_proposal(mechanism, case)
    for mediator in ("tr_mediator", "qa_mediator"):
        signature = {"case": case, "finding": proposal, "concurs": True}
        mechanism.act(mediator, ce.FINDING_SIGNED, signature)
    mechanism.act("tr_mediator", ce.FINDING_ISSUED, {"case": case, "finding": proposal})
    return case


def test_a_case_goes_from_allegation_to_issued_finding_and_the_status_follows(
    mechanism: Mechanism,
) -> None:
    before = cw.status(mechanism.store, mechanism.now)
    assert before.status == "holding"
    case = issued(mechanism)

    shown = cw.show_case(mechanism.store, case)
    assert shown.state is CaseState.ISSUED
    assert [s.state for s in shown.steps] == [
        CaseState.OPENED,
        CaseState.INVESTIGATING,
        CaseState.AWAITING_REPLY,
        CaseState.AWAITING_REPLY,
        CaseState.FINDING_PROPOSED,
        CaseState.FINDING_PROPOSED,
        CaseState.FINDING_PROPOSED,
        CaseState.ISSUED,
    ]
    assert shown.windows[0].position is ce.Position.DENIES
    after = cw.status(mechanism.store, mechanism.now)
    # Status rule 2 of the Istanbul file: a verified airstrike on Afghan territory within
    # 30 days breaches the ceasefire on Pakistan's part.
    assert (after.status, after.status_party, after.rule) == ("breached", "pk", 1)
    assert after.commitment("pk-ceasefire").status == "breached"
    assert after.party("pk").step == 1
    signatures = shown.issued[0].concurring()
    cited = set(after.explanation.all_indices())
    assert {s.index for s in signatures} <= cited


def test_the_service_answer_is_the_pure_fold_of_the_log(mechanism: Mechanism) -> None:
    issued(mechanism)
    entries = list(cw.record_entries(mechanism.store))
    as_of = mechanism.now
    by_service = cw.status(mechanism.store, as_of).to_document()
    assert evaluate(load_bundled(), entries, as_of).to_document() == by_service


def test_a_finding_is_issued_only_with_the_quorum(mechanism: Mechanism) -> None:
    case = allegation_case(mechanism)
    proposal = to_proposal(mechanism, case)
    issue = {"case": case, "finding": proposal}
    short = refused(mechanism, Conflict, "tr_mediator", ce.FINDING_ISSUED, issue)
    assert "short of the quorum" in short.message
    assert "not yet signed: tr, qa" in short.message
    mechanism.act("tr_mediator", ce.FINDING_SIGNED, {**issue, "concurs": True})
    mechanism.act("qa_mediator", ce.FINDING_SIGNED, {**issue, "concurs": False, "note": "unclear"})
    dissent = refused(mechanism, Conflict, "tr_mediator", ce.FINDING_ISSUED, issue)
    assert "qa dissents" in dissent.message


def test_a_finding_is_signed_once_and_only_by_a_mediator(mechanism: Mechanism) -> None:
    case = allegation_case(mechanism)
    proposal = to_proposal(mechanism, case)
    signature = {"case": case, "finding": proposal, "concurs": True}
    error = refused(mechanism, PermissionDenied, "monitor", ce.FINDING_SIGNED, signature)
    assert error.field == "actor"
    refused(mechanism, PermissionDenied, "pk_liaison", ce.FINDING_SIGNED, signature)
    mechanism.act("tr_mediator", ce.FINDING_SIGNED, signature)
    twice = refused(mechanism, Conflict, "tr_mediator", ce.FINDING_SIGNED, signature)
    assert "already signed" in twice.message


def test_the_reply_belongs_to_the_accused_party_within_its_window(mechanism: Mechanism) -> None:
    case = allegation_case(mechanism)
    cw.request_reply(mechanism.store, mechanism.signer("monitor"), case)
    reply = {"case": case, "position": "contests", "text": "The site is a training camp."}
    wrong = refused(mechanism, PermissionDenied, "af_liaison", ce.CASE_REPLIED, reply)
    assert "pk's" in wrong.message
    early = refused(
        mechanism,
        Conflict,
        "monitor",
        ce.FINDING_PROPOSED,
        {"case": case, **finding()},
    )
    assert "may reply until" in early.message
    mechanism.now += timedelta(hours=73)
    late = refused(mechanism, Conflict, "pk_liaison", ce.CASE_REPLIED, reply)
    assert "window closed" in late.message
    # The window closed without a reply: the finding may now be proposed, and the missed
    # reply is counted against Pakistan.
    mechanism.act("monitor", ce.FINDING_PROPOSED, {"case": case, **finding()})
    standing = cw.status(mechanism.store, mechanism.now).party("pk")
    assert "replies missed by pk: 1" in str(standing.to_document())


def test_the_state_machine_refuses_what_it_forbids(mechanism: Mechanism) -> None:
    report = mechanism.submit("af_liaison", allegation_body())
    case = cw.open_case(mechanism.store, mechanism.signer("monitor"), [report]).id
    second = refused(
        mechanism,
        Conflict,
        "monitor",
        ce.CASE_OPENED,
        cw_body(mechanism, report),
    )
    assert "already under verification" in second.message
    early = refused(
        mechanism, Conflict, "monitor", ce.FINDING_PROPOSED, {"case": case, **finding()}
    )
    assert "opened" in early.message
    reopen = {"case": case, "reason": "new imagery", "reports": [report]}
    refused(mechanism, Conflict, "monitor", ce.CASE_REOPENED, reopen)
    refused(mechanism, NotFound, "monitor", ce.CASE_ASSIGNED, {"case": case, "monitor": "nobody"})
    unknown = "0" * 32
    refused(mechanism, NotFound, "monitor", ce.CASE_CLOSED, {"case": unknown, "reason": "x"})
    mechanism.act("monitor", ce.CASE_CLOSED, {"case": case, "reason": "duplicate report"})
    mechanism.act("monitor", ce.CASE_REOPENED, reopen)
    assert cw.show_case(mechanism.store, case).state is CaseState.INVESTIGATING


def cw_body(mechanism: Mechanism, report: str) -> dict[str, Any]:
    return {
        "kind": "allegation",
        "reports": [report],
        "party": "pk",
        "act": "airstrike",
        "day": "2025-10-15",
        "title": "the same airstrike again",
    }


def test_a_case_states_what_its_report_says(mechanism: Mechanism) -> None:
    report = mechanism.submit("af_liaison", allegation_body())
    body = {**cw_body(mechanism, report), "act": "drone_strike"}
    error = refused(mechanism, InvalidInput, "monitor", ce.CASE_OPENED, body)
    assert error.field == "body.act"
    refused(mechanism, PermissionDenied, "pk_liaison", ce.CASE_OPENED, cw_body(mechanism, report))


def test_a_penalty_is_imposed_at_the_quorum_and_only_where_the_ladder_supports_it(
    mechanism: Mechanism,
) -> None:
    unsupported = refused(
        mechanism,
        Conflict,
        "tr_mediator",
        ce.PENALTY_PROPOSED,
        {"party": "pk", "level": 1, "reasons": "no finding yet"},
    )
    assert "does not support step 1" in unsupported.message
    refused(
        mechanism,
        InvalidInput,
        "tr_mediator",
        ce.PENALTY_PROPOSED,
        {"party": "pk", "level": 9, "reasons": "x"},
    )
    issued(mechanism)
    penalty = mechanism.act(
        "tr_mediator", ce.PENALTY_PROPOSED, {"party": "pk", "level": 1, "reasons": "the airstrike"}
    )
    note = {"penalty": penalty, "note": "letter sent"}
    refused(mechanism, Conflict, "operator", ce.PENALTY_NOTIFIED, note)
    mechanism.act("tr_mediator", ce.PENALTY_SIGNED, {"penalty": penalty, "concurs": True})
    assert cw.status(mechanism.store, mechanism.now).party("pk").imposed == 0
    mechanism.act("qa_mediator", ce.PENALTY_SIGNED, {"penalty": penalty, "concurs": True})
    assert cw.status(mechanism.store, mechanism.now).party("pk").imposed == 1
    mechanism.act("tr_mediator", ce.PENALTY_NOTIFIED, note)
    appeal = {"penalty": penalty, "note": "x"}
    grounds = {"penalty": penalty, "grounds": "the finding ignored our reply"}
    refused(mechanism, PermissionDenied, "af_liaison", ce.PENALTY_APPEALED, grounds)
    mechanism.act("pk_liaison", ce.PENALTY_APPEALED, grounds)
    for mediator in ("tr_mediator", "qa_mediator"):
        vote = {"penalty": penalty, "outcome": "lifted", "reasons": "the reply was not weighed"}
        mechanism.act(mediator, ce.APPEAL_DECIDED, vote)
    casework, _ = cw.load(mechanism.store, None)
    assert casework.penalties[penalty].stage == "lifted"
    assert cw.status(mechanism.store, mechanism.now).party("pk").imposed == 0
    refused(mechanism, Conflict, "tr_mediator", ce.PENALTY_EXECUTED, appeal)


def imposed(mechanism: Mechanism, case: str) -> str:
    """Step 1 of the ladder for Pakistan on the finding of ``case``, signed by both mediators."""
    body = {"party": "pk", "level": 1, "reasons": "the airstrike", "cases": [case]}
    penalty = mechanism.act("tr_mediator", ce.PENALTY_PROPOSED, body)
    for mediator in ("tr_mediator", "qa_mediator"):
        mechanism.act(mediator, ce.PENALTY_SIGNED, {"penalty": penalty, "concurs": True})
    return penalty


def test_a_penalty_is_notified_before_it_is_executed_and_executed_once(
    mechanism: Mechanism,
) -> None:
    penalty = imposed(mechanism, issued(mechanism))
    note = {"penalty": penalty, "note": "letter delivered to Pakistan's liaison office"}

    early = refused(mechanism, Conflict, "operator", ce.PENALTY_EXECUTED, note)
    assert early.field == "body.penalty"
    assert f"penalty {penalty} has not been notified to pk" in early.message
    mechanism.act("operator", ce.PENALTY_NOTIFIED, note)
    mechanism.act("operator", ce.PENALTY_NOTIFIED, {**note, "note": "reminder"})  # allowed
    mechanism.act("operator", ce.PENALTY_EXECUTED, note)
    executed = mechanism.size() - 1

    again = refused(mechanism, Conflict, "tr_mediator", ce.PENALTY_EXECUTED, note)
    assert again.message == f"penalty {penalty} was executed at index {executed}"
    late = refused(mechanism, Conflict, "tr_mediator", ce.PENALTY_NOTIFIED, note)
    assert f"was executed at index {executed}" in late.message
    casework, _ = cw.load(mechanism.store, None)
    assert casework.penalties[penalty].stage == "executed"


def test_the_same_step_is_not_proposed_twice_on_the_same_finding(mechanism: Mechanism) -> None:
    case = issued(mechanism)
    first = imposed(mechanism, case)
    proposed_at = mechanism.size() - 3
    again = {"party": "pk", "level": 1, "reasons": "the airstrike, again", "cases": [case]}

    error = refused(mechanism, Conflict, "qa_mediator", ce.PENALTY_PROPOSED, again)

    assert error.field == "body.cases[0]"
    assert f"already penalty {first}, proposed at index {proposed_at} and imposed" in error.message
    unknown = {**again, "cases": ["0" * 32]}
    assert refused(mechanism, NotFound, "qa_mediator", ce.PENALTY_PROPOSED, unknown).field == (
        "body.cases[0]"
    )


def test_a_meeting_decision_needs_its_signatures_and_moves_a_deadline(
    mechanism: Mechanism,
) -> None:
    mechanism.submit("af_liaison", compliance_body())
    cw.schedule_meeting(
        mechanism.store,
        mechanism.signer("operator"),
        "istanbul-2025-11",
        date="2025-11-06",
        place="Istanbul",
        purpose="Modalities of the mechanism.",
    )
    decision = {
        "meeting": "istanbul-2025-11",
        "decision": "hideouts-deadline",
        "text": "Afghanistan's first report on hideouts is due on 4 December.",
        "kind": "deadline",
        "effect": {"deadline": {"commitment": "af-dismantle-hideouts", "due": "2025-12-04"}},
    }
    mechanism.act("operator", ce.DECISION_PROPOSED, decision)
    record = {"meeting": "istanbul-2025-11", "decision": "hideouts-deadline"}
    missing = refused(mechanism, Conflict, "operator", ce.DECISION_RECORDED, record)
    assert "lacks the required signatures of tr, qa, af" in missing.message
    sign = {**record, "signatory": "pk"}
    refused(mechanism, PermissionDenied, "pk_liaison", ce.DECISION_SIGNED, sign)
    for persona, party in (("tr_mediator", "tr"), ("qa_mediator", "qa"), ("af_liaison", "af")):
        mechanism.act(persona, ce.DECISION_SIGNED, {**record, "signatory": party})
    mechanism.act("operator", ce.DECISION_RECORDED, record)
    as_of = datetime(2025, 11, 25, 12, tzinfo=UTC)
    hideouts = cw.status(mechanism.store, as_of).commitment("af-dismantle-hideouts")
    assert hideouts.next_deadline is not None
    assert hideouts.next_deadline.isoformat() == "2025-12-04"
    assert not hideouts.missed


def test_casework_events_must_be_public(mechanism: Mechanism) -> None:
    report = mechanism.submit("af_liaison", allegation_body())
    with pytest.raises(InvalidInput) as raised:
        mechanism.event("monitor", ce.CASE_OPENED, cw_body(mechanism, report), confidential=True)
    assert raised.value.field == "commitment"


def test_a_rebuild_gives_the_casework_rows_again(mechanism: Mechanism) -> None:
    issued(mechanism)
    stored = mechanism.store.table(pj.CASEWORK)
    assert len(stored) == 8
    readmodels.rebuild(mechanism.store)
    assert mechanism.store.table(pj.CASEWORK) == stored
    assert readmodels.compare(mechanism.store) == []


def test_a_meeting_decision_amends_the_agreement_once_the_version_is_adopted(
    mechanism: Mechanism,
) -> None:
    current = load_bundled()
    amended = dataclasses.replace(
        current,
        version=2,
        verification=dataclasses.replace(current.verification, reply_window_hours=96),
    )
    meeting = {"meeting": "istanbul-2025-11"}
    cw.schedule_meeting(
        mechanism.store,
        mechanism.signer("operator"),
        "istanbul-2025-11",
        date="2025-11-06",
        place="Istanbul",
        purpose="Modalities of the mechanism.",
    )
    decision = {
        **meeting,
        "decision": "longer-reply-window",
        "text": "The accused party has 96 hours to reply.",
        "kind": "amend",
        "effect": {"amend": {"version": 2, "digest": amended.digest()}},
    }
    unproposed = refused(mechanism, NotFound, "operator", ce.DECISION_PROPOSED, decision)
    assert unproposed.field == "body.effect.amend"
    agreement_service.propose(
        mechanism.store,
        amended,
        key=mechanism.operator_key,
        log_key=mechanism.log_key,
        clock=mechanism.tick,
    )
    mechanism.act("operator", ce.DECISION_PROPOSED, decision)
    record = {**meeting, "decision": "longer-reply-window"}
    for persona, signatory in (
        ("pk_liaison", "pk"),
        ("af_liaison", "af"),
        ("tr_mediator", "tr"),
        ("qa_mediator", "qa"),
    ):
        mechanism.act(persona, ce.DECISION_SIGNED, {**record, "signatory": signatory})
    unadopted = refused(mechanism, Conflict, "operator", ce.DECISION_RECORDED, record)
    assert "not adopted yet" in unadopted.message
    for persona in ("pk_liaison", "af_liaison", "tr_mediator", "qa_mediator"):
        mechanism.sign_agreement(persona, 2)
    mechanism.act("operator", ce.DECISION_RECORDED, record)
    # The new version is in force: a reply is now due 96 hours after it is asked for.
    case = allegation_case(mechanism)
    asked = cw.request_reply(mechanism.store, mechanism.signer("monitor"), case)
    due = datetime.fromisoformat(asked.body["due"])
    assert due - mechanism.now == timedelta(hours=96)


def test_a_batch_sees_its_own_casework_across_an_adoption(mechanism: Mechanism) -> None:
    """One batch: a case assigned, version 2 adopted by its last signature, and the reply asked
    for. The reply request needs the assignment before it (the case is investigating) and the
    window of the version just adopted."""
    current = load_bundled()
    amended = dataclasses.replace(
        current,
        version=2,
        verification=dataclasses.replace(current.verification, reply_window_hours=48),
    )
    agreement_service.propose(
        mechanism.store,
        amended,
        key=mechanism.operator_key,
        log_key=mechanism.log_key,
        clock=mechanism.tick,
    )
    for persona in ("pk_liaison", "af_liaison", "tr_mediator"):
        mechanism.sign_agreement(persona, 2)
    report = mechanism.submit("af_liaison", allegation_body())
    case = cw.open_case(mechanism.store, mechanism.signer("monitor"), [report]).id
    now = mechanism.tick().replace(microsecond=0)

    def signed(persona: str, kind: str, body: dict[str, Any]) -> Submission:
        key = mechanism.key(persona)
        envelope, _ = sign_event(key, log=ORIGIN, actor=key.name, type=kind, time=now, body=body)
        return Submission(envelope, None)

    due = format_time(now + timedelta(hours=48))
    batch = [
        signed("monitor", ce.CASE_ASSIGNED, {"case": case, "monitor": "monitor-1"}),
        signed(
            "qa_mediator",
            "agreement.signed",
            {"version": 2, "digest": amended.digest(), "signatory": "qa"},
        ),
        signed("monitor", ce.REPLY_REQUESTED, {"case": case, "due": due}),
    ]
    log_service.append(mechanism.store, batch, mechanism.log_key, lambda: now)
    shown = cw.show_case(mechanism.store, case)
    assert shown.state is CaseState.AWAITING_REPLY
    assert shown.windows[0].due == now + timedelta(hours=48)


def test_a_case_opens_on_an_observation_only_when_it_names_an_act_and_a_party(
    mechanism: Mechanism,
) -> None:
    vague = mechanism.submit("monitor", observation_body())
    named = mechanism.submit("monitor", observation_body("570002", alleged_party="pk"))

    with pytest.raises(Conflict) as refused:
        cw.open_case(mechanism.store, mechanism.signer("monitor"), [vague])
    opened = cw.open_case(mechanism.store, mechanism.signer("monitor"), [named])

    assert "names no act or no party" in refused.value.message
    case = cw.show_case(mechanism.store, opened.id)
    assert (case.opened.party, case.opened.act) == ("pk", "artillery_fire")


def test_a_case_on_a_place_naming_no_sector_states_the_one_the_public_sees_it_in(
    mechanism: Mechanism,
) -> None:
    """An imported row names no sector: the case states the one its point lies in; a blurred
    place, the one its blurred point lies in (casework events are public)."""
    imported = mechanism.submit(
        "monitor", observation_body(alleged_party="pk", location=dict(TORKHAM))
    )
    blurred = mechanism.submit("af_liaison", allegation_body(location=dict(BLURRED_OVER_AN_EDGE)))

    on_imported = cw.case_opening(mechanism.store, [imported])
    on_blurred = cw.case_opening(mechanism.store, [blurred])

    assert on_imported["sector"] == "torkham" and " in torkham, " in on_imported["title"]
    assert on_blurred["sector"] == "kurram"
