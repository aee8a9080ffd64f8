"""The gazetteer: names to places across spellings and scripts, never guessing."""

from __future__ import annotations

import random
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.report_places import GeoPrecision
from ceasefire.geo import Gazetteer, LookupStatus, Place, PlaceKind, Source, name_key, normalise
from ceasefire.geo.places import geonames_places, provinces


@cache
def gazetteer() -> Gazetteer:
    return Gazetteer.default(load_bundled().places)


def _place(name: str, lat: float, lon: float, country: str, **more: object) -> Place:
    return Place(name, lat, lon, country, PlaceKind.PLACE, Source.GEONAMES, **more)  # type: ignore[arg-type]


@pytest.mark.parametrize("spelling", ["Spin Boldak", "Spīn Bōldak", "سپين بولدک", "SPIN-BOLDAK"])
def test_spin_boldak_is_found_in_every_spelling(spelling: str) -> None:
    found = gazetteer().lookup(spelling)
    assert found.status is LookupStatus.FOUND
    place = found.place
    assert place is not None
    assert (place.name, place.country, place.admin1) == ("Spīn Bōldak", "AF", "Kandahar")
    assert place.admin1_code == "AF-KAN"
    assert found.precision is GeoPrecision.EXACT


def test_a_city_and_its_province_are_ambiguous_until_a_kind_is_given() -> None:
    found = gazetteer().lookup("Kabul")
    assert found.status is LookupStatus.AMBIGUOUS
    assert found.place is None
    assert {p.kind for p in found.candidates} == {PlaceKind.PLACE, PlaceKind.PROVINCE}
    city = gazetteer().lookup("Kabul", kind=PlaceKind.PLACE)
    assert city.status is LookupStatus.FOUND
    assert city.precision is GeoPrecision.EXACT


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Paktika", "AF-PKA"),
        ("Khyber Pakhtunkhwa", "PK-KP"),
        ("NWFP", "PK-KP"),
        ("بلوچستان", "PK-BA"),
    ],
)
def test_a_province_name_gives_province_precision(name: str, code: str) -> None:
    found = gazetteer().lookup(name, kind=PlaceKind.PROVINCE)
    assert found.place is not None
    assert found.place.admin1_code == code
    assert found.precision is GeoPrecision.PROVINCE


def test_a_country_name_gives_country_precision() -> None:
    found = gazetteer().lookup("Afghanistan")
    assert found.place is not None
    assert found.place.country == "AF"
    assert found.precision is GeoPrecision.COUNTRY


def test_geonames_places_get_their_province() -> None:
    for name, admin1 in [("Peshawar", "Khyber Pakhtunkhwa"), ("Chaman", "Balochistan")]:
        found = gazetteer().lookup(name, kind=PlaceKind.PLACE)
        assert found.place is not None
        assert found.place.admin1 == admin1


def test_the_shipped_provinces_are_34_afghan_and_7_pakistani() -> None:
    by_country = [p.country for p in provinces()]
    assert (by_country.count("AF"), by_country.count("PK")) == (34, 7)


# --- ambiguity and hints ----------------------------------------------------------------------


def twin_gazetteer() -> Gazetteer:
    return Gazetteer(
        [
            _place("Shahr", 31.0, 66.0, "AF", admin1="Kandahar", admin1_code="AF-KAN"),
            _place("Shahr", 34.0, 71.5, "PK", admin1="Khyber Pakhtunkhwa", admin1_code="PK-KP"),
            _place("Shahr", 30.2, 67.0, "PK", admin1="Balochistan", admin1_code="PK-BA"),
        ]
    )


def test_a_name_in_both_countries_is_ambiguous_with_every_candidate() -> None:
    found = twin_gazetteer().lookup("Shahr")
    assert found.status is LookupStatus.AMBIGUOUS
    assert len(found.candidates) == 3


def test_hints_narrow_an_ambiguous_name() -> None:
    g = twin_gazetteer()
    assert g.lookup("Shahr", country="af").status is LookupStatus.FOUND
    assert g.lookup("Shahr", country="PK").status is LookupStatus.AMBIGUOUS
    by_province = g.lookup("Shahr", admin1="Balochistan")
    assert by_province.place is not None
    assert by_province.place.admin1_code == "PK-BA"
    assert g.lookup("Shahr", admin1="PK-KP").status is LookupStatus.FOUND
    near = g.lookup("Shahr", near=(34.1, 71.4))
    assert near.place is not None
    assert near.place.country == "PK"


def test_hints_that_exclude_everything_say_so_and_list_the_candidates() -> None:
    found = twin_gazetteer().lookup("Shahr", near=(36.0, 60.0))
    assert found.status is LookupStatus.NOT_FOUND
    assert len(found.suggestions) == 3


def test_an_unknown_name_is_not_found_with_suggestions() -> None:
    found = gazetteer().lookup("Peshwar")
    assert found.status is LookupStatus.NOT_FOUND
    assert found.candidates == ()
    assert "Peshawar" in found.suggestions
    assert gazetteer().lookup("").suggestions == ()
    quiet = gazetteer().lookup("Peshwar", suggest=False)  # the town rule needs no suggestions
    assert (quiet.status, quiet.suggestions) == (LookupStatus.NOT_FOUND, ())


