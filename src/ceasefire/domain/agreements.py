"""The agreement as data: the whole, read, checked and written back.

An :class:`Agreement` is one version of the declarative agreement file (docs/agreement-format.md).
It is read strictly (:meth:`Agreement.from_document`), checked whole in its constructor (every
id it names exists, ids are unique, clocks start once the agreement is in force), and written
back as a JSON-able document whose canonical JSON is hashed into the log
(:meth:`Agreement.digest`). Enforcement is computed from it; nothing about one conflict is
hard-coded.

Its parts live in their own modules and are re-exported here, so callers import everything
agreement-shaped from this module: parties, mediators, clauses, places and meetings in
:mod:`ceasefire.domain.agreement_parts`; prohibited acts, commitments and verification in
:mod:`ceasefire.domain.agreement_rules`; commitment clocks in
:mod:`ceasefire.domain.agreement_clocks`; the condition language, penalties and status in
:mod:`ceasefire.domain.agreement_conditions`.

Every refusal is an :class:`InvalidInput` whose ``field`` is the path at fault
(``commitments[1].party``) and whose message says what was expected and what was found.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

from ceasefire.domain.agreement_clocks import Clock, DueDate, Recurring
from ceasefire.domain.agreement_conditions import (
    AllOf,
    AnyOf,
    Condition,
    Metric,
    PenaltyStep,
    Status,
    StatusRule,
    When,
    conditions,
)
from ceasefire.domain.agreement_parts import (
    CLAUSE_ID,
    AgreementPlace,
    Clause,
    Decision,
    DecisionKind,
    Mediator,
    Meeting,
    Party,
    Region,
    Sector,
)
from ceasefire.domain.agreement_rules import (
    ACLED_EVENT_TYPES,
    UCDP_TYPES,
    AcledType,
    ActType,
    Attribution,
    Commitment,
    CommitmentKind,
    VerificationRules,
    WitnessRules,
    document,
)
from ceasefire.domain.fields import Fields, build
from ceasefire.errors import InvalidInput, NotFound
from ceasefire.log.canonical import canonical_json

__all__ = [
    "ACLED_EVENT_TYPES",
    "CLAUSE_ID",
    "UCDP_TYPES",
    "AcledType",
    "ActType",
    "Agreement",
    "AgreementPlace",
    "AllOf",
    "AnyOf",
    "Attribution",
    "Clause",
    "Clock",
    "Commitment",
    "CommitmentKind",
    "Condition",
    "Decision",
    "DecisionKind",
    "DueDate",
    "Mediator",
    "Meeting",
    "Metric",
    "Party",
    "PenaltyStep",
    "Recurring",
    "Region",
    "Sector",
    "Status",
    "StatusRule",
    "VerificationRules",
    "When",
    "WitnessRules",
]


def _contains(outer: tuple[float, ...], inner: tuple[float, ...]) -> bool:
    west, south, east, north = outer
    return west <= inner[0] and south <= inner[1] and inner[2] <= east and inner[3] <= north


# --- the whole --------------------------------------------------------------------------------


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


H = TypeVar("H", bound=_HasId)


def _find(items: Sequence[H], id_: str, what: str, plural: str) -> H:
    for item in items:
        if item.id == id_:
            return item
    known = ", ".join(item.id for item in items) or "none"
    raise NotFound(f"no {what} {id_!r}; the {plural} are {known}")


def _known(value: str, known: Sequence[str], what: str, plural: str, where: str) -> None:
    if value not in known:
        raise InvalidInput(
            f"unknown {what} {value!r}; the {plural} are {', '.join(known) or 'none'}",
            field=where,
        )


def _unique(ids: Sequence[str], where: str, what: str, key: str = ".id") -> None:
    """Refuse an id used twice, naming the second use (its ``id`` field, by default)."""
    seen: set[str] = set()
    for i, value in enumerate(ids):
        if value in seen:
            raise InvalidInput(f"{what} {value!r} is used twice", field=f"{where}[{i}]{key}")
        seen.add(value)


@dataclass(frozen=True)
class Agreement:
    """One version of an agreement. An amendment is a new version, adopted the same way."""

    id: str
    version: int
    title: str
    effective_from: date
    parties: tuple[Party, ...]
    mediators: tuple[Mediator, ...]
    clauses: tuple[Clause, ...]
    acts: tuple[ActType, ...]
    commitments: tuple[Commitment, ...]
    verification: VerificationRules
    penalties: tuple[PenaltyStep, ...]
    status_rules: tuple[StatusRule, ...]
    sectors: tuple[Sector, ...]
    meetings: tuple[Meeting, ...]
    region: Region
    sources: tuple[str, ...] = ()
    places: tuple[AgreementPlace, ...] = ()
    witnessing: WitnessRules | None = None
    """Whose witnesses confirm a checkpoint; None (no ``[witnessing]`` table, as in files older
    than it): one witness of every party, :attr:`witness_rules`."""

    def __post_init__(self) -> None:
        _check_cast(self)
        _check_references(self)
        _check_rules(self)

    @property
    def witness_rules(self) -> WitnessRules:
        return self.witnessing or WitnessRules()

    # lookups

    def party(self, id: str) -> Party:
        return _find(self.parties, id, "party", "parties")

    def mediator(self, id: str) -> Mediator:
        return _find(self.mediators, id, "mediator", "mediators")

    def clause(self, id: str) -> Clause:
        return _find(self.clauses, id, "clause", "clauses")

    def act(self, id: str) -> ActType:
        return _find(self.acts, id, "act", "acts")

    def commitment(self, id: str) -> Commitment:
        return _find(self.commitments, id, "commitment", "commitments")

    def sector(self, id: str) -> Sector:
        return _find(self.sectors, id, "sector", "sectors")

    def signatories(self) -> tuple[str, ...]:
        """Who must sign to adopt this version: the parties, then the mediators."""
        return tuple(p.id for p in self.parties) + tuple(m.id for m in self.mediators)

    # documents

    @classmethod
    def from_document(cls, doc: Mapping[str, Any], *, where: str = "") -> Agreement:
        """Read an agreement strictly; ``where`` prefixes every error's field path."""
        f = Fields(doc, where)
        head = (f.ident("id"), f.integer("version", minimum=1), f.text("title", max_length=300))
        effective_from = f.day("effective_from")
        sources = f.texts("sources", max_items=100)
        parties = f.items("parties", Party.from_fields, max_items=20, empty=False)
        mediators = f.items("mediators", Mediator.from_fields, max_items=20, empty=False)
        clauses = f.items("clauses", Clause.from_fields, max_items=200, empty=False)
        acts = f.items("acts", ActType.from_fields, max_items=100)
        commitments = f.items("commitments", Commitment.from_fields, max_items=200)
        verification = VerificationRules.from_fields(f.object("verification"))
        penalties = f.items("penalties", PenaltyStep.from_fields, max_items=20)
        status_rules = f.items("status_rules", StatusRule.from_fields, max_items=50)
        sectors = f.items("sectors", Sector.from_fields, max_items=100)
        meetings = f.items("meetings", Meeting.from_fields, max_items=100)
        region = Region.from_fields(f.object("region"))
        places = f.items("places", AgreementPlace.from_fields, max_items=500)
        witnessing = f.optional("witnessing", lambda n: WitnessRules.from_fields(f.object(n)))
        return build(
            f,
            lambda: cls(
                *head,
                effective_from=effective_from,
                parties=parties,
                mediators=mediators,
                clauses=clauses,
                acts=acts,
                commitments=commitments,
                verification=verification,
                penalties=penalties,
                status_rules=status_rules,
                sectors=sectors,
                meetings=meetings,
                region=region,
                sources=sources,
                places=places,
                witnessing=witnessing,
            ),
        )

    def to_document(self) -> dict[str, Any]:
        """The agreement as JSON-able data: dates as YYYY-MM-DD, no nulls, a fixed key order."""
        doc: dict[str, Any] = document(self)
        return doc

    def canonical(self) -> bytes:
        """The RFC 8785 canonical JSON of :meth:`to_document`: the bytes the log holds."""
        return canonical_json(self.to_document(), what="agreement")

    def digest(self) -> str:
        """``sha256:`` and the hex SHA-256 of :meth:`canonical`; signatures name this digest."""
        return "sha256:" + hashlib.sha256(self.canonical()).hexdigest()


