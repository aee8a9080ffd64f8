"""The agreement's rules: prohibited acts, commitments and verification, and how every
agreement value is written back as a document.

These are the parts of an agreement that say what is required and how it is enforced; the
enforcement module computes with them. They are data, read from the agreement file, and checked
here for their own consistency; whether the ids they name exist is checked by
:class:`ceasefire.domain.agreements.Agreement`, which sees the whole file. A commitment's clock
lives in :mod:`ceasefire.domain.agreement_clocks`; the condition language, penalties and status
in :mod:`ceasefire.domain.agreement_conditions`.

An invariant broken inside one of these values raises :class:`InvalidInput` with a ``field``
relative to the value (``clauses``, ``quorum``); the reader that built the value prefixes the
path it was read from (``commitments[2].clauses``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final

from ceasefire.domain.agreement_clocks import (
    CONTINUOUS,
    DueDate,
    Recurring,
    read_commitment_clock,
)
from ceasefire.domain.agreement_conditions import AllOf, AnyOf
from ceasefire.domain.fields import Fields, build, describe
from ceasefire.errors import InvalidInput


def document(value: object) -> Any:
    """The JSON-able form of an agreement value, field by field in declaration order.

    Dates become YYYY-MM-DD, enums their value, tuples lists; a None or empty field is left out
    (every reader takes absence as None or empty), except a commitment's clock, whose absence is
    an error: no clock is written ``"continuous"``. ``any``/``all`` keep their one key.
    """
    match value:
        case AnyOf(parts) | AllOf(parts):
            return {"any" if isinstance(value, AnyOf) else "all": [document(p) for p in parts]}
        case StrEnum():
            return value.value
        case date():
            return value.isoformat()
        case tuple() | list():
            return [document(v) for v in value]
        case _ if is_dataclass(value) and not isinstance(value, type):
            doc: dict[str, Any] = {}
            for field in fields(value):
                item = getattr(value, field.name)
                if item is None and field.name == "clock":
                    doc["clock"] = CONTINUOUS
                elif item is not None and item != ():
                    doc[field.name] = document(item)
            return doc
    return value


# --- prohibited acts and commitments ---------------------------------------------------------


ACLED_EVENT_TYPES: Final[Mapping[str, frozenset[str]]] = {
    "Battles": frozenset(
        {"Armed clash", "Government regains territory", "Non-state actor overtakes territory"}
    ),
    "Explosions/Remote violence": frozenset(
        {
            "Air/drone strike",
            "Chemical weapon",
            "Grenade",
            "Remote explosive/landmine/IED",
            "Shelling/artillery/missile attack",
            "Suicide bomb",
        }
    ),
    "Violence against civilians": frozenset(
        {"Abduction/forced disappearance", "Attack", "Sexual violence"}
    ),
    "Protests": frozenset(
        {"Excessive force against protesters", "Peaceful protest", "Protest with intervention"}
    ),
    "Riots": frozenset({"Mob violence", "Violent demonstration"}),
    "Strategic developments": frozenset(
        {
            "Agreement",
            "Arrests",
            "Change to group/activity",
            "Disrupted weapons use",
            "Headquarters or base established",
            "Looting/property destruction",
            "Non-violent transfer of territory",
            "Other",
        }
    ),
}
"""ACLED's event types and their sub-event types (ACLED Codebook, 2023 edition)."""

UCDP_TYPES: Final[Mapping[int, str]] = {1: "state-based", 2: "non-state", 3: "one-sided"}
"""UCDP GED ``type_of_violence`` codes."""


class CommitmentKind(StrEnum):
    NEGATIVE = "negative"  # refrain from ...: ongoing, broken by an act
    POSITIVE = "positive"  # take verifiable steps: met by evidence before each deadline


class Attribution(StrEnum):
    """Whom a prohibited act counts against."""

    PERPETRATOR = "perpetrator"  # the party whose forces did it
    TERRITORY = "territory"  # the party from whose territory it was launched
    OBSTRUCTING_PARTY = "obstructing_party"  # the party that denied the monitors access


