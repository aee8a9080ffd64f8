"""Admitting the mechanism's events: the rules of the record, checked inside the append lock.

The keyring has already said the signer's key may sign at this index; this module says whether
the event makes sense for the record as it stands (the agreement in force, the report it
corrects, the evidence it handles) and whether the policy lets this actor do it. An admitted
event becomes row operations (``domain.projection``) written in the same transaction as its
leaf, so the read models never lag the log. One refused event refuses the whole batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Final

from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.actors import Actor, actor_from, check_enrolment
from ceasefire.domain.adoption import Adoption, Proposal, Signature, adoptions, in_force
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.brief_events import BRIEF_TYPES, brief_published
from ceasefire.domain.casework_events import CASEWORK_TYPES
from ceasefire.domain.custody import Handling, check_handling
from ceasefire.domain.incident_events import (
    INCIDENT_TYPES,
    IncidentMerged,
    IncidentSplit,
    parse_incident_event,
)
from ceasefire.domain.policy import Action, Record, decide, may_read, may_see_file, require
from ceasefire.domain.report_origin import origin_key
from ceasefire.domain.reports import Observation, Report, ReportKind, check_report
from ceasefire.errors import CeasefireError, Conflict, InvalidInput, NotFound, PermissionDenied
from ceasefire.log.envelope import Envelope, Sealed, b64decode_exact, body_text
from ceasefire.log.keyring import KEY_ENROLLED, KeyRecord, Keyring
from ceasefire.services.casework_admission import CaseworkAdmission
from ceasefire.services.ports import RecordView, Row


class Admission:
    """The admission of one batch: each event sees the record as the events before it left it."""

    def __init__(self, view: RecordView, keyring: Keyring) -> None:
        self._view = view
        self._keyring = keyring
        self._overlay = pj.MemoryTables()
        self._ids: dict[str, int] = {}
        self._stored: frozenset[str] = frozenset()
        """The batch's event ids the log held before it (``_ids`` also gains the batch's own)."""
        self._agreements: list[Row] | None = None
        self._signatures: list[Row] | None = None
        self._adoption: tuple[int, Adoption | None] | None = None
        self._prefetched: dict[tuple[str, str], dict[Any, list[Row]]] = {}
        self._digests: dict[str, str] = {}
        self._texts: dict[str, str] = {}
        self._casework = CaseworkAdmission(self, keyring)
        self.ops: list[pj.Op] = []

    @property
    def view(self) -> RecordView:
        return self._view

    def prefetch(self, batch: Iterable[tuple[Envelope, Sealed | None]]) -> None:
        """Look up the batch's event ids, and the reports its reports might duplicate, together
        (one round trip on PostgreSQL) rather than one query per event."""
        envelopes = list(batch)
        for envelope, sealed in envelopes:
            content = envelope.body if sealed is None else sealed.body
            if envelope.type == events.REPORT_SUBMITTED and content is not None:
                # A public body's canonical text is already in its leaf: slice it out.
                text = (
                    body_text(envelope.to_leaf())
                    if sealed is None
                    else sealed.canonical_body().decode()
                )
                self._texts[envelope.id] = text
                self._digests[envelope.id] = pj.digest_of(text)
        digests = list(self._digests.values())
        indices, rows = self._view.lookup([e.id for e, _ in envelopes], digests)
        self._ids.update(indices)
        self._stored = self._stored | indices.keys()
        found: dict[Any, list[Row]] = {digest: [] for digest in digests}
        for row in rows:
            found[row["digest"]].append(row)
        self._prefetched[(pj.REPORTS, "digest")] = found
        origins = {o for e, s in envelopes if (o := _origin_key(e, s)) is not None}
        if origins:  # an import's chunk: the rows of the dataset the record holds already
            by_origin: dict[Any, list[Row]] = {origin: [] for origin in origins}
            for row in self._view.rows(pj.REPORTS, "origin", origins):
                by_origin[row["origin"]].append(row)
            self._prefetched[(pj.REPORTS, "origin")] = by_origin

    def admit(self, envelope: Envelope, sealed: Sealed | None, index: int) -> None:
        previous = self._ids.get(envelope.id)
        if previous is not None and envelope.id not in self._stored:
            raise Conflict(
                f"event {envelope.id} appears twice in this batch (at index {previous} and "
                "again): send each event once",
                field="id",
            )
        if previous is not None:
            raise Conflict(
                f"event {envelope.id} is already in the log at index {previous}: a replayed "
                "or duplicated submission appends nothing",
                field="id",
            )
        signer = self._keyring.record(envelope.key)
        if signer is None:  # the keyring admitted the envelope, so this cannot happen
            raise PermissionDenied(f"key of {envelope.actor!r} is not enrolled", field="key")
        entry = pj.Entry(
            index=index,
            id=envelope.id,
            type=envelope.type,
            actor=envelope.actor,
            affiliation=signer.affiliation,
            time=envelope.time_text,
            body=envelope.body,
            commitment=envelope.commitment,
            sealed=sealed.body if sealed is not None else None,
            text=self._texts.get(envelope.id),
            digest=self._digests.get(envelope.id),
        )
        try:
            self._check(entry, signer)
        except CeasefireError as exc:
            if sealed is None:
                raise
            raise _in_sealed(exc) from exc
        ops = pj.project(entry)
        self._bring_into_overlay(ops)
        self._overlay.apply(ops)
        self.ops.extend(ops)
        self._ids[envelope.id] = index

    def _bring_into_overlay(self, ops: list[pj.Op]) -> None:
        """A stored row this batch updates is copied into the overlay first, so the events
        after it in the batch see it updated."""
        for op in ops:
            if isinstance(op, pj.Update):
                (column,) = pj.KEYS[op.table]
                value = op.key[column]
                if not self._overlay.find(op.table, column, value):
                    stored = self._view.rows(op.table, column, [value])
                    self._overlay.apply([pj.Insert(op.table, dict(row)) for row in stored])

    def _check(self, entry: pj.Entry, signer: KeyRecord) -> None:
        if entry.type == KEY_ENROLLED:
            self._enrolment(_public(entry))
            return
        if not entry.type.startswith(events.RECORD_NAMESPACES):
            return  # a note outside the record: logged and verified, nothing more
        if entry.type not in events.RECORD_TYPES:
            known = ", ".join(sorted(events.RECORD_TYPES))
            raise InvalidInput(
                f"unknown event type {entry.type!r}; the record's are {known}", field="type"
            )
        if entry.type in events.PUBLIC_ONLY and entry.confidential:
            raise InvalidInput(f"a {entry.type} event must be public", field="commitment")
        actor = actor_from(signer.actor, signer.role, signer.affiliation)
        content = entry.content
        assert content is not None  # the log refuses a commitment without its sealed content
        if entry.type in CASEWORK_TYPES:
            self._casework.check(entry, actor, content)
            return
        _CHECKS[entry.type](self, entry, actor, content)

    # -- agreements -------------------------------------------------------------------------

    def _enrolment(self, body: Mapping[str, Any]) -> None:
        try:
            actor = actor_from(body["actor"], body["role"], body.get("affiliation"))
            latest = self.latest_proposal()
            parties = tuple(p.id for p in latest.agreement.parties) if latest else ()
            mediators = tuple(m.id for m in latest.agreement.mediators) if latest else ()
            check_enrolment(actor, parties, mediators)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field=f"body.{exc.field}") from exc

    def _proposed(self, entry: pj.Entry, actor: Actor, content: Mapping[str, Any]) -> None:
        require(actor, Action.PROPOSE_AGREEMENT)
        proposed = events.agreement_proposed(content)
        latest = self.latest_proposal()
        expected = latest.version + 1 if latest else 1
        if proposed.version != expected:
            raise Conflict(
                f"expected version {expected} (the next after "
                f"{latest.version if latest else 'none'}), found {proposed.version}",
                field="body.version",
            )

    def _signed(self, entry: pj.Entry, actor: Actor, content: Mapping[str, Any]) -> None:
        require(actor, Action.SIGN_AGREEMENT)
        signed = events.agreement_signed(content)
        proposal = next((p for p in self.proposals() if p.version == signed.version), None)
        if proposal is None:
            raise NotFound(
                f"no version {signed.version} of the agreement was proposed", field="body.version"
            )
        if signed.digest != proposal.digest:
            raise InvalidInput(
                f"version {signed.version} has digest {proposal.digest}, found {signed.digest}",
                field="body.digest",
            )
        if signed.signatory != actor.affiliation:
            raise PermissionDenied(
                f"{actor.describe()} signs for {actor.affiliation!r}, not {signed.signatory!r}",
                field="body.signatory",
            )
        if signed.signatory not in proposal.agreement.signatories():
            raise PermissionDenied(
                f"{signed.signatory!r} is not a signatory of version {signed.version}; they are "
                f"{', '.join(proposal.agreement.signatories())}",
                field="body.signatory",
            )
        for row in self._signature_rows():
            if row["version"] == signed.version and row["signatory"] == signed.signatory:
                raise Conflict(
                    f"{signed.signatory} already signed version {signed.version} at index "
                    f"{row['idx']}",
                    field="body.signatory",
                )

    def proposals(self) -> list[Proposal]:
        return [
            Proposal(_agreement(row["document"]), row["digest"], row["idx"])
            for row in sorted(self._agreement_rows(), key=lambda r: r["version"])
        ]

    def latest_proposal(self) -> Proposal | None:
        proposals = self.proposals()
        return proposals[-1] if proposals else None

    def in_force(self) -> Adoption | None:
        """The version in force, recomputed only when this batch changed the agreements."""
        made = len(self._overlay.tables[pj.AGREEMENTS]) + len(self._overlay.tables[pj.SIGNATURES])
        if self._adoption is None or self._adoption[0] != made:
            self._adoption = (made, self._compute_in_force())
        return self._adoption[1]

    def _compute_in_force(self) -> Adoption | None:
        return in_force(adoptions(self.proposals(), self.signatures()))

    def _agreement_rows(self) -> list[Row]:
        if self._agreements is None:
            self._agreements = list(self._view.all_rows(pj.AGREEMENTS))
        return [*self._agreements, *self._overlay.rows(pj.AGREEMENTS)]

    def signatures(self) -> list[Signature]:
        return [
            Signature(r["version"], r["signatory"], r["digest"], r["actor"], r["idx"])
            for r in self._signature_rows()
        ]

    def report_rows(self) -> list[Row]:
        """Every report row, this batch's included (for evaluating the record)."""
        mine = self._overlay.rows(pj.REPORTS)
        ids = {row["id"] for row in mine}
        stored = [r for r in self._view.all_rows(pj.REPORTS) if r["id"] not in ids]
        return [*stored, *mine]

    def batch_rows(self) -> list[Row]:
        """The casework rows this batch has admitted so far."""
        return list(self._overlay.rows(pj.CASEWORK))

    def may_see_evidence(self, actor: Actor, sha256: str) -> bool:
        return any(self._may_see(actor, row) for row in self._find(pj.EVIDENCE, "sha256", sha256))

    def _signature_rows(self) -> list[Row]:
        if self._signatures is None:
            self._signatures = list(self._view.all_rows(pj.SIGNATURES))
        return [*self._signatures, *self._overlay.rows(pj.SIGNATURES)]

    # -- reports ----------------------------------------------------------------------------

    def _submitted(self, entry: pj.Entry, actor: Actor, content: Mapping[str, Any]) -> None:
        report = events.report_submitted(content)
        self._check_report(report, actor, "body", entry.time)
        self._refuse_duplicate(entry, content)
        self._refuse_second_row(report, actor, "body")

    def _corrected(self, entry: pj.Entry, actor: Actor, content: Mapping[str, Any]) -> None:
        corrected = events.report_corrected(content)
        target = self._active_report(
            corrected.corrects, actor, Action.CORRECT_REPORT, "body.corrects"
        )
        if target["kind"] is not None and target["kind"] != corrected.report.kind:
            raise InvalidInput(
                f"a correction keeps the report's kind: {target['kind']}, found "
                f"{corrected.report.kind}",
                field="body.report.kind",
            )
        self._check_report(corrected.report, actor, "body.report", entry.time)
        self._refuse_second_row(corrected.report, actor, "body.report", target["id"])

    def _withdrawn(self, entry: pj.Entry, actor: Actor, content: Mapping[str, Any]) -> None:
        withdrawn = events.report_withdrawn(content)
        self._active_report(withdrawn.report, actor, Action.WITHDRAW_REPORT, "body.report")

    def _disclosed(self, entry: pj.Entry, actor: Actor, content: Mapping[str, Any]) -> None:
        disclosed = events.report_disclosed(content)
        target = self.report(disclosed.report, "body.report", actor)
        require(actor, Action.DISCLOSE_REPORT, record_of(target))
        if not target["confidential"]:
            raise Conflict(f"report {disclosed.report} is public already", field="body.report")
        if target["disclosed_at"] is not None:
            raise Conflict(
                f"report {disclosed.report} was disclosed at index {target['disclosed_at']}",
                field="body.report",
            )
        salt = b64decode_exact(disclosed.salt, size=32, field="body.salt")
        if not Sealed(salt, dict(disclosed.body)).matches(target["sealed_commitment"]):
            raise InvalidInput(
                f"the salt and body do not open the commitment {target['sealed_commitment']} "
                f"of report {disclosed.report}: a disclosure must be the sealed content, "
                "unchanged",
                field="body.body",
            )

    def _check_report(self, report: Report, actor: Actor, where: str, signed: str) -> None:
        """``report`` may be submitted by ``actor`` under the agreement in force, and tells of
        an event that had happened when it was signed (at ``signed``)."""
        action = _SUBMIT[report.kind]
        require(actor, action)
        _check_not_after(report, signed, where)
        adoption = self.in_force()
        if adoption is None:
            raise Conflict(
                "no version of the agreement is in force yet: reports are checked against the "
                "adopted agreement (propose it, and have every party and mediator sign it)",
                field="type",
            )
        try:
            check_report(report, adoption.agreement, submitter_party=actor.party())
        except (InvalidInput, PermissionDenied) as exc:
            raise type(exc)(exc.message, field=f"{where}.{exc.field}") from exc

    def _refuse_duplicate(self, entry: pj.Entry, content: Mapping[str, Any]) -> None:
        digest = self._digests.get(entry.id) or pj.content_digest(content)
        for row in self._find(pj.REPORTS, "digest", digest):
            if row["actor"] == entry.actor and row["status"] == pj.ACTIVE:
                raise Conflict(
                    f"this report was already submitted by {entry.actor} as {row['id']} at "
                    f"index {row['idx']}",
                    field="body",
                )

    def _refuse_second_row(
        self, report: Report, actor: Actor, where: str, corrects: str | None = None
    ) -> None:
        """One active report per row of a dataset: a newer release of the row corrects the
        report that holds it (``report.corrected``), so the record says what changed and the
        row is not counted twice. A report ``actor`` may not read is not named (nor counted:
        admission must not reveal a confidential report exists)."""
        if not isinstance(report, Observation) or report.origin is None:
            return
        origin = report.origin
        held = [
            row
            for row in self._find(pj.REPORTS, "origin", origin.key)
            if row["status"] == pj.ACTIVE
            and row["id"] != corrects
            and may_read(actor, record_of(row))
        ]
        if held:
            first = min(held, key=lambda row: int(row["idx"]))
            raise Conflict(
                f"row {origin.id} of {origin.dataset} is in the record already, as report "
                f"{first['id']} (index {first['idx']}): a newer release of a row corrects "
                "that report (report.corrected), it is not submitted again",
                field=f"{where}.origin.id",
            )

    def _active_report(self, report_id: str, actor: Actor, action: Action, where: str) -> Row:
        target = self.report(report_id, where, actor)
        require(actor, action, record_of(target))
        if target["status"] != pj.ACTIVE:
            by = target["superseded_by"] or f"the withdrawal at index {target['withdrawn_at']}"
            raise Conflict(f"report {report_id} is {target['status']} (by {by})", field=where)
        return target

    def report(self, report_id: str, where: str, actor: Actor) -> Row:
        """The report, if ``actor`` may read it: a confidential report it may not read answers
        exactly as a missing one does, so no one can probe for confidential ids."""
        rows = self._find(pj.REPORTS, "id", report_id)
        if not rows or not may_read(actor, record_of(rows[0])):
            raise NotFound(f"no report {report_id} in the record", field=where)
        return rows[0]

    # -- evidence ---------------------------------------------------------------------------

    def _evidence(self, entry: pj.Entry, actor: Actor, content: Mapping[str, Any]) -> None:
        require(actor, Action.SUBMIT_EVIDENCE)
        submitted = events.evidence_submitted(content)
        if submitted.report is not None:
            self.report(submitted.report, "body.report", actor)
            for row in self._find(pj.EVIDENCE, "sha256", submitted.sha256):
                if row["report"] == submitted.report:
                    raise Conflict(
                        f"file {submitted.sha256} is already evidence for report "
                        f"{submitted.report} (index {row['idx']})",
                        field="body.sha256",
                    )

    def _custody(self, entry: pj.Entry, actor: Actor, content: Mapping[str, Any]) -> None:
        """A handling of a file the actor may see; a transfer or a seal only by a holder of
        the file (``domain.custody``), a transfer only to an actor who may hold it."""
        require(actor, Action.RECORD_CUSTODY)
        recorded = events.custody_recorded(content)
        if not self.may_see_evidence(actor, recorded.sha256):
            raise NotFound(f"no evidence {recorded.sha256} in the locker", field="body.sha256")
        if recorded.to is not None:
            self._check_recipient(recorded.sha256, recorded.to, entry.index)
        chain = self._custody_chain(recorded.sha256)
        check_handling(recorded.sha256, chain, entry.actor, recorded.action, recorded.to)

    def _check_recipient(self, sha256: str, to: str, index: int) -> None:
        """The actor a file is handed to is enrolled (a key not revoked), has a role that
        records custody, and may see the file: a chain that hands a party's confidential
        evidence to an observer, or to the other side, would give it to someone the policy
        keeps it from."""
        current = [
            r for r in self._keyring.keys_of(to) if r.revoked_at is None or r.revoked_at >= index
        ]
        if not current:
            raise NotFound(f"no actor {to!r} is enrolled", field="body.to")
        recipient = actor_from(to, current[-1].role, current[-1].affiliation)
        decision = decide(recipient, Action.RECORD_CUSTODY)
        if not decision:
            raise PermissionDenied(
                f"file {sha256} cannot go to {to}: {decision.reason}", field="body.to"
            )
        if not self.may_see_evidence(recipient, sha256):
            raise PermissionDenied(
                f"file {sha256} cannot go to {to}: {recipient.describe()} may not see it (it "
                "supports a confidential report, or was submitted confidentially)",
                field="body.to",
            )

    def _custody_chain(self, sha256: str) -> list[Handling]:
        """The file's chain of custody so far (its submissions first), in log order: the
        stored rows and this batch's."""
        rows = sorted(self._find(pj.CUSTODY, "sha256", sha256), key=lambda r: int(r["idx"]))
        return [
            Handling(r["idx"], events.CustodyAction(r["action"]), r["actor"], r["to_actor"])
            for r in rows
        ]

    # -- incidents --------------------------------------------------------------------------

    def _incident(self, entry: pj.Entry, actor: Actor, content: Mapping[str, Any]) -> None:
        """A decision on an incident names public reports the record holds; whether they still
        form that incident is the linker's business: ``services.incidents`` refuses one that
        would change nothing before signing it, and the fold keeps one that no longer fits
        (raced, or posted from elsewhere) as refused, with the reason."""
        require(actor, Action.LINK_INCIDENTS)
        decision = parse_incident_event(entry.type, content)
        named = [("body.incident", decision.incident)]
        if isinstance(decision, IncidentSplit):
            named += [(f"body.reports[{i}]", r) for i, r in enumerate(decision.reports)]
        elif isinstance(decision, IncidentMerged):
            named.append(("body.into", decision.into))
        for where, report_id in named:
            row = self.report(report_id, where, actor)
            if row["confidential"] and row["disclosed_at"] is None:
                raise Conflict(
                    f"report {report_id} is confidential: incidents are formed from public "
                    "reports only (disclose it first)",
                    field=where,
                )

    # -- briefs -----------------------------------------------------------------------------

    def _brief(self, entry: pj.Entry, actor: Actor, content: Mapping[str, Any]) -> None:
        """A published brief names a checkpoint the log had reached before it."""
        require(actor, Action.PUBLISH_BRIEF)
        published = brief_published(content)
        if published.checkpoint_size > entry.index:
            raise InvalidInput(
                f"the brief names checkpoint size {published.checkpoint_size}, but the log held "
                f"{entry.index} entries when it was published",
                field="body.checkpoint.size",
            )

    def _may_see(self, actor: Actor, evidence: Row) -> bool:
        if evidence["report"] is None:
            return may_see_file(actor, file_record(evidence), None)
        reports = self._find(pj.REPORTS, "id", evidence["report"])
        return bool(reports) and may_see_file(actor, file_record(evidence), record_of(reports[0]))

    def _find(self, table: str, column: str, value: Any) -> list[Row]:
        """Rows from this batch first (they are the newest), then from the store."""
        key_columns = pj.KEYS[table]
        mine = self._overlay.find(table, column, value)
        seen = {tuple(r[k] for k in key_columns) for r in mine}
        prefetched = self._prefetched.get((table, column), {})
        rows = prefetched[value] if value in prefetched else self._view.rows(table, column, [value])
        stored = [r for r in rows if tuple(r[k] for k in key_columns) not in seen]
        return [*mine, *stored]


