"""The agreement's rules: prohibited acts, commitments and their clocks, the condition
language, verification, penalties and status.

These are the parts of an agreement that say what is required and how it is enforced; the
enforcement module computes with them. They are data, read from the agreement file, and checked
here for their own consistency; whether the ids they name exist is checked by
:class:`ceasefire.domain.agreements.Agreement`, which sees the whole file.

The condition language is deliberately small. A condition counts one :class:`Metric` for one
party and holds when the count is ``at_least`` a threshold; ``any``/``all`` combine conditions.
This module only describes conditions: the enforcement module evaluates them against the log.

An invariant broken inside one of these values raises :class:`InvalidInput` with a ``field``
relative to the value (``grace_days``, ``any[1].acts``); the reader that built the value
prefixes the path it was read from (``commitments[2].clock.grace_days``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Final, TypeAlias, TypeVar

from ceasefire.domain.fields import Fields, describe, join
from ceasefire.errors import InvalidInput

T = TypeVar("T")

MAX_WINDOW_DAYS: Final = 3660
MAX_NESTING: Final = 4
CONTINUOUS: Final = "continuous"


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


def build(f: Fields, make: Callable[[], T]) -> T:
    """Refuse unknown fields of ``f``, then make the value, placing its errors under ``f``."""
    f.done()
    try:
        return make()
    except InvalidInput as exc:
        where = join(f.path, exc.field) if exc.field else f.path
        raise InvalidInput(exc.message, field=where or None) from None


# --- clocks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDate:
    """One deadline: the commitment must be met by the end of ``due``."""

    due: date

    def deadlines(self, until: date) -> list[date]:
        """Every deadline on or before ``until``."""
        return [self.due] if self.due <= until else []

    def next_deadline(self, after: date) -> date | None:
        """The first deadline strictly after ``after``, if any."""
        return self.due if self.due > after else None

    def closes(self, deadline: date) -> date:
        """The last day on which evidence still meets ``deadline`` (no grace for a due date)."""
        return deadline


@dataclass(frozen=True)
class Recurring:
    """A reporting period: deadlines fall on ``first_due`` and every ``every_days`` after it.

    A deadline is missed only when no satisfying evidence has arrived by the end of the day
    ``grace_days`` after it (:meth:`closes`); grace is shorter than the period, so periods
    never overlap.
    """

    every_days: int
    first_due: date
    grace_days: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.every_days <= 366:
            raise InvalidInput(
                f"expected a period of 1 to 366 days, found {self.every_days}", field="every_days"
            )
        if not 0 <= self.grace_days < self.every_days:
            raise InvalidInput(
                f"expected grace of 0 to {self.every_days - 1} days (shorter than the period), "
                f"found {self.grace_days}",
                field="grace_days",
            )

    def deadlines(self, until: date) -> list[date]:
        """Every deadline on or before ``until``, oldest first."""
        if until < self.first_due:
            return []
        count = (until - self.first_due).days // self.every_days + 1
        return [self.first_due + timedelta(days=self.every_days * k) for k in range(count)]

    def next_deadline(self, after: date) -> date | None:
        """The first deadline strictly after ``after`` (a recurring clock always has one)."""
        if after < self.first_due:
            return self.first_due
        periods = (after - self.first_due).days // self.every_days + 1
        return self.first_due + timedelta(days=self.every_days * periods)

    def closes(self, deadline: date) -> date:
        """The last day on which evidence still meets ``deadline``: the deadline plus grace."""
        return deadline + timedelta(days=self.grace_days)


Clock: TypeAlias = DueDate | Recurring


def read_clock(f: Fields) -> Clock:
    """A clock table: ``{ due = D }`` or ``{ every_days = N, first_due = D, grace_days = G }``."""
    if f.has("due") and f.has("every_days"):
        raise InvalidInput(
            "give either due (one deadline) or every_days (a reporting period), not both",
            field=f.path,
        )
    if f.has("due"):
        due = f.day("due")
        return build(f, lambda: DueDate(due))
    if f.has("every_days"):
        every = f.integer("every_days")
        first_due = f.day("first_due")
        grace = f.optional("grace_days", f.integer) or 0
        return build(f, lambda: Recurring(every, first_due, grace))
    raise InvalidInput(
        "a clock needs due = YYYY-MM-DD, or every_days = N with first_due = YYYY-MM-DD",
        field=f.path,
    )


NO_CLOCK: Final = (
    "a commitment needs a clock: clock = { due = YYYY-MM-DD }, clock = { every_days = N, "
    'first_due = YYYY-MM-DD }, or clock = "continuous" for a negative commitment'
)


def read_commitment_clock(f: Fields) -> Clock | None:
    """A commitment's required ``clock``: a clock table, or ``"continuous"`` (None)."""
    if not f.has("clock"):
        raise InvalidInput(NO_CLOCK, field=f.where("clock"))
    value = f.raw("clock")
    if value == CONTINUOUS:
        return None
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f'expected "continuous" or a clock table, found {describe(value)}',
            field=f.where("clock"),
        )
    return read_clock(f.object("clock"))


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


# --- the condition language -------------------------------------------------------------------


class Metric(StrEnum):
    """What a condition counts, for one party (see docs/agreement-format.md)."""

    VERIFIED_VIOLATIONS = "verified_violations"
    ALLEGED_VIOLATIONS = "alleged_violations"
    COMMITMENTS_OVERDUE = "commitments_overdue"
    COMMITMENTS_BREACHED = "commitments_breached"
    REPLIES_MISSED = "replies_missed"
    PENALTY_STEP = "penalty_step"


