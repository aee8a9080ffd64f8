"""The one policy: who may read a record and who may act on it, with its reasons."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.actors import Actor, Role
from ceasefire.domain.policy import Action, Record, decide, may_read, require
from ceasefire.errors import PermissionDenied

PK_LIAISON = Actor("pk-liaison-1", Role.LIAISON, "pk")
PK_COLLEAGUE = Actor("pk-liaison-2", Role.LIAISON, "pk")
AF_LIAISON = Actor("af-liaison-1", Role.LIAISON, "af")
TR_MEDIATOR = Actor("tr-mediator-1", Role.MEDIATOR, "tr")
MONITOR = Actor("monitor-1", Role.MONITOR)
SECRETARIAT = Actor("secretariat-1", Role.SECRETARIAT)
OPERATOR = Actor("operator", Role.OPERATOR)
OBSERVER = Actor("observer-1", Role.OBSERVER)
WITNESS = Actor("pk-witness", Role.WITNESS, "pk")
IMPORTER = Actor("acled-importer", Role.IMPORTER)
OUTSIDER = None
"""The public: anyone without an enrolled key."""

PK_CONFIDENTIAL = Record("pk-liaison-1", "pk", confidential=True)
PK_DISCLOSED = Record("pk-liaison-1", "pk", confidential=True, disclosed=True)
PK_PUBLIC = Record("pk-liaison-1", "pk")
MONITOR_CONFIDENTIAL = Record("monitor-1", None, confidential=True)


@pytest.mark.parametrize("reader", [PK_LIAISON, PK_COLLEAGUE], ids=lambda a: a.id)
def test_a_party_sees_its_own_confidential_submissions_and_its_colleagues(reader: Actor) -> None:
    assert may_read(reader, PK_CONFIDENTIAL)


def test_a_party_does_not_see_the_other_partys_confidential_submission() -> None:
    decision = decide(AF_LIAISON, Action.READ, PK_CONFIDENTIAL)
    assert not decision
    assert decision.reason == ("af-liaison-1 (liaison for af) may not see this confidential record")


@pytest.mark.parametrize("reader", [TR_MEDIATOR, MONITOR, Actor("monitor-2", Role.MONITOR)])
def test_mediators_and_monitors_see_every_confidential_record(reader: Actor) -> None:
    assert may_read(reader, PK_CONFIDENTIAL)
    assert may_read(reader, MONITOR_CONFIDENTIAL)
    assert decide(reader, Action.READ_SOURCES, PK_PUBLIC)


def test_a_monitors_confidential_report_is_not_shown_to_a_party() -> None:
    assert not may_read(PK_LIAISON, MONITOR_CONFIDENTIAL)


@pytest.mark.parametrize(
    "reader",
    [OUTSIDER, OBSERVER, WITNESS, AF_LIAISON, SECRETARIAT],
    ids=["public", "observer", "witness", "af-liaison", "secretariat"],
)
def test_everyone_reads_public_and_disclosed_records(reader: Actor | None) -> None:
    assert may_read(reader, PK_PUBLIC)
    assert may_read(reader, PK_DISCLOSED)


def test_the_public_does_not_read_a_confidential_record() -> None:
    decision = decide(OUTSIDER, Action.READ, PK_CONFIDENTIAL)
    assert (decision.allowed, decision.reason) == (False, "the record is confidential")


@pytest.mark.parametrize("reader", [SECRETARIAT, OPERATOR, OBSERVER, WITNESS, IMPORTER])
def test_the_secretariat_and_other_non_parties_do_not_read_confidential_content(
    reader: Actor,
) -> None:
    assert not may_read(reader, PK_CONFIDENTIAL)


def test_withheld_sources_are_shown_only_to_the_submitters_side_and_staff() -> None:
    assert decide(PK_COLLEAGUE, Action.READ_SOURCES, PK_PUBLIC)
    assert decide(MONITOR, Action.READ_SOURCES, PK_PUBLIC)
    assert not decide(AF_LIAISON, Action.READ_SOURCES, PK_PUBLIC)
    public = decide(OUTSIDER, Action.READ_SOURCES, PK_DISCLOSED)
    assert (public.allowed, public.reason) == (
        False,
        "the public sees withheld sources as withheld",
    )
    assert decide(AF_LIAISON, Action.READ_SOURCES, PK_PUBLIC).reason == (
        "af-liaison-1 (liaison for af) may not see this protected (withheld sources) record"
    )


@pytest.mark.parametrize("action", sorted(set(Action) - {Action.READ, Action.READ_SOURCES}))
def test_a_refusal_says_the_action_in_words_not_its_name(action: Action) -> None:
    reason = decide(OBSERVER, action, PK_CONFIDENTIAL).reason
    assert reason.startswith("observer-1 (observer) may not ") and "_" not in reason


@pytest.mark.parametrize(
    ("action", "doing"),
    [
        (Action.CORRECT_REPORT, "correct this report"),
        (Action.WITHDRAW_REPORT, "withdraw this report"),
    ],
)
def test_only_the_submitter_or_its_partys_liaison_may_correct_or_withdraw(
    action: Action, doing: str
) -> None:
    assert decide(PK_LIAISON, action, PK_PUBLIC)
    assert decide(PK_COLLEAGUE, action, PK_PUBLIC)
    for other in (AF_LIAISON, TR_MEDIATOR, MONITOR, SECRETARIAT):
        assert not decide(other, action, PK_PUBLIC), other
    refused = decide(AF_LIAISON, action, PK_PUBLIC)
    assert refused.reason == (
        f"af-liaison-1 (liaison for af) may not {doing}: only its submitter 'pk-liaison-1' "
        "or a liaison of pk may"
    )


def test_a_monitors_report_is_corrected_only_by_that_monitor() -> None:
    monitor_report = Record("monitor-1", None)
    assert decide(MONITOR, Action.CORRECT_REPORT, monitor_report)
    refused = decide(Actor("monitor-2", Role.MONITOR), Action.CORRECT_REPORT, monitor_report)
    assert not refused
    assert refused.reason.endswith("only its submitter 'monitor-1' may")


def test_a_mediator_may_disclose_a_confidential_report_and_a_monitor_may_not() -> None:
    assert decide(TR_MEDIATOR, Action.DISCLOSE_REPORT, PK_CONFIDENTIAL)
    assert decide(PK_LIAISON, Action.DISCLOSE_REPORT, PK_CONFIDENTIAL)
    assert not decide(MONITOR, Action.DISCLOSE_REPORT, PK_CONFIDENTIAL)
    assert not decide(AF_LIAISON, Action.DISCLOSE_REPORT, PK_CONFIDENTIAL)


@pytest.mark.parametrize("actor", [OBSERVER, WITNESS, SECRETARIAT], ids=lambda a: a.role)
def test_observers_witnesses_and_the_secretariat_may_not_submit_reports(actor: Actor) -> None:
    for action in (Action.SUBMIT_ALLEGATION, Action.SUBMIT_COMPLIANCE_CLAIM):
        assert not decide(actor, action)


def test_an_importer_brings_allegations_but_no_claims_or_files() -> None:
    assert decide(IMPORTER, Action.SUBMIT_ALLEGATION)
    assert not decide(IMPORTER, Action.SUBMIT_COMPLIANCE_CLAIM)
    assert not decide(IMPORTER, Action.SUBMIT_EVIDENCE)


def test_a_refusal_names_the_actor_the_action_and_who_may() -> None:
    decision = decide(OBSERVER, Action.SUBMIT_ALLEGATION)
    assert decision.reason == (
        "observer-1 (observer) may not submit an allegation: only an importer, a liaison or a "
        "monitor may"
    )
    assert decide(PK_LIAISON, Action.SUBMIT_ALLEGATION).reason == (
        "a liaison may submit an allegation"
    )


def test_only_the_secretariat_proposes_and_only_signatories_sign_the_agreement() -> None:
    assert decide(OPERATOR, Action.PROPOSE_AGREEMENT)
    assert decide(SECRETARIAT, Action.PROPOSE_AGREEMENT)
    assert not decide(TR_MEDIATOR, Action.PROPOSE_AGREEMENT)
    assert decide(PK_LIAISON, Action.SIGN_AGREEMENT)
    assert decide(TR_MEDIATOR, Action.SIGN_AGREEMENT)
    assert not decide(MONITOR, Action.SIGN_AGREEMENT)


def test_custody_is_recorded_by_whoever_handles_files_but_not_by_observers() -> None:
    for actor in (PK_LIAISON, MONITOR, TR_MEDIATOR, SECRETARIAT, OPERATOR):
        assert decide(actor, Action.RECORD_CUSTODY), actor
    assert not decide(OBSERVER, Action.RECORD_CUSTODY)


def test_the_public_may_only_read() -> None:
    decision = decide(OUTSIDER, Action.SUBMIT_ALLEGATION)
    assert (decision.allowed, decision.reason) == (
        False,
        "the public may only read; to submit an allegation needs an enrolled actor",
    )
    assert not decide(OUTSIDER, Action.CORRECT_REPORT, PK_PUBLIC)


def test_require_raises_permission_denied_with_the_policys_reason() -> None:
    with pytest.raises(PermissionDenied) as refused:
        require(AF_LIAISON, Action.WITHDRAW_REPORT, PK_PUBLIC)
    assert refused.value.field == "actor"
    assert refused.value.message == decide(AF_LIAISON, Action.WITHDRAW_REPORT, PK_PUBLIC).reason
    require(PK_COLLEAGUE, Action.WITHDRAW_REPORT, PK_PUBLIC)


@pytest.mark.parametrize(
    "action", [Action.READ, Action.READ_SOURCES, Action.CORRECT_REPORT, Action.DISCLOSE_REPORT]
)
def test_a_question_about_a_record_needs_the_record(action: Action) -> None:
    with pytest.raises(ValueError, match="none given"):
        decide(PK_LIAISON, action)


# -- properties -------------------------------------------------------------------------------

IDS = st.sampled_from(["pk-liaison-1", "pk-liaison-2", "af-liaison-1", "tr-mediator-1", "m-1"])
AFFILIATIONS = st.none() | st.sampled_from(["pk", "af", "tr", "qa"])
ACTORS = st.builds(Actor, IDS, st.sampled_from(list(Role)), AFFILIATIONS)
RECORDS = st.builds(Record, IDS, AFFILIATIONS, st.booleans(), st.booleans())


@given(actor=st.none() | ACTORS, record=RECORDS)
def test_a_public_record_is_readable_by_everyone(actor: Actor | None, record: Record) -> None:
    if record.public:
        assert decide(actor, Action.READ, record).allowed


@given(record=RECORDS)
def test_the_public_never_reads_a_confidential_record_before_disclosure(record: Record) -> None:
    if record.confidential and not record.disclosed:
        assert not decide(None, Action.READ, record).allowed


@given(actor=ACTORS, record=RECORDS)
def test_reading_sources_implies_reading_the_record(actor: Actor, record: Record) -> None:
    if decide(actor, Action.READ_SOURCES, record):
        assert decide(actor, Action.READ, record)