def _origin_key(envelope: Envelope, sealed: Sealed | None) -> str | None:
    """``dataset:id`` of the dataset row a submitted or corrected report carries (as the
    projection keys it), if it carries one; the report's own checks come later."""
    content = envelope.body if sealed is None else sealed.body
    if envelope.type == events.REPORT_CORRECTED and isinstance(content, Mapping):
        content = content.get("report")
    if envelope.type not in _REPORTING or not isinstance(content, Mapping):
        return None
    origin = content.get("origin")
    if not isinstance(origin, Mapping):
        return None
    dataset, row = origin.get("dataset"), origin.get("id")
    return origin_key(dataset, row) if isinstance(dataset, str) and isinstance(row, str) else None


_REPORTING: Final = frozenset({events.REPORT_SUBMITTED, events.REPORT_CORRECTED})

_CHECKS = {
    events.AGREEMENT_PROPOSED: Admission._proposed,
    events.AGREEMENT_SIGNED: Admission._signed,
    events.REPORT_SUBMITTED: Admission._submitted,
    events.REPORT_CORRECTED: Admission._corrected,
    events.REPORT_WITHDRAWN: Admission._withdrawn,
    events.REPORT_DISCLOSED: Admission._disclosed,
    events.EVIDENCE_SUBMITTED: Admission._evidence,
    events.CUSTODY_RECORDED: Admission._custody,
    **dict.fromkeys(INCIDENT_TYPES, Admission._incident),
    **dict.fromkeys(BRIEF_TYPES, Admission._brief),
}


