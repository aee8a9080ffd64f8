"""The clocks of positive commitments: one due date, or a recurring reporting period.

A clock says when a commitment's deadlines fall and the last day on which evidence still meets
each one; the enforcement module counts what is overdue with it. A negative commitment has no
clock: it is in force continuously, which the agreement file writes ``"continuous"``.

An invariant broken inside a clock raises :class:`InvalidInput` with a ``field`` relative to the
clock (``grace_days``); the reader prefixes the path it was read from
(``commitments[2].clock.grace_days``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, TypeAlias

from ceasefire.domain.fields import Fields, build, describe
from ceasefire.errors import InvalidInput

CONTINUOUS: Final = "continuous"


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
