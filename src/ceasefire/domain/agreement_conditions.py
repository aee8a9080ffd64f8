"""The condition language of an agreement, and the rules written in it: penalties and status.

The language is deliberately small. A condition counts one :class:`Metric` for one party and
holds when the count is ``at_least`` a threshold; ``any``/``all`` combine conditions. This
module only describes conditions: the enforcement module evaluates them against the log. The
penalty ladder (:class:`PenaltyStep`) and the status rules (:class:`StatusRule`) each hold a
condition; whether the ids a condition names exist is checked by
:class:`ceasefire.domain.agreements.Agreement`, which sees the whole file.

An invariant broken inside one of these values raises :class:`InvalidInput` with a ``field``
relative to the value (``any[1].acts``); the reader that built the value prefixes the path it
was read from (``penalties[0].when.any[1].acts``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, TypeAlias

from ceasefire.domain.fields import Fields, build
from ceasefire.errors import InvalidInput

MAX_WINDOW_DAYS: Final = 3660
MAX_NESTING: Final = 4


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
