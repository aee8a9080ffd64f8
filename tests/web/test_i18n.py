"""The languages: Urdu complete, the other catalogues ready, the choice of language, and the
right-to-left layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.report_places import GeoPrecision, Location
from ceasefire.services.geography import check_place
from ceasefire.web import i18n, phrases
from tests.web.conftest import AS_OF, TestClient


def catalogue(code: str) -> dict[str, str]:
    path = i18n.LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po, locale=code) if m.id}


def test_messages_are_found_in_the_templates_and_pages() -> None:
    found = i18n.messages()
    assert {"Dashboard", "Sign in", "Verified in your browser"} <= set(found)
    assert len(found) == len(set(found)) > 50
    assert set(i18n.messages(PAGES)) <= set(found)


PAGES = i18n.sources()
"""Every page: English and Urdu are complete."""


def test_every_message_of_the_pages_is_translated_into_urdu() -> None:
    urdu = catalogue("ur")
    missing = [m for m in i18n.messages(PAGES) if not urdu.get(m, "").strip()]
    assert not missing, f"untranslated in ur: {missing}"


@pytest.mark.parametrize("code", [language.code for language in i18n.LANGUAGES])
def test_each_catalogue_holds_every_message_of_the_pages(code: str) -> None:
    """A new message is added to every catalogue (``python -m ceasefire.web.i18n <lang>``);
    untranslated, it shows in English."""
    assert set(i18n.messages(PAGES)) <= set(catalogue(code))


def test_an_untranslated_message_falls_back_to_english() -> None:
    assert i18n.translations("ps").gettext("Dashboard") == "Dashboard"
    assert i18n.translations("ur").gettext("Dashboard") == "ڈیش بورڈ"


def test_the_language_is_chosen_by_query_then_cookie_then_browser() -> None:
    assert i18n.choose("ur", "tr", "ar").code == "ur"
    assert i18n.choose(None, "tr", "ar").code == "tr"
    assert i18n.choose("xx", None, "de-DE, fa;q=0.8, ar;q=0.9").code == "ar"
    assert i18n.choose(None, None, "de").code == "en"
    assert i18n.choose(None, None, None).code == "en"


@pytest.mark.parametrize(
    ("code", "direction"),
    [("ur", "rtl"), ("ps", "rtl"), ("fa", "rtl"), ("ar", "rtl"), ("tr", "ltr"), ("en", "ltr")],
)
def test_pages_take_the_direction_of_their_language(
    client: TestClient, code: str, direction: str
) -> None:
    client.cookies.clear()
    html = client.get(f"/log?lang={code}").text
    assert f'<html lang="{code}" dir="{direction}">' in html


def test_a_language_chosen_is_remembered(client: TestClient) -> None:
    client.cookies.clear()
    response = client.get("/signin?lang=ur")
    assert "lang=ur" in response.headers["set-cookie"]
    html = client.get("/signin").text
    client.cookies.clear()
    assert 'dir="rtl"' in html and "سائن اِن" in html


def test_the_browser_language_is_followed(client: TestClient) -> None:
    client.cookies.clear()
    html = client.get("/signin", headers={"Accept-Language": "ur-PK,ur;q=0.9,en;q=0.5"}).text
    assert 'lang="ur"' in html


def test_numbers_and_dates_are_written_in_the_language() -> None:
    from datetime import date

    assert i18n.formatters(i18n.BY_CODE["ur"]).date(date(2025, 11, 6)) == "6 نومبر، 2025"
    assert i18n.formatters(i18n.BY_CODE["en"]).number(12345) == "12,345"
    assert Path(i18n.LOCALE_DIR).is_dir()


def _sentences(node: dict[str, object]) -> list[str]:
    children = node.get("children", [])
    assert isinstance(children, list)
    return [str(node["text"]), *(t for child in children for t in _sentences(child))]


@pytest.mark.parametrize("as_of", ["2025-10-25", AS_OF, "2026-01-31"])
def test_every_sentence_of_the_status_has_a_translatable_shape(
    client: TestClient, as_of: str
) -> None:
    client.cookies.clear()
    status = client.get(f"/api/v1/status?as_of={as_of}").json()
    trees = [status["explanation"], *(p["explanation"] for p in status["parties"])]
    trees += [c["explanation"] for c in status["commitments"]]
    sentences = {s for tree in trees for s in _sentences(tree)}
    assert len(sentences) > 20
    unknown = sorted(s for s in sentences if not phrases.known(s))
    assert not unknown, f"sentences no pattern of web/phrases.py knows: {unknown}"


def test_a_sentence_is_said_in_the_language_with_its_parts_kept() -> None:
    urdu = i18n.translations("ur").gettext
    assert phrases.say("verified violations by pk: 3", urdu) == "pk کی تصدیق شدہ خلاف ورزیاں: 3"
    english = i18n.translations("en").gettext
    assert phrases.say("verified violations by pk: 3", english) == "verified violations by pk: 3"
    assert phrases.say("a sentence no one wrote a pattern for", urdu) == (
        "a sentence no one wrote a pattern for"
    )


def test_the_urdu_dashboard_gives_its_reasons_in_urdu(client: TestClient) -> None:
    client.cookies.clear()
    html = client.get(f"/?as_of={AS_OF}&lang=ur").text
    client.cookies.clear()  # the page remembered the language: the next test must not inherit it
    assert "af کی حیثیت" in html and "کی تصدیق شدہ خلاف ورزیاں" in html
    assert "standing of af" not in html


PLACES = {  # a location of each kind of flag the place check writes, and what the flag says
    "country": Location(34.4265, 70.4515, GeoPrecision.EXACT, country="PK"),  # Jalalabad
    "country only": Location(34.4265, 70.4515, GeoPrecision.COUNTRY, country="PK"),
    "sector": Location(34.008, 71.578, GeoPrecision.EXACT, sector="chaman-spin-boldak"),
    "town": Location(31.0, 66.4, GeoPrecision.EXACT, place="Wana town", admin1="FATA"),
}


@pytest.mark.parametrize("kind", PLACES)
def test_every_flag_of_the_place_check_is_said_in_urdu_with_its_parts_kept(kind: str) -> None:
    (flag,) = check_place(load_bundled(), PLACES[kind]).flags
    assert phrases.known(flag), flag
    urdu = phrases.say(flag, i18n.translations("ur").gettext)
    assert urdu != flag and urdu.startswith("رپورٹ میں"), urdu
    words = [word.strip("'.,()") for word in flag.split()]
    parts = [w for w in words if w[:1].isdigit() or w in ("Pakistan", "Afghanistan", "Wana")]
    assert parts and all(part in urdu for part in parts), (parts, urdu)
    assert phrases.say(flag, i18n.translations("en").gettext) == flag