# --- names that say their kind, as UCDP's do -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "town"),
    [("Miranshah town", "Miran Shah"), ("Peshawar town", "Peshawar"), ("Wana village", "Wana")],
)
def test_a_town_or_village_is_found_without_the_word_that_says_so(name: str, town: str) -> None:
    found = gazetteer().lookup(name)
    assert found.place is not None, found
    assert found.place.kind is PlaceKind.PLACE
    assert name_key(town) in {name_key(n) for n in found.place.names}
    assert found.precision is GeoPrecision.EXACT


def test_a_kind_word_keeps_only_the_places_of_that_kind() -> None:
    # "Peshawar" alone is the city and (in GeoNames) nothing else; "Balochistan" is the province
    # and no town: each word selects its kind, and a wrong word finds nothing rather than guess.
    province = gazetteer().lookup("Balochistan province")
    assert province.place is not None
    assert province.place.kind is PlaceKind.PROVINCE
    assert province.precision is GeoPrecision.PROVINCE
    assert gazetteer().lookup("Balochistan town").status is LookupStatus.NOT_FOUND
    assert gazetteer().lookup("Peshawar province").status is LookupStatus.NOT_FOUND


@pytest.mark.parametrize("name", ["Bannu district", "Kurram agency", "Tirah valley", "Swat area"])
def test_a_unit_the_gazetteer_lacks_is_not_taken_for_the_town_of_its_name(name: str) -> None:
    assert gazetteer().lookup(name).status is LookupStatus.NOT_FOUND


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Balochistan province", "PK-BA"),
        ("Khyber Pakhtunkwa province", "PK-KP"),  # UCDP's spelling
        ("Azad Jammu & Kashmir", "PK-JK"),
        ("Federally Administered Tribal Areas", "PK-KP"),
        ("Paktika province", "AF-PKA"),
    ],
)
def test_provinces_are_known_by_the_names_datasets_give_them(name: str, code: str) -> None:
    assert gazetteer().admin1_codes(name) == {code}


def test_a_province_hint_is_read_as_datasets_write_it() -> None:
    hinted = gazetteer().lookup("Peshawar", admin1="Khyber Pakhtunkwa province")
    assert hinted.status is LookupStatus.FOUND
    assert gazetteer().lookup("Peshawar", admin1="Sindh province").status is (
        LookupStatus.NOT_FOUND
    )


def test_a_name_that_is_no_province_has_no_codes() -> None:
    assert gazetteer().admin1_codes("Peshawar town") == set()
    assert gazetteer().admin1_codes("Swat district") == set()


# --- the agreement's places -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Torkham", "طورخم", "Angoor Adda", "Ghulam Khan", "Mir Ali", "Barmal", "Sadda", "Kharlachi"],
)
def test_places_the_agreement_names_are_found(name: str) -> None:
    found = gazetteer().lookup(name, kind=PlaceKind.PLACE)
    assert found.status is LookupStatus.FOUND, found
    assert found.place is not None
    assert found.place.source is Source.AGREEMENT
    assert found.place.sector is not None


def test_the_agreement_place_resolves_its_province() -> None:
    found = gazetteer().lookup("Barmal")
    assert found.place is not None
    assert (found.place.admin1, found.place.admin1_code) == ("Paktika", "AF-PKA")


def test_an_agreement_place_wins_over_geonames_nearby_but_not_far_away() -> None:
    class Extra:
        name, latitude, longitude, country = "Shahr", 31.01, 66.01, "AF"
        admin1, alternate_names, sector = "Kandahar", ("Shahr Kalay",), "chaman"

    from ceasefire.geo.places import agreement_places

    g = Gazetteer([*agreement_places([Extra()]), *twin_gazetteer_places()])
    found = g.lookup("Shahr", country="AF")
    assert found.place is not None
    assert found.place.source is Source.AGREEMENT
    assert len(g.lookup("Shahr").candidates) == 3  # the two in Pakistan stay
    assert g.lookup("Shahr Kalay").status is LookupStatus.FOUND


def twin_gazetteer_places() -> list[Place]:
    return [
        _place("Shahr", 31.0, 66.0, "AF"),
        _place("Shahr", 34.0, 71.5, "PK"),
        _place("Shahr", 30.2, 67.0, "PK"),
    ]


# --- properties -------------------------------------------------------------------------------


@given(st.text(max_size=40))
def test_normalising_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert name_key(name_key(text)) == name_key(text)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=20))
def test_case_hyphens_and_diacritics_do_not_count(word: str) -> None:
    accented = word.replace("a", "ā").replace("o", "ō")
    assert name_key(word) == name_key(f"-{accented.upper()} ") == name_key(word.title())


@given(st.integers(min_value=0, max_value=10**6))
def test_every_geonames_name_of_a_place_finds_that_place(seed: int) -> None:
    place = random.Random(seed).choice(geonames_places())
    name = random.Random(seed).choice(place.names)
    if not name_key(name):
        return
    found = gazetteer().lookup(name)
    assert place in found.candidates or any(
        p.source is Source.AGREEMENT and p.country == place.country for p in found.candidates
    ), (name, place.describe(), found)
