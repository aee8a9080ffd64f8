"""What a brief holds: the figures and lines ``content.compute`` derives, in the order the
templates show them. Frozen dataclasses, compared whole (two computations of one checkpoint
must be equal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ceasefire.briefs.periods import Window
from ceasefire.domain.brief_events import BriefPeriod, Edition

NONE = "unstated"
"""The key a count files a report under when it does not say (no sector, no party)."""


@dataclass(frozen=True)
class Checkpoint:
    """The log checkpoint a brief is computed from: its size and root hash (hex)."""

    size: int
    root: str


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous


@dataclass(frozen=True)
class Withheld:
    """What the edition leaves out, counted so that its figures stay honest."""

    reports: int
    """Reports received in the period that this edition's reader may not see."""
    sources: int
    """Reports shown with one or more sources withheld (named ``withheld``)."""
    evidence_claims: int
    """Compliance claims received in the period that this edition does not show."""


@dataclass(frozen=True)
class IncidentLine:
    id: str
    first_index: int
    reports: int
    start: str | None
    end: str | None
    acts: tuple[str, ...]
    parties: tuple[str, ...]
    sector: str | None
    status: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class FindingLine:
    case: str
    title: str
    issued_at: int
    issued: str
    attribution: str
    party: str | None
    confidence: str
    acts: tuple[str, ...]
    clauses: tuple[str, ...]


@dataclass(frozen=True)
class CommitmentLine:
    id: str
    party: str
    status: str
    next_deadline: str | None
    missed: int
    evidence_received: int


@dataclass(frozen=True)
class ReplyLine:
    case: str
    title: str
    party: str
    due: str
    state: str
    """``pending`` (the window is open) or ``missed`` (it closed without a reply)."""


@dataclass(frozen=True)
class PenaltyLine:
    id: str
    party: str
    level: int
    change: str
    """What happened to it in the period: proposed, imposed, lifted."""
    index: int


@dataclass(frozen=True)
class StatusChange:
    subject: str
    before: str
    after: str


@dataclass(frozen=True)
class Restriction:
    report: str
    index: int
    received: str
    sector: str | None
    party: str | None
    summary: str


@dataclass(frozen=True)
class Upcoming:
    day: str
    what: str
    detail: str


@dataclass(frozen=True)
class Brief:
    """Everything a brief says, in the order it says it."""

    period: BriefPeriod
    day: date
    edition: Edition
    checkpoint: Checkpoint
    agreement_id: str
    agreement_version: int
    agreement_title: str
    current: Window
    before: Window
    received: int
    received_before: int
    by_act: tuple[Count, ...]
    by_sector: tuple[Count, ...]
    by_party: tuple[Count, ...]
    per_day: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    """Each day of the timeline (previous and current period): reports by alleged party."""
    parties: tuple[tuple[str, str], ...]
    """The agreement's parties (id, name), for labels."""
    sectors: tuple[tuple[str, str, tuple[float, float, float, float]], ...]
    """The agreement's sectors (id, name, bbox), for the map."""
    region: tuple[float, float, float, float]
    withheld: Withheld
    withdrawn: int
    incidents: tuple[IncidentLine, ...]
    findings: tuple[FindingLine, ...]
    commitments: tuple[CommitmentLine, ...]
    evidence_received: int
    replies: tuple[ReplyLine, ...]
    replies_given: int
    penalties: tuple[PenaltyLine, ...]
    status: str
    status_changes: tuple[StatusChange, ...]
    restrictions: tuple[Restriction, ...]
    upcoming: tuple[Upcoming, ...]
    summary: str

    @property
    def title(self) -> str:
        return f"{self.period.value.capitalize()} brief, {self.current.label()}"
