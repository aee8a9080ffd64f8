"""The record end to end: each admission rule refuses with its own error and field, and a refused
event leaves the log and the read models as they were; corrections, withdrawals, confidential
reports, disclosures and evidence flags as the services give them back."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.evidence import FlagCode
from ceasefire.errors import CeasefireError, Conflict, InvalidInput, NotFound, PermissionDenied
from ceasefire.log.envelope import Envelope, sign_event
from ceasefire.log.keys import SigningKey
from ceasefire.media.images import analyse
from ceasefire.services import agreements as agreement_service
from ceasefire.services import evidence as evidence_service
from ceasefire.services import keys as key_service
from ceasefire.services import log as log_service
from ceasefire.services import reports as report_service
from ceasefire.services.log import Submission
from ceasefire.services.ports import Row
from tests.record_factories import ORIGIN, Mechanism, make_mechanism
from tests.report_bodies import SPIN_BOLDAK, allegation_body, compliance_body, observation_body

E = TypeVar("E", bound=CeasefireError)
State = tuple[int, int, dict[str, list[Row]]]


@pytest.fixture
def mechanism(database_url: str, tmp_path: Path) -> Iterator[Mechanism]:
    built = make_mechanism(database_url, tmp_path / "data")
    yield built
    built.close()


@pytest.fixture
def unadopted(database_url: str, tmp_path: Path) -> Iterator[Mechanism]:
    """The agreement proposed and the personas enrolled, but nobody has signed yet."""
    built = make_mechanism(database_url, tmp_path / "data", adopt=False)
    yield built
    built.close()


def state(mechanism: Mechanism) -> State:
    """The log's size, the read models' progress and every read-model row."""
    tables = {table: mechanism.store.table(table) for table in pj.KEYS}
    return mechanism.size(), mechanism.store.record_applied(), tables


@contextmanager
def refused(mechanism: Mechanism, error: type[E]) -> Iterator[pytest.ExceptionInfo[E]]:
    """The block must be refused with ``error`` and leave the log and read models unchanged."""
    before = state(mechanism)
    with pytest.raises(error) as caught:
        yield caught
    assert state(mechanism) == before


def append(mechanism: Mechanism, *envelopes: Envelope) -> None:
    batch = [Submission(envelope) for envelope in envelopes]
    log_service.append(mechanism.store, batch, mechanism.log_key, mechanism.tick)


def signed(
    mechanism: Mechanism,
    persona: str,
    body: dict[str, Any],
    event_type: str = events.REPORT_SUBMITTED,
) -> Envelope:
    """An event (a report unless ``event_type`` says) signed by ``persona``, not yet appended."""
    key = mechanism.key(persona)
    envelope, _ = sign_event(
        key,
        log=ORIGIN,
        actor=key.name,
        type=event_type,
        time=mechanism.tick(),
        body=body,
    )
    return envelope


# -- reports refused ----------------------------------------------------------------------------

OUTSIDE = dict(SPIN_BOLDAK, longitude=10.0)
BACKWARDS = {"start": "2025-10-15", "end": "2025-10-14", "precision": "day"}
LOW_ABOVE_BEST = {"killed": {"civilian": {"low": 5, "best": 3, "high": 9}}}
SUBMISSIONS = {
    "unknown act": ("af_liaison", allegation_body(act="poisoning"), InvalidInput, "act"),
    "outside the region": (
        "af_liaison",
        allegation_body(location=OUTSIDE),
        InvalidInput,
        "location.longitude",
    ),
    "end before start": ("af_liaison", allegation_body(dates=BACKWARDS), InvalidInput, "dates.end"),
    "casualties low above best": (
        "af_liaison",
        allegation_body(casualties=LOW_ABOVE_BEST),
        InvalidInput,
        "casualties.killed.civilian.best",
    ),
    "claim by the other party": ("pk_liaison", compliance_body(), PermissionDenied, "commitment"),
    "observer submitting": ("observer", allegation_body(), PermissionDenied, "actor"),
}


@pytest.mark.parametrize("via", ["service", "event"])
@pytest.mark.parametrize(
    ("persona", "body", "error", "field"), SUBMISSIONS.values(), ids=SUBMISSIONS.keys()
)
def test_a_refused_report_names_its_field_and_leaves_log_and_read_models_unchanged(
    mechanism: Mechanism,
    via: str,
    persona: str,
    body: dict[str, Any],
    error: type[CeasefireError],
    field: str,
) -> None:
    if via == "service":
        with refused(mechanism, error) as exc:
            mechanism.submit(persona, body)
        assert exc.value.field == field
    else:
        with refused(mechanism, error) as exc:
            mechanism.event(persona, events.REPORT_SUBMITTED, body)
        assert exc.value.field == (field if field == "actor" else f"body.{field}")


def test_a_report_before_the_agreement_is_in_force_is_a_conflict_at_admission(
    unadopted: Mechanism,
) -> None:
    with refused(unadopted, Conflict) as exc:
        unadopted.event("af_liaison", events.REPORT_SUBMITTED, allegation_body())
    assert exc.value.field == "type"
    assert "no version of the agreement is in force yet" in exc.value.message


def test_the_report_service_refuses_a_report_before_adoption_as_admission_does(
    unadopted: Mechanism,
) -> None:
    with refused(unadopted, Conflict) as exc:
        unadopted.submit("af_liaison", allegation_body())
    assert "no version of the agreement is in force" in exc.value.message


def test_a_revoked_key_cannot_submit(mechanism: Mechanism) -> None:
    mechanism.revoke("pk-liaison-1", "laptop lost at Chaman")
    with refused(mechanism, PermissionDenied) as exc:
        mechanism.submit("pk_liaison", allegation_body(alleged_party="af", act="artillery_fire"))
    assert exc.value.field == "key"
    assert "was revoked at index" in exc.value.message


def test_the_same_report_twice_by_the_same_actor_is_a_conflict_naming_the_first(
    mechanism: Mechanism,
) -> None:
    first = mechanism.submit("af_liaison", allegation_body())
    index = mechanism.size() - 1
    with refused(mechanism, Conflict) as exc:
        mechanism.submit("af_liaison", allegation_body())
    assert exc.value.field == "body"
    assert f"already submitted by af-liaison-1 as {first} at index {index}" in exc.value.message
    mechanism.submit("monitor", allegation_body())  # another actor may say the same


def test_a_dataset_row_the_record_holds_is_corrected_not_submitted_again(
    mechanism: Mechanism,
) -> None:
    first = mechanism.submit("monitor", observation_body())
    index = mechanism.size() - 1
    newer = observation_body(narrative="Clashes at Spin Boldak; the release revised the toll.")
    with refused(mechanism, Conflict) as exc:
        mechanism.submit("monitor", newer)
    assert exc.value.field == "body.origin.id"
    assert f"row 570001 of ucdp-candidate is in the record already, as report {first} " \
        f"(index {index})" in exc.value.message  # fmt: skip

    corrected = mechanism.correct("monitor", first, newer, reason="ucdp-candidate 25.0.11")
    with refused(mechanism, Conflict) as exc:
        mechanism.submit("monitor", observation_body())
    assert corrected in exc.value.message  # the active report now holds the row
    mechanism.submit("monitor", observation_body("570002"))  # another row is another report

    mechanism.withdraw("monitor", corrected)
    again = mechanism.submit("monitor", observation_body())  # a withdrawn row may come back
    assert report_service.show_report(mechanism.store, None, again).status == pj.ACTIVE


def test_one_batch_cannot_hold_a_dataset_row_twice(mechanism: Mechanism) -> None:
    one = signed(mechanism, "monitor", observation_body())
    two = signed(mechanism, "monitor", observation_body(narrative="The same row, retold."))
    with refused(mechanism, Conflict) as exc:
        append(mechanism, one, two)
    assert exc.value.field == "batch[1].body.origin.id"


def test_a_confidential_report_of_a_row_is_not_revealed_to_who_may_not_read_it(
    mechanism: Mechanism,
) -> None:
    sealed = mechanism.submit("monitor", observation_body(), confidential=True)
    importer = SigningKey.generate("importer-1")
    key_service.enrol(
        mechanism.store, actor="importer-1", public_key=importer.public_key, role="importer",
        affiliation=None, operator_key=mechanism.operator_key, log_key=mechanism.log_key,
        clock=mechanism.tick,
    )  # fmt: skip
    mechanism.keys["importer"] = importer
    mechanism.submit("importer", observation_body())  # not told "in the record already"
    with refused(mechanism, Conflict) as exc:  # the monitor reads both: told of the first
        mechanism.submit("monitor", observation_body(narrative="Once more."))
    assert exc.value.field == "body.origin.id"
    assert f"as report {sealed} " in exc.value.message


def test_a_duplicate_hidden_behind_a_commitment_is_refused_too(mechanism: Mechanism) -> None:
    first = mechanism.submit("af_liaison", allegation_body(), confidential=True)
    with refused(mechanism, Conflict) as exc:
        mechanism.submit("af_liaison", allegation_body(), confidential=True)
    assert first in exc.value.message


def test_a_replayed_envelope_is_refused_naming_its_index(mechanism: Mechanism) -> None:
    envelope = mechanism.event("af_liaison", events.REPORT_SUBMITTED, allegation_body())
    index = mechanism.size() - 1
    with refused(mechanism, Conflict) as exc:
        append(mechanism, envelope)
    assert exc.value.field == "batch[0].id"
    assert f"already in the log at index {index}" in exc.value.message


def test_an_envelope_twice_in_one_batch_is_refused(mechanism: Mechanism) -> None:
    envelope = signed(mechanism, "monitor", allegation_body())
    with refused(mechanism, Conflict) as exc:
        append(mechanism, envelope, envelope)
    assert exc.value.field == "batch[1].id"
    assert "appears twice in this batch (at index" in exc.value.message


def test_a_report_of_an_event_after_it_was_signed_is_refused(mechanism: Mechanism) -> None:
    later = allegation_body(dates={"start": "2099-01-01", "end": "2099-01-01", "precision": "day"})
    with refused(mechanism, InvalidInput) as exc:
        append(mechanism, signed(mechanism, "af_liaison", later))
    assert exc.value.field == "batch[0].body.dates.start"
    assert "is after the report was signed" in exc.value.message


def test_a_batch_with_one_refused_event_appends_nothing(mechanism: Mechanism) -> None:
    good = signed(mechanism, "af_liaison", allegation_body())
    bad = signed(mechanism, "af_liaison", allegation_body(act="poisoning"))
    with refused(mechanism, InvalidInput) as exc:
        append(mechanism, good, bad)
    assert exc.value.field == "batch[1].body.act"


def test_a_party_cannot_correct_the_other_partys_report(mechanism: Mechanism) -> None:
    report = mechanism.submit("af_liaison", allegation_body())
    with refused(mechanism, PermissionDenied) as exc:
        mechanism.correct("pk_liaison", report, allegation_body(narrative="Nothing happened."))
    assert exc.value.field == "actor"
    assert "only its submitter 'af-liaison-1' or a liaison of af may" in exc.value.message


def test_a_monitors_report_is_corrected_by_that_monitor_not_by_a_party(
    mechanism: Mechanism,
) -> None:
    old = mechanism.submit("monitor", allegation_body())
    with refused(mechanism, PermissionDenied):
        mechanism.correct("af_liaison", old, allegation_body(narrative="Revised."))
    mechanism.correct("monitor", old, allegation_body(narrative="Revised by the monitor."))


def test_a_withdrawn_report_cannot_be_corrected_or_withdrawn_again(mechanism: Mechanism) -> None:
    report = mechanism.submit("af_liaison", allegation_body())
    mechanism.withdraw("af_liaison", report)
    withdrawal = mechanism.size() - 1
    with refused(mechanism, Conflict) as exc:
        mechanism.correct("af_liaison", report, allegation_body(narrative="Revised."))
    assert exc.value.field == "body.corrects"
    assert f"is withdrawn (by the withdrawal at index {withdrawal})" in exc.value.message
    with refused(mechanism, Conflict) as again:
        mechanism.withdraw("af_liaison", report)
    assert again.value.field == "body.report"


def test_a_correction_of_a_missing_report_is_not_found(mechanism: Mechanism) -> None:
    with refused(mechanism, NotFound) as exc:
        mechanism.correct("af_liaison", "0" * 32, allegation_body())
    assert exc.value.field == "body.corrects"


def test_a_correction_keeps_the_reports_kind(mechanism: Mechanism) -> None:
    report = mechanism.submit("af_liaison", allegation_body())
    with refused(mechanism, InvalidInput) as exc:
        mechanism.correct("af_liaison", report, compliance_body())
    assert exc.value.field == "body.report.kind"


def test_a_correction_is_checked_against_the_agreement(mechanism: Mechanism) -> None:
    report = mechanism.submit("af_liaison", allegation_body())
    with refused(mechanism, InvalidInput) as exc:
        mechanism.correct("af_liaison", report, allegation_body(act="poisoning"))
    assert exc.value.field == "report.act"


def sealed_of(mechanism: Mechanism, report: str) -> tuple[str, dict[str, Any]]:
    """The salt (base64) and body behind a confidential report's commitment."""
    (row,) = mechanism.store.find(pj.REPORTS, "id", [report])
    sealed = mechanism.store.sealed(row["sealed_commitment"])
    body: dict[str, Any] = json.loads(sealed.body)
    return base64.b64encode(sealed.salt).decode(), body


