"""The agreement's ``[[places]]``: parsed strictly, refused on their file line."""

from __future__ import annotations

import pytest

from ceasefire.domain.agreement_toml import (
    AgreementFileError,
    bundled_text,
    load_bundled,
    parse_agreement,
)
from ceasefire.domain.agreements import Agreement, AgreementPlace

SOURCE = "istanbul-2025.toml"


def replace_once(text: str, old: str, new: str, after: str = "") -> str:
    start = text.index(after) if after else 0
    at = text.index(old, start)
    return text[:at] + new + text[at + len(old) :]


def line_of(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle)) + 1


def refusal(text: str) -> AgreementFileError:
    with pytest.raises(AgreementFileError) as caught:
        parse_agreement(text, SOURCE)
    return caught.value


def test_the_bundled_agreement_names_the_crossings_gazetteers_lack() -> None:
    names = {p.name for p in load_bundled().places}
    assert {"Torkham", "Angoor Adda", "Ghulam Khan", "Mir Ali", "Barmal", "Sadda"} <= names
    torkham = next(p for p in load_bundled().places if p.name == "Torkham")
    assert torkham == AgreementPlace(
        "Torkham",
        34.1006,
        71.0922,
        "PK",
        "Khyber Pakhtunkhwa",
        ("Torkham Border", "Torkham Gate", "طورخم"),
        "torkham",
    )


def test_places_survive_the_round_trip_through_the_document() -> None:
    agreement = load_bundled()
    assert Agreement.from_document(agreement.to_document()) == agreement


def test_an_agreement_without_places_writes_no_places_key() -> None:
    doc = load_bundled().to_document()
    del doc["places"]
    assert "places" not in Agreement.from_document(doc).to_document()


def test_an_unknown_sector_is_refused_on_its_line() -> None:
    bad = replace_once(bundled_text(), 'sector = "kurram"', 'sector = "nowhere"', after='"Sadda"')
    error = refusal(bad)
    assert error.field == "places[2].sector"
    assert error.line == line_of(bad, 'sector = "nowhere"')
    assert "unknown sector 'nowhere'" in error.reason


def test_a_country_that_is_no_party_is_refused() -> None:
    bad = replace_once(bundled_text(), 'country = "AF"', 'country = "IR"', after='"Barmal"')
    error = refusal(bad)
    assert error.field == "places[6].country"
    assert error.line == line_of(bad, 'country = "IR"')


def test_a_place_outside_the_region_is_refused() -> None:
    bad = replace_once(bundled_text(), "latitude = 32.77", "latitude = 45.0", after='"Barmal"')
    error = refusal(bad)
    assert error.field == "places[6].latitude"
    assert "outside the region" in error.reason


def test_a_place_named_twice_is_refused_on_the_second() -> None:
    bad = replace_once(bundled_text(), 'name = "Sadda"', 'name = "Kharlachi"')
    error = refusal(bad)
    assert error.field == "places[2].name"
    assert error.reason == "place 'Kharlachi' is used twice"


def test_an_unknown_key_in_a_place_is_refused() -> None:
    bad = replace_once(bundled_text(), 'name = "Mir Ali"', 'name = "Mir Ali"\nelevation = 800')
    error = refusal(bad)
    assert error.field == "places[4].elevation"
    assert error.line == line_of(bad, "elevation = 800")