@dataclass(frozen=True)
class AcledType:
    """An ACLED event type, optionally narrowed to one of its sub-event types."""

    event_type: str
    sub_event_type: str | None = None

    def __post_init__(self) -> None:
        if self.event_type not in ACLED_EVENT_TYPES:
            raise InvalidInput(
                f"unknown ACLED event type {self.event_type!r}; ACLED's are "
                f"{', '.join(ACLED_EVENT_TYPES)}",
                field="event_type",
            )
        subs = ACLED_EVENT_TYPES[self.event_type]
        if self.sub_event_type is not None and self.sub_event_type not in subs:
            raise InvalidInput(
                f"unknown sub-event type {self.sub_event_type!r} of {self.event_type!r}; "
                f"its sub-event types are {', '.join(sorted(subs))}",
                field="sub_event_type",
            )

    @classmethod
    def from_fields(cls, f: Fields) -> AcledType:
        event = f.text("event_type", max_length=100)
        sub = f.optional("sub_event_type", lambda n: f.text(n, max_length=100))
        return build(f, lambda: cls(event, sub))


@dataclass(frozen=True)
class ActType:
    """A prohibited act (a violation type), the clauses it breaks, and how ACLED and UCDP code
    it; ``against`` says which party a verified act counts against."""

    id: str
    name: str
    description: str
    clauses: tuple[str, ...]
    acled: tuple[AcledType, ...] = ()
    ucdp: tuple[int, ...] = ()
    against: Attribution = Attribution.PERPETRATOR

    def __post_init__(self) -> None:
        if not self.clauses:
            raise InvalidInput("a prohibited act must name the clauses it breaks", field="clauses")
        for i, code in enumerate(self.ucdp):
            if code not in UCDP_TYPES:
                raise InvalidInput(
                    f"expected a UCDP type_of_violence 1 (state-based), 2 (non-state) or "
                    f"3 (one-sided), found {code}",
                    field=f"ucdp[{i}]",
                )

    @classmethod
    def from_fields(cls, f: Fields) -> ActType:
        id_, name = f.ident("id"), f.text("name", max_length=200)
        description = f.text("description", max_length=2000)
        clauses = f.texts("clauses", max_items=20)
        acled = f.items("acled", AcledType.from_fields, max_items=20)
        ucdp = _integers(f, "ucdp")
        against = f.optional("against", lambda n: f.enum(n, Attribution))
        attribution = against or Attribution.PERPETRATOR
        return build(f, lambda: cls(id_, name, description, clauses, acled, ucdp, attribution))


def _integers(f: Fields, name: str) -> tuple[int, ...]:
    values = f.optional(name, lambda n: f.array(n, max_items=10)) or []
    for i, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(
                f"expected an integer, found {describe(value)}", field=f"{f.where(name)}[{i}]"
            )
    return tuple(values)


@dataclass(frozen=True)
class Commitment:
    """What one party undertakes: to refrain from something (negative, ``clock`` None: in force
    continuously) or to take verifiable steps by a deadline (positive, a clock required).
    ``steps`` are the kinds of compliance evidence that count; ``evidence`` says it in words."""

    id: str
    party: str
    kind: CommitmentKind
    text: str
    clauses: tuple[str, ...]
    steps: tuple[str, ...]
    evidence: str
    clock: DueDate | Recurring | None

    def __post_init__(self) -> None:
        if self.kind is CommitmentKind.POSITIVE and self.clock is None:
            raise InvalidInput(
                "a positive commitment needs a clock: due = YYYY-MM-DD or every_days = N with "
                'first_due = YYYY-MM-DD ("continuous" is for negative commitments)',
                field="clock",
            )
        if self.kind is CommitmentKind.POSITIVE and not self.steps:
            raise InvalidInput(
                "a positive commitment needs the kinds of steps that count as evidence",
                field="steps",
            )

    @classmethod
    def from_fields(cls, f: Fields) -> Commitment:
        id_, party = f.ident("id"), f.ident("party")
        kind = f.enum("kind", CommitmentKind)
        text = f.text("text", max_length=2000)
        clauses = f.texts("clauses", max_items=20)
        steps = f.texts("steps", ident=True, max_items=20)
        evidence = f.text("evidence", max_length=2000)
        clock = read_commitment_clock(f)
        return build(f, lambda: cls(id_, party, kind, text, clauses, steps, evidence, clock))


