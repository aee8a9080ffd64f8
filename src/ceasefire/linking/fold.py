"""The incidents as a pure function of the log: reports in, monitors' decisions applied.

Every public report (a submission, a correction, a disclosure) is handed to the linker in log
order; a withdrawn or corrected report is detached (a correction after its new version has
been linked, so that the new version takes its place) and no longer counts as a member;
``incident.*`` events apply the monitors' confirmations, splits and merges. A decision that no
longer fits (the incident was merged away meanwhile) changes nothing and is kept with the
reason, so that every witness folds the same log to the same incidents and the same notes.
Confidential reports are not linked: an incident must not reveal that one exists.

:func:`check_decision` is the rule for what a decision must change, applied twice: here, where a
decision that fits no longer is kept as refused, and by ``services.incidents`` before a decision
is signed, which refuses it with the same reason and appends nothing. A confirmation of an
incident already confirmed with the same reports changes nothing, and is refused; once a new
report has joined, confirming again is how a monitor says the newcomer belongs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.incident_events import (
    INCIDENT_MERGED,
    INCIDENT_TYPES,
    IncidentConfirmed,
    IncidentEvent,
    IncidentMerged,
    IncidentSplit,
    parse_incident_event,
)
from ceasefire.errors import CeasefireError, Conflict, NotFound
from ceasefire.linking.linker import Decision, Linker
from ceasefire.linking.model import sighting_from_body


@dataclass(frozen=True, slots=True)
class Override:
    """A monitor's decision as the fold applied it (``refused`` says why it changed nothing)."""

    index: int
    type: str
    actor: str
    incident: str
    into: str | None
    result: str | None
    refused: str | None

    def concerns(self, incident: str) -> bool:
        return incident in (self.incident, self.into, self.result)


@dataclass
class IncidentState:
    """The linker after a prefix of the log, with how each report was placed and why."""

    size: int = 0
    linker: Linker = field(default_factory=Linker)
    decisions: dict[str, Decision] = field(default_factory=dict)
    indexes: dict[str, int] = field(default_factory=dict)
    gone: dict[str, str] = field(default_factory=dict)
    """Reports detached because they were withdrawn or corrected: report → why."""
    overrides: list[Override] = field(default_factory=list)
    confirmations: dict[str, tuple[int, tuple[str, ...]]] = field(default_factory=dict)
    """Incident → the index of its latest confirmation and its members then (whether it is
    confirmed still is the linker's: a split or a merge clears it)."""

    def incidents(self) -> dict[str, tuple[str, ...]]:
        """Incident → its live members (withdrawn and superseded reports left out)."""
        found = {}
        for name, members in self.linker.incidents().items():
            live = tuple(r for r in members if r not in self.gone)
            if live:
                found[name] = live
        return found

    def incident_of(self, report_id: str) -> str | None:
        if report_id not in self.indexes:
            return None
        return self.linker.incident_of(report_id)

    def members(self, incident: str, where: str = "body.incident") -> tuple[str, ...]:
        """The incident's members as the linker holds them (a withdrawn report that was an
        incident of its own is still its member); NotFound (at ``where``) if there is no such
        incident, saying where it went if it was merged away."""
        try:
            return self.linker.members(incident)
        except NotFound:
            merged = next(
                (
                    o
                    for o in reversed(self.overrides)
                    if o.type == INCIDENT_MERGED and o.incident == incident and o.refused is None
                ),
                None,
            )
            went = "" if merged is None else f": merged into {merged.into} at index {merged.index}"
            raise NotFound(f"no incident {incident}{went}", field=where) from None


def fold(state: IncidentState, entries: Iterable[pj.Entry], size: int) -> IncidentState:
    """Carry ``state`` forward over ``entries`` (the log's entries from ``state.size`` on, in
    order) to a log of ``size`` entries. The state is changed in place and returned."""
    pending: list[tuple[str, Mapping[str, Any], int]] = []
    for entry in entries:
        if entry.body is None:
            continue  # sealed: confidential reports are not linked
        added = version_of(entry)
        if added is not None:  # the new version first: it takes the old one's place
            pending.append((*added, entry.index))
        if entry.type != events.REPORT_SUBMITTED:
            _add(state, pending)
            _apply(state, entry, entry.body)
    _add(state, pending)
    state.size = size
    return state