def test_a_disclosure_must_open_the_commitment(mechanism: Mechanism) -> None:
    report = mechanism.submit("af_liaison", allegation_body(), confidential=True)
    salt, body = sealed_of(mechanism, report)
    tampered = {"report": report, "salt": salt, "body": body | {"narrative": "Nothing."}}
    with refused(mechanism, InvalidInput) as exc:
        mechanism.event("tr_mediator", events.REPORT_DISCLOSED, tampered)
    assert exc.value.field == "body.body"
    assert "do not open the commitment" in exc.value.message


def test_the_other_party_may_not_disclose_a_confidential_report(mechanism: Mechanism) -> None:
    # it may not even learn that the report exists: the answer is the one for a missing id
    report = mechanism.submit("af_liaison", allegation_body(), confidential=True)
    with refused(mechanism, NotFound) as exc:
        mechanism.disclose("pk_liaison", report)
    assert exc.value.field == "report"


def test_a_report_is_disclosed_once_and_only_if_confidential(mechanism: Mechanism) -> None:
    report = mechanism.submit("af_liaison", allegation_body(), confidential=True)
    mechanism.disclose("af_liaison", report)
    with refused(mechanism, Conflict) as exc:
        mechanism.disclose("tr_mediator", report)
    assert exc.value.field == "body.report"
    public = mechanism.submit("af_liaison", allegation_body(narrative="Public."))
    with refused(mechanism, Conflict):
        mechanism.disclose("tr_mediator", public)
    salt = base64.b64encode(bytes(32)).decode()
    body = {"report": public, "salt": salt, "body": allegation_body(narrative="Public.")}
    with refused(mechanism, Conflict) as already:
        mechanism.event("tr_mediator", events.REPORT_DISCLOSED, body)
    assert "is public already" in already.value.message