# --- verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationRules:
    """Who signs a finding (``quorum`` of ``mediators``), how sure it must be, and how long
    the accused party has to reply. ``standards`` runs from the strongest to the weakest."""

    mediators: tuple[str, ...]
    quorum: int
    standards: tuple[str, ...]
    standard_for_violation: str
    reply_window_hours: int
    monitors_may_propose: bool = True

    def __post_init__(self) -> None:
        if not self.mediators:
            raise InvalidInput("a finding needs at least one mediator to sign", field="mediators")
        if not 1 <= self.quorum <= len(self.mediators):
            raise InvalidInput(
                f"expected a quorum of 1 to {len(self.mediators)} (the mediators who sign), "
                f"found {self.quorum}",
                field="quorum",
            )
        if len(set(self.standards)) != len(self.standards) or len(self.standards) < 2:
            raise InvalidInput(
                "expected at least two distinct standards of proof, strongest first, found "
                f"{', '.join(self.standards) or 'none'}",
                field="standards",
            )
        if self.standard_for_violation not in self.standards:
            raise InvalidInput(
                f"unknown standard {self.standard_for_violation!r}; the standards are "
                f"{', '.join(self.standards)}",
                field="standard_for_violation",
            )
        if not 1 <= self.reply_window_hours <= 24 * 90:
            raise InvalidInput(
                f"expected 1 to {24 * 90} hours, found {self.reply_window_hours}",
                field="reply_window_hours",
            )

    def meets(self, standard: str) -> bool:
        """Whether ``standard`` is at least as strong as the one a violation needs."""
        if standard not in self.standards:
            raise InvalidInput(
                f"unknown standard {standard!r}; the standards are {', '.join(self.standards)}",
                field="standard",
            )
        return self.standards.index(standard) <= self.standards.index(self.standard_for_violation)

    @classmethod
    def from_fields(cls, f: Fields) -> VerificationRules:
        mediators = f.texts("mediators", ident=True, max_items=20)
        quorum = f.integer("quorum")
        standards = f.texts("standards", ident=True, max_items=10)
        standard = f.ident("standard_for_violation")
        hours = f.integer("reply_window_hours")
        propose = f.optional("monitors_may_propose", f.flag)
        return build(
            f,
            lambda: cls(
                mediators, quorum, standards, standard, hours, True if propose is None else propose
            ),
        )


# --- witnessing --------------------------------------------------------------------------------

Count = int | str
"""How many of a kind: a number, ``"any"`` (one) or ``"all"``."""


def _count(f: Fields, name: str) -> Count:
    value = f.raw(name)
    if value in ("any", "all") or (isinstance(value, int) and not isinstance(value, bool)):
        return value  # type: ignore[no-any-return]
    raise InvalidInput(
        f'expected a number, "any" or "all", found {describe(value)}', field=f.where(name)
    )


@dataclass(frozen=True)
class WitnessRules:
    """Whose witnesses must cosign a checkpoint for it to count as confirmed: ``parties`` of
    the parties and ``mediators`` of the mediators, each through any one of its witnesses
    (``0`` mediators: none needed). ``services.confirmation`` writes the C2SP tlog-policy from
    it. Without a ``[witnessing]`` table an agreement needs one witness of every party."""

    parties: Count = "all"
    mediators: Count = 0

    def __post_init__(self) -> None:
        for name, value, least in (("parties", self.parties, 1), ("mediators", self.mediators, 0)):
            if isinstance(value, int) and value < least:
                raise InvalidInput(f"expected at least {least}, found {value}", field=name)

    def needed(self, kind: str, total: int) -> int:
        """How many of the agreement's ``total`` parties or mediators (``kind``) must have a
        witness cosign: ``any`` is one, ``all`` is ``total``, whoever runs a witness."""
        value = self.parties if kind == "parties" else self.mediators
        if value == "any":
            return 1
        return total if value == "all" else int(value)

    @classmethod
    def from_fields(cls, f: Fields) -> WitnessRules:
        parties = _count(f, "parties") if f.has("parties") else "all"
        mediators = _count(f, "mediators") if f.has("mediators") else 0
        return build(f, lambda: cls(parties, mediators))
