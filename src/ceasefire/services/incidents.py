"""Incidents: the reports that describe one event, linked, with the monitors' decisions.

The incidents are folded from the log (:mod:`ceasefire.linking.fold`) and kept per process,
carried forward as the log grows: linking is incremental, so a new report is matched against
the incidents there are, not re-clustered with everything. The cache is keyed by the log's size,
read from the database on each call, so several workers never serve a stale answer. Decisions
(confirm, split, merge) are signed events like every other change of state; one that would
change nothing (confirming again what is confirmed with the same reports, splitting off every
report) is refused before it is signed (``linking.fold.check_decision``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ceasefire.domain import projection as pj
from ceasefire.domain.incident_events import (
    INCIDENT_CONFIRMED,
    INCIDENT_MERGED,
    INCIDENT_NAMESPACES,
    INCIDENT_SPLIT,
    IncidentEvent,
    IncidentMerged,
    parse_incident_event,
)
from ceasefire.domain.policy import Action, require
from ceasefire.domain.report_places import GeoPrecision
from ceasefire.domain.reports import parse_report, public_view
from ceasefire.errors import NotFound
from ceasefire.geo import BorderPosition, default_boundary
from ceasefire.linking.fold import IncidentState, Override, check_decision, fold
from ceasefire.linking.linker import Decision
from ceasefire.services.casework import Recorded, Signer
from ceasefire.services.entries import public_entries
from ceasefire.services.log import submit
from ceasefire.services.ports import Row, Store
from ceasefire.services.reports import signer_of

_RELEVANT = ("report.", *INCIDENT_NAMESPACES)
T = TypeVar("T")


@dataclass(frozen=True)
class Member:
    """One report of an incident, and why the linker put it there."""

    report: str
    index: int
    kind: str | None
    act: str | None
    party: str | None
    start: str | None
    end: str | None
    latitude: float | None
    longitude: float | None
    source: str | None
    origin: str | None
    linked_to: str | None
    score: float | None
    reasons: tuple[str, ...]
    side: str | None = None
    """Which side of the border the report places it (``undetermined`` when its precision
    reaches the line, ``outside`` when in neither country): ``geo``'s answer."""
    border_km: float | None = None


@dataclass(frozen=True)
class Incident:
    id: str
    confirmed: bool
    members: tuple[Member, ...]
    decisions: tuple[Override, ...]

    @property
    def start(self) -> str | None:
        return min((m.start for m in self.members if m.start), default=None)

    @property
    def end(self) -> str | None:
        return max((m.end for m in self.members if m.end), default=None)

    @property
    def acts(self) -> tuple[str, ...]:
        return tuple(sorted({m.act for m in self.members if m.act}))

    @property
    def parties(self) -> tuple[str, ...]:
        return tuple(sorted({m.party for m in self.members if m.party}))


