"""What a brief reads beyond its period's reports, worked out from the agreement and from the
log's entries that are not report submissions.

A brief (``briefs.content.compute``) is a pure function of the log's first ``size`` entries.
Most of a large log is report submissions, and most of those change nothing a brief says
about one period. The brief's answer is the same over a subset of the entries that holds
(``services.brief_scope`` gathers it; ``tests/briefs/test_scope.py`` compares the two):

- every entry of the other kinds a brief folds (:data:`FOLDED`: the agreement, casework,
  corrections, withdrawals, disclosures, incident decisions — few, and each may matter);
- the reports received in the period and in the one before (what is counted and listed);
- every claim of compliance and every disclosed report (the commitments' evidence, and facts
  that appear when disclosed);
- the reports the casework and the monitors' decisions name (:func:`named_reports`);
- for each ``alleged_violations`` condition of the agreement, party and moment the standing is
  taken at, the open allegations in log order up to its ``at_least``-th (:func:`wanted`;
  ``briefs.standing.deciding`` reads no more);
- the strong-link components of every report version above (``linking.closure``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from ceasefire.briefs.standing import allegation_conditions
from ceasefire.domain import casework_events as ce
from ceasefire.domain import events
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.enforcement_explain import utc
from ceasefire.domain.incident_events import INCIDENT_TYPES
from ceasefire.domain.projection import Entry

FOLDED: Final = frozenset(
    {
        events.AGREEMENT_PROPOSED,
        events.AGREEMENT_SIGNED,
        events.REPORT_CORRECTED,
        events.REPORT_WITHDRAWN,
        events.REPORT_DISCLOSED,
        *ce.CASEWORK_TYPES,
        *INCIDENT_TYPES,
    }
)
"""The kinds of entry besides report submissions that a brief's folds read
(``record.agreement_at``, ``record.reports``, ``domain.casework``, ``linking.fold``); evidence,
custody, keys and the rest change nothing a brief says."""
SPLIT_MARK = "~"
"""A split-off incident is named after its first report, with ``~n`` added where that name is
taken (``Linker._fresh_name``)."""


@dataclass(frozen=True)
class Wanted:
    """The open allegations one condition counts for one party at one moment: alleged against
    ``party``, of one of ``acts`` (any when empty), dated in ``(after, until]`` (any day when
    ``after`` is None), entered in the log by ``as_of``. The first ``at_least`` of them in log
    order decide the condition."""

    party: str
    acts: frozenset[str]
    after: date | None
    until: date
    as_of: datetime
    at_least: int

    def counts(self, act: str | None, day: date) -> bool:
        if self.acts and act not in self.acts:
            return False
        return self.after is None or self.after < day <= self.until


def wanted(agreement: Agreement, moments: Iterable[datetime]) -> list[Wanted]:
    """For every ``alleged_violations`` condition, every party it may count for, and every
    moment: which allegations decide it (``standing.deciding`` and ``_counts``)."""
    parties = [p.id for p in agreement.parties]
    found = []
    for as_of in moments:
        today = utc(as_of).date()
        for condition in allegation_conditions(agreement):
            window = condition.window_days
            for party in parties:
                if condition.party is not None and condition.party != party:
                    continue
                found.append(
                    Wanted(
                        party=party,
                        acts=frozenset(condition.acts or condition.commitments),
                        after=None if window is None else today - timedelta(days=window),
                        until=today,
                        as_of=as_of,
                        at_least=condition.at_least,
                    )
                )
    return found


def named_reports(entries: Iterable[Entry]) -> set[str]:
    """The reports that cases and the monitors' incident decisions name: a case's subjects
    (whose allegations it resolves, and whose incidents it marks), and the reports incidents
    are named after or split off (a merge joins two components)."""
    found: set[str] = set()
    for entry in entries:
        body = entry.body
        if body is None:
            continue
        if entry.type == ce.CASE_OPENED:
            found.update(str(r) for r in body.get("reports") or ())
        elif entry.type in INCIDENT_TYPES:
            for key in ("incident", "into"):
                if isinstance(body.get(key), str):
                    found.add(body[key].split(SPLIT_MARK)[0])
            found.update(str(r) for r in body.get("reports") or ())
    return found