def test_an_unknown_type_in_the_records_namespaces_is_refused(mechanism: Mechanism) -> None:
    with refused(mechanism, InvalidInput) as exc:
        mechanism.event("af_liaison", "report.edited", {"report": "0" * 32})
    assert exc.value.field == "type"
    mechanism.event("af_liaison", "note.added", {"text": "outside the record: logged only"})


# -- evidence and custody refused ---------------------------------------------------------------


def statement(folder: Path, text: str = "Statement of a resident of Wesh.\n") -> Path:
    path = folder / "statement.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_party_cannot_record_custody_of_a_file_it_may_not_see(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    report = mechanism.submit("af_liaison", allegation_body(), confidential=True)
    added = mechanism.add_evidence("af_liaison", statement(tmp_path), report)
    with refused(mechanism, NotFound) as exc:  # the same answer as for a file not in the locker
        mechanism.custody("pk_liaison", added.sha256, "viewed")
    assert exc.value.field == "body.sha256"
    mechanism.custody("tr_mediator", added.sha256, "viewed")


def test_custody_of_evidence_not_in_the_locker_is_not_found(mechanism: Mechanism) -> None:
    with refused(mechanism, NotFound) as exc:
        mechanism.custody("monitor", "ab" * 32, "viewed")
    assert exc.value.field == "body.sha256"