_SUBMIT: Final = {
    ReportKind.ALLEGATION: Action.SUBMIT_ALLEGATION,
    ReportKind.COMPLIANCE_CLAIM: Action.SUBMIT_COMPLIANCE_CLAIM,
    ReportKind.OBSERVATION: Action.SUBMIT_OBSERVATION,
}


def record_of(row: Row) -> Record:
    """What the policy needs about a stored report row."""
    return Record(
        owner=row["actor"],
        owner_affiliation=row["affiliation"],
        confidential=bool(row["confidential"]),
        disclosed=row["disclosed_at"] is not None,
    )


def _public(entry: pj.Entry) -> Mapping[str, Any]:
    if entry.body is None:
        raise InvalidInput(f"a {entry.type} event must be public", field="commitment")
    return entry.body


@lru_cache(maxsize=16)
def _agreement(document: str) -> Agreement:
    return Agreement.from_document(json.loads(document))


def file_record(row: Row) -> Record:
    """What the policy needs about a stored evidence row (its own submission)."""
    return Record(row["actor"], row["affiliation"], confidential=bool(row["confidential"]))


def _in_sealed(exc: CeasefireError) -> CeasefireError:
    """A confidential event's content is its sealed body: ``body.x`` is ``sealed.body.x``."""
    field = exc.field
    if field is None or not (field == "body" or field.startswith(("body.", "body["))):
        return exc
    return type(exc)(exc.message, field=f"sealed.{field}")


_GRACE: Final = timedelta(days=1)
"""A report's days are the places' own: signed at 23:00 UTC, it may tell of the next day in
Pakistan (UTC+5) or Afghanistan (UTC+4:30)."""


def _check_not_after(report: Report, signed: str, where: str) -> None:
    """An event is reported after it happens: no day of it later than the signing day (and
    :data:`_GRACE`)."""
    latest = date.fromisoformat(signed[:10]) + _GRACE
    for name, day in (("start", report.dates.start), ("end", report.dates.end)):
        if day > latest:
            raise InvalidInput(
                f"{day.isoformat()} is after the report was signed ({signed}): an event is "
                "reported once it has happened",
                field=f"{where}.dates.{name}",
            )
