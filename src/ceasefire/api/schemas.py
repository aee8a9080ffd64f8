"""The API's response shapes (version 1): one per resource, mapped once from the services'
dataclasses.

Pydantic models document the shapes in the OpenAPI document and check that every response
keeps to them. Hashes and keys are standard base64, as the log's checkpoints write them. The
casework documents (cases, penalties, meetings, status) are the domain's own dataclasses as
plain JSON (:func:`plain`), the very documents a party recomputes from its copy of the log.
"""

from __future__ import annotations

import base64
from dataclasses import asdict
from dataclasses import fields as dataclass_fields
from typing import Any

from pydantic import BaseModel, ConfigDict

from ceasefire.domain.documents import plain
from ceasefire.geo import BorderPosition, Lookup, Place
from ceasefire.linking.fold import Override
from ceasefire.log.keyring import KeyRecord
from ceasefire.services.evidence import EvidenceView
from ceasefire.services.geography import PlaceCheck
from ceasefire.services.incidents import Incident, Member
from ceasefire.services.log import ConsistencyProof, InclusionProof
from ceasefire.services.reports import ReportView


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


class Shape(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- the log ----------------------------------------------------------------------------------


class InclusionProofOut(Shape):
    """RFC 9162 §2.1.3: the path from entry ``index``'s leaf hash to the root of the tree of
    ``tree_size`` leaves."""

    index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    proof: list[str]

    @classmethod
    def of(cls, proof: InclusionProof) -> InclusionProofOut:
        return cls(
            index=proof.index,
            tree_size=proof.tree_size,
            leaf_hash=b64(proof.leaf_hash),
            root_hash=b64(proof.root_hash),
            proof=[b64(h) for h in proof.proof],
        )


class ConsistencyProofOut(Shape):
    """RFC 9162 §2.1.4: the tree of ``old_size`` leaves is a prefix of that of ``new_size``."""

    old_size: int
    new_size: int
    old_root: str
    new_root: str
    proof: list[str]

    @classmethod
    def of(cls, proof: ConsistencyProof) -> ConsistencyProofOut:
        return cls(
            old_size=proof.old_size,
            new_size=proof.new_size,
            old_root=b64(proof.old_root),
            new_root=b64(proof.new_root),
            proof=[b64(h) for h in proof.proof],
        )


class EntryOut(Shape):
    """One log entry: the signed envelope as the log holds it. A confidential entry's envelope
    carries only its commitment; the sealed content is never part of the log."""

    index: int
    leaf_hash: str
    envelope: dict[str, Any]


# --- the record -------------------------------------------------------------------------------


class ActorOut(Shape):
    """One key of one enrolled actor, valid from ``enrolled_at`` until ``revoked_at``."""

    actor: str
    role: str
    affiliation: str | None
    public_key: str
    enrolled_at: int
    revoked_at: int | None

    @classmethod
    def of(cls, record: KeyRecord) -> ActorOut:
        return cls(
            actor=record.actor,
            role=record.role,
            affiliation=record.affiliation,
            public_key=b64(record.public_key),
            enrolled_at=record.enrolled_at,
            revoked_at=record.revoked_at,
        )


class ReportOut(Shape):
    """A report as the caller may see it: ``body`` None when the caller may not read its
    content; ``redacted`` when withheld sources or a blurred place were taken out."""

    id: str
    index: int
    actor: str
    affiliation: str | None
    kind: str | None
    status: str
    confidential: bool
    disclosed_at: int | None
    corrects: str | None
    superseded_by: str | None
    withdrawn_at: int | None
    time: str
    body: dict[str, Any] | None
    redacted: bool

    @classmethod
    def of(cls, view: ReportView) -> ReportOut:
        # field by field, not ``asdict``: that deep-copied every body, only for it to be
        # replaced (the other fields are plain values), and was half of a page's cost
        found = {field.name: getattr(view, field.name) for field in dataclass_fields(view)}
        found["body"] = dict(view.body) if view.body is not None else None
        return cls(**found)


class MeasuredPlaceOut(Shape):
    """A report's point measured against the border and the agreement's sectors: ``side``
    ``PK``/``AF``, ``undetermined`` when its precision reaches the line, ``outside``;
    ``country`` the one the point itself lies in; ``sector`` the one the report names unless
    the point contradicts it, else the one the point lies in; ``flags`` one sentence per
    contradiction with what the report says of its country and sector."""

    side: str
    country: str | None
    border_km: float
    radius_km: float | None
    sector: str | None
    reason: str
    flags: list[str]

    @classmethod
    def of(cls, check: PlaceCheck) -> MeasuredPlaceOut:
        return cls(**check.to_json())


class ReportDetailOut(ReportOut):
    """One report as the caller may see it, with its place measured (``place`` None when the
    caller sees no place, or a blurred one: measuring the true point would undo the blur)."""

    place: MeasuredPlaceOut | None

    @classmethod
    def detail(cls, view: ReportView, place: PlaceCheck | None) -> ReportDetailOut:
        shown = ReportOut.of(view).model_dump()
        return cls(**shown, place=MeasuredPlaceOut.of(place) if place is not None else None)


class ReportPageOut(Shape):
    """A page of reports, newest first. ``total`` counts what the caller may see that matches;
    ``next_cursor`` (opaque) fetches the next page, None on the last."""

    items: list[ReportOut]
    total: int
    next_cursor: str | None


class EvidenceSubmissionOut(Shape):
    """One submission of a file: who sent it for which report, what the file says of itself,
    the flags raised against the claim and the locker, and its chain of custody."""

    index: int
    report: str | None
    actor: str
    name: str
    size: int
    metadata: dict[str, Any]
    flags: list[dict[str, Any]]
    custody: list[dict[str, Any]]

    @classmethod
    def of(cls, view: EvidenceView) -> EvidenceSubmissionOut:
        return cls(
            index=view.index,
            report=view.report,
            actor=view.actor,
            name=view.name,
            size=view.size,
            metadata=view.metadata.to_body(),
            flags=[plain(flag) for flag in view.flags],
            custody=[plain(step) for step in view.custody],
        )


class EvidenceOut(Shape):
    """A file in the evidence locker, by SHA-256, with each submission the caller may see."""

    sha256: str
    submissions: list[EvidenceSubmissionOut]


class ListOut(Shape):
    """A list of documents (agreement versions, penalties, meetings, commitments) and their
    count."""

    items: list[dict[str, Any]]
    total: int


class CasePageOut(Shape):
    """Cases, oldest first: ``total`` counts every one that matches; ``next_cursor`` (opaque)
    fetches the next page, None on the last (and when no ``limit`` was asked)."""

    items: list[dict[str, Any]]
    total: int
    next_cursor: str | None


class ActorListOut(Shape):
    items: list[ActorOut]
    total: int


# --- incidents --------------------------------------------------------------------------------


class MemberOut(Shape):
    """One report of an incident as the public sees it (an incident is public: a blurred place
    stays blurred and a withheld source unnamed for every caller), the side of the border it
    places the event on and how far from the line, and why the linker joined it: the report it
    was ``linked_to``, the ``score`` of that pair and the ``reasons`` in plain words."""

    report: str
    index: int
    kind: str | None
    act: str | None
    party: str | None
    start: str | None
    end: str | None
    latitude: float | None
    longitude: float | None
    side: str | None
    border_km: float | None
    source: str | None
    origin: str | None
    linked_to: str | None
    score: float | None
    reasons: list[str]

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        return cls(**asdict(member) | {"reasons": list(member.reasons)})


class DecisionOut(Shape):
    """A monitor's confirm, split or merge as the fold applied it, at log ``index``:
    ``result`` the incident it made, ``refused`` why it changed nothing (e.g. a stale merge)."""

    index: int
    type: str
    actor: str
    incident: str
    into: str | None
    result: str | None
    refused: str | None

    @classmethod
    def of(cls, override: Override) -> DecisionOut:
        return cls(**asdict(override))


class IncidentOut(Shape):
    """An incident: the public reports of one event, linked, named by its first report; its
    dates, acts and parties are those of its members."""

    id: str
    confirmed: bool
    start: str | None
    end: str | None
    acts: list[str]
    parties: list[str]
    members: list[MemberOut]
    decisions: list[DecisionOut]

    @classmethod
    def of(cls, incident: Incident) -> IncidentOut:
        return cls(
            id=incident.id,
            confirmed=incident.confirmed,
            start=incident.start,
            end=incident.end,
            acts=list(incident.acts),
            parties=list(incident.parties),
            members=[MemberOut.of(m) for m in incident.members],
            decisions=[DecisionOut.of(d) for d in incident.decisions],
        )


class IncidentPageOut(Shape):
    """A page of incidents, latest activity first; ``total`` counts all that match."""

    items: list[IncidentOut]
    total: int
    next_cursor: str | None


# --- geography --------------------------------------------------------------------------------


class BorderPositionOut(Shape):
    """Which side of the border a point is on (``undetermined`` when its precision reaches
    the line), how far from it, the agreement's sector holding it, and why, in one sentence."""

    latitude: float
    longitude: float
    precision: str
    side: str
    country: str | None
    distance_km: float
    radius_km: float | None
    sector: str | None
    reason: str

    @classmethod
    def of(cls, found: BorderPosition) -> BorderPositionOut:
        return cls(**asdict(found))


class PlaceOut(Shape):
    """A named place, with the precision code a report located by it gets."""

    name: str
    latitude: float
    longitude: float
    country: str
    kind: str
    source: str
    admin1: str | None
    admin1_code: str | None
    alternate_names: list[str]
    geonameid: int | None
    population: int
    sector: str | None
    precision: str

    @classmethod
    def of(cls, place: Place) -> PlaceOut:
        fields = asdict(place) | {"precision": place.precision.value}
        fields["alternate_names"] = list(place.alternate_names)
        return cls(**fields)


class PlaceLookupOut(Shape):
    """What a name means: ``found`` (one candidate), ``ambiguous`` (several: choose by
    country, province or kind) or ``not_found`` (with ``suggestions`` of names like it)."""

    query: str
    status: str
    candidates: list[PlaceOut]
    suggestions: list[str]

    @classmethod
    def of(cls, found: Lookup) -> PlaceLookupOut:
        return cls(
            query=found.query,
            status=found.status.value,
            candidates=[PlaceOut.of(p) for p in found.candidates],
            suggestions=list(found.suggestions),
        )
