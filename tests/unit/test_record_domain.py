"""The record's pure core: enrolment, adoption of the agreement, event parsers, projection."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.actors import Actor, Role, actor_from, check_enrolment
from ceasefire.domain.adoption import Adoption, Proposal, Signature, adoptions, in_force
from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.agreements import Agreement
from ceasefire.errors import InvalidInput
from tests.report_bodies import allegation_body, compliance_body

PARTIES = ("pk", "af")
MEDIATORS = ("tr", "qa")
ISTANBUL = load_bundled()
SHA = "ab" * 32
REPORT_ID = "0123456789abcdef0123456789abcdef"
OTHER_ID = "fedcba9876543210fedcba9876543210"
COMMITMENT = "sha256:" + "cd" * 32


# -- actors and their enrolment -----------------------------------------------------------------


def test_a_liaison_without_an_affiliation_is_refused_naming_the_parties() -> None:
    with pytest.raises(InvalidInput, match=r"give its affiliation \(pk, af\)") as refused:
        check_enrolment(Actor("pk-liaison-1", Role.LIAISON), PARTIES, MEDIATORS)
    assert refused.value.field == "affiliation"


def test_a_liaison_for_an_unknown_party_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown party 'in'") as refused:
        check_enrolment(Actor("in-liaison", Role.LIAISON, "in"), PARTIES, MEDIATORS)
    assert refused.value.field == "affiliation"


def test_a_liaison_before_any_agreement_is_proposed_is_told_to_propose_it() -> None:
    with pytest.raises(InvalidInput, match="propose the agreement first"):
        check_enrolment(Actor("pk-liaison-1", Role.LIAISON, "pk"), (), ())


def test_a_mediator_enrolled_for_a_party_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown mediator 'pk'; the agreement's mediators"):
        check_enrolment(Actor("tr-mediator-1", Role.MEDIATOR, "pk"), PARTIES, MEDIATORS)


def test_enrolments_the_agreement_supports_are_accepted() -> None:
    for actor in (
        Actor("pk-liaison-1", Role.LIAISON, "pk"),
        Actor("qa-mediator-1", Role.MEDIATOR, "qa"),
        Actor("monitor-1", Role.MONITOR),
        Actor("pk-witness", Role.WITNESS, "pk"),
    ):
        check_enrolment(actor, PARTIES, MEDIATORS)


def test_staff_with_an_unknown_affiliation_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown affiliation 'un'") as refused:
        check_enrolment(Actor("monitor-1", Role.MONITOR, "un"), PARTIES, MEDIATORS)
    assert refused.value.field == "affiliation"


def test_an_unknown_role_is_refused_listing_the_roles() -> None:
    with pytest.raises(InvalidInput, match="unknown role 'general'; the roles are operator") as e:
        actor_from("x", "general", None)
    assert e.value.field == "role"
    assert actor_from("af-liaison-1", "liaison", "af") == Actor("af-liaison-1", Role.LIAISON, "af")


def test_an_actor_describes_itself_with_its_party() -> None:
    assert Actor("af-liaison-1", Role.LIAISON, "af").describe() == "af-liaison-1 (liaison for af)"
    assert Actor("monitor-1", Role.MONITOR).party() is None
    assert Actor("tr-mediator-1", Role.MEDIATOR, "tr").party() is None


# -- adoption of the agreement ------------------------------------------------------------------


def proposal(agreement: Agreement = ISTANBUL, index: int = 2) -> Proposal:
    return Proposal(agreement, agreement.digest(), index)


def signatures(
    version: int, digest: str, signatories: tuple[str, ...], first_index: int
) -> list[Signature]:
    return [
        Signature(version, signatory, digest, f"{signatory}-signer", first_index + offset)
        for offset, signatory in enumerate(signatories)
    ]


def test_a_version_is_adopted_when_every_party_and_mediator_has_signed() -> None:
    signed = signatures(1, ISTANBUL.digest(), ("pk", "af", "tr", "qa"), 10)
    (adoption,) = adoptions([proposal()], signed)
    assert adoption.adopted_at == 13
    assert adoption.indices == (2, 10, 11, 12, 13)
    assert adoption.agreement is ISTANBUL


def test_a_version_missing_one_signatory_is_not_adopted() -> None:
    signed = signatures(1, ISTANBUL.digest(), ("pk", "af", "tr"), 10)
    assert adoptions([proposal()], signed) == []
    assert in_force([]) is None


def test_a_signature_with_the_wrong_digest_does_not_count() -> None:
    signed = signatures(1, ISTANBUL.digest(), ("pk", "af", "tr"), 10)
    signed.append(Signature(1, "qa", "sha256:" + "00" * 32, "qa-signer", 13))
    assert adoptions([proposal()], signed) == []


def test_a_signature_for_another_version_or_by_a_stranger_does_not_count() -> None:
    signed = signatures(1, ISTANBUL.digest(), ("pk", "af", "tr", "un"), 10)
    signed.append(Signature(2, "qa", ISTANBUL.digest(), "qa-signer", 14))
    assert adoptions([proposal()], signed) == []


def test_a_later_version_adopted_supersedes_the_earlier_one() -> None:
    amended = dataclasses.replace(ISTANBUL, version=2)
    signed = [
        *signatures(1, ISTANBUL.digest(), ("pk", "af", "tr", "qa"), 10),
        *signatures(2, amended.digest(), ("qa", "tr", "af", "pk"), 30),
    ]
    adopted = adoptions([proposal(), proposal(amended, 20)], signed)
    assert [a.proposal.version for a in adopted] == [1, 2]
    assert _version(in_force(adopted)) == 2
    assert _version(in_force(adopted, 32)) == 1
    assert _version(in_force(adopted, 33)) == 2


def test_nothing_is_in_force_before_the_adopting_signature() -> None:
    adopted = adoptions([proposal()], signatures(1, ISTANBUL.digest(), PARTIES + MEDIATORS, 10))
    assert in_force(adopted, 12) is None
    assert _version(in_force(adopted, 13)) == 1


def _version(adoption: Adoption | None) -> int | None:
    return adoption.proposal.version if adoption is not None else None


# -- event bodies -------------------------------------------------------------------------------


def proposed_body(agreement: Agreement = ISTANBUL, **overrides: Any) -> dict[str, Any]:
    body = {
        "version": agreement.version,
        "digest": agreement.digest(),
        "agreement": agreement.to_document(),
    }
    return body | overrides


def test_a_proposal_body_parses_to_its_agreement() -> None:
    assert events.agreement_proposed(proposed_body()).agreement == ISTANBUL


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"version": 2}, "body.version", "the event proposes version 2, the document is version 1"),
        ({"digest": COMMITMENT}, "body.digest", "the document's digest is sha256:"),
        ({"digest": "sha256:XYZ"}, "body.digest", "expected sha256: and 64 hex digits"),
        ({"version": 0}, "body.version", "expected at least 1"),
        ({"extra": 1}, "body.extra", "unknown field 'extra'"),
    ],
)
def test_a_malformed_proposal_names_its_field(
    overrides: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        events.agreement_proposed(proposed_body(**overrides))
    assert refused.value.field == field


Parser = Callable[[Mapping[str, Any]], object]
MALFORMED: list[tuple[str, Parser, dict[str, Any], str]] = [
    (
        "a signature without its signatory",
        events.agreement_signed,
        {"version": 1, "digest": COMMITMENT},
        "body.signatory",
    ),
    (
        "a correction of a malformed id",
        events.report_corrected,
        {"corrects": "r1", "reason": "typo", "report": allegation_body()},
        "body.corrects",
    ),
    (
        "a correction whose report is malformed",
        events.report_corrected,
        {"corrects": REPORT_ID, "reason": "typo", "report": allegation_body(act=7)},
        "body.report.act",
    ),
    (
        "a withdrawal without a reason",
        events.report_withdrawn,
        {"report": REPORT_ID, "reason": " "},
        "body.reason",
    ),
    (
        "a disclosure whose body is not an object",
        events.report_disclosed,
        {"report": REPORT_ID, "salt": "c2FsdA==", "body": "the report"},
        "body.body",
    ),
    (
        "a disclosure of a malformed id",
        events.report_disclosed,
        {"report": "R", "salt": "c2FsdA==", "body": {}},
        "body.report",
    ),
    (
        "evidence with a bad sha256",
        events.evidence_submitted,
        {"sha256": SHA.upper(), "size": 3, "name": "a.txt", "metadata": {}},
        "body.sha256",
    ),
    (
        "evidence with a negative size",
        events.evidence_submitted,
        {"sha256": SHA, "size": -1, "name": "a.txt", "metadata": {}},
        "body.size",
    ),
    (
        "evidence whose metadata is not an object",
        events.evidence_submitted,
        {"sha256": SHA, "size": 3, "name": "a.txt", "metadata": []},
        "body.metadata",
    ),
    (
        "a custody transfer without to",
        events.custody_recorded,
        {"sha256": SHA, "action": "transferred"},
        "body.to",
    ),
    (
        "a custody step other than a transfer naming to",
        events.custody_recorded,
        {"sha256": SHA, "action": "viewed", "to": "monitor-1"},
        "body.to",
    ),
    (
        "a submission recorded as custody",
        events.custody_recorded,
        {"sha256": SHA, "action": "submitted"},
        "body.action",
    ),
    (
        "an unknown custody action",
        events.custody_recorded,
        {"sha256": SHA, "action": "burnt"},
        "body.action",
    ),
    (
        "custody of a bad sha256",
        events.custody_recorded,
        {"sha256": "ab", "action": "viewed"},
        "body.sha256",
    ),
    (
        "a report with an unknown kind",
        events.report_submitted,
        allegation_body(kind="rumour"),
        "body.kind",
    ),
]


@pytest.mark.parametrize(
    ("parse", "body", "field"), [case[1:] for case in MALFORMED], ids=[c[0] for c in MALFORMED]
)
def test_each_malformed_body_names_its_field(
    parse: Parser, body: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse(body)
    assert refused.value.field == field


def test_well_formed_bodies_parse() -> None:
    signed = events.agreement_signed({"version": 1, "digest": COMMITMENT, "signatory": "pk"})
    assert signed == events.AgreementSigned(1, COMMITMENT, "pk")
    corrected = events.report_corrected(
        {"corrects": REPORT_ID, "reason": "revised figures", "report": compliance_body()}
    )
    assert corrected.corrects == REPORT_ID
    custody = events.custody_recorded(
        {"sha256": SHA, "action": "transferred", "to": "monitor-1", "note": "by hand"}
    )
    assert custody == events.CustodyRecorded(
        SHA, events.CustodyAction.TRANSFERRED, "monitor-1", "by hand", None
    )
    evidence = events.evidence_submitted(
        {
            "sha256": SHA,
            "size": 3,
            "name": "a.txt",
            "metadata": {"media_type": "text/plain", "tool": "t/1"},
        }
    )
    assert (evidence.report, evidence.metadata.media_type) == (None, "text/plain")


# -- projection ---------------------------------------------------------------------------------


def entry(
    event_type: str,
    body: Mapping[str, Any] | None,
    *,
    index: int = 20,
    event_id: str = REPORT_ID,
    actor: str = "af-liaison-1",
    affiliation: str | None = "af",
    sealed: Mapping[str, Any] | None = None,
) -> pj.Entry:
    return pj.Entry(
        index=index,
        id=event_id,
        type=event_type,
        actor=actor,
        affiliation=affiliation,
        time="2025-11-01T08:00:00.000Z",
        body=body,
        commitment=None if body is not None else COMMITMENT,
        sealed=sealed,
    )


def inserted(ops: list[pj.Op], table: str) -> list[dict[str, Any]]:
    return [op.row for op in ops if isinstance(op, pj.Insert) and op.table == table]


def updates(ops: list[pj.Op]) -> list[pj.Update]:
    return [op for op in ops if isinstance(op, pj.Update)]


def test_every_entry_is_an_event_row_and_a_note_is_nothing_more() -> None:
    ops = pj.project(entry("note.added", {"n": 1}, actor="monitor-1"))
    assert ops == [
        pj.Insert(
            pj.EVENTS,
            {
                "idx": 20,
                "id": REPORT_ID,
                "type": "note.added",
                "actor": "monitor-1",
                "time": "2025-11-01T08:00:00.000Z",
                "body_digest": "sha256:" + hashlib.sha256(b'{"n":1}').hexdigest(),
            },
        )
    ]


def test_the_entry_index_keeps_no_digest_of_a_confidential_body() -> None:
    ops = pj.project(entry(events.REPORT_SUBMITTED, None, sealed=compliance_body()))
    (row,) = inserted(ops, pj.EVENTS)
    assert row["body_digest"] is None


def test_a_proposal_and_a_signature_become_agreement_rows() -> None:
    body = proposed_body()
    (agreement,) = inserted(pj.project(entry(events.AGREEMENT_PROPOSED, body)), pj.AGREEMENTS)
    assert agreement["version"] == 1
    assert agreement["document"] == pj.canonical_text(body["agreement"])
    signed = {"version": 1, "digest": ISTANBUL.digest(), "signatory": "af"}
    (signature,) = inserted(pj.project(entry(events.AGREEMENT_SIGNED, signed)), pj.SIGNATURES)
    assert signature == {
        "version": 1,
        "signatory": "af",
        "digest": ISTANBUL.digest(),
        "actor": "af-liaison-1",
        "idx": 20,
    }


def test_a_public_report_becomes_an_active_row_with_its_content() -> None:
    body = allegation_body()
    (row,) = inserted(pj.project(entry(events.REPORT_SUBMITTED, body)), pj.REPORTS)
    assert row["status"] == pj.ACTIVE
    assert (row["confidential"], row["sealed_commitment"]) == (False, None)
    assert (row["kind"], row["act"], row["alleged_party"], row["sector"]) == (
        "allegation",
        "airstrike",
        "pk",
        "chaman-spin-boldak",
    )
    assert (row["start_date"], row["end_date"]) == ("2025-10-15", "2025-10-15")
    assert row["digest"] == pj.content_digest(body)
    assert row["body"] == pj.canonical_text(body)


def test_a_confidential_report_with_its_sealed_content_projects_the_content() -> None:
    body = compliance_body()
    ops = pj.project(entry(events.REPORT_SUBMITTED, None, sealed=body))
    (row,) = inserted(ops, pj.REPORTS)
    assert (row["confidential"], row["sealed_commitment"]) == (True, COMMITMENT)
    assert (row["commitment"], row["step"]) == ("af-dismantle-hideouts", "hideout_dismantled")


def test_a_confidential_report_without_its_sealed_content_projects_no_content_columns() -> None:
    (row,) = inserted(pj.project(entry(events.REPORT_SUBMITTED, None)), pj.REPORTS)
    content = ("kind", "act", "commitment", "start_date", "latitude", "sector", "body", "digest")
    assert all(row[column] is None for column in content)
    assert (row["confidential"], row["status"], row["affiliation"]) == (True, pj.ACTIVE, "af")


def test_a_correction_inserts_the_new_report_and_supersedes_the_old() -> None:
    body = {"corrects": OTHER_ID, "reason": "revised", "report": allegation_body()}
    ops = pj.project(entry(events.REPORT_CORRECTED, body))
    (row,) = inserted(ops, pj.REPORTS)
    assert (row["id"], row["corrects"], row["act"]) == (REPORT_ID, OTHER_ID, "airstrike")
    assert updates(ops) == [
        pj.Update(
            pj.REPORTS, {"id": OTHER_ID}, {"status": pj.CORRECTED, "superseded_by": REPORT_ID}
        )
    ]


def test_a_sealed_correction_this_store_does_not_hold_supersedes_nothing() -> None:
    ops = pj.project(entry(events.REPORT_CORRECTED, None))
    (row,) = inserted(ops, pj.REPORTS)
    assert (row["corrects"], row["body"]) == (None, None)
    assert updates(ops) == []


def test_a_withdrawal_updates_the_reports_status() -> None:
    ops = pj.project(entry(events.REPORT_WITHDRAWN, {"report": OTHER_ID, "reason": "error"}))
    assert updates(ops) == [
        pj.Update(pj.REPORTS, {"id": OTHER_ID}, {"status": pj.WITHDRAWN, "withdrawn_at": 20})
    ]
    assert updates(pj.project(entry(events.REPORT_WITHDRAWN, None))) == []


def test_a_disclosure_publishes_the_content_columns() -> None:
    body = allegation_body()
    disclosed = {"report": OTHER_ID, "salt": "c2FsdA==", "body": body}
    (update,) = updates(pj.project(entry(events.REPORT_DISCLOSED, disclosed)))
    assert update.key == {"id": OTHER_ID}
    assert update.values["disclosed_at"] == 20
    assert (update.values["act"], update.values["body"]) == ("airstrike", pj.canonical_text(body))


def test_evidence_is_a_locker_row_and_the_first_step_of_its_custody() -> None:
    meta = {"media_type": "image/jpeg", "phash": "ff00ff00ff00ff00", "latitude": 31.0}
    body = {"sha256": SHA, "size": 10, "name": "strike.jpg", "report": OTHER_ID, "metadata": meta}
    ops = pj.project(entry(events.EVIDENCE_SUBMITTED, body))
    (row,) = inserted(ops, pj.EVIDENCE)
    assert (row["sha256"], row["report"], row["media_type"], row["phash"]) == (
        SHA,
        OTHER_ID,
        "image/jpeg",
        "ff00ff00ff00ff00",
    )
    assert (row["latitude"], row["longitude"], row["confidential"]) == (31.0, None, False)
    (custody,) = inserted(ops, pj.CUSTODY)
    assert (custody["action"], custody["actor"], custody["to_actor"]) == (
        "submitted",
        "af-liaison-1",
        None,
    )
    assert inserted(pj.project(entry(events.EVIDENCE_SUBMITTED, None)), pj.EVIDENCE) == []


def test_a_custody_step_is_a_custody_row() -> None:
    body = {"sha256": SHA, "action": "transferred", "to": "monitor-1", "note": "sealed bag"}
    (row,) = inserted(pj.project(entry(events.CUSTODY_RECORDED, body)), pj.CUSTODY)
    assert (row["action"], row["to_actor"], row["note"], row["idx"]) == (
        "transferred",
        "monitor-1",
        "sealed bag",
        20,
    )


@pytest.mark.parametrize(
    "event_type", [events.AGREEMENT_PROPOSED, events.REPORT_DISCLOSED, events.CUSTODY_RECORDED]
)
def test_a_public_only_event_without_a_body_cannot_be_projected(event_type: str) -> None:
    with pytest.raises(ValueError, match="must have a public body"):
        pj.project(entry(event_type, None))


def test_memory_tables_apply_inserts_and_updates_in_order() -> None:
    tables = pj.MemoryTables()
    tables.apply(pj.project(entry(events.REPORT_SUBMITTED, allegation_body(), index=5)))
    correction = {"corrects": REPORT_ID, "reason": "revised", "report": allegation_body()}
    tables.apply(pj.project(entry(events.REPORT_CORRECTED, correction, index=6, event_id=OTHER_ID)))
    tables.apply([pj.Update(pj.REPORTS, {"id": "f" * 32}, {"status": pj.WITHDRAWN})])
    rows = tables.rows(pj.REPORTS)
    assert [(r["id"], r["status"], r["superseded_by"]) for r in rows] == [
        (REPORT_ID, pj.CORRECTED, OTHER_ID),
        (OTHER_ID, pj.ACTIVE, None),
    ]
    assert [r["idx"] for r in tables.rows(pj.EVENTS)] == [5, 6]


def test_a_content_digest_does_not_depend_on_key_order() -> None:
    body = allegation_body()
    assert pj.content_digest(dict(reversed(list(body.items())))) == pj.content_digest(body)
    assert pj.content_digest(allegation_body(narrative="other")) != pj.content_digest(body)


def test_memory_tables_find_rows_by_any_column_as_updates_change_them() -> None:
    tables = pj.MemoryTables()
    tables.apply(pj.project(entry(events.REPORT_SUBMITTED, allegation_body(), index=5)))
    assert [r["idx"] for r in tables.find(pj.REPORTS, "status", pj.ACTIVE)] == [5]
    assert tables.find(pj.REPORTS, "id", REPORT_ID)[0]["idx"] == 5
    withdrawal = {"report": REPORT_ID, "reason": "error"}
    tables.apply(pj.project(entry(events.REPORT_WITHDRAWN, withdrawal, index=6, event_id=OTHER_ID)))
    assert tables.find(pj.REPORTS, "status", pj.ACTIVE) == []
    assert [r["withdrawn_at"] for r in tables.find(pj.REPORTS, "status", pj.WITHDRAWN)] == [6]
    assert tables.find(pj.REPORTS, "id", OTHER_ID) == []