def test_a_transfer_to_an_actor_nobody_enrolled_is_not_found(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    added = mechanism.add_evidence("monitor", statement(tmp_path))
    with refused(mechanism, NotFound) as exc:
        mechanism.custody("monitor", added.sha256, "transferred", to="nobody-1")
    assert exc.value.field == "body.to"
    mechanism.custody("monitor", added.sha256, "transferred", to="tr-mediator-1")
    monitor = mechanism.actor("monitor")
    (view,) = evidence_service.evidence_of(mechanism.store, monitor, added.sha256)
    assert [(step.action, step.to) for step in view.custody] == [
        ("submitted", None),
        ("transferred", "tr-mediator-1"),
    ]


def test_a_file_goes_only_to_an_actor_who_may_hold_it(mechanism: Mechanism, tmp_path: Path) -> None:
    """A party's confidential evidence is not handed to the other side, nor any file to an
    observer (who records no custody) or to an actor whose keys were revoked."""
    report = mechanism.submit("af_liaison", allegation_body(), confidential=True)
    sealed = mechanism.add_evidence("af_liaison", statement(tmp_path), report)
    with refused(mechanism, PermissionDenied) as other_side:
        mechanism.custody("af_liaison", sealed.sha256, "transferred", to="pk-liaison-1")
    assert other_side.value.field == "body.to"
    assert other_side.value.message == (
        f"file {sealed.sha256} cannot go to pk-liaison-1: pk-liaison-1 (liaison for pk) may "
        "not see it (it supports a confidential report, or was submitted confidentially)"
    )
    public = mechanism.add_evidence("monitor", statement(tmp_path, "A second statement.\n"))
    with refused(mechanism, PermissionDenied) as observer:
        mechanism.custody("monitor", public.sha256, "transferred", to="observer-1")
    assert observer.value.field == "body.to"
    assert "observer-1 (observer) may not record custody of evidence" in observer.value.message
    mechanism.revoke("qa-mediator-1", "left the mission")
    with refused(mechanism, NotFound) as revoked:
        mechanism.custody("monitor", public.sha256, "transferred", to="qa-mediator-1")
    assert revoked.value.message == "no actor 'qa-mediator-1' is enrolled"
    mechanism.custody("af_liaison", sealed.sha256, "transferred", to="tr-mediator-1")


def test_only_the_holder_of_a_file_hands_it_on_and_anyone_who_sees_it_views_it(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    added = mechanism.add_evidence("af_liaison", statement(tmp_path))
    submitted = mechanism.size() - 1
    mechanism.custody("monitor", added.sha256, "viewed", note="in the review room")
    with refused(mechanism, PermissionDenied) as exc:
        mechanism.custody("monitor", added.sha256, "transferred", to="tr-mediator-1")
    assert exc.value.field == "actor"
    assert exc.value.message == (
        f"file {added.sha256} is held by af-liaison-1 (since index {submitted}); monitor-1 "
        "does not hold it and may not transfer it"
    )
    with refused(mechanism, PermissionDenied):
        mechanism.custody("monitor", added.sha256, "sealed")

    mechanism.custody("af_liaison", added.sha256, "transferred", to="monitor-1")
    with refused(mechanism, PermissionDenied) as exc:  # handed on: af-liaison-1 holds it no more
        mechanism.custody("af_liaison", added.sha256, "transferred", to="tr-mediator-1")
    assert "held by monitor-1" in exc.value.message
    with refused(mechanism, Conflict) as to_itself:
        mechanism.custody("monitor", added.sha256, "transferred", to="monitor-1")
    assert to_itself.value.field == "body.to"
    mechanism.custody("monitor", added.sha256, "transferred", to="tr-mediator-1")
    mechanism.custody("tr_mediator", added.sha256, "sealed")


def test_a_batch_sees_the_transfers_before_it_in_the_batch(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    added = mechanism.add_evidence("monitor", statement(tmp_path))

    def handling(persona: str, action: str, to: str | None = None) -> Envelope:
        body = {"sha256": added.sha256, "action": action} | ({"to": to} if to else {})
        return signed(mechanism, persona, body, events.CUSTODY_RECORDED)

    with refused(mechanism, PermissionDenied) as exc:
        append(
            mechanism,
            handling("monitor", "transferred", "tr-mediator-1"),
            handling("monitor", "sealed"),
        )
    assert exc.value.field == "batch[1].actor"
    append(
        mechanism,
        handling("monitor", "transferred", "tr-mediator-1"),
        handling("tr_mediator", "sealed"),
    )


def test_an_observer_records_no_custody(mechanism: Mechanism, tmp_path: Path) -> None:
    added = mechanism.add_evidence("monitor", statement(tmp_path))
    with refused(mechanism, PermissionDenied) as exc:
        mechanism.custody("observer", added.sha256, "viewed")
    assert exc.value.field == "actor"


def test_the_same_file_twice_for_one_report_is_a_conflict(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    report = mechanism.submit("af_liaison", allegation_body())
    mechanism.add_evidence("af_liaison", statement(tmp_path), report)
    with refused(mechanism, Conflict) as exc:
        mechanism.add_evidence("af_liaison", statement(tmp_path), report)
    assert exc.value.field == "body.sha256"


def test_a_party_cannot_attach_evidence_to_a_report_it_may_not_read(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    report = mechanism.submit("af_liaison", allegation_body(), confidential=True)
    with refused(mechanism, NotFound) as exc:  # the answer for a missing id: no oracle
        mechanism.add_evidence("pk_liaison", statement(tmp_path), report)
    assert exc.value.field == "report"


# -- the agreement and enrolment refused --------------------------------------------------------


def test_proposing_version_3_when_1_is_the_latest_is_a_conflict(mechanism: Mechanism) -> None:
    skipping = dataclasses.replace(load_bundled(), version=3)
    with refused(mechanism, Conflict) as exc:
        agreement_service.propose(
            mechanism.store,
            skipping,
            key=mechanism.operator_key,
            log_key=mechanism.log_key,
            clock=mechanism.tick,
        )
    assert exc.value.field == "body.version"
    assert "expected version 2 (the next after 1), found 3" in exc.value.message


def test_a_liaison_cannot_sign_for_the_other_party(unadopted: Mechanism) -> None:
    body = {"version": 1, "digest": load_bundled().digest(), "signatory": "af"}
    with refused(unadopted, PermissionDenied) as exc:
        unadopted.event("pk_liaison", events.AGREEMENT_SIGNED, body)
    assert exc.value.field == "body.signatory"
    assert "signs for 'pk', not 'af'" in exc.value.message


def test_a_signature_is_public_and_names_a_proposed_version_and_its_digest(
    unadopted: Mechanism,
) -> None:
    digest = load_bundled().digest()
    body = {"version": 1, "digest": digest, "signatory": "pk"}
    with refused(unadopted, InvalidInput) as hidden:
        unadopted.event("pk_liaison", events.AGREEMENT_SIGNED, body, confidential=True)
    assert hidden.value.field == "commitment"
    with refused(unadopted, NotFound) as unproposed:
        unadopted.event("pk_liaison", events.AGREEMENT_SIGNED, body | {"version": 2})
    assert unproposed.value.field == "body.version"
    with refused(unadopted, InvalidInput) as wrong:
        unadopted.event(
            "pk_liaison", events.AGREEMENT_SIGNED, body | {"digest": "sha256:" + "0" * 64}
        )
    assert wrong.value.field == "body.digest"


def test_a_signatory_cannot_sign_twice(unadopted: Mechanism) -> None:
    unadopted.sign_agreement("tr_mediator")
    with refused(unadopted, Conflict) as exc:
        unadopted.sign_agreement("tr_mediator")
    assert exc.value.field == "body.signatory"
    assert "tr already signed version 1 at index" in exc.value.message


def test_the_agreement_is_in_force_only_once_everyone_has_signed(unadopted: Mechanism) -> None:
    for persona in ("pk_liaison", "af_liaison", "tr_mediator"):
        unadopted.sign_agreement(persona)
        assert agreement_service.in_force_now(unadopted.store) is None
    unadopted.sign_agreement("qa_mediator")
    adoption = agreement_service.in_force_now(unadopted.store)
    assert adoption is not None
    assert adoption.adopted_at == unadopted.size() - 1
    (version,) = agreement_service.versions(unadopted.store)
    assert version.missing == ()


def test_a_liaison_for_a_party_the_agreement_does_not_name_is_not_enrolled(
    mechanism: Mechanism,
) -> None:
    with refused(mechanism, InvalidInput) as exc:
        key_service.enrol(
            mechanism.store,
            actor="in-liaison-1",
            public_key=bytes(range(32)),
            role="liaison",
            affiliation="in",
            operator_key=mechanism.operator_key,
            log_key=mechanism.log_key,
            clock=mechanism.tick,
        )
    assert exc.value.field == "body.affiliation"


# -- what the record gives back -----------------------------------------------------------------


def test_a_correction_supersedes_the_old_report(mechanism: Mechanism) -> None:
    old = mechanism.submit("af_liaison", allegation_body())
    new = mechanism.correct("af_liaison", old, allegation_body(act="drone_strike"))
    monitor = mechanism.actor("monitor")
    before = report_service.show_report(mechanism.store, monitor, old)
    after = report_service.show_report(mechanism.store, monitor, new)
    assert (before.status, before.superseded_by) == (pj.CORRECTED, new)
    assert (after.status, after.corrects) == (pj.ACTIVE, old)
    assert after.body is not None and after.body["act"] == "drone_strike"


def test_a_withdrawal_marks_the_report_withdrawn(mechanism: Mechanism) -> None:
    report = mechanism.submit("af_liaison", allegation_body())
    mechanism.withdraw("af_liaison", report)
    view = report_service.show_report(mechanism.store, None, report)
    assert (view.status, view.withdrawn_at) == (pj.WITHDRAWN, mechanism.size() - 1)
    withdrawn = report_service.ReportFilter(status=pj.WITHDRAWN)
    assert [v.id for v in report_service.list_reports(mechanism.store, None, withdrawn)] == [report]
    mechanism.submit("af_liaison", allegation_body())  # no longer a duplicate of an active one


def test_reports_are_listed_newest_first_up_to_the_limit(mechanism: Mechanism) -> None:
    first = mechanism.submit("af_liaison", allegation_body())
    second = mechanism.submit("af_liaison", compliance_body())
    listed = report_service.list_reports(mechanism.store, None)
    assert [v.id for v in listed] == [second, first]
    one = report_service.ReportFilter(limit=1)
    assert [v.id for v in report_service.list_reports(mechanism.store, None, one)] == [second]
    claims = report_service.ReportFilter(kind="compliance_claim", party="af")
    assert [v.id for v in report_service.list_reports(mechanism.store, None, claims)] == [second]


def test_a_reader_is_an_enrolled_actor_or_the_public(mechanism: Mechanism) -> None:
    assert report_service.viewer_of(mechanism.store, None) is None
    viewer = report_service.viewer_of(mechanism.store, "pk-liaison-1")
    assert viewer == mechanism.actor("pk_liaison")
    with pytest.raises(NotFound) as exc:
        report_service.viewer_of(mechanism.store, "nobody-1")
    assert exc.value.field == "as"


def test_a_confidential_report_is_listed_for_its_own_party_and_mediators_only(
    mechanism: Mechanism,
) -> None:
    public = mechanism.submit("af_liaison", allegation_body(narrative="Shelling reported."))
    secret = mechanism.submit("af_liaison", allegation_body(), confidential=True)

    def listed(persona: str | None) -> list[str]:
        viewer = mechanism.actor(persona) if persona else None
        return [v.id for v in report_service.list_reports(mechanism.store, viewer)]

    for persona in ("af_liaison", "tr_mediator", "qa_mediator", "monitor"):
        assert listed(persona) == [secret, public], persona
    for outsider in ("pk_liaison", "observer", None):
        assert listed(outsider) == [public], outsider


def test_another_partys_confidential_report_is_not_found_like_a_missing_one(
    mechanism: Mechanism,
) -> None:
    secret = mechanism.submit("af_liaison", allegation_body(), confidential=True)
    pk_liaison = mechanism.actor("pk_liaison")
    answers = []
    for report in (secret, "0" * 32):
        with pytest.raises(NotFound) as caught:
            report_service.show_report(mechanism.store, pk_liaison, report)
        answers.append((caught.value.field, caught.value.message.replace(report, "<id>")))
    assert answers[0] == answers[1]
    with pytest.raises(NotFound):
        report_service.show_report(mechanism.store, None, secret)
    mine = report_service.show_report(mechanism.store, mechanism.actor("af_liaison"), secret)
    assert mine.body == allegation_body()


def test_a_disclosed_report_is_public_and_its_content_is_what_was_sealed(
    mechanism: Mechanism,
) -> None:
    secret = mechanism.submit("af_liaison", allegation_body(), confidential=True)
    mechanism.disclose("tr_mediator", secret)
    public = report_service.show_report(mechanism.store, None, secret)
    assert (public.confidential, public.disclosed_at) == (True, mechanism.size() - 1)
    assert public.body is not None
    narrative = allegation_body()["narrative"]
    assert (public.body["act"], public.body["narrative"]) == ("airstrike", narrative)
    staff = report_service.show_report(mechanism.store, mechanism.actor("monitor"), secret)
    assert staff.body == allegation_body()
    assert secret in [v.id for v in report_service.list_reports(mechanism.store, None)]


def test_disclosing_a_confidential_correction_publishes_the_corrected_report(
    mechanism: Mechanism,
) -> None:
    old = mechanism.submit("af_liaison", allegation_body(), confidential=True)
    corrected = allegation_body(act="drone_strike")
    new = mechanism.correct("af_liaison", old, corrected, confidential=True)
    mechanism.disclose("tr_mediator", new)
    staff = report_service.show_report(mechanism.store, mechanism.actor("monitor"), new)
    assert (staff.kind, staff.body) == ("allegation", corrected)
    public = report_service.show_report(mechanism.store, None, new)
    assert public.body is not None and public.body["act"] == "drone_strike"


# -- evidence flags -----------------------------------------------------------------------------


def textured(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A photo-like image (colour fields, shapes, noise): perceptual hashes need texture."""
    rng = np.random.default_rng(seed)
    width, height = size
    coarse = (rng.random((6, 8, 3)) * 255).astype("uint8")
    image = Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        x1, y1 = x0 + int(rng.integers(40, width // 3)), y0 + int(rng.integers(40, height // 3))
        fill = (int(rng.integers(256)), int(rng.integers(256)), int(rng.integers(256)))
        draw.rectangle((x0, y0, x1, y1), fill=fill)
    noisy = np.asarray(image, dtype=float) + rng.normal(0, 12, (height, width, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype("uint8"))


def photo_taken(path: Path, image: Image.Image, taken: str) -> Path:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken  # the Exif IFD's DateTimeOriginal
    image.save(path, "JPEG", exif=exif.tobytes(), quality=90)
    return path


def test_a_photo_taken_long_before_the_event_is_flagged(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    report = mechanism.submit("af_liaison", allegation_body())
    old_photo = photo_taken(tmp_path / "strike.jpg", textured(7), "2023:05:01 10:00:00")
    added = mechanism.add_evidence("af_liaison", old_photo, report)
    (view,) = evidence_service.evidence_of(mechanism.store, None, added.sha256)
    assert [flag.code for flag in view.flags] == [FlagCode.CAPTURE_TIME]
    assert "captured on 2023-05-01" in view.flags[0].message
    assert view.report == report


def test_a_resized_copy_for_another_report_is_flagged_as_recycled(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    first = mechanism.submit("af_liaison", allegation_body())
    second = mechanism.submit("af_liaison", allegation_body(narrative="Another strike, Wesh."))
    mechanism.add_evidence("monitor", statement(tmp_path))  # not an image: no perceptual hash
    image = textured(11)
    photo = photo_taken(tmp_path / "a.jpg", image, "2025:10:15 21:10:00")
    original = mechanism.add_evidence("af_liaison", photo, first)
    copy_path = tmp_path / "b.jpg"
    image.resize((320, 240), Image.Resampling.LANCZOS).save(copy_path, "JPEG", quality=80)
    copy = mechanism.add_evidence("af_liaison", copy_path, second)
    assert copy.sha256 != original.sha256
    (view,) = evidence_service.evidence_for_report(mechanism.store, None, second)
    assert [(f.code, f.related_index) for f in view.flags] == [
        (FlagCode.RECYCLED, original.appended.indices.start)
    ]
    (first_view,) = evidence_service.evidence_for_report(mechanism.store, None, first)
    assert first_view.flags == ()


def test_evidence_for_a_confidential_report_is_hidden_from_the_other_party(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    secret = mechanism.submit("af_liaison", allegation_body(), confidential=True)
    added = mechanism.add_evidence("af_liaison", statement(tmp_path), secret)
    pk_liaison, monitor = mechanism.actor("pk_liaison"), mechanism.actor("monitor")
    with pytest.raises(NotFound):
        evidence_service.evidence_of(mechanism.store, pk_liaison, added.sha256)
    assert evidence_service.evidence_for_report(mechanism.store, None, secret) == []
    (view,) = evidence_service.evidence_of(mechanism.store, monitor, added.sha256)
    assert view.metadata.media_type == "text/plain"


def test_the_locker_reports_a_lost_file_and_a_changed_one(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    lost = mechanism.add_evidence("monitor", statement(tmp_path, "First statement.\n")).sha256
    changed = mechanism.add_evidence("monitor", statement(tmp_path, "Second statement.\n")).sha256
    kept = mechanism.add_evidence("monitor", statement(tmp_path, "Third statement.\n")).sha256
    assert evidence_service.verify_locker(mechanism.store, mechanism.blobs) == []
    mechanism.blobs.path(lost).unlink()
    path = mechanism.blobs.path(changed)
    path.chmod(0o600)
    path.write_text("Altered statement.\n")
    problems = evidence_service.verify_locker(mechanism.store, mechanism.blobs)
    assert sorted(problems) == sorted(
        [
            f"evidence {lost}: the file is not in the locker (erased or lost)",
            f"evidence {changed}: the stored file no longer has this SHA-256",
        ]
    )
    assert not any(kept in problem for problem in problems)


def confidential_evidence(
    mechanism: Mechanism, persona: str, path: Path, report: str | None = None
) -> str:
    """A file announced by a confidential ``evidence.submitted`` event (the service has no
    switch for it; admission accepts it); its SHA-256."""
    blob = mechanism.blobs.put_file(path, max_bytes=1 << 20)
    body: dict[str, Any] = {
        "sha256": blob.sha256,
        "size": blob.size,
        "name": "statement-of-ahmad-khan.txt",
        "metadata": analyse(path).to_body(),
    }
    if report is not None:
        body["report"] = report
    mechanism.event(persona, events.EVIDENCE_SUBMITTED, body, confidential=True)
    return blob.sha256


def test_confidential_evidence_for_a_public_report_is_hidden_from_the_public(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    report = mechanism.submit("af_liaison", allegation_body())
    sha256 = confidential_evidence(mechanism, "af_liaison", statement(tmp_path), report)
    assert evidence_service.evidence_for_report(mechanism.store, None, report) == []
    with pytest.raises(NotFound):
        evidence_service.evidence_of(mechanism.store, mechanism.actor("pk_liaison"), sha256)
    (view,) = evidence_service.evidence_of(mechanism.store, mechanism.actor("monitor"), sha256)
    assert view.name == "statement-of-ahmad-khan.txt"


def test_a_party_sees_its_own_confidential_evidence(mechanism: Mechanism, tmp_path: Path) -> None:
    sha256 = confidential_evidence(mechanism, "af_liaison", statement(tmp_path))
    (view,) = evidence_service.evidence_of(mechanism.store, mechanism.actor("af_liaison"), sha256)
    assert view.actor == "af-liaison-1"
    with pytest.raises(NotFound):
        evidence_service.evidence_of(mechanism.store, mechanism.actor("pk_liaison"), sha256)