# --- checks of the whole ----------------------------------------------------------------------


def _check_cast(a: Agreement) -> None:
    """Who and what: enough parties and mediators, every id unique, levels in order."""
    if len(a.parties) < 2:
        raise InvalidInput(
            f"an agreement needs at least two parties, found {len(a.parties)}", field="parties"
        )
    if not a.mediators:
        raise InvalidInput(
            "an agreement needs at least one mediator, found none", field="mediators"
        )
    _unique([p.id for p in a.parties], "parties", "party")
    _unique([m.id for m in a.mediators], "mediators", "mediator")
    for i, mediator in enumerate(a.mediators):
        if mediator.id in {p.id for p in a.parties}:
            raise InvalidInput(
                f"mediator {mediator.id!r} has a party's id; parties and mediators sign under "
                "distinct ids",
                field=f"mediators[{i}].id",
            )
    _unique([c.id for c in a.clauses], "clauses", "clause")
    _unique([x.id for x in a.acts], "acts", "act")
    _unique([c.id for c in a.commitments], "commitments", "commitment")
    _unique([s.id for s in a.sectors], "sectors", "sector")
    _unique([m.id for m in a.meetings], "meetings", "meeting")
    for i, meeting in enumerate(a.meetings):
        _unique([d.id for d in meeting.decisions], f"meetings[{i}].decisions", "decision")
    for i, step in enumerate(a.penalties):
        if step.level != i + 1:
            raise InvalidInput(
                f"expected level {i + 1} (the ladder's levels run 1, 2, 3 ... in order), "
                f"found {step.level}",
                field=f"penalties[{i}].level",
            )


