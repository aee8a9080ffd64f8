"""What a brief says: a pure function of the log's first ``size`` entries and the options.

``compute(entries, checkpoint, period, day, edition, viewer)`` folds the entries (all of them
up to the checkpoint, in log order) into a :class:`Brief`. Nothing else is read — not the
clock, not the read models — so any party folding the same entries gets the same brief.

What the reader may see is decided by the one policy (``domain.policy``) for ``viewer``
(None: the public edition's reader). A report the policy withholds is not described, but it
is counted among the withheld, so the figures stay honest about what is left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from ceasefire.briefs import record
from ceasefire.briefs.model import (
    NONE,
    Brief,
    Checkpoint,
    CommitmentLine,
    Count,
    FindingLine,
    IncidentLine,
    PenaltyLine,
    ReplyLine,
    Restriction,
    StatusChange,
    Upcoming,
    Withheld,
)
from ceasefire.briefs.periods import Window, previous, window
from ceasefire.briefs.record import BriefReport
from ceasefire.briefs.standing import assess_standing, casework_at
from ceasefire.briefs.summary import summarise
from ceasefire.domain.actors import Actor
from ceasefire.domain.agreement_rules import Attribution
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.brief_events import BriefPeriod, Edition
from ceasefire.domain.casework import Casework
from ceasefire.domain.enforcement import Evaluation
from ceasefire.domain.projection import Entry
from ceasefire.domain.sectors import Sectors
from ceasefire.linking.fold import IncidentState
from ceasefire.linking.fold import fold as link

TICK = timedelta(microseconds=1)
"""The period's end is exclusive: the casework and the standing are taken just before it."""


def compute(
    entries: Sequence[Entry],
    checkpoint: Checkpoint,
    period: BriefPeriod,
    day: date,
    edition: Edition,
    viewer: Actor | None,
    incidents: IncidentState | None = None,
) -> Brief:
    """The brief of ``entries`` (the log's first ``checkpoint.size``) for ``viewer``.

    ``incidents``: the linker's state after exactly these entries, where the caller keeps it
    (folding the whole log's reports is the costliest step); None: folded here."""
    if incidents is not None and incidents.size != checkpoint.size:
        raise ValueError(f"incidents folded to {incidents.size}, not {checkpoint.size}")
    adoption = record.agreement_at(entries)
    agreement = adoption.agreement
    current, before = window(period, day), previous(period, day)
    everything = record.reports(entries).by_id.values()
    first, last = current.start - TICK, current.end - TICK
    started, casework = casework_at(agreement, entries, first, last)
    evaluation = assess_standing(agreement, casework.facts(), last)
    opening = assess_standing(agreement, started.facts(), first)
    counted = _Counted(everything, current, before, viewer)
    sectors = Sectors.of(agreement.sectors)
    brief = Brief(
        period=period,
        day=day,
        edition=edition,
        checkpoint=checkpoint,
        agreement_id=agreement.id,
        agreement_version=agreement.version,
        agreement_title=agreement.title,
        current=current,
        before=before,
        received=len(counted.now),
        received_before=len(counted.then),
        by_act=counted.by(lambda seen: seen.get("act"), {a.id: a.name for a in agreement.acts}),
        by_sector=counted.by(
            lambda seen: sectors.of_place(seen.get("location")),
            {s.id: s.name for s in agreement.sectors},
        ),
        by_party=counted.by(
            lambda seen: seen.get("alleged_party"), {p.id: p.name for p in agreement.parties}
        ),
        per_day=counted.per_day(before, current),
        parties=tuple((p.id, p.name) for p in agreement.parties),
        sectors=tuple((s.id, s.name, s.bbox) for s in agreement.sectors),
        region=agreement.region.bbox,
        withheld=counted.withheld(),
        withdrawn=sum(1 for r in everything if r.withdrawn and current.holds(r.received)),
        incidents=_incidents(
            incidents or link(IncidentState(), entries, checkpoint.size),
            everything,
            casework,
            current,
            viewer,
            sectors,
        ),
        findings=_findings(casework, current),
        commitments=_commitments(evaluation, counted.claims),
        evidence_received=sum(counted.claims.values()),
        replies=_replies(casework, current),
        replies_given=sum(
            1
            for case in casework.cases.values()
            for w in case.windows
            if w.replied is not None and _at(casework, case.id, w.replied, current)
        ),
        penalties=_penalties(casework, current),
        status=_status_text(evaluation),
        status_changes=_changes(opening, evaluation),
        restrictions=_restrictions(agreement, counted.now, sectors),
        upcoming=_upcoming(agreement, casework, evaluation, current),
        summary="",
    )
    return replace(brief, summary=summarise(brief))


