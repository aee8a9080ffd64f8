"""The dashboard's figures: what came in lately, what is due, what is next.

Counts are of the reports the viewer may see (``services.reports`` applies the one policy),
by the time each entered the log; a correction is not counted as another report. Deadlines and
meetings come from the casework fold, which is public by rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ceasefire.domain.actors import Actor
from ceasefire.domain.cases import Case
from ceasefire.domain.meetings import Meeting
from ceasefire.services.reports import ReportQueries, report_times

TIMELINE_DAYS = 30


@dataclass(frozen=True)
class Counts:
    """Reports received in the last 24 hours and 7 days to ``now``, and in the period of the
    same length before each; ``per_day`` the last :data:`TIMELINE_DAYS` days, oldest first."""

    now: datetime
    last_day: int
    day_before: int
    last_week: int
    week_before: int
    per_day: tuple[tuple[date, int], ...]


@dataclass(frozen=True)
class ReplyDue:
    """A right of reply still open: ``party`` is asked to answer in ``case`` by ``due``."""

    case: str
    title: str
    party: str
    asked_at: int
    due: datetime
    overdue: bool


def counts(records: ReportQueries, viewer: Actor | None, now: datetime) -> Counts:
    """The report counts the dashboard compares, as ``viewer`` may see them."""
    start = now - timedelta(days=max(TIMELINE_DAYS, 14))
    times = [t for t in report_times(records, viewer, start) if t <= now]

    def within(newest: timedelta, oldest: timedelta) -> int:
        return sum(1 for t in times if now - oldest < t <= now - newest)

    day, week = timedelta(days=1), timedelta(days=7)
    today = now.date()
    days = [today - timedelta(days=n) for n in range(TIMELINE_DAYS - 1, -1, -1)]
    per_day = tuple((d, sum(1 for t in times if t.date() == d)) for d in days)
    return Counts(
        now=now,
        last_day=within(timedelta(0), day),
        day_before=within(day, 2 * day),
        last_week=within(timedelta(0), week),
        week_before=within(week, 2 * week),
        per_day=per_day,
    )


def replies_due(cases: list[Case], now: datetime) -> list[ReplyDue]:
    """Every reply asked for and not given by ``now``, soonest due first."""
    found = [
        ReplyDue(
            case=case.id,
            title=case.opened.title or case.id,
            party=case.opened.party,
            asked_at=window.index,
            due=window.due,
            overdue=window.due < now,
        )
        for case in cases
        if (window := case.window) is not None and window.replied is None
    ]
    return sorted(found, key=lambda r: r.due)


def next_meeting(meetings: list[Meeting], today: date) -> Meeting | None:
    """The first meeting on or after ``today`` (None: none is scheduled)."""
    coming = [m for m in meetings if m.scheduled.date >= today]
    return min(coming, key=lambda m: m.scheduled.date, default=None)


def last_meeting(meetings: list[Meeting], today: date) -> Meeting | None:
    """The latest meeting before ``today`` (None: none was held)."""
    held = [m for m in meetings if m.scheduled.date < today]
    return max(held, key=lambda m: m.scheduled.date, default=None)
