"""Reports: what one source says, an allegation of a violation or a claim of compliance.

A report is parsed from the body of a ``report.submitted`` event (:func:`parse_report`) and
written back to its one canonical body (:func:`report_body`); ``parse_report(report_body(r))
== r`` for every report, which a property test checks. Reports are never edited: a correction
or a withdrawal is another event pointing at this one (:mod:`ceasefire.domain.events`), and a
confidential report is an envelope with a commitment instead of a body (the log's business).

Checking a report against the agreement (:func:`check_report`) is a separate step, since the
body alone is well formed or not while "is this act prohibited?" depends on the agreement in
force. What an observer may see is :func:`public_view`: withheld sources lose their names,
blurred locations their precise point, and withheld names are scrubbed from every free text.

A body, with every field (``?`` marks the optional ones; an absent list is empty)::

    {"kind": "allegation",
     "dates": {"start": "2025-10-15", "end": "2025-10-15", "precision": "day"},
     "location": {"latitude": 31.006, "longitude": 66.4, "precision": "near",
                  "place"?: "Spin Boldak", "admin1"?: "Kandahar", "admin2"?: "Spin Boldak",
                  "country"?: "AF", "sector"?: "chaman-spin-boldak", "blur_km"?: 5},
     "act": "airstrike", "alleged_party": "pk",
     "actors"?: ["Pakistan Air Force"], "targets"?: ["residential compound"],
     "casualties"?: {"killed"?: {"civilian"?: {"low": 3, "best": 4, "high": 6}},
                     "injured"?: {"military"?: 2, "unknown"?: 1}},
     "narrative": "...", "language": "en",
     "sources": [{"name": "...", "kind": "witness", "reliability": "C", "credibility": 3,
                  "withheld"?: true, "reference"?: "..."}],
     "clauses"?: ["1", "2(b)"]}

    {"kind": "compliance_claim", "commitment": "af-dismantle-hideouts",
     "step": "hideout_dismantled", "dates": {...}, "location"?: {...},
     "narrative": "...", "language": "ps", "sources"?: [...]}

    {"kind": "observation", "dates": {...}, "location"?: {...},
     "event_type": "Explosions/Remote violence: Air/drone strike",
     "act"?: "airstrike", "alleged_party"?: "pk", "actors"?: [...], "targets"?: [...],
     "casualties"?: {...}, "narrative": "...", "language": "en", "sources": [...],
     "origin"?: {"dataset": "acled", "release"?: "2025-11", "id": "PAK12345",
                 "attributes"?: {"<column>": "<the row's original text>", ...}}}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Protocol, assert_never

from ceasefire.domain.fields import Fields
from ceasefire.domain.report_fast import plain_report
from ceasefire.domain.report_kinds import (
    MAX_LANGUAGE,
    MAX_NAMES,
    MAX_NARRATIVE,
    MAX_SOURCES,
    Allegation,
    ComplianceClaim,
    Observation,
    Report,
    ReportKind,
)
from ceasefire.domain.report_origin import Origin, origin_body, parse_origin
from ceasefire.domain.report_parts import (
    MAX_NAME,
    NO_CASUALTIES,
    WITHHELD,
    Casualties,
    CasualtyGroup,
    Count,
    Credibility,
    Reliability,
    Source,
    SourceKind,
    casualties_body,
    located,
    parse_casualties,
    parse_source,
    public_source,
    read_texts,
    require,
    source_body,
)
from ceasefire.domain.report_places import (
    DatePrecision,
    EventDates,
    GeoPrecision,
    Location,
    blurred_point,
    dates_body,
    location_body,
    parse_dates,
    parse_location,
    public_location,
)
from ceasefire.errors import InvalidInput, NotFound, PermissionDenied

__all__ = [
    "AgreementTerms",
    "Allegation",
    "Casualties",
    "CasualtyGroup",
    "ComplianceClaim",
    "Count",
    "Credibility",
    "DatePrecision",
    "EventDates",
    "GeoPrecision",
    "Location",
    "Observation",
    "Origin",
    "Reliability",
    "Report",
    "ReportKind",
    "Source",
    "SourceKind",
    "blurred_point",
    "check_report",
    "claim_of",
    "parse_report",
    "public_view",
    "read_report",
    "report_body",
    "what_of",
]

# --- bodies ----------------------------------------------------------------------------------


def parse_report(body: Mapping[str, Any], path: str = "") -> Report:
    """The report a body describes; ``path`` is where the body sits (for error fields).

    A body in the plain shape is read by the fast reader (:mod:`ceasefire.domain.report_fast`);
    any other, and every refusal, by :func:`read_report`.
    """
    report = plain_report(body)
    return read_report(body, path) if report is None else report


def read_report(body: Mapping[str, Any], path: str = "") -> Report:
    """The report a body describes, read field by field: the reference reader."""
    f = Fields(body, path)
    kind = f.enum("kind", ReportKind)
    match kind:
        case ReportKind.ALLEGATION:
            return _parse_allegation(f)
        case ReportKind.COMPLIANCE_CLAIM:
            return _parse_claim(f)
        case ReportKind.OBSERVATION:
            return _parse_observation(f)
        case _:
            assert_never(kind)


def _parse_allegation(f: Fields) -> Allegation:
    dates = parse_dates(f.object("dates"))
    location = parse_location(f.object("location"))
    act, alleged_party = f.ident("act"), f.ident("alleged_party")
    actors = read_texts(f, "actors", MAX_NAMES)
    targets = read_texts(f, "targets", MAX_NAMES)
    casualties = f.optional("casualties", lambda n: parse_casualties(f.object(n)))
    narrative = f.text("narrative", max_length=MAX_NARRATIVE)
    language = f.text("language", max_length=MAX_LANGUAGE)
    sources = f.items("sources", parse_source, max_items=MAX_SOURCES)
    clauses = read_texts(f, "clauses", MAX_NAMES)
    f.done()
    with located(f.path):
        return Allegation(
            dates,
            location,
            act,
            alleged_party,
            actors,
            targets,
            casualties or NO_CASUALTIES,
            narrative,
            language,
            sources,
            clauses,
        )


def _parse_claim(f: Fields) -> ComplianceClaim:
    commitment, step = f.ident("commitment"), f.ident("step")
    dates = parse_dates(f.object("dates"))
    location = f.optional("location", lambda n: parse_location(f.object(n)))
    narrative = f.text("narrative", max_length=MAX_NARRATIVE)
    language = f.text("language", max_length=MAX_LANGUAGE)
    sources = f.items("sources", parse_source, max_items=MAX_SOURCES)
    f.done()
    with located(f.path):
        return ComplianceClaim(commitment, step, dates, location, narrative, language, sources)


def _parse_observation(f: Fields) -> Observation:
    dates = parse_dates(f.object("dates"))
    location = f.optional("location", lambda n: parse_location(f.object(n)))
    event_type = f.text("event_type", max_length=MAX_NAME)
    act = f.optional("act", f.ident)
    alleged_party = f.optional("alleged_party", f.ident)
    actors = read_texts(f, "actors", MAX_NAMES)
    targets = read_texts(f, "targets", MAX_NAMES)
    casualties = f.optional("casualties", lambda n: parse_casualties(f.object(n)))
    narrative = f.text("narrative", max_length=MAX_NARRATIVE)
    language = f.text("language", max_length=MAX_LANGUAGE)
    sources = f.items("sources", parse_source, max_items=MAX_SOURCES)
    origin = f.optional("origin", lambda n: parse_origin(f.object(n)))
    f.done()
    with located(f.path):
        return Observation(
            dates,
            location,
            event_type,
            actors,
            targets,
            casualties or NO_CASUALTIES,
            narrative,
            language,
            sources,
            act,
            alleged_party,
            origin,
        )


def report_body(report: Report) -> dict[str, Any]:
    """The canonical JSON-able body: dates as strings, no nulls, no empty optional lists."""
    return _body(report, location_body, source_body)


def _body(
    report: Report,
    location: Callable[[Location], dict[str, Any]],
    source: Callable[[Source], dict[str, Any]],
) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": report.kind.value}
    match report:
        case Allegation():
            body |= {
                "dates": dates_body(report.dates),
                "location": location(report.location),
                "act": report.act,
                "alleged_party": report.alleged_party,
                "actors": list(report.actors),
                "targets": list(report.targets),
                "casualties": casualties_body(report.casualties),
                "narrative": report.narrative,
                "language": report.language,
                "sources": [source(s) for s in report.sources],
                "clauses": list(report.clauses),
            }
        case ComplianceClaim():
            body |= {
                "commitment": report.commitment,
                "step": report.step,
                "dates": dates_body(report.dates),
                "location": None if report.location is None else location(report.location),
                "narrative": report.narrative,
                "language": report.language,
                "sources": [source(s) for s in report.sources],
            }
        case Observation():
            body |= {
                "dates": dates_body(report.dates),
                "location": None if report.location is None else location(report.location),
                "event_type": report.event_type,
                "act": report.act,
                "alleged_party": report.alleged_party,
                "actors": list(report.actors),
                "targets": list(report.targets),
                "casualties": casualties_body(report.casualties),
                "narrative": report.narrative,
                "language": report.language,
                "sources": [source(s) for s in report.sources],
                "origin": None if report.origin is None else origin_body(report.origin),
            }
        case _:
            assert_never(report)
    # One spelling per report: an absent optional field, never null, [] or {}.
    optional = ("actors", "targets", "casualties", "clauses", "location", "sources")
    return {k: v for k, v in body.items() if v is not None and (v or k not in optional)}


def what_of(body: Mapping[str, Any]) -> str:
    """What a report says happened, in a few words, from its body (as a table shows it)."""
    match body.get("kind"):
        case "allegation":
            return f"{body.get('act')} by {body.get('alleged_party')}"
        case "compliance_claim":
            return f"{body.get('step')} ({body.get('commitment')})"
        case "observation":
            by = f" by {body['alleged_party']}" if body.get("alleged_party") else ""
            act = f" — {body['act']}{by}" if body.get("act") else by
            return f"{body.get('event_type')}{act}"
        case _:
            return "—"


def public_view(report: Report) -> dict[str, Any]:
    """The body as an observer may see it.

    A withheld source shows ``"name": "withheld"`` and no reference, keeping its kind and
    grades. A location with ``blur_km`` is snapped to a grid that size and loses ``place`` and
    ``admin2``, saying ``"blurred_km"`` instead. The names of withheld sources are replaced by
    ``[withheld]`` wherever free text repeats them (narrative, actors, targets, place names,
    other sources, an imported row's columns), matched without regard to case.
    """
    scrub = _scrubber(tuple(s.name for s in report.sources if s.withheld))
    body = _body(report, lambda loc: public_location(loc, scrub), lambda s: public_source(s, scrub))
    body["narrative"] = scrub(body["narrative"])
    for name in ("actors", "targets"):
        if name in body:
            body[name] = [scrub(value) for value in body[name]]
    attributes = body.get("origin", {}).get("attributes")
    if attributes:
        body["origin"]["attributes"] = {k: scrub(v) for k, v in attributes.items()}
    return body


def _scrubber(names: tuple[str, ...]) -> Callable[[str], str]:
    if not names:
        return lambda text: text
    longest_first = sorted(set(names), key=lambda n: (-len(n), n))
    pattern = re.compile("|".join(re.escape(n) for n in longest_first), re.IGNORECASE)
    return lambda text: pattern.sub(f"[{WITHHELD}]", text)


def claim_of(report: Report) -> tuple[date, date, float | None, float | None]:
    """When and where the report says it happened, to check evidence metadata against."""
    where = report.location
    if where is None:
        return report.dates.start, report.dates.end, None, None
    return report.dates.start, report.dates.end, where.latitude, where.longitude


# --- against the agreement -------------------------------------------------------------------


class RegionTerms(Protocol):
    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat), as GeoJSON orders a bounding box."""
        ...


class PartyTerms(Protocol):
    @property
    def id(self) -> str: ...


class CommitmentTerms(Protocol):
    @property
    def party(self) -> str: ...

    @property
    def steps(self) -> tuple[str, ...]: ...


class AgreementTerms(Protocol):
    """What checking a report needs from the agreement; each lookup raises NotFound."""

    @property
    def region(self) -> RegionTerms: ...

    @property
    def parties(self) -> tuple[PartyTerms, ...]: ...

    def act(self, id: str) -> object: ...

    def party(self, id: str) -> object: ...

    def clause(self, id: str) -> object: ...

    def commitment(self, id: str) -> CommitmentTerms: ...

    def sector(self, id: str) -> object: ...


def check_report(report: Report, terms: AgreementTerms, *, submitter_party: str | None) -> None:
    """Refuse a report the agreement does not support.

    ``submitter_party`` is the party the submitter acts for (``None`` for monitors, mediators
    and importers). A party may report on itself; it may claim compliance only with its own
    commitments (PermissionDenied otherwise).
    """
    match report:
        case Allegation():
            _known(terms.act, report.act, "act")
            _known(terms.party, report.alleged_party, "alleged_party")
            for i, clause in enumerate(report.clauses):
                _known(terms.clause, clause, f"clauses[{i}]")
        case ComplianceClaim():
            try:
                commitment = terms.commitment(report.commitment)
            except NotFound as exc:
                raise InvalidInput(exc.message, field="commitment") from None
            if submitter_party is not None and submitter_party != commitment.party:
                raise PermissionDenied(
                    f"a liaison of {submitter_party!r} cannot claim compliance with "
                    f"{report.commitment!r}, a commitment of {commitment.party!r}",
                    field="commitment",
                )
            if report.step not in commitment.steps:
                raise InvalidInput(
                    f"expected a step of {report.commitment!r} "
                    f"({', '.join(commitment.steps)}), found {report.step!r}",
                    field="step",
                )
        case Observation():
            if report.act is not None:
                _known(terms.act, report.act, "act")
            if report.alleged_party is not None:
                _known(terms.party, report.alleged_party, "alleged_party")
        case _:
            assert_never(report)
    if report.location is not None:
        _check_location(report.location, terms)


def _known(lookup: Callable[[str], object], id: str, field: str) -> None:
    try:
        lookup(id)
    except NotFound as exc:
        raise InvalidInput(exc.message, field=field) from None


def _check_location(location: Location, terms: AgreementTerms) -> None:
    if location.sector is not None:
        _known(terms.sector, location.sector, "location.sector")
    min_lon, min_lat, max_lon, max_lat = terms.region.bbox
    lat, lon = location.latitude, location.longitude
    if min_lat <= lat <= max_lat and min_lon <= lon <= max_lon:
        return  # the common case, before any message is formatted (floats' reprs are slow)
    box = f"the region's box is longitude {min_lon} to {max_lon}, latitude {min_lat} to {max_lat}"
    require(min_lat <= lat <= max_lat, "location.latitude", f"latitude {lat} is outside; {box}")
    require(min_lon <= lon <= max_lon, "location.longitude", f"longitude {lon} is outside; {box}")