def _apply(state: IncidentState, entry: pj.Entry, body: Mapping[str, Any]) -> None:
    match entry.type:
        case events.REPORT_CORRECTED:
            _drop(state, str(body["corrects"]), f"corrected by {entry.id}")
        case events.REPORT_WITHDRAWN:
            _drop(state, str(body["report"]), f"withdrawn at index {entry.index}")
        case events.REPORT_DISCLOSED:
            corrects = body["body"].get("corrects")
            if corrects is not None:  # a sealed correction, now public
                _drop(state, str(corrects), f"corrected by {body['report']}")
        case kind if kind in INCIDENT_TYPES:
            _decide(state, entry, body)
        case _:
            pass


def version_of(entry: pj.Entry) -> tuple[str, Mapping[str, Any]] | None:
    """The public report version ``entry`` hands the linker — its report id and content — if
    any: a submission, a correction (under its own id) or a disclosure (under the disclosed
    report's id). Claims of compliance are not events on the ground, and are not linked."""
    body = entry.body
    if body is None:
        return None
    match entry.type:
        case events.REPORT_SUBMITTED:
            found = entry.id, body
        case events.REPORT_CORRECTED:
            found = entry.id, body["report"]
        case events.REPORT_DISCLOSED:
            content = body["body"]
            found = str(body["report"]), content["report"] if "corrects" in content else content
        case _:
            return None
    return None if found[1].get("kind") == "compliance_claim" else found


def _add(state: IncidentState, pending: list[tuple[str, Mapping[str, Any], int]]) -> None:
    """Link the report versions gathered so far, in log order, and empty ``pending``: a run of
    submissions (an import's, or a whole log's on a first fold) is linked as one batch."""
    fresh: dict[str, tuple[Mapping[str, Any], int]] = {}
    for report_id, body, index in pending:
        if report_id not in state.indexes and report_id not in fresh:
            fresh[report_id] = body, index
    pending.clear()
    sightings = [sighting_from_body(report_id, body) for report_id, (body, _) in fresh.items()]
    for decision in state.linker.add_all(sightings):
        state.decisions[decision.report_id] = decision
        state.indexes[decision.report_id] = fresh[decision.report_id][1]


def _drop(state: IncidentState, report_id: str, why: str) -> None:
    if report_id in state.indexes and report_id not in state.gone:
        state.linker.detach(report_id)
        state.gone[report_id] = why


def check_decision(state: IncidentState, decision: IncidentEvent) -> None:
    """Refuse a decision that would change nothing on the incidents as ``state`` holds them:
    a confirmation of an incident confirmed already with the same reports, a split naming a
    report that is not in the incident or taking all of its reports, a decision on an
    incident there is not (merged away, say). An incident merged into itself or a split of
    no report are refused by their parsers."""
    match decision:
        case IncidentConfirmed(incident):
            members = state.members(incident)
            earlier = state.confirmations.get(incident)
            if state.linker.is_confirmed(incident) and earlier and earlier[1] == members:
                raise Conflict(
                    f"incident {incident} was already confirmed at index {earlier[0]} with the "
                    f"same reports ({len(members)})",
                    field="body.incident",
                )
        case IncidentSplit(incident, reports):
            members = state.members(incident)
            for i, report in enumerate(reports):
                if report not in members:
                    now = state.incident_of(report)
                    found = "" if now is None else f" (it is in incident {now})"
                    raise Conflict(
                        f"report {report} is not in incident {incident}{found}",
                        field=f"body.reports[{i}]",
                    )
            if len(reports) >= len(members):
                raise Conflict(
                    f"a split must leave some reports in incident {incident}: all "
                    f"{len(members)} of them would leave it, and they would form the same "
                    "incident under another name",
                    field="body.reports",
                )
        case IncidentMerged(incident, into):
            state.members(incident)
            state.members(into, "body.into")


def _decide(state: IncidentState, entry: pj.Entry, body: Mapping[str, Any]) -> None:
    decision = parse_incident_event(entry.type, body)
    linker = state.linker
    result: str | None = None
    refused: str | None = None
    try:
        check_decision(state, decision)
        match decision:
            case IncidentConfirmed(incident):
                result = linker.confirm(incident)
                state.confirmations[incident] = (entry.index, state.members(incident))
            case IncidentSplit(incident, reports):
                result = linker.split(incident, reports)
            case IncidentMerged(incident, into):
                result = linker.merge(into, incident)
    except CeasefireError as exc:
        refused = exc.message
    state.overrides.append(
        Override(
            entry.index,
            entry.type,
            entry.actor,
            decision.incident,
            decision.into if isinstance(decision, IncidentMerged) else None,
            result,
            refused,
        )
    )
