"""What the map draws: the border, the agreement's sectors and the incidents, as GeoJSON.

Everything here is public and the same for every viewer: the boundary is published data, the
sectors are in the agreement, and incidents are formed from public reports, each member's place
as the public sees it (a blurred place blurred). The map needs no tile server; the countries and
the border line come from the data ``ceasefire.geo`` ships, simplified for the browser.

An incident's *verification status* on the map is read from the casework that names its
reports, the most advanced first::

    verified     a finding was issued in a case on one of its reports
    case         a case on one of its reports is open
    dismissed    every case on its reports was closed without a finding
    confirmed    a monitor confirmed its reports describe one event
    unconfirmed  none of these
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import Any, Final

from ceasefire.domain import projection as pj
from ceasefire.domain.actors import Actor
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.cases import Case, CaseState
from ceasefire.domain.report_places import GeoPrecision
from ceasefire.geo.boundary import COUNTRIES_FILE, LINE_FILE, RADIUS_KM
from ceasefire.services.casework import Folds, list_cases
from ceasefire.services.evidence import EvidenceView, evidence_for_report
from ceasefire.services.geography import PlaceCheck, agreement_of, check_report_place
from ceasefire.services.incidents import (
    Incident,
    IncidentFolds,
    Member,
    list_incidents,
    show_incident,
)
from ceasefire.services.ports import RecordStore, Store
from ceasefire.services.reports import ReportView, show_report

TOLERANCE_DEGREES: Final = 0.01
"""Douglas–Peucker tolerance for the browser's outlines: about 1 km, under a pixel at the
zoom that shows the whole border."""

Point = tuple[float, float]
GeoJson = dict[str, Any]


class MapStatus(StrEnum):
    """An incident's verification status, least advanced first (see the module table)."""

    UNCONFIRMED = "unconfirmed"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    CASE = "case"
    VERIFIED = "verified"


_RANK: Final = {status: rank for rank, status in enumerate(MapStatus)}


@dataclass(frozen=True)
class IncidentFilter:
    """Which incidents to draw: dates overlapping ``since``..``until``, a member reporting
    ``act``, a member alleging it of ``party``, a status."""

    since: date | None = None
    until: date | None = None
    act: str | None = None
    party: str | None = None
    status: MapStatus | None = None


@dataclass(frozen=True)
class MapIncident:
    """One incident as a marker: at its first located member's point, with the radius of that
    place's uncertainty (None: only the country is known)."""

    incident: Incident
    status: MapStatus
    latitude: float
    longitude: float
    precision: str
    radius_m: int | None

    def feature(self) -> GeoJson:
        found = self.incident
        return {
            "type": "Feature",
            "id": found.id,
            "geometry": {"type": "Point", "coordinates": [self.longitude, self.latitude]},
            "properties": {
                "id": found.id,
                "start": found.start,
                "end": found.end,
                "acts": list(found.acts),
                "parties": list(found.parties),
                "reports": len(found.members),
                "confirmed": found.confirmed,
                "status": self.status.value,
                "precision": self.precision,
                "radius_m": self.radius_m,
            },
        }


# --- the border and the sectors ------------------------------------------------------------------


@cache
def boundary() -> GeoJson:
    """The two countries (``kind: country``) and their shared line (``kind: border``),
    simplified: about 3 % of the shipped vertices. Made once per process."""
    countries = _package_geojson(COUNTRIES_FILE)["features"]
    line = _package_geojson(LINE_FILE)["features"][0]
    features = [
        {
            "type": "Feature",
            "id": country["properties"]["ISO_A2"],
            "geometry": _simplified(country["geometry"]),
            "properties": {
                "kind": "country",
                "code": country["properties"]["ISO_A2"],
                "name": country["properties"]["NAME"],
            },
        }
        for country in countries
    ]
    features.append(
        {
            "type": "Feature",
            "id": "border",
            "geometry": _simplified(line["geometry"]),
            "properties": {"kind": "border", "name": line["properties"]["name"]},
        }
    )
    return {"type": "FeatureCollection", "features": features}


