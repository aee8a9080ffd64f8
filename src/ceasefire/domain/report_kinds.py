"""The two kinds of report, as values: an allegation and a compliance claim.

Each is a frozen dataclass whose constructor checks the report's invariants, naming the field
at fault. Reading one from a body, writing its body back and checking it against the agreement
are in :mod:`ceasefire.domain.reports`, which re-exports everything here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

from ceasefire.domain.agreements import CLAUSE_ID
from ceasefire.domain.fields import unique
from ceasefire.domain.report_origin import Origin
from ceasefire.domain.report_parts import (
    MAX_NAME,
    Casualties,
    Source,
    check_count_of,
    check_ident,
    check_text,
    check_texts,
    require,
)
from ceasefire.domain.report_places import EventDates, Location
from ceasefire.errors import InvalidInput

MAX_NARRATIVE: Final = 20_000
MAX_LANGUAGE: Final = 35
MAX_NAMES: Final = 50
"""Most actors, targets or clauses in one report."""
MAX_SOURCES: Final = 100
LANGUAGE: Final = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


class ReportKind(StrEnum):
    ALLEGATION = "allegation"
    COMPLIANCE_CLAIM = "compliance_claim"
    OBSERVATION = "observation"


@dataclass(frozen=True)
class Allegation:
    """An act that may violate the agreement: when, where, what, by whom, and who says so."""

    dates: EventDates
    location: Location
    act: str
    alleged_party: str
    actors: tuple[str, ...]
    targets: tuple[str, ...]
    casualties: Casualties
    narrative: str
    language: str
    sources: tuple[Source, ...]
    clauses: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_ident(self.act, "act")
        check_ident(self.alleged_party, "alleged_party")
        check_texts(self.actors, "actors", MAX_NAMES)
        check_texts(self.targets, "targets", MAX_NAMES)
        _check_account(self.narrative, self.language, self.sources)
        require(bool(self.sources), "sources", "expected at least one source, found none")
        check_count_of(self.clauses, "clauses", MAX_NAMES)
        for i, clause in enumerate(self.clauses):
            if not CLAUSE_ID.fullmatch(clause):
                raise InvalidInput(
                    f"expected a clause id such as 1 or 2(b), found {clause!r}",
                    field=f"clauses[{i}]",
                )
        unique(self.clauses, "clauses", "clause")

    @property
    def kind(self) -> Literal[ReportKind.ALLEGATION]:
        return ReportKind.ALLEGATION


@dataclass(frozen=True)
class ComplianceClaim:
    """A step a party says it took toward one of its commitments.

    The evidence for it is filed in the locker against the report, not in the body.
    """

    commitment: str
    step: str
    dates: EventDates
    location: Location | None
    narrative: str
    language: str
    sources: tuple[Source, ...] = ()

    def __post_init__(self) -> None:
        check_ident(self.commitment, "commitment")
        check_ident(self.step, "step")
        _check_account(self.narrative, self.language, self.sources)

    @property
    def kind(self) -> Literal[ReportKind.COMPLIANCE_CLAIM]:
        return ReportKind.COMPLIANCE_CLAIM


@dataclass(frozen=True)
class Observation:
    """An event an open source or a dataset recorded (ACLED, UCDP, the press, a monitor's watch).

    Unlike an allegation it need not say which act of the agreement it was, nor who did it: a
    dataset classifies events its own way (``event_type``), and the agreement's act and the
    party are filled in only where the row says so plainly. The place may be unknown (some
    datasets give only a country). ``origin`` keeps the dataset's own id and every column.
    Observations are linked into incidents with the reports that describe the same event; they
    do not count as allegations.
    """

    dates: EventDates
    location: Location | None
    event_type: str
    actors: tuple[str, ...]
    targets: tuple[str, ...]
    casualties: Casualties
    narrative: str
    language: str
    sources: tuple[Source, ...]
    act: str | None = None
    alleged_party: str | None = None
    origin: Origin | None = None

    def __post_init__(self) -> None:
        check_text(self.event_type, "event_type", MAX_NAME)
        if self.act is not None:
            check_ident(self.act, "act")
        if self.alleged_party is not None:
            check_ident(self.alleged_party, "alleged_party")
        check_texts(self.actors, "actors", MAX_NAMES)
        check_texts(self.targets, "targets", MAX_NAMES)
        _check_account(self.narrative, self.language, self.sources)
        require(bool(self.sources), "sources", "expected at least one source, found none")

    @property
    def kind(self) -> Literal[ReportKind.OBSERVATION]:
        return ReportKind.OBSERVATION


Report = Allegation | ComplianceClaim | Observation


def _check_account(narrative: str, language: str, sources: tuple[Source, ...]) -> None:
    check_text(narrative, "narrative", MAX_NARRATIVE)
    if len(language) > MAX_LANGUAGE or not LANGUAGE.fullmatch(language):
        raise InvalidInput(
            f"expected a language tag such as en, ps, ur or fa-AF, found {language!r}",
            field="language",
        )
    check_count_of(sources, "sources", MAX_SOURCES)
