"""What enforcement counts: the facts the record establishes as of a moment.

The casework fold (:mod:`ceasefire.domain.casework`) turns the log's public events up to a
moment into these facts; enforcement (:mod:`ceasefire.domain.enforcement`) applies the
agreement's rules to them. Every fact carries the log index it rests on, so each figure that
enforcement computes can cite the entries behind it.

Only public content becomes a fact: a confidential report counts once it is disclosed. So the
operator, each party's witness and any observer compute the same status from the same log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final


class FindingAttribution(StrEnum):
    """How far a finding attributes the act to a party (a scale separate from confidence)."""

    ATTRIBUTABLE = "attributable"
    LARGELY_ATTRIBUTABLE = "largely_attributable"
    NOT_ATTRIBUTABLE = "not_attributable"
    NOT_DETERMINED = "not_determined"


ATTRIBUTING: Final = frozenset(
    {FindingAttribution.ATTRIBUTABLE, FindingAttribution.LARGELY_ATTRIBUTABLE}
)


class CaseKind(StrEnum):
    ALLEGATION = "allegation"
    COMPLIANCE_CLAIM = "compliance_claim"


@dataclass(frozen=True)
class Allegation:
    """A public, active allegation: ``party`` is the party it accuses, ``day`` the day the act
    began. ``resolved_at`` is the index of the issued finding that decided it, or of the closing
    of the case that dismissed it, if any."""

    report: str
    index: int
    act: str
    party: str
    day: date
    sector: str | None = None
    resolved_at: int | None = None


@dataclass(frozen=True)
class Claim:
    """A public, active compliance claim: ``party`` took ``step`` toward ``commitment``; it
    reached the mechanism at ``submitted`` (what a deadline is measured against).
    ``verified`` is None until a finding on it is issued; then whether the finding met the
    agreement's standard (True) or not (False), with the finding's index in ``decided_at``."""

    report: str
    index: int
    party: str
    commitment: str
    step: str
    submitted: datetime
    verified: bool | None = None
    decided_at: int | None = None


@dataclass(frozen=True)
class IssuedFinding:
    """A finding issued with the quorum: the case it decides and what it states.

    ``day`` is the day of the act or step the case is about; ``issued`` when the finding was
    issued (``index``). For an allegation ``party`` is the party the act is attributed to (None
    when not attributed); ``acts`` and ``clauses`` what it found violated. ``signatures`` are
    the indices of the concurring mediators' signatures."""

    case: str
    finding: str
    index: int
    issued: datetime
    kind: CaseKind
    reports: tuple[str, ...]
    day: date
    confidence: str
    attribution: FindingAttribution
    party: str | None
    acts: tuple[str, ...]
    clauses: tuple[str, ...]
    commitment: str | None = None
    signatures: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReplyRequest:
    """The accused ``party`` was asked to reply in ``case`` by ``due`` (request at ``index``);
    ``replied_at`` is the index of its reply, if it came in time."""

    case: str
    party: str
    index: int
    due: datetime
    replied_at: int | None = None


@dataclass(frozen=True)
class ImposedPenalty:
    """A penalty step imposed on ``party``: by the mediators' quorum (``penalty`` the proposal's
    id) or by a meeting decision, at ``index``; ``lifted_at`` the index of the appeal decision
    or meeting decision that lifted it."""

    penalty: str
    party: str
    level: int
    index: int
    imposed: datetime
    lifted_at: int | None = None


@dataclass(frozen=True)
class DeadlineSet:
    """A meeting decision (recorded at ``index`` on ``decided``) set ``commitment``'s next
    deadline to ``due``: deadlines from ``decided`` up to ``due`` give way to it."""

    commitment: str
    due: date
    decided: date
    index: int


@dataclass(frozen=True)
class Facts:
    """Everything enforcement counts, as of one moment."""

    allegations: tuple[Allegation, ...] = ()
    claims: tuple[Claim, ...] = ()
    findings: tuple[IssuedFinding, ...] = ()
    reply_requests: tuple[ReplyRequest, ...] = ()
    penalties: tuple[ImposedPenalty, ...] = ()
    deadlines: tuple[DeadlineSet, ...] = ()
    agreement_index: int | None = None
    """The index of the proposal of the agreement version the facts are judged by."""
