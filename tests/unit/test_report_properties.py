"""Properties of reports over generated values: bodies round-trip, public views protect.

The strategies build every kind of valid report the constructors allow, so "every report
survives its body" is checked for all of them, not only for the bodies tests happen to write.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import TypeVar

from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.fields import IDENT
from ceasefire.domain.report_parts import MAX_COUNT
from ceasefire.domain.report_places import KM_PER_DEGREE, MAX_BLUR_KM, MIN_BLUR_KM
from ceasefire.domain.reports import (
    Allegation,
    Casualties,
    CasualtyGroup,
    ComplianceClaim,
    Count,
    Credibility,
    DatePrecision,
    EventDates,
    GeoPrecision,
    Location,
    Observation,
    Origin,
    Reliability,
    Report,
    Source,
    SourceKind,
    blurred_point,
    parse_report,
    public_view,
    report_body,
)
from ceasefire.log.canonical import canonical_copy

T = TypeVar("T")

# Free text has no digits, so that it can never spell a withheld name (which always has some).
free_text = st.text(
    st.characters(categories=("L", "M", "P", "Zs"), exclude_characters="\x85"),
    min_size=1,
    max_size=40,
).filter(str.strip)
idents = st.from_regex(IDENT, fullmatch=True)
languages = st.from_regex(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}", fullmatch=True)
withheld_names = st.from_regex(r"Informant [A-Z][a-z]{2,8} [0-9]{3}", fullmatch=True)


@st.composite
def event_dates(draw: st.DrawFn) -> EventDates:
    start, end = sorted(draw(st.lists(st.dates(), min_size=2, max_size=2)))
    return EventDates(start, end, draw(st.sampled_from(DatePrecision)))


def maybe(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


locations = st.builds(
    Location,
    latitude=st.floats(-90, 90),
    longitude=st.floats(-180, 180),
    precision=st.sampled_from(GeoPrecision),
    place=maybe(free_text),
    admin1=maybe(free_text),
    admin2=maybe(free_text),
    country=maybe(st.from_regex(r"[A-Z]{2}", fullmatch=True)),
    sector=maybe(idents),
    blur_km=maybe(st.floats(MIN_BLUR_KM, MAX_BLUR_KM)),
)


@st.composite
def counts(draw: st.DrawFn) -> Count:
    low, best, high = sorted(draw(st.lists(st.integers(0, MAX_COUNT), min_size=3, max_size=3)))
    return Count(low, best, high)


groups = st.builds(
    CasualtyGroup, military=maybe(counts()), civilian=maybe(counts()), unknown=maybe(counts())
)
sources = st.builds(
    Source,
    name=free_text,
    kind=st.sampled_from(SourceKind),
    reliability=st.sampled_from(Reliability),
    credibility=st.sampled_from(Credibility),
    withheld=st.booleans(),
    reference=maybe(free_text),
)


def tuples(strategy: st.SearchStrategy[T], min_size: int = 0) -> st.SearchStrategy[tuple[T, ...]]:
    return st.lists(strategy, min_size=min_size, max_size=4).map(tuple)


allegations = st.builds(
    Allegation,
    dates=event_dates(),
    location=locations,
    act=idents,
    alleged_party=idents,
    actors=tuples(free_text),
    targets=tuples(free_text),
    casualties=st.builds(Casualties, killed=groups, injured=groups),
    narrative=free_text,
    language=languages,
    sources=tuples(sources, min_size=1),
    clauses=st.lists(
        st.from_regex(r"[0-9]{1,3}(\([a-z]\))?", fullmatch=True), max_size=4, unique=True
    ).map(tuple),
)
claims = st.builds(
    ComplianceClaim,
    commitment=idents,
    step=idents,
    dates=event_dates(),
    location=maybe(locations),
    narrative=free_text,
    language=languages,
    sources=tuples(sources),
)
origins = st.builds(
    Origin,
    dataset=st.sampled_from(["acled", "ucdp-ged", "csv:press-watch", "geojson:unama"]),
    id=st.from_regex(r"[A-Z]{3}[0-9]{1,6}", fullmatch=True),
    release=st.sampled_from(["", "22.1", "26.0.2"]),
    attributes=st.dictionaries(
        st.from_regex(r"[a-z_]{1,12}", fullmatch=True), st.text(max_size=30), max_size=6
    ).map(lambda columns: tuple(columns.items())),
)
observations = st.builds(
    Observation,
    dates=event_dates(),
    location=maybe(locations),
    event_type=free_text,
    actors=tuples(free_text),
    targets=tuples(free_text),
    casualties=st.builds(Casualties, killed=groups, injured=groups),
    narrative=free_text,
    language=languages,
    sources=tuples(sources, min_size=1),
    act=maybe(idents),
    alleged_party=maybe(idents),
    origin=maybe(origins),
)
reports: st.SearchStrategy[Report] = allegations | claims | observations


@given(reports)
def test_every_report_survives_its_body(report: Report) -> None:
    assert parse_report(report_body(report)) == report


@given(reports)
def test_every_report_survives_its_body_in_canonical_json(report: Report) -> None:
    body = report_body(report)

    assert parse_report(canonical_copy(body)) == report
    assert json.loads(json.dumps(body)) == body


@given(reports)
def test_a_body_is_written_one_way_only(report: Report) -> None:
    body = report_body(report)

    assert report_body(parse_report(body)) == body
    assert None not in _leaves(body)


@given(counts())
def test_a_count_is_written_as_one_number_exactly_when_it_is_exact(count: Count) -> None:
    body = report_body(
        Allegation(
            EventDates(date(2025, 10, 15), date(2025, 10, 15), DatePrecision.DAY),
            Location(31.0, 66.4, GeoPrecision.NEAR),
            "airstrike",
            "pk",
            (),
            (),
            Casualties(killed=CasualtyGroup(civilian=count)),
            "A strike.",
            "en",
            (Source("Pajhwok", SourceKind.MEDIA, Reliability.B, Credibility.POSSIBLY_TRUE),),
        )
    )
    written = body["casualties"]["killed"]["civilian"]

    assert isinstance(written, int) == (count.low == count.high)


@st.composite
def protected_reports(draw: st.DrawFn) -> tuple[Report, list[str]]:
    """A report with some withheld sources whose names also appear in its free text."""
    report = draw(reports)
    names = draw(st.lists(withheld_names, min_size=1, max_size=3))
    withheld = tuple(
        Source(name, SourceKind.WITNESS, Reliability.F, Credibility.CANNOT_BE_JUDGED, True, name)
        for name in names
    )
    mention = draw(st.sampled_from(names))
    mention = draw(st.sampled_from([mention, mention.upper(), mention.lower()]))
    narrative = f"{report.narrative} {mention} said so."
    return dataclasses.replace(
        report, narrative=narrative, sources=report.sources + withheld
    ), names


@given(protected_reports())
def test_the_public_view_never_contains_a_withheld_name(case: tuple[Report, list[str]]) -> None:
    report, names = case

    dumped = json.dumps(public_view(report), ensure_ascii=False).lower()

    for name in names:
        assert name.lower() not in dumped


@given(reports)
def test_the_public_view_is_deterministic_and_keeps_the_grades(report: Report) -> None:
    view = public_view(report)

    assert view == public_view(report)
    assert [(s["kind"], s["reliability"], s["credibility"]) for s in view.get("sources", [])] == [
        (s.kind.value, s.reliability.value, int(s.credibility.value)) for s in report.sources
    ]
    for shown, source in zip(view.get("sources", []), report.sources, strict=True):
        if source.withheld:
            assert shown["name"] == "withheld"
            assert "reference" not in shown


@given(locations.filter(lambda loc: loc.blur_km is not None))
def test_a_blurred_point_is_within_half_a_cell_and_blurs_to_itself(location: Location) -> None:
    assert location.blur_km is not None
    lat, lon = blurred_point(location.latitude, location.longitude, location.blur_km)

    assert abs(lat - location.latitude) <= location.blur_km / KM_PER_DEGREE / 2 + 1e-6
    assert -90 <= lat <= 90
    assert -180 <= lon <= 180
    assert blurred_point(lat, lon, location.blur_km) == (lat, lon)


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]