class _Counted:
    """The reports received in the current and the previous period that the reader sees."""

    def __init__(
        self,
        everything: Iterable[BriefReport],
        current: Window,
        before: Window,
        viewer: Actor | None,
    ) -> None:
        self.viewer = viewer
        self.now: list[tuple[BriefReport, Mapping[str, Any]]] = []
        self.then: list[tuple[BriefReport, Mapping[str, Any]]] = []
        self.hidden = 0
        self.hidden_claims = 0
        self.sources = 0
        self.claims: Counter[str] = Counter()
        self.timeline: list[tuple[date, str]] = []
        for report in everything:
            if report.withdrawn:
                continue
            in_now, in_then = current.holds(report.received), before.holds(report.received)
            if not (in_now or in_then):
                continue
            seen = report.seen_by(viewer)
            if seen is None:
                if in_now:
                    claim = report.content is not None and (
                        report.content.get("kind") == "compliance_claim"
                    )
                    self.hidden_claims += claim
                    self.hidden += 1
                continue
            if seen.get("kind") == "compliance_claim":
                if in_now:
                    self.claims[str(seen.get("commitment"))] += 1
                continue
            self.timeline.append((report.received.date(), str(seen.get("alleged_party") or NONE)))
            if in_now:
                self.now.append((report, seen))
                self.sources += report.sources_withheld(viewer)
            else:
                self.then.append((report, seen))

    def by(
        self, value: Callable[[Mapping[str, Any]], object], labels: Mapping[str, str]
    ) -> tuple[Count, ...]:
        """The reports counted by ``value`` of what the reader sees (none: :data:`NONE`)."""

        def key(seen: Mapping[str, Any]) -> str:
            return str(value(seen) or NONE)

        now = Counter(key(s) for _, s in self.now)
        then = Counter(key(s) for _, s in self.then)
        keys = sorted(set(now) | set(then), key=lambda k: (-now[k], -then[k], k))
        return tuple(Count(k, labels.get(k, k), now[k], then[k]) for k in keys)

    def per_day(
        self, before: Window, current: Window
    ) -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
        tally = Counter(self.timeline)
        parties = sorted({party for _, party in self.timeline})
        return tuple(
            (d.isoformat(), tuple((p, tally[(d, p)]) for p in parties))
            for d in (*before.days, *current.days)
        )

    def withheld(self) -> Withheld:
        return Withheld(self.hidden, self.sources, self.hidden_claims)


def _incidents(
    state: IncidentState,
    everything: Iterable[BriefReport],
    casework: Casework,
    current: Window,
    viewer: Actor | None,
    sectors: Sectors,
) -> tuple[IncidentLine, ...]:
    """The incidents whose first report was received in the period (incidents are formed from
    public reports only, so every edition lists the same ones), each in the sector of its first
    located member as the reader sees it."""
    reports = {r.id: r for r in everything}
    found = []
    for name, members in state.incidents().items():
        first = reports.get(name)
        if first is None or not current.holds(first.received):
            continue
        seen = [s for m in members if (r := reports.get(m)) and (s := r.seen_by(viewer))]
        located: Mapping[str, Any] = next(
            (s["location"] for s in seen if "latitude" in (s.get("location") or {})), {}
        )
        dates = sorted(d for s in seen for d in ((s.get("dates") or {}).get("start"),) if d)
        found.append(
            IncidentLine(
                id=name,
                first_index=first.index,
                reports=len(members),
                start=dates[0] if dates else None,
                end=dates[-1] if dates else None,
                acts=tuple(sorted({str(s["act"]) for s in seen if s.get("act")})),
                parties=tuple(
                    sorted({str(s["alleged_party"]) for s in seen if s.get("alleged_party")})
                ),
                sector=sectors.of_place(located),
                status=_verification(members, state.linker.is_confirmed(name), casework),
                latitude=located.get("latitude"),
                longitude=located.get("longitude"),
            )
        )
    return tuple(sorted(found, key=lambda i: i.first_index))


def _verification(members: Sequence[str], confirmed: bool, casework: Casework) -> str:
    """The most advanced status the casework gives an incident (as the map shows it)."""
    rank = ["unconfirmed", "confirmed", "dismissed", "case", "verified"]
    found = "confirmed" if confirmed else "unconfirmed"
    named = set(members)
    for case in casework.cases.values():
        if not named.intersection(case.opened.reports):
            continue
        step = "verified" if case.issued else "dismissed" if case.state == "closed" else "case"
        found = max(found, step, key=rank.index)
    return found


def _findings(casework: Casework, current: Window) -> tuple[FindingLine, ...]:
    found = []
    for case in casework.cases.values():
        for issued in case.issued:
            if issued.issued_time is None or not current.holds(issued.issued_time):
                continue
            finding = issued.finding
            found.append(
                FindingLine(
                    case=case.id,
                    title=case.opened.title,
                    issued_at=issued.issued_at or issued.index,
                    issued=issued.issued_time.isoformat(),
                    attribution=str(finding.attribution),
                    party=finding.party,
                    confidence=finding.confidence,
                    acts=finding.acts,
                    clauses=finding.clauses,
                )
            )
    return tuple(sorted(found, key=lambda f: f.issued_at))