class IncidentFolds:
    """One store's incidents in this process, carried forward from the size it last saw.

    Keep one per store (the API keeps one per app); without one, each call folds afresh.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = IncidentState()
        self._listed: tuple[int, list[Incident]] | None = None
        """Every incident with its members, as of a log size: a store changes nothing an
        incident shows (its reports' rows, the decisions) but by an entry, so this is kept
        until the log grows (the map and the dashboard's list read it on every view)."""

    @property
    def folded(self) -> int:
        """The log size the kept incidents were folded to (0 before the first fold)."""
        return self._state.size

    def listed(self, store: Store) -> list[Incident]:
        """Every incident, newest first, each with its members (kept per log size)."""
        size = store.head().size
        kept = self._listed
        if kept is not None and kept[0] == size:
            return kept[1]
        found, _ = newest_incidents(store, self)
        made_at = self.read(store, lambda state: state.size)
        if made_at == size:  # the log did not grow while the list was made
            self._listed = (size, found)
        return found

    def read(self, store: Store, use: Callable[[IncidentState], T]) -> T:
        """``use`` the incidents of the log as it is now (under the lock: the state is live)."""
        size = store.head().size
        with self._lock:
            state = self._state
            if size < state.size:  # another database behind the same object: start again
                state = self._state = IncidentState()
            if size > state.size:
                fold(state, public_entries(store, state.size, size, _RELEVANT), size)
            return use(state)


def incident_of(store: Store, folds: IncidentFolds | None = None) -> Callable[[str], str | None]:
    """A lookup report id → incident id, for exports (None: the report is not linked). A
    withdrawn or corrected report is in no incident: the linker keeps it apart, under a name of
    its own that no list shows, and an export must not name an incident no one can open."""
    mapping = (folds or IncidentFolds()).read(
        store,
        lambda s: {r: s.linker.incident_of(r) for r in s.indexes if r not in s.gone},
    )
    return mapping.get


def list_incidents(
    store: Store,
    folds: IncidentFolds | None = None,
    *,
    confirmed: bool | None = None,
    min_reports: int = 1,
) -> list[Incident]:
    """Every incident, newest first, each with its members."""
    if folds is None:
        return newest_incidents(store, folds, confirmed=confirmed, min_reports=min_reports)[0]
    return [
        incident
        for incident in folds.listed(store)
        if len(incident.members) >= min_reports and confirmed in (None, incident.confirmed)
    ]


def newest_incidents(
    store: Store,
    folds: IncidentFolds | None = None,
    *,
    confirmed: bool | None = None,
    min_reports: int = 1,
    limit: int | None = None,
    before: int | None = None,
) -> tuple[list[Incident], int]:
    """The ``limit`` newest incidents (by their newest report's log index, below ``before``
    if given; None: all), each with its members, and how many match (``before`` aside): only
    those returned are read from the store."""

    def snapshot(state: IncidentState) -> list[tuple[int, str, tuple[str, ...], bool]]:
        found = []
        for name, members in state.incidents().items():
            is_confirmed = state.linker.is_confirmed(name)
            if len(members) < min_reports or confirmed not in (None, is_confirmed):
                continue
            newest = max(state.indexes[r] for r in members)
            found.append((newest, name, members, is_confirmed))
        return found

    folds = folds or IncidentFolds()
    matching = sorted(folds.read(store, snapshot), reverse=True)
    after = matching if before is None else [m for m in matching if m[0] < before]
    chosen = after if limit is None else after[:limit]
    decisions, overrides = folds.read(store, lambda s: (dict(s.decisions), list(s.overrides)))
    seen = _members(store, [r for _, _, members, _ in chosen for r in members], decisions)
    incidents = [_incident(name, members, ok, seen, overrides) for _, name, members, ok in chosen]
    return incidents, len(matching)


def show_incident(store: Store, incident_id: str, folds: IncidentFolds | None = None) -> Incident:
    folds = folds or IncidentFolds()

    def snapshot(state: IncidentState) -> tuple[tuple[str, ...], bool, Any]:
        members = state.incidents().get(incident_id)
        if members is None:
            state.members(incident_id, "incident")  # says where a merged-away incident went
            raise NotFound(f"no incident {incident_id}", field="incident")
        return (
            members,
            state.linker.is_confirmed(incident_id),
            (
                dict(state.decisions),
                list(state.overrides),
            ),
        )

    members, ok, (decisions, overrides) = folds.read(store, snapshot)
    seen = _members(store, list(members), decisions)
    return _incident(incident_id, members, ok, seen, overrides)


def confirm(store: Store, signer: Signer, incident: str, note: str | None = None) -> Recorded:
    """A monitor has checked that the incident's reports describe one event."""
    body: dict[str, Any] = {"incident": incident} | ({"note": note} if note else {})
    return _record(store, signer, INCIDENT_CONFIRMED, body)


def split(
    store: Store, signer: Signer, incident: str, reports: Sequence[str], reason: str
) -> Recorded:
    """These reports describe another event: they leave the incident and form their own."""
    body = {"incident": incident, "reports": list(reports), "reason": reason}
    return _record(store, signer, INCIDENT_SPLIT, body)


def merge(store: Store, signer: Signer, incident: str, into: str, reason: str) -> Recorded:
    """The two incidents are one event: ``incident``'s reports join ``into``."""
    body = {"incident": incident, "into": into, "reason": reason}
    return _record(store, signer, INCIDENT_MERGED, body)


def _record(store: Store, signer: Signer, kind: str, body: dict[str, Any]) -> Recorded:
    """Sign and append one decision, its body parsed first (errors name its fields) and held
    against the incidents as they stand: a decision that would change nothing is refused
    here, with the reason the fold would give it, and nothing is appended.

    The log's admission does not fold the incidents, so a decision signed elsewhere and
    posted as an event is admitted all the same; if it no longer fits, the fold keeps it as
    refused, with that reason (a race between two monitors ends the same way)."""
    decision = parse_incident_event(kind, body)
    require(signer_of(store, signer.key.name), Action.LINK_INCIDENTS)
    IncidentFolds().read(store, lambda state: _check(state, decision))
    appended, envelope = submit(
        store, signer.key, kind, body, log_key=signer.log_key, clock=signer.clock
    )
    return Recorded(envelope.id, appended, body)


def _check(state: IncidentState, decision: IncidentEvent) -> None:
    """The fold's rule (:func:`check_decision`), and that each incident named is one the
    record shows: an incident whose every report was withdrawn is no longer listed."""
    named = [("body.incident", decision.incident)]
    if isinstance(decision, IncidentMerged):
        named.append(("body.into", decision.into))
    for where, incident in named:
        if all(r in state.gone for r in state.members(incident, where)):
            raise NotFound(f"no incident {incident}", field=where)
    check_decision(state, decision)


def _incident(
    name: str,
    members: Sequence[str],
    confirmed: bool,
    seen: Mapping[str, Member],
    overrides: list[Override],
) -> Incident:
    return Incident(
        id=name,
        confirmed=confirmed,
        members=tuple(seen[r] for r in members),
        decisions=tuple(o for o in overrides if o.concerns(name)),
    )


def _members(
    store: Store, reports: list[str], decisions: Mapping[str, Decision]
) -> dict[str, Member]:
    """Each report as every caller may see it: the public view (withheld sources unnamed,
    blurred places blurred), since an incident is public; the border measured for all at once."""
    rows = _rows(store, reports)
    bodies = [_public_body(rows.get(r)) for r in reports]
    borders = _borders([body.get("location") or {} for body in bodies])
    return {
        report: _member(report, rows.get(report), decisions.get(report), body, where)
        for report, body, where in zip(reports, bodies, borders, strict=True)
    }


def _public_body(row: Row | None) -> dict[str, Any]:
    return public_view(parse_report(json.loads(row["body"]))) if row and row["body"] else {}


def _member(
    report: str,
    row: Row | None,
    decision: Decision | None,
    body: Mapping[str, Any],
    where: BorderPosition | None,
) -> Member:
    best = decision.links[0] if decision is not None and decision.links else None
    joined = decision is not None and not decision.new_incident and best is not None
    sources = body.get("sources") or [{}]
    location = body.get("location") or {}
    return Member(
        report=report,
        index=row["idx"] if row is not None else -1,
        kind=body.get("kind"),
        act=body.get("act"),
        party=body.get("alleged_party"),
        start=(body.get("dates") or {}).get("start"),
        end=(body.get("dates") or {}).get("end"),
        latitude=location.get("latitude"),
        longitude=location.get("longitude"),
        source=sources[0].get("name"),
        origin=row["origin"] if row is not None else None,
        linked_to=best.report_id if joined and best is not None else None,
        score=best.comparison.score if joined and best is not None else None,
        reasons=tuple(best.comparison.explain()) if joined and best is not None else (),
        side=None if where is None else where.side.value,
        border_km=None if where is None else round(where.distance_km, 1),
    )


def _borders(locations: Sequence[Mapping[str, Any]]) -> list[BorderPosition | None]:
    """Where each public location lies against the border (None: it has no point)."""
    located = [
        (k, location)
        for k, location in enumerate(locations)
        if "latitude" in location and "longitude" in location
    ]
    found: list[BorderPosition | None] = [None] * len(locations)
    if not located:
        return found
    measured = default_boundary().positions(
        [location["latitude"] for _, location in located],
        [location["longitude"] for _, location in located],
        [_shown_precision(location) for _, location in located],
    )
    for (k, _), where in zip(located, measured, strict=True):
        found[k] = where
    return found


def _shown_precision(location: Mapping[str, Any]) -> GeoPrecision:
    precision = GeoPrecision(location.get("precision", "district"))
    if "blurred_km" in location:  # the point shown is only within a grid cell of the place
        return GeoPrecision.DISTRICT if precision is GeoPrecision.EXACT else precision
    return precision


def _rows(store: Store, reports: list[str]) -> dict[str, Row]:
    found: dict[str, Row] = {}
    for start in range(0, len(reports), 500):
        for row in store.find(pj.REPORTS, "id", reports[start : start + 500]):
            found[row["id"]] = row
    return found