_ACT_METRICS: Final = frozenset({Metric.VERIFIED_VIOLATIONS, Metric.ALLEGED_VIOLATIONS})
_COMMITMENT_METRICS: Final = frozenset({Metric.COMMITMENTS_OVERDUE, Metric.COMMITMENTS_BREACHED})


@dataclass(frozen=True)
class Condition:
    """Holds when ``metric`` counted for ``party`` (absent: the party the rule is evaluated
    for), within the last ``window_days`` days if given, is at least ``at_least``. ``acts``
    and ``commitments`` narrow what is counted; empty means all."""

    metric: Metric
    at_least: int
    window_days: int | None = None
    acts: tuple[str, ...] = ()
    commitments: tuple[str, ...] = ()
    party: str | None = None

    def __post_init__(self) -> None:
        if self.at_least < 1:
            raise InvalidInput(f"expected at least 1, found {self.at_least}", field="at_least")
        if self.window_days is not None and not 1 <= self.window_days <= MAX_WINDOW_DAYS:
            raise InvalidInput(
                f"expected 1 to {MAX_WINDOW_DAYS} days, found {self.window_days}",
                field="window_days",
            )
        if self.acts and self.metric not in _ACT_METRICS:
            raise InvalidInput(
                f"acts narrow only verified_violations and alleged_violations, "
                f"not {self.metric.value}",
                field="acts",
            )
        if self.commitments and self.metric not in _COMMITMENT_METRICS:
            raise InvalidInput(
                f"commitments narrow only commitments_overdue and commitments_breached, "
                f"not {self.metric.value}",
                field="commitments",
            )
        if self.window_days is not None and self.metric is Metric.PENALTY_STEP:
            raise InvalidInput(
                "penalty_step is the current step, it has no window", field="window_days"
            )


@dataclass(frozen=True)
class AnyOf:
    """Holds when at least one of ``conditions`` holds."""

    conditions: tuple[When, ...]

    def __post_init__(self) -> None:
        if not self.conditions:
            raise InvalidInput("must not be empty", field="any")


@dataclass(frozen=True)
class AllOf:
    """Holds when every one of ``conditions`` holds."""

    conditions: tuple[When, ...]

    def __post_init__(self) -> None:
        if not self.conditions:
            raise InvalidInput("must not be empty", field="all")


When: TypeAlias = Condition | AnyOf | AllOf


def read_when(f: Fields, depth: int = 0) -> When:
    """``{ any = [...] }``, ``{ all = [...] }`` or one condition table."""
    if depth > MAX_NESTING:
        raise InvalidInput(f"conditions nest at most {MAX_NESTING} deep", field=f.path)
    if f.has("any") or f.has("all"):
        key = "any" if f.has("any") else "all"
        parts = f.items(key, lambda g: read_when(g, depth + 1), max_items=50)
        return build(f, lambda: AnyOf(parts) if key == "any" else AllOf(parts))
    metric = f.enum("metric", Metric)
    at_least = f.integer("at_least")
    window = f.optional("window_days", f.integer)
    acts = f.texts("acts", ident=True, max_items=50)
    commitments = f.texts("commitments", ident=True, max_items=50)
    party = f.optional("party", f.ident)
    return build(f, lambda: Condition(metric, at_least, window, acts, commitments, party))


def conditions(when: When, where: str) -> Iterator[tuple[str, Condition]]:
    """Every condition in ``when`` with its path, for checking the ids it names."""
    match when:
        case Condition():
            yield where, when
        case AnyOf(parts) | AllOf(parts):
            key = "any" if isinstance(when, AnyOf) else "all"
            for i, part in enumerate(parts):
                yield from conditions(part, f"{where}.{key}[{i}]")


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


# --- penalties and status ---------------------------------------------------------------------


@dataclass(frozen=True)
class PenaltyStep:
    """One rung of the ladder. A party stands on the highest step whose ``when`` holds for it."""

    level: int
    name: str
    meaning: str
    when: When

    def __post_init__(self) -> None:
        for where, condition in conditions(self.when, "when"):
            if condition.metric is Metric.PENALTY_STEP:
                raise InvalidInput(
                    "penalty_step cannot decide a penalty step (the ladder would depend on itself)",
                    field=f"{where}.metric",
                )

    @classmethod
    def from_fields(cls, f: Fields) -> PenaltyStep:
        level = f.integer("level", minimum=1, maximum=20)
        name = f.text("name", max_length=200)
        meaning = f.text("meaning", max_length=2000)
        when = read_when(f.object("when"))
        return build(f, lambda: cls(level, name, meaning, when))


class Status(StrEnum):
    HOLDING = "holding"
    STRAINED = "strained"
    BREACHED = "breached"


@dataclass(frozen=True)
class StatusRule:
    """The ceasefire has ``status`` when ``when`` holds for ``party`` (absent: for any party,
    which is then the one named). ``declared_by`` is the signatory that deems it so, when the
    rule writes down one side's stated condition rather than the mediators' own rule."""

    status: Status
    party: str | None
    declared_by: str | None
    reason: str
    when: When

    def __post_init__(self) -> None:
        if self.status is Status.HOLDING:
            raise InvalidInput(
                "holding is the status when no rule matches; a rule states strained or breached",
                field="status",
            )

    @classmethod
    def from_fields(cls, f: Fields) -> StatusRule:
        status = f.enum("status", Status)
        party = f.optional("party", f.ident)
        declared_by = f.optional("declared_by", f.ident)
        reason = f.text("reason", max_length=2000)
        when = read_when(f.object("when"))
        return build(f, lambda: cls(status, party, declared_by, reason, when))
