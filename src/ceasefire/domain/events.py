"""The mechanism's event types and the bodies they carry, parsed strictly.

Every change of the mechanism's state is one of these events, signed by its actor and appended
to the log. The parsers below are the single definition of each body: the service parses an
event with them before admitting it, and a verifier replaying the log parses it the same way.

=========================  ============================================================
type                       body
=========================  ============================================================
``agreement.proposed``     ``{version, digest, agreement}``: a version of the agreement
``agreement.signed``       ``{version, digest, signatory}``: a party or mediator signs it
``report.submitted``       a report (``kind`` allegation or compliance_claim, and fields)
``report.corrected``       ``{corrects, reason, report}``: a new report replacing one
``report.withdrawn``       ``{report, reason}``
``report.disclosed``       ``{report, salt, body}``: a confidential report made public
``evidence.submitted``     ``{sha256, size, name, report?, metadata}``: a file in the locker
``custody.recorded``       ``{sha256, action, to?, note?, tool?}``: one handling of a file
=========================  ============================================================

The events of verification and enforcement (cases, findings, penalties, meetings) are defined
in :mod:`ceasefire.domain.casework_events`; they are part of the record too, and all public.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from ceasefire.domain.agreements import Agreement
from ceasefire.domain.brief_events import BRIEF_NAMESPACES, BRIEF_TYPES
from ceasefire.domain.casework_events import CASEWORK_NAMESPACES, CASEWORK_TYPES
from ceasefire.domain.evidence import MediaMetadata
from ceasefire.domain.fields import Fields
from ceasefire.domain.incident_events import INCIDENT_NAMESPACES, INCIDENT_TYPES
from ceasefire.domain.media_types import check_file_name
from ceasefire.domain.reports import Report, parse_report
from ceasefire.errors import InvalidInput

AGREEMENT_PROPOSED: Final = "agreement.proposed"
AGREEMENT_SIGNED: Final = "agreement.signed"
REPORT_SUBMITTED: Final = "report.submitted"
REPORT_CORRECTED: Final = "report.corrected"
REPORT_WITHDRAWN: Final = "report.withdrawn"
REPORT_DISCLOSED: Final = "report.disclosed"
EVIDENCE_SUBMITTED: Final = "evidence.submitted"
CUSTODY_RECORDED: Final = "custody.recorded"

RECORD_TYPES: Final = (
    frozenset(
        {
            AGREEMENT_PROPOSED,
            AGREEMENT_SIGNED,
            REPORT_SUBMITTED,
            REPORT_CORRECTED,
            REPORT_WITHDRAWN,
            REPORT_DISCLOSED,
            EVIDENCE_SUBMITTED,
            CUSTODY_RECORDED,
        }
    )
    | CASEWORK_TYPES
    | INCIDENT_TYPES
    | BRIEF_TYPES
)
RECORD_NAMESPACES: Final = (
    "agreement.",
    "report.",
    "evidence.",
    "custody.",
    *CASEWORK_NAMESPACES,
    *INCIDENT_NAMESPACES,
    *BRIEF_NAMESPACES,
)
PUBLIC_ONLY: Final = (
    frozenset(
        {AGREEMENT_PROPOSED, AGREEMENT_SIGNED, REPORT_WITHDRAWN, REPORT_DISCLOSED, CUSTODY_RECORDED}
    )
    | CASEWORK_TYPES
    | INCIDENT_TYPES
    | BRIEF_TYPES
)
"""Types whose body must be public: a confidential agreement or custody step means nothing,
a withdrawal must change the report's status for every mirror of the log, including the
parties' witnesses, which do not hold sealed content, and every witness must recompute the
cases, findings, penalties and status from the casework, and the incidents."""


class CustodyAction(StrEnum):
    SUBMITTED = "submitted"
    VIEWED = "viewed"
    COPIED = "copied"
    ANALYSED = "analysed"
    TRANSFERRED = "transferred"
    SEALED = "sealed"


@dataclass(frozen=True)
class AgreementProposed:
    agreement: Agreement

    @property
    def version(self) -> int:
        return self.agreement.version


@dataclass(frozen=True)
class AgreementSigned:
    version: int
    digest: str
    signatory: str


@dataclass(frozen=True)
class ReportCorrected:
    corrects: str
    reason: str
    report: Report


@dataclass(frozen=True)
class ReportWithdrawn:
    report: str
    reason: str


@dataclass(frozen=True)
class ReportDisclosed:
    report: str
    salt: str
    body: Mapping[str, Any]


@dataclass(frozen=True)
class EvidenceSubmitted:
    sha256: str
    size: int
    name: str
    report: str | None
    metadata: MediaMetadata


@dataclass(frozen=True)
class CustodyRecorded:
    sha256: str
    action: CustodyAction
    to: str | None
    note: str | None
    tool: str | None


def agreement_proposed(body: Mapping[str, Any]) -> AgreementProposed:
    fields = Fields(body, "body")
    version = fields.integer("version", minimum=1)
    digest = fields.digest("digest")
    agreement = Agreement.from_document(fields.raw("agreement"))
    fields.done()
    if agreement.version != version:
        raise InvalidInput(
            f"the event proposes version {version}, the document is version {agreement.version}",
            field="body.version",
        )
    if agreement.digest() != digest:
        raise InvalidInput(
            f"the document's digest is {agreement.digest()}, the event says {digest}",
            field="body.digest",
        )
    return AgreementProposed(agreement)


def agreement_signed(body: Mapping[str, Any]) -> AgreementSigned:
    fields = Fields(body, "body")
    signed = AgreementSigned(
        version=fields.integer("version", minimum=1),
        digest=fields.digest("digest"),
        signatory=fields.ident("signatory"),
    )
    fields.done()
    return signed


def report_submitted(body: Mapping[str, Any]) -> Report:
    return parse_report(body, "body")


def report_corrected(body: Mapping[str, Any]) -> ReportCorrected:
    fields = Fields(body, "body")
    corrected = ReportCorrected(
        corrects=fields.event_id("corrects"),
        reason=fields.text("reason", max_length=2000),
        report=parse_report(fields.raw("report"), "body.report"),
    )
    fields.done()
    return corrected


def report_withdrawn(body: Mapping[str, Any]) -> ReportWithdrawn:
    fields = Fields(body, "body")
    withdrawn = ReportWithdrawn(
        report=fields.event_id("report"), reason=fields.text("reason", max_length=2000)
    )
    fields.done()
    return withdrawn


def report_disclosed(body: Mapping[str, Any]) -> ReportDisclosed:
    fields = Fields(body, "body")
    content = fields.raw("body")
    if not isinstance(content, Mapping):
        raise InvalidInput(
            f"expected the report's body, an object, found {content!r:.60}", field="body.body"
        )
    disclosed = ReportDisclosed(
        report=fields.event_id("report"), salt=fields.text("salt", max_length=64), body=content
    )
    fields.done()
    return disclosed


def evidence_submitted(body: Mapping[str, Any]) -> EvidenceSubmitted:
    fields = Fields(body, "body")
    name = fields.text("name", max_length=255)
    check_file_name(name, field=fields.where("name"))
    submitted = EvidenceSubmitted(
        sha256=fields.sha256("sha256"),
        size=fields.integer("size", minimum=0),
        name=name,
        report=fields.optional("report", fields.event_id),
        metadata=MediaMetadata.from_body(fields.raw("metadata"), field="body.metadata"),
    )
    fields.done()
    return submitted


def custody_recorded(body: Mapping[str, Any]) -> CustodyRecorded:
    fields = Fields(body, "body")
    action = fields.enum("action", CustodyAction)
    recorded = CustodyRecorded(
        sha256=fields.sha256("sha256"),
        action=action,
        to=fields.optional("to", fields.ident),
        note=fields.optional("note", lambda n: fields.text(n, max_length=2000)),
        tool=fields.optional("tool", lambda n: fields.text(n, max_length=200)),
    )
    fields.done()
    if action is CustodyAction.SUBMITTED:
        raise InvalidInput(
            "a file is submitted by an evidence.submitted event, not recorded as custody",
            field="body.action",
        )
    if (action is CustodyAction.TRANSFERRED) != (recorded.to is not None):
        raise InvalidInput(
            "a transfer names the actor it goes to (to), and only a transfer does",
            field="body.to",
        )
    return recorded
