"""The case workbench: what each role has to do next, read from the casework fold.

A monitor sees the allegations no case covers yet and the cases still being worked; a mediator
the findings waiting for its signature, and those with the quorum that can be issued; a party's
liaison the cases against its party, each reply window with its deadline. The casework is
public by rule; the reports listed are those the viewer may see (``services.reports``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from ceasefire.domain.actors import Actor, Role
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.cases import Case, CaseState, ReplyWindow
from ceasefire.services.reports import ReportFilter, ReportQueries, ReportView, page_reports

RECENT: Final = 200
"""How many of the newest allegations a monitor's queue looks through for one without a case."""
WORKING: Final = frozenset(
    {
        CaseState.OPENED,
        CaseState.INVESTIGATING,
        CaseState.AWAITING_REPLY,
        CaseState.FINDING_PROPOSED,
    }
)


@dataclass(frozen=True)
class Reply:
    """A reply window of a case against the viewer's party."""

    case: Case
    window: ReplyWindow
    overdue: bool


@dataclass(frozen=True)
class Workbench:
    uncased: tuple[ReportView, ...] = ()
    """Monitor: allegations that name an act and a party and that no case covers."""
    queue: tuple[Case, ...] = ()
    """Monitor: cases not yet issued or closed, oldest first."""
    to_sign: tuple[Case, ...] = ()
    """Mediator: proposed findings this mediator has not signed."""
    to_issue: tuple[Case, ...] = ()
    """Mediator: proposed findings with the quorum's signatures, not yet issued."""
    inbox: tuple[Case, ...] = ()
    """Liaison: cases against the viewer's party, newest first."""
    replies: tuple[Reply, ...] = ()
    """Liaison: the reply windows still open on those cases, soonest first."""

    @property
    def empty(self) -> bool:
        return not (self.uncased or self.queue or self.to_sign or self.to_issue or self.inbox)


def workbench(
    records: ReportQueries,
    viewer: Actor,
    cases: Iterable[Case],
    agreement: Agreement,
    now: datetime,
) -> Workbench:
    """What ``viewer`` has to do, by its role."""
    cases = sorted(cases, key=lambda c: c.index)
    if viewer.role == Role.MONITOR:
        return Workbench(
            uncased=tuple(_uncased(records, viewer, cases)),
            queue=tuple(c for c in cases if c.state in WORKING),
        )
    if viewer.role == Role.MEDIATOR:
        quorum = agreement.verification.quorum
        proposed = [c for c in cases if c.proposal is not None and c.state in WORKING]
        return Workbench(
            to_sign=tuple(c for c in proposed if not _signed_by(c, viewer)),
            to_issue=tuple(c for c in proposed if _concurring(c) >= quorum),
        )
    if viewer.role == Role.LIAISON and viewer.affiliation is not None:
        against = [c for c in cases if c.opened.party == viewer.affiliation]
        open_windows = [
            Reply(case, window, overdue=window.due < now)
            for case in against
            for window in case.windows
            if window.replied is None and case.state not in (CaseState.CLOSED, CaseState.ISSUED)
        ]
        return Workbench(
            inbox=tuple(reversed(against)),
            replies=tuple(sorted(open_windows, key=lambda r: r.window.due)),
        )
    return Workbench()


def _uncased(records: ReportQueries, viewer: Actor, cases: list[Case]) -> list[ReportView]:
    covered = {report for case in cases for report in case.opened.reports}
    page = page_reports(records, viewer, ReportFilter(kind="allegation", limit=RECENT))
    return [
        view
        for view in page.reports
        if view.id not in covered
        and view.status == "active"
        and view.body is not None
        and view.body.get("act")
        and view.body.get("alleged_party")
    ]


def _signed_by(case: Case, viewer: Actor) -> bool:
    assert case.proposal is not None
    return any(
        s.actor == viewer.id or s.signatory == viewer.affiliation for s in case.proposal.signatures
    )


def _concurring(case: Case) -> int:
    assert case.proposal is not None
    return sum(1 for s in case.proposal.signatures if s.concurs)