def _commitments(evaluation: Evaluation, claims: Mapping[str, int]) -> tuple[CommitmentLine, ...]:
    return tuple(
        CommitmentLine(
            id=c.id,
            party=c.party,
            status=c.status.value,
            next_deadline=c.next_deadline.isoformat() if c.next_deadline else None,
            missed=len(c.missed),
            evidence_received=claims.get(c.id, 0),
        )
        for c in evaluation.commitments
    )


def _replies(casework: Casework, current: Window) -> tuple[ReplyLine, ...]:
    """Replies asked for and not given by the end of the period: pending or missed."""
    found = []
    for case in casework.cases.values():
        for asked in case.windows:
            if asked.replied is not None:
                continue
            state = "missed" if asked.due < current.end else "pending"
            found.append(
                ReplyLine(
                    case.id, case.opened.title, case.opened.party, asked.due.isoformat(), state
                )
            )
    return tuple(sorted(found, key=lambda r: (r.due, r.case)))


def _at(casework: Casework, case_id: str, index: int, current: Window) -> bool:
    case = casework.cases[case_id]
    return any(step.index == index and current.holds(step.time) for step in case.steps)


def _penalties(casework: Casework, current: Window) -> tuple[PenaltyLine, ...]:
    found = []
    for penalty in casework.penalties.values():
        level = penalty.proposed.level
        if current.holds(penalty.time):
            found.append(PenaltyLine(penalty.id, penalty.party, level, "proposed", penalty.index))
        if (
            penalty.imposed_at is not None
            and penalty.imposed_time is not None
            and current.holds(penalty.imposed_time)
        ):
            found.append(
                PenaltyLine(penalty.id, penalty.party, level, "imposed", penalty.imposed_at)
            )
    return tuple(sorted(found, key=lambda p: (p.index, p.change)))


def _status_text(evaluation: Evaluation) -> str:
    party = f" ({evaluation.status_party})" if evaluation.status_party else ""
    return f"{evaluation.status}{party}"


def _changes(before: Evaluation, after: Evaluation) -> tuple[StatusChange, ...]:
    found = []
    if _status_text(before) != _status_text(after):
        found.append(StatusChange("ceasefire", _status_text(before), _status_text(after)))
    steps = {s.party: s for s in before.parties}
    for standing in after.parties:
        old = steps.get(standing.party)
        was = _step(old.step, old.step_name) if old else "none"
        now = _step(standing.step, standing.step_name)
        if old is None or old.step != standing.step:
            found.append(StatusChange(f"{standing.party} penalty step", was, now))
    return tuple(found)


def _step(step: int, name: str | None) -> str:
    return name or ("none" if step == 0 else f"step {step}")


def _restrictions(
    agreement: Agreement,
    received: Sequence[tuple[BriefReport, Mapping[str, Any]]],
    sectors: Sectors,
) -> tuple[Restriction, ...]:
    """Reports of acts that count against the party obstructing the monitors."""
    acts = {a.id: a for a in agreement.acts if a.against is Attribution.OBSTRUCTING_PARTY}
    found = [
        Restriction(
            report=r.id,
            index=r.index,
            received=r.received.isoformat(),
            sector=sectors.of_place(seen.get("location")),
            party=seen.get("alleged_party"),
            summary=acts[str(seen["act"])].name,
        )
        for r, seen in received
        if seen.get("act") in acts
    ]
    return tuple(sorted(found, key=lambda r: r.index))


def _upcoming(
    agreement: Agreement, casework: Casework, evaluation: Evaluation, current: Window
) -> tuple[Upcoming, ...]:
    """Meetings and deadlines in the 30 days after the period."""
    horizon = current.end + timedelta(days=30)
    found: list[Upcoming] = []
    for meeting in casework.meetings.values():
        scheduled = meeting.scheduled
        if current.last < scheduled.date <= horizon.date():
            found.append(
                Upcoming(
                    scheduled.date.isoformat(),
                    "meeting",
                    f"{scheduled.purpose} ({scheduled.place})",
                )
            )
    for commitment in evaluation.commitments:
        deadline = commitment.next_deadline
        if deadline is not None and current.last < deadline <= horizon.date():
            found.append(
                Upcoming(
                    deadline.isoformat(),
                    "deadline",
                    f"commitment {commitment.id} ({commitment.party})",
                )
            )
    for case in casework.cases.values():
        for asked in case.windows:
            if asked.replied is None and current.end <= asked.due < horizon:
                found.append(
                    Upcoming(
                        asked.due.date().isoformat(),
                        "reply due",
                        f"{case.opened.party} in case {case.id}",
                    )
                )
    return tuple(sorted(found, key=lambda u: (u.day, u.what, u.detail)))
