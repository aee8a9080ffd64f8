"""The time a brief covers, and the period before it that its counts are compared with.

A period is a half-open UTC interval ``[start, end)``: a daily brief covers its date, a weekly
one the seven days ending on its date, a monthly one the calendar month containing it. The
previous period is the same kind of period just before (the month before, for a monthly brief).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ceasefire.domain.brief_events import BriefPeriod


@dataclass(frozen=True)
class Window:
    """``[start, end)`` in UTC; ``first`` and ``last`` the calendar days it covers."""

    start: datetime
    end: datetime

    @property
    def first(self) -> date:
        return self.start.date()

    @property
    def last(self) -> date:
        return (self.end - timedelta(microseconds=1)).date()

    @property
    def days(self) -> tuple[date, ...]:
        count = (self.end - self.start).days
        return tuple(self.first + timedelta(days=n) for n in range(count))

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def label(self) -> str:
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


def window(period: BriefPeriod, day: date) -> Window:
    """The period of a brief dated ``day``."""
    match period:
        case BriefPeriod.DAILY:
            return Window(_midnight(day), _midnight(day + timedelta(days=1)))
        case BriefPeriod.WEEKLY:
            return Window(_midnight(day - timedelta(days=6)), _midnight(day + timedelta(days=1)))
        case BriefPeriod.MONTHLY:
            first = day.replace(day=1)
            following = (first + timedelta(days=32)).replace(day=1)
            return Window(_midnight(first), _midnight(following))


def previous(period: BriefPeriod, day: date) -> Window:
    """The period just before the brief's own, of the same kind."""
    current = window(period, day)
    return window(period, current.first - timedelta(days=1))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