def _check_references(a: Agreement) -> None:
    """Every party, mediator and clause named exists; clocks start once the agreement does."""
    parties, clauses = [p.id for p in a.parties], [c.id for c in a.clauses]
    for i, act in enumerate(a.acts):
        for j, clause in enumerate(act.clauses):
            _known(clause, clauses, "clause", "clauses", f"acts[{i}].clauses[{j}]")
    for i, commitment in enumerate(a.commitments):
        _known(commitment.party, parties, "party", "parties", f"commitments[{i}].party")
        for j, clause in enumerate(commitment.clauses):
            _known(clause, clauses, "clause", "clauses", f"commitments[{i}].clauses[{j}]")
        clock = commitment.clock
        first = clock.next_deadline(date.min) if clock is not None else None
        if first is not None and first < a.effective_from:
            key = "due" if isinstance(clock, DueDate) else "first_due"
            raise InvalidInput(
                f"the first deadline {first} is before the agreement takes effect "
                f"({a.effective_from})",
                field=f"commitments[{i}].clock.{key}",
            )
    mediators = [m.id for m in a.mediators]
    _unique(a.verification.mediators, "verification.mediators", "mediator", key="")
    for j, mediator in enumerate(a.verification.mediators):
        _known(mediator, mediators, "mediator", "mediators", f"verification.mediators[{j}]")
    for i, sector in enumerate(a.sectors):
        for j, party in enumerate(sector.parties):
            _known(party, parties, "party", "parties", f"sectors[{i}].parties[{j}]")
        if not _contains(a.region.bbox, sector.bbox):
            raise InvalidInput(
                f"the sector's box {list(sector.bbox)} reaches outside the region "
                f"{list(a.region.bbox)}",
                field=f"sectors[{i}].bbox",
            )
    _check_places(a)
    _check_witnessing(a)
    signatories = a.signatories()
    for i, meeting in enumerate(a.meetings):
        for j, decision in enumerate(meeting.decisions):
            for k, signer in enumerate(decision.sign):
                where = f"meetings[{i}].decisions[{j}].sign[{k}]"
                _known(signer, signatories, "signatory", "signatories", where)


def _check_places(a: Agreement) -> None:
    """Each place is named once, lies in the region on a party's side, in a known sector."""
    _unique([p.name for p in a.places], "places", "place", key=".name")
    west, south, east, north = a.region.bbox
    sectors, countries = [s.id for s in a.sectors], [p.country for p in a.parties]
    for i, place in enumerate(a.places):
        _known(place.country, countries, "country", "parties' countries", f"places[{i}].country")
        if not (west <= place.longitude <= east and south <= place.latitude <= north):
            raise InvalidInput(
                f"the place ({place.latitude}, {place.longitude}) lies outside the region "
                f"{list(a.region.bbox)}",
                field=f"places[{i}].latitude",
            )
        if place.sector is not None:
            _known(place.sector, sectors, "sector", "sectors", f"places[{i}].sector")


def _check_witnessing(a: Agreement) -> None:
    """A number of parties or mediators whose witnesses must cosign is one the agreement has."""
    rules = a.witnessing
    if rules is None:
        return
    for kind, value, count in (
        ("parties", rules.parties, len(a.parties)),
        ("mediators", rules.mediators, len(a.mediators)),
    ):
        if isinstance(value, int) and value > count:
            raise InvalidInput(
                f"expected at most {count} (the agreement's {kind}), found {value}",
                field=f"witnessing.{kind}",
            )


def _check_rules(a: Agreement) -> None:
    """Penalty and status conditions name known parties, acts and commitments."""
    for i, step in enumerate(a.penalties):
        _check_when(a, step.when, f"penalties[{i}].when", None)
    parties, signatories = [p.id for p in a.parties], a.signatories()
    for i, rule in enumerate(a.status_rules):
        if rule.party is not None:
            _known(rule.party, parties, "party", "parties", f"status_rules[{i}].party")
        if rule.declared_by is not None:
            where = f"status_rules[{i}].declared_by"
            _known(rule.declared_by, signatories, "signatory", "signatories", where)
        _check_when(a, rule.when, f"status_rules[{i}].when", rule.party)


def _check_when(a: Agreement, when: When, where: str, party: str | None) -> None:
    parties, acts = [p.id for p in a.parties], [x.id for x in a.acts]
    commitments = {c.id: c for c in a.commitments}
    for path, condition in conditions(when, where):
        if condition.party is not None:
            _known(condition.party, parties, "party", "parties", f"{path}.party")
        for j, act in enumerate(condition.acts):
            _known(act, acts, "act", "acts", f"{path}.acts[{j}]")
        bound = condition.party or party
        for j, id_ in enumerate(condition.commitments):
            _known(id_, list(commitments), "commitment", "commitments", f"{path}.commitments[{j}]")
            if bound is not None and commitments[id_].party != bound:
                raise InvalidInput(
                    f"commitment {id_!r} binds {commitments[id_].party}, not {bound}, whose "
                    "conduct this condition counts",
                    field=f"{path}.commitments[{j}]",
                )
        if condition.metric is Metric.PENALTY_STEP and condition.at_least > len(a.penalties):
            raise InvalidInput(
                f"expected a step of 1 to {len(a.penalties)} (the ladder's levels), "
                f"found {condition.at_least}",
                field=f"{path}.at_least",
            )
