"""An export says each report's verification status, its incident's as the map tells it
(``services.map_data.status_of``), and is filtered by it: a report linked to no incident (a
compliance claim, a confidential report) has none and is in no export filtered by status."""

from __future__ import annotations

import csv
import io
from typing import Final

import pytest

from ceasefire.domain import casework_events as ce
from ceasefire.interchange.formats import Format
from ceasefire.services import casework as cw
from ceasefire.services import exports as export_service
from ceasefire.services import incidents
from ceasefire.services.map_data import MapStatus
from tests.integration.test_casework import to_proposal
from tests.record_factories import Mechanism
from tests.report_bodies import allegation_body, compliance_body

DAYS: Final = ("2025-10-12", "2025-10-16", "2025-10-20", "2025-10-24", "2025-10-28")
"""One allegation a day, four days apart: each its own incident."""


def alleged(mechanism: Mechanism, day: str) -> str:
    dates = {"start": day, "end": day, "precision": "day"}
    return mechanism.submit("af_liaison", allegation_body(dates=dates))


def opened(mechanism: Mechanism, report: str) -> str:
    case = cw.open_case(mechanism.store, mechanism.signer("monitor"), [report]).id
    mechanism.act("monitor", ce.CASE_ASSIGNED, {"case": case, "monitor": "monitor-1"})
    return case


def record_of_every_status(mechanism: Mechanism) -> dict[str, str]:
    """Report id → the verification status its export row must say ("" for none)."""
    verified, open_case, dismissed, confirmed, plain = (alleged(mechanism, d) for d in DAYS)
    case = opened(mechanism, verified)
    proposal = to_proposal(mechanism, case)
    for mediator in ("tr_mediator", "qa_mediator"):
        signature = {"case": case, "finding": proposal, "concurs": True}
        mechanism.act(mediator, ce.FINDING_SIGNED, signature)
    mechanism.act("tr_mediator", ce.FINDING_ISSUED, {"case": case, "finding": proposal})
    opened(mechanism, open_case)
    closed = opened(mechanism, dismissed)
    mechanism.act("monitor", ce.CASE_CLOSED, {"case": closed, "reason": "duplicate report"})
    incident = incidents.incident_of(mechanism.store)(confirmed)
    assert incident is not None
    incidents.confirm(mechanism.store, mechanism.signer("monitor"), incident, "One event.")
    claim = mechanism.submit("af_liaison", compliance_body())
    return {
        verified: "verified", open_case: "case", dismissed: "dismissed",
        confirmed: "confirmed", plain: "unconfirmed", claim: "",
    }  # fmt: skip


def exported(
    mechanism: Mechanism, fmt: Format = Format.CSV, verification: MapStatus | None = None
) -> dict[str, dict[str, str]]:
    out = io.StringIO()
    query = export_service.ExportFilter(verification=verification)
    export_service.export_reports(mechanism.store, None, fmt, out, query)
    return {row["report_id"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}


def test_every_row_says_the_verification_status_of_its_report_s_incident(
    mechanism: Mechanism,
) -> None:
    expected = record_of_every_status(mechanism)
    for fmt in (Format.ACLED, Format.UCDP, Format.CSV):
        rows = exported(mechanism, fmt)
        assert {report: row["verification"] for report, row in rows.items()} == expected, fmt
        incidents_of = {row["incident_id"] for report, row in rows.items() if expected[report]}
        assert len(incidents_of) == 5  # five incidents, one per status


@pytest.mark.parametrize("status", list(MapStatus))
def test_an_export_filtered_by_verification_status_holds_the_reports_of_that_status(
    mechanism: Mechanism, status: MapStatus
) -> None:
    expected = record_of_every_status(mechanism)
    rows = exported(mechanism, verification=status)
    assert set(rows) == {report for report, said in expected.items() if said == status.value}
    assert len(rows) == 1


def test_a_confidential_report_has_no_verification_status_even_for_who_may_read_it(
    mechanism: Mechanism,
) -> None:
    secret = mechanism.submit("pk_liaison", allegation_body(alleged_party="af"), confidential=True)
    out = io.StringIO()
    mediator = mechanism.actor("tr_mediator")
    export_service.export_reports(mechanism.store, mediator, Format.CSV, out)
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert (row["report_id"], row["incident_id"], row["verification"]) == (secret, "", "")
    query = export_service.ExportFilter(verification=MapStatus.UNCONFIRMED)
    assert export_service.export_reports(mechanism.store, mediator, Format.CSV, out, query) == 0


def test_a_withdrawn_or_corrected_report_names_no_incident_and_every_named_one_opens(
    mechanism: Mechanism,
) -> None:
    kept, withdrawn, corrected = (alleged(mechanism, day) for day in DAYS[:3])
    mechanism.withdraw("af_liaison", withdrawn)
    correction = mechanism.correct("af_liaison", corrected, allegation_body(narrative="Later."))
    out = io.StringIO()
    export_service.export_reports(
        mechanism.store, None, Format.CSV, out, export_service.ExportFilter(status="all")
    )
    rows = {row["report_id"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows[withdrawn]["incident_id"] == rows[corrected]["incident_id"] == ""
    for report in (kept, correction):
        incidents.show_incident(mechanism.store, rows[report]["incident_id"])  # it opens
