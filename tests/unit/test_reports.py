"""Reports: parsing bodies strictly, writing them back, checking them against the agreement,
and what an observer may see of them."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

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
    Reliability,
    Report,
    ReportKind,
    Source,
    SourceKind,
    blurred_point,
    check_report,
    claim_of,
    parse_report,
    public_view,
    report_body,
)
from ceasefire.errors import CeasefireError, InvalidInput, NotFound, PermissionDenied
from tests.report_bodies import allegation_body, compliance_body, observation_body


def allegation(**overrides: Any) -> Allegation:
    report = parse_report(allegation_body(**overrides))
    assert isinstance(report, Allegation)
    return report


def claim(**overrides: Any) -> ComplianceClaim:
    report = parse_report(compliance_body(**overrides))
    assert isinstance(report, ComplianceClaim)
    return report


def refusal(body: dict[str, Any], path: str = "") -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_report(body, path)
    return info.value


def with_location(**changes: Any) -> dict[str, Any]:
    body = allegation_body()
    body["location"] |= changes
    return body


def with_killed_civilian(count: object) -> dict[str, Any]:
    body = allegation_body()
    body["casualties"]["killed"]["civilian"] = count
    return body


def with_source(index: int, **changes: Any) -> dict[str, Any]:
    body = allegation_body()
    body["sources"][index] |= changes
    return body


# --- reading and writing bodies ---------------------------------------------------------------


def test_an_allegation_body_reads_into_its_parts() -> None:
    report = allegation()

    assert report.kind is ReportKind.ALLEGATION
    assert report.dates == EventDates(date(2025, 10, 15), date(2025, 10, 15), DatePrecision.DAY)
    assert report.location.place == "Spin Boldak"
    assert report.location.precision is GeoPrecision.NEAR
    assert (report.act, report.alleged_party) == ("airstrike", "pk")
    assert report.casualties.killed.civilian == Count(12, 15, 20)
    assert report.casualties.injured == CasualtyGroup(
        civilian=Count(25, 25, 25), unknown=Count.exactly(3)
    )
    assert report.sources[1] == Source(
        "Resident of Wesh", SourceKind.WITNESS, Reliability.F, Credibility.PROBABLY_TRUE
    )
    assert report.clauses == ("1", "2(a)")


def test_a_compliance_claim_body_reads_into_its_parts() -> None:
    report = claim()

    assert report.kind is ReportKind.COMPLIANCE_CLAIM
    assert (report.commitment, report.step) == ("af-dismantle-hideouts", "hideout_dismantled")
    assert report.location is not None
    assert report.location.admin2 == "Barmal"
    assert report.sources[0].grade == "D3"


def test_the_canonical_body_of_a_parsed_body_is_that_body() -> None:
    assert report_body(allegation()) == allegation_body()
    assert report_body(claim()) == compliance_body()


def test_a_count_given_as_one_number_is_low_best_and_high() -> None:
    report = allegation(casualties={"killed": {"military": 4}})

    assert report.casualties.killed.military == Count(4, 4, 4)
    assert report.casualties.killed.civilian is None


def test_an_exact_count_is_written_as_one_number() -> None:
    report = parse_report(with_killed_civilian({"low": 7, "best": 7, "high": 7}))

    assert report_body(report)["casualties"]["killed"]["civilian"] == 7


def test_absent_casualties_mean_none_reported_and_are_left_out_of_the_body() -> None:
    report = allegation(casualties=None)

    assert report.casualties == Casualties()
    assert (report.casualties.killed_best(), report.casualties.injured_best()) == (0, 0)
    assert "casualties" not in report_body(report)
    assert report_body(allegation(casualties={"killed": {}})).get("casualties") is None


def test_best_totals_add_the_reported_categories() -> None:
    casualties = allegation(
        casualties={"killed": {"military": 2, "civilian": {"low": 3, "best": 5, "high": 8}}}
    ).casualties

    assert casualties.killed_best() == 7
    assert casualties.injured_best() == 0


def test_absent_optional_lists_read_as_empty_and_are_left_out() -> None:
    report = allegation(actors=None, targets=[], clauses=None)

    assert (report.actors, report.targets, report.clauses) == ((), (), ())
    assert not {"actors", "targets", "clauses"} & set(report_body(report))


def test_a_compliance_claim_needs_neither_a_place_nor_a_source() -> None:
    report = claim(location=None, sources=[])

    body = report_body(report)

    assert (report.location, report.sources) == (None, ())
    assert "location" not in body
    assert "sources" not in body


def test_a_body_given_with_a_path_names_fields_under_that_path() -> None:
    body = allegation_body(dates={"start": "2025-10-12", "end": "2025-10-10", "precision": "day"})

    assert refusal(body, "body").field == "body.dates.end"


def test_integer_coordinates_read_as_floats() -> None:
    report = parse_report(with_location(latitude=31, longitude=66))

    assert report.location is not None
    assert isinstance(report.location.latitude, float)
    assert report.location.latitude == 31.0


# --- bad input, each with its field -----------------------------------------------------------


def test_an_end_date_before_the_start_is_refused() -> None:
    body = allegation_body(dates={"start": "2025-10-12", "end": "2025-10-10", "precision": "day"})

    error = refusal(body)

    assert error.field == "dates.end"
    assert error.message == "the end 2025-10-10 is before the start 2025-10-12"


def test_casualties_with_low_above_best_are_refused() -> None:
    error = refusal(with_killed_civilian({"low": 5, "best": 3, "high": 9}))

    assert error.field == "casualties.killed.civilian.best"
    assert error.message == "expected low <= best <= high, found low 5, best 3, high 9"


def test_casualties_with_best_above_high_are_refused() -> None:
    error = refusal(with_killed_civilian({"low": 1, "best": 9, "high": 4}))

    assert error.field == "casualties.killed.civilian.high"
    assert error.message == "expected low <= best <= high, found low 1, best 9, high 4"


@pytest.mark.parametrize(
    ("count", "where"),
    [
        (-1, "casualties.killed.civilian"),
        ({"low": -2, "best": 0, "high": 1}, "casualties.killed.civilian.low"),
        ({"low": 1, "best": 2}, "casualties.killed.civilian.high"),
        ({"low": 1, "best": 2, "high": 3, "mean": 2}, "casualties.killed.civilian.mean"),
        ("12", "casualties.killed.civilian"),
        (True, "casualties.killed.civilian"),
        (2.5, "casualties.killed.civilian"),
        (10_000_000, "casualties.killed.civilian"),
    ],
)
def test_malformed_counts_are_refused(count: object, where: str) -> None:
    assert refusal(with_killed_civilian(count)).field == where


def test_a_count_of_the_wrong_type_says_what_a_count_is() -> None:
    error = refusal(with_killed_civilian("twelve"))

    assert error.message == (
        "expected a count (an integer, or an object with low, best and high), found str 'twelve'"
    )


@pytest.mark.parametrize(
    ("casualties", "where"),
    [
        ({"killed": {"children": 3}}, "casualties.killed.children"),
        ({"missing": {"civilian": 3}}, "casualties.missing"),
        ({"killed": 3}, "casualties.killed"),
        (7, "casualties"),
    ],
)
def test_casualties_outside_the_categories_are_refused(casualties: object, where: str) -> None:
    assert refusal(allegation_body(casualties=casualties)).field == where


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"latitude": 91.0}, "location.latitude"),
        ({"longitude": -180.5}, "location.longitude"),
        ({"latitude": "31.0"}, "location.latitude"),
        ({"precision": "village"}, "location.precision"),
        ({"country": "AFG"}, "location.country"),
        ({"country": "af"}, "location.country"),
        ({"sector": "Spin Boldak"}, "location.sector"),
        ({"place": "  "}, "location.place"),
        ({"admin1": "x" * 201}, "location.admin1"),
        ({"blur_km": 0}, "location.blur_km"),
        ({"blur_km": 250}, "location.blur_km"),
        ({"altitude": 1200}, "location.altitude"),
    ],
)
def test_malformed_locations_are_refused(changes: dict[str, Any], where: str) -> None:
    assert refusal(with_location(**changes)).field == where


@pytest.mark.parametrize(
    ("index", "changes", "where"),
    [
        (0, {"reliability": "G"}, "sources[0].reliability"),
        (0, {"reliability": "b"}, "sources[0].reliability"),
        (1, {"credibility": 7}, "sources[1].credibility"),
        (1, {"credibility": 0}, "sources[1].credibility"),
        (1, {"credibility": "2"}, "sources[1].credibility"),
        (1, {"kind": "rumour"}, "sources[1].kind"),
        (1, {"withheld": "yes"}, "sources[1].withheld"),
        (0, {"reference": ""}, "sources[0].reference"),
        (0, {"name": ""}, "sources[0].name"),
        (0, {"grade": "B2"}, "sources[0].grade"),
    ],
)
def test_malformed_sources_are_refused(index: int, changes: dict[str, Any], where: str) -> None:
    assert refusal(with_source(index, **changes)).field == where


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"kind": "rumour"}, "kind"),
        ({"kind": None}, "kind"),
        ({"dates": None}, "dates"),
        ({"dates": {"start": "2025-10-15", "end": "2025-10-32", "precision": "day"}}, "dates.end"),
        (
            {"dates": {"start": "15/10/2025", "end": "2025-10-15", "precision": "day"}},
            "dates.start",
        ),
        (
            {"dates": {"start": "2025-10-15", "end": "2025-10-15", "precision": "hour"}},
            "dates.precision",
        ),
        ({"dates": {"start": "2025-10-15", "end": "2025-10-15"}}, "dates.precision"),
        ({"act": "Air strike"}, "act"),
        ({"alleged_party": None}, "alleged_party"),
        ({"actors": "Pakistan Air Force"}, "actors"),
        ({"actors": ["Pakistan Air Force", " "]}, "actors[1]"),
        ({"actors": ["Pakistan Air Force", 7]}, "actors[1]"),
        ({"targets": ["x" * 201]}, "targets[0]"),
        ({"targets": ["market"] * 51}, "targets"),
        ({"narrative": "x" * 20_001}, "narrative"),
        ({"narrative": ""}, "narrative"),
        ({"language": "English"}, "language"),
        ({"language": "en_US"}, "language"),
        ({"sources": []}, "sources"),
        ({"sources": None}, "sources"),
        ({"clauses": ["Article 1"]}, "clauses[0]"),
        ({"clauses": ["1", "2(b)", "1"]}, "clauses[2]"),
        ({"weather": "clear"}, "weather"),
    ],
)
def test_malformed_allegations_are_refused(overrides: dict[str, Any], where: str) -> None:
    assert refusal(allegation_body(**overrides)).field == where


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"commitment": None}, "commitment"),
        ({"step": "Hideout dismantled"}, "step"),
        ({"location": {"latitude": 32.7}}, "location.longitude"),
        ({"act": "airstrike"}, "act"),
        ({"language": "pus-"}, "language"),
    ],
)
def test_malformed_compliance_claims_are_refused(overrides: dict[str, Any], where: str) -> None:
    assert refusal(compliance_body(**overrides)).field == where


def test_a_body_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidInput, match="expected an object"):
        parse_report(["allegation"])  # type: ignore[arg-type]


def test_language_tags_with_subtags_are_accepted() -> None:
    assert allegation(language="fa-AF").language == "fa-AF"
    assert allegation(language="prs").language == "prs"


# --- the constructors keep the same invariants ------------------------------------------------


def test_constructors_name_the_field_at_fault_within_the_part() -> None:
    cases: list[tuple[Any, str]] = [
        (lambda: EventDates(date(2025, 10, 12), date(2025, 10, 10), DatePrecision.DAY), "end"),
        (lambda: Count(5, 3, 9), "best"),
        (lambda: Location(31.0, 200.0, GeoPrecision.EXACT), "longitude"),
        (lambda: Source("", SourceKind.MEDIA, Reliability.A, Credibility.CONFIRMED), "name"),
        (lambda: dataclasses.replace(allegation(), sources=()), "sources"),
        (lambda: dataclasses.replace(allegation(), act="Air strike"), "act"),
        (lambda: dataclasses.replace(claim(), step=""), "step"),
    ]
    for build, where in cases:
        with pytest.raises(InvalidInput) as info:
            build()
        assert info.value.field == where


# --- precision codes of ACLED and UCDP --------------------------------------------------------


def test_date_precision_maps_to_acled_and_ucdp_codes() -> None:
    assert [p.acled for p in DatePrecision] == [1, 2, 3]
    assert [p.ucdp for p in DatePrecision] == [1, 3, 4]
    assert [DatePrecision.from_acled(c) for c in (1, 2, 3)] == list(DatePrecision)
    assert [DatePrecision.from_ucdp(c) for c in range(1, 6)] == [
        "day",
        "week",
        "week",
        "month",
        "month",
    ]


def test_geo_precision_maps_to_acled_and_ucdp_codes() -> None:
    assert [p.acled for p in GeoPrecision] == [1, 2, 2, 3, 3]
    assert [p.ucdp for p in GeoPrecision] == [1, 2, 3, 4, 6]
    assert [GeoPrecision.from_acled(c) for c in (1, 2, 3)] == ["exact", "near", "province"]
    assert [GeoPrecision.from_ucdp(c) for c in range(1, 8)] == [
        "exact",
        "near",
        "district",
        "province",
        "province",
        "country",
        "country",
    ]
    for p in GeoPrecision:
        assert GeoPrecision.from_ucdp(p.ucdp) is p


def test_unknown_precision_codes_are_refused() -> None:
    with pytest.raises(InvalidInput, match="expected a UCDP where_prec code 1-7, found 9"):
        GeoPrecision.from_ucdp(9)
    with pytest.raises(InvalidInput, match="ACLED time_precision"):
        DatePrecision.from_acled(0)


# --- checking against the agreement -----------------------------------------------------------


@dataclass(frozen=True)
class FakeRegion:
    bbox: tuple[float, float, float, float] = (60.5, 29.0, 75.0, 37.1)


@dataclass(frozen=True)
class FakeParty:
    id: str


@dataclass(frozen=True)
class FakeCommitment:
    party: str
    steps: tuple[str, ...]


def lookup(what: str, known: dict[str, Any] | set[str], id: str) -> Any:
    if id not in known:
        raise NotFound(f"unknown {what} {id!r}; the agreement knows {', '.join(sorted(known))}")
    return known[id] if isinstance(known, dict) else id


@dataclass
class FakeTerms:
    """Just enough of an agreement to check reports against."""

    region: FakeRegion = FakeRegion()
    parties: tuple[FakeParty, ...] = (FakeParty("pk"), FakeParty("af"))
    acts: set[str] = field(default_factory=lambda: {"airstrike", "shelling", "cross_border_raid"})
    clauses: set[str] = field(default_factory=lambda: {"1", "2(a)"})
    sectors: set[str] = field(default_factory=lambda: {"chaman-spin-boldak", "torkham", "kurram"})
    commitments: dict[str, FakeCommitment] = field(
        default_factory=lambda: {
            "af-dismantle-hideouts": FakeCommitment(
                "af", ("hideout_dismantled", "logistics_disrupted", "arrest")
            ),
            "pk-halt-airstrikes": FakeCommitment("pk", ("order_issued",)),
        }
    )

    def act(self, id: str) -> Any:
        return lookup("act type", self.acts, id)

    def party(self, id: str) -> Any:
        return lookup("party", {p.id for p in self.parties}, id)

    def clause(self, id: str) -> Any:
        return lookup("clause", self.clauses, id)

    def commitment(self, id: str) -> FakeCommitment:
        found: FakeCommitment = lookup("commitment", self.commitments, id)
        return found

    def sector(self, id: str) -> Any:
        return lookup("sector", self.sectors, id)


TERMS = FakeTerms()


def check_refusal(report: Report, party: str | None = None) -> CeasefireError:
    with pytest.raises(CeasefireError) as info:
        check_report(report, TERMS, submitter_party=party)
    return info.value


def test_reports_the_agreement_knows_pass_the_check() -> None:
    check_report(allegation(), TERMS, submitter_party="af")
    check_report(claim(), TERMS, submitter_party="af")
    check_report(claim(location=None), TERMS, submitter_party=None)


def test_a_party_may_report_an_allegation_against_itself() -> None:
    check_report(allegation(alleged_party="pk"), TERMS, submitter_party="pk")


def test_an_act_the_agreement_does_not_know_is_refused() -> None:
    error = check_refusal(allegation(act="sabotage"))

    assert isinstance(error, InvalidInput)
    assert error.field == "act"
    assert error.message == (
        "unknown act type 'sabotage'; the agreement knows airstrike, cross_border_raid, shelling"
    )


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"alleged_party": "in"}, "alleged_party"),
        ({"clauses": ["1", "9"]}, "clauses[1]"),
        (
            {
                "location": {
                    "latitude": 31.0,
                    "longitude": 66.4,
                    "precision": "near",
                    "sector": "wakhan",
                }
            },
            "location.sector",
        ),
    ],
)
def test_ids_the_agreement_does_not_know_are_refused(overrides: dict[str, Any], where: str) -> None:
    error = check_refusal(allegation(**overrides))

    assert isinstance(error, InvalidInput)
    assert error.field == where


def test_coordinates_outside_the_region_are_refused_with_the_region_box() -> None:
    error = check_refusal(parse_report(with_location(latitude=24.86, longitude=67.0)))

    assert isinstance(error, InvalidInput)
    assert error.field == "location.latitude"
    assert error.message == (
        "latitude 24.86 is outside; the region's box is longitude 60.5 to 75.0, "
        "latitude 29.0 to 37.1"
    )
    error = check_refusal(parse_report(with_location(latitude=31.0, longitude=80.27)))
    assert error.field == "location.longitude"


def test_a_claim_place_outside_the_region_is_refused() -> None:
    location = compliance_body()["location"] | {"latitude": 40.0}

    assert check_refusal(claim(location=location)).field == "location.latitude"


def test_a_claim_on_an_unknown_commitment_is_refused() -> None:
    error = check_refusal(claim(commitment="af-disband-groups"))

    assert isinstance(error, InvalidInput)
    assert error.field == "commitment"
    assert "unknown commitment 'af-disband-groups'" in error.message


def test_a_step_that_is_not_among_the_commitments_steps_is_refused() -> None:
    error = check_refusal(claim(step="conviction"), "af")

    assert isinstance(error, InvalidInput)
    assert error.field == "step"
    assert error.message == (
        "expected a step of 'af-dismantle-hideouts' (hideout_dismantled, logistics_disrupted, "
        "arrest), found 'conviction'"
    )


def test_a_party_cannot_claim_compliance_with_another_partys_commitment() -> None:
    error = check_refusal(claim(), "pk")

    assert isinstance(error, PermissionDenied)
    assert error.field == "commitment"
    assert error.message == (
        "a liaison of 'pk' cannot claim compliance with 'af-dismantle-hideouts', "
        "a commitment of 'af'"
    )


# --- what observers see -----------------------------------------------------------------------

INFORMANT = "Gul Mohammad Achakzai"


def protected_allegation() -> Allegation:
    body = allegation_body(
        narrative=f"{INFORMANT} saw the strike; gul mohammad achakzai's brother was hurt.",
        actors=["Pakistan Air Force", f"neighbours of {INFORMANT}"],
    )
    body["location"]["blur_km"] = 10
    body["sources"][1] = {
        "name": INFORMANT,
        "kind": "witness",
        "reliability": "F",
        "credibility": 2,
        "withheld": True,
        "reference": "signal:+93700000000",
    }
    body["sources"][0]["reference"] = f"https://example.af/{INFORMANT}"
    return allegation(**body)


def test_a_withheld_source_shows_only_its_kind_and_grades() -> None:
    view = public_view(protected_allegation())

    assert view["sources"][1] == {
        "name": "withheld",
        "kind": "witness",
        "reliability": "F",
        "credibility": 2,
        "withheld": True,
    }


def test_the_public_view_never_contains_a_withheld_name() -> None:
    dumped = json.dumps(public_view(protected_allegation()), ensure_ascii=False)

    assert INFORMANT.lower() not in dumped.lower()
    assert "signal:" not in dumped
    assert "[withheld] saw the strike; [withheld]'s brother" in dumped


def test_a_blurred_location_is_snapped_and_loses_its_place_names() -> None:
    report = protected_allegation()

    location = public_view(report)["location"]

    assert location == {
        "latitude": 30.991736,
        "longitude": 66.437431,
        "precision": "near",
        "admin1": "Kandahar",
        "country": "AF",
        "sector": "chaman-spin-boldak",
        "blurred_km": 10.0,
    }
    assert abs(location["latitude"] - report.location.latitude) <= 10 / 111.32 / 2
    assert abs(location["longitude"] - report.location.longitude) <= 10 / 111.32 / 2 / 0.85
    assert report_body(report)["location"]["blur_km"] == 10.0


def test_points_in_one_grid_cell_blur_to_the_same_point() -> None:
    assert blurred_point(31.00575, 66.40001, 10) == blurred_point(31.0, 66.42, 10)
    assert blurred_point(31.00575, 66.40001, 10) != blurred_point(31.1, 66.40001, 10)


def test_without_protection_the_public_view_is_the_body() -> None:
    report = allegation()

    assert public_view(report) == report_body(report)
    assert public_view(claim(location=None)) == report_body(claim(location=None))


def test_claim_of_gives_the_dates_and_the_true_point() -> None:
    assert claim_of(protected_allegation()) == (
        date(2025, 10, 15),
        date(2025, 10, 15),
        31.00575,
        66.40001,
    )
    assert claim_of(claim(location=None)) == (date(2025, 10, 30), date(2025, 10, 31), None, None)


# --- observations ----------------------------------------------------------------------------


def test_an_observation_keeps_its_dataset_row_through_its_body() -> None:
    report = parse_report(observation_body())

    assert isinstance(report, Observation)
    assert report.origin is not None
    assert report.origin.key == "ucdp-candidate:570001"
    assert report.origin.attribute("where_prec") == "2"
    assert report_body(report) == observation_body()


def test_an_observation_need_not_name_an_act_a_party_or_a_place() -> None:
    body = observation_body()
    for name in ("act", "location", "origin"):
        del body[name]

    report = parse_report(body)

    assert isinstance(report, Observation)
    check_report(report, TERMS, submitter_party=None)


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"act": "bombing"}, "act"),
        ({"act": "airstrike", "alleged_party": "in"}, "alleged_party"),
    ],
)
def test_an_observation_naming_an_act_or_party_the_agreement_lacks_is_refused(
    overrides: dict[str, Any], where: str
) -> None:
    error = check_refusal(parse_report(observation_body(**overrides)))

    assert isinstance(error, InvalidInput)
    assert error.field == where


def test_an_origin_column_must_be_the_original_text() -> None:
    origin = observation_body()["origin"] | {"attributes": {"best": 15}}

    with pytest.raises(InvalidInput) as info:
        parse_report(observation_body(origin=origin))

    assert info.value.field == "origin.attributes.best"
    assert "original text" in info.value.message


def test_the_public_view_scrubs_withheld_names_from_imported_columns() -> None:
    body = observation_body()
    body["sources"] = [
        *body["sources"],
        {
            "name": "Informant Gul 101",
            "kind": "witness",
            "reliability": "F",
            "credibility": 6,
            "withheld": True,
        },
    ]
    body["origin"]["attributes"]["notes"] = "as told by informant gul 101"

    view = public_view(parse_report(body))

    assert "gul 101" not in json.dumps(view).lower()