def sectors(agreement: Agreement) -> GeoJson:
    """The agreement's sectors as rectangles (their ``bbox``: approximate, as it says)."""
    features = []
    for sector in agreement.sectors:
        west, south, east, north = sector.bbox
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        features.append(
            {
                "type": "Feature",
                "id": sector.id,
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"id": sector.id, "name": sector.name, "bbox": list(sector.bbox)},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _package_geojson(name: str) -> GeoJson:
    text = files("ceasefire.geo").joinpath("data", name).read_text(encoding="utf-8")
    document: GeoJson = json.loads(text)
    return document


def _simplified(geometry: Mapping[str, Any]) -> GeoJson:
    kind, coordinates = geometry["type"], geometry["coordinates"]
    if kind == "LineString":
        return {"type": kind, "coordinates": simplify(coordinates, TOLERANCE_DEGREES)}
    polygons = [coordinates] if kind == "Polygon" else coordinates
    kept = [p for p in (_polygon(rings) for rings in polygons) if p]
    return {"type": "MultiPolygon", "coordinates": kept}


def _polygon(rings: Sequence[Sequence[Sequence[float]]]) -> list[list[list[float]]]:
    """The polygon's rings simplified; a ring that shrinks below a triangle is dropped (a small
    island), and with the outer ring the whole polygon."""
    kept = []
    for position, ring in enumerate(rings):
        simple = simplify(ring, TOLERANCE_DEGREES)
        if len(simple) < 4:
            if position == 0:
                return []
            continue
        kept.append(simple)
    return kept


def simplify(points: Sequence[Sequence[float]], tolerance: float) -> list[list[float]]:
    """Douglas–Peucker in the plane of the coordinates (as shapely's ``simplify`` without
    topology preservation): keep the ends, and any point farther than ``tolerance`` from the
    chord of the stretch it is in. A closed ring stays closed."""
    if len(points) < 3:
        return [list(p) for p in points]
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, distance = first, 0.0
        for i in range(first + 1, last):
            d = _distance_to_chord(points[i], points[first], points[last])
            if d > distance:
                farthest, distance = i, d
        if distance > tolerance:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [list(p) for p, k in zip(points, keep, strict=True) if k]


def _distance_to_chord(p: Sequence[float], a: Sequence[float], b: Sequence[float]) -> float:
    (px, py), (ax, ay), (bx, by) = p[:2], a[:2], b[:2]
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0:  # a closed ring's chord is a point
        return float(((px - ax) ** 2 + (py - ay) ** 2) ** 0.5)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return float(((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5)


# --- the incidents -------------------------------------------------------------------------------


def status_of(incident: Incident, cases: Iterable[Case]) -> MapStatus:
    """The most advanced status the casework gives the incident (see the module table)."""
    found = MapStatus.CONFIRMED if incident.confirmed else MapStatus.UNCONFIRMED
    for case in cases_on(incident, cases):
        if case.issued:
            step = MapStatus.VERIFIED
        elif case.state is CaseState.CLOSED:
            step = MapStatus.DISMISSED
        else:
            step = MapStatus.CASE
        found = max(found, step, key=_RANK.__getitem__)
    return found


def verification_of(
    store: Store, folds: IncidentFolds | None = None
) -> Callable[[str], str | None]:
    """A lookup report id → the verification status of its incident (None: not linked, as a
    confidential report is not), for exports filtered by verification status."""
    cases = list_cases(store)
    found: dict[str, str] = {}
    for incident in list_incidents(store, folds):
        status = status_of(incident, cases).value
        found.update(dict.fromkeys((m.report for m in incident.members), status))
    return found.get


def cases_on(incident: Incident, cases: Iterable[Case]) -> list[Case]:
    """The cases opened on any of the incident's reports."""
    reports = {m.report for m in incident.members}
    return [case for case in cases if reports.intersection(case.opened.reports)]


def incident_markers(
    records: RecordStore,
    incidents: Sequence[Incident],
    cases: Sequence[Case],
    query: IncidentFilter = IncidentFilter(),
) -> list[MapIncident]:
    """The incidents that match ``query`` and have a located member, as markers."""
    shown: list[tuple[Incident, MapStatus, str, float, float]] = []
    for incident in incidents:
        if not _matches(incident, query):
            continue
        status = status_of(incident, cases)
        if query.status is not None and status is not query.status:
            continue
        member = next((m for m in incident.members if _located(m)), None)
        if member is None or member.latitude is None or member.longitude is None:
            continue
        shown.append((incident, status, member.report, member.latitude, member.longitude))
    places = _places(records, [report for _, _, report, _, _ in shown])
    found = []
    for incident, status, report, latitude, longitude in shown:
        precision, radius = places.get(report, (GeoPrecision.DISTRICT.value, None))
        found.append(MapIncident(incident, status, latitude, longitude, precision, radius))
    return found


def feature_collection(markers: Iterable[MapIncident]) -> GeoJson:
    return {"type": "FeatureCollection", "features": [m.feature() for m in markers]}


def _located(member: Member) -> bool:
    return member.latitude is not None and member.longitude is not None


def _matches(incident: Incident, query: IncidentFilter) -> bool:
    if query.act is not None and query.act not in incident.acts:
        return False
    if query.party is not None and query.party not in incident.parties:
        return False
    start, end = incident.start, incident.end or incident.start
    if query.since is not None and (end is None or end < query.since.isoformat()):
        return False
    return query.until is None or (start is not None and start <= query.until.isoformat())


def _places(records: RecordStore, reports: list[str]) -> dict[str, tuple[str, int | None]]:
    """Each report's precision code and radius in metres, as the public sees its place (a
    blurred place is at least as uncertain as its grid cell)."""
    found: dict[str, tuple[str, int | None]] = {}
    for start in range(0, len(reports), 500):
        for row in records.find(pj.REPORTS, "id", reports[start : start + 500]):
            if row["body"] is None:
                continue
            # The precision and the blur are shown to everyone (the public view keeps the
            # one and says the other as blurred_km): read from the stored body as they are.
            location = json.loads(row["body"]).get("location") or {}
            precision = GeoPrecision(location.get("precision", GeoPrecision.DISTRICT.value))
            radius_km = RADIUS_KM[precision]
            if radius_km is not None and "blur_km" in location:
                radius_km = max(radius_km, float(location["blur_km"]))
            radius = None if radius_km is None else round(radius_km * 1000)
            found[row["id"]] = (precision.value, radius)
    return found


# --- one incident's page -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSide:
    """One member report as the viewer may read it (its sources named only for those who may
    see them), with the evidence the viewer may see and each file's flags, and its place
    measured against what it says of it (None when the viewer sees no place, or a blurred one)."""

    member: Member
    report: ReportView
    evidence: tuple[EvidenceView, ...]
    place: PlaceCheck | None = None


@dataclass(frozen=True)
class IncidentPage:
    incident: Incident
    status: MapStatus
    reports: tuple[ReportSide, ...]
    cases: tuple[Case, ...]
    sectors: Mapping[str, str]
    """The name of each sector of the agreement in force, by id."""


def incident_page(
    store: Store,
    viewer: Actor | None,
    incident_id: str,
    folds: IncidentFolds | None = None,
    case_folds: Folds | None = None,
) -> IncidentPage:
    """An incident with its reports side by side, their evidence and the cases on them."""
    incident = show_incident(store, incident_id, folds)
    cases = cases_on(incident, list_cases(store, folds=case_folds))
    agreement = agreement_of(store)
    sides = []
    for member in incident.members:
        report = show_report(store, viewer, member.report)
        evidence = tuple(evidence_for_report(store, viewer, member.report))
        place = check_report_place(agreement, report.body)
        sides.append(ReportSide(member, report, evidence, place))
    sectors = {sector.id: sector.name for sector in agreement.sectors}
    return IncidentPage(incident, status_of(incident, cases), tuple(sides), tuple(cases), sectors)
