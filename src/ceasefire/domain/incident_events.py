"""The monitors' decisions on incidents, as events: confirm, split, merge.

Incidents are not recorded one by one: the linker (:mod:`ceasefire.linking`) forms them from
the public reports in log order, a pure function every witness recomputes. What the log records
is where a person overrides or endorses it. An incident is named by the id of its first report.

=======================  ==========================================================
type                     body
=======================  ==========================================================
``incident.confirmed``   ``{incident, note?}``: a monitor has checked the grouping
``incident.split``       ``{incident, reports, reason}``: these reports are another
                         event; they leave the incident and form their own, and are
                         never linked back into it automatically
``incident.merged``      ``{incident, into, reason}``: the two are one event
=======================  ==========================================================

All three are public (every witness must recompute the incidents) and may be made by monitors,
mediators and the secretariat (``Action.LINK_INCIDENTS``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from ceasefire.domain.fields import EVENT_ID, Fields
from ceasefire.errors import InvalidInput

INCIDENT_CONFIRMED: Final = "incident.confirmed"
INCIDENT_SPLIT: Final = "incident.split"
INCIDENT_MERGED: Final = "incident.merged"
INCIDENT_TYPES: Final = frozenset({INCIDENT_CONFIRMED, INCIDENT_SPLIT, INCIDENT_MERGED})
INCIDENT_NAMESPACES: Final = ("incident.",)

T = TypeVar("T")

MAX_REASON: Final = 5_000
MAX_SPLIT: Final = 1_000


@dataclass(frozen=True)
class IncidentConfirmed:
    incident: str
    note: str | None = None


@dataclass(frozen=True)
class IncidentSplit:
    incident: str
    reports: tuple[str, ...]
    reason: str

    def __post_init__(self) -> None:
        if not self.reports:
            raise InvalidInput("name at least one report to split off", field="reports")
        if len(set(self.reports)) != len(self.reports):
            raise InvalidInput("a report is named twice", field="reports")


@dataclass(frozen=True)
class IncidentMerged:
    incident: str
    into: str
    reason: str

    def __post_init__(self) -> None:
        if self.incident == self.into:
            raise InvalidInput("an incident cannot be merged into itself", field="into")


IncidentEvent = IncidentConfirmed | IncidentSplit | IncidentMerged


def _confirmed(body: Mapping[str, Any]) -> IncidentConfirmed:
    f = Fields(body, "body")
    incident = f.event_id("incident")
    note = f.optional("note", lambda n: f.text(n, max_length=MAX_REASON))
    f.done()
    return IncidentConfirmed(incident, note)


def _split(body: Mapping[str, Any]) -> IncidentSplit:
    f = Fields(body, "body")
    incident = f.event_id("incident")
    reports = f.texts("reports", max_items=MAX_SPLIT, empty=False)
    for i, report in enumerate(reports):
        if not EVENT_ID.fullmatch(report):
            raise InvalidInput(
                f"expected a report id (32 lowercase hex digits), found {report!r:.40}",
                field=f"body.reports[{i}]",
            )
    reason = f.text("reason", max_length=MAX_REASON)
    f.done()
    return _located(lambda: IncidentSplit(incident, reports, reason))


def _merged(body: Mapping[str, Any]) -> IncidentMerged:
    f = Fields(body, "body")
    incident, into = f.event_id("incident"), f.event_id("into")
    reason = f.text("reason", max_length=MAX_REASON)
    f.done()
    return _located(lambda: IncidentMerged(incident, into, reason))


def _located(make: Callable[[], T]) -> T:
    try:
        return make()
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=f"body.{exc.field}") from exc


PARSERS: Final[Mapping[str, Callable[[Mapping[str, Any]], IncidentEvent]]] = {
    INCIDENT_CONFIRMED: _confirmed,
    INCIDENT_SPLIT: _split,
    INCIDENT_MERGED: _merged,
}


def parse_incident_event(event_type: str, body: Mapping[str, Any]) -> IncidentEvent:
    return PARSERS[event_type](body)
