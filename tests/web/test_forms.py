"""The pages that write, in process: the Submit page, the workbench by role, the Commitments
page, the drafts a form is turned into (and their errors, named by the form's field), and the
session cookie on the API only with the web header. The browser's own signing is
``test_story``'s."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ceasefire.api.app import create_app
from ceasefire.domain import casework_events as ce
from ceasefire.domain.events import REPORT_SUBMITTED
from ceasefire.log.envelope import parse_time
from ceasefire.settings import Settings
from ceasefire.web.deps import SESSION_COOKIE
from tests.web.conftest import TestClient, token_of
from tests.web.test_pages import get_as

WEB = {"X-Ceasefire-Web": "1"}
ALLEGATION = {
    "kind": "allegation",
    "act": "airstrike",
    "alleged_party": "af",
    "date": "2025-11-20",
    "place": "Spin Boldak",
    "narrative": "Aircraft struck a compound at dawn.",
    "killed": "2",
}


def draft_as(
    client: TestClient, demo_dir: Path, actor: str | None, action: str, fields: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    client.cookies.clear()
    if actor is not None:
        client.cookies.set(SESSION_COOKIE, token_of(demo_dir, actor))
    response = client.post(f"/web/drafts/{action}", json=fields)
    client.cookies.clear()
    body: dict[str, Any] = response.json()
    return response.status_code, body


# --- drafts -------------------------------------------------------------------------------------


def test_a_report_form_becomes_a_placed_and_checked_report_body(
    client: TestClient, demo_dir: Path
) -> None:
    status, answer = draft_as(client, demo_dir, "pk-liaison-1", "report", ALLEGATION)
    assert status == 200, answer
    assert answer["type"] == REPORT_SUBMITTED
    body = answer["body"]
    assert body["act"] == "airstrike" and body["alleged_party"] == "af"
    assert body["dates"] == {"start": "2025-11-20", "end": "2025-11-20", "precision": "day"}
    location = body["location"]
    assert location["country"] == "AF" and location["sector"] == "chaman-spin-boldak"
    assert location["admin1"] == "Kandahar"
    assert body["casualties"] == {"killed": {"unknown": 2}}
    assert body["sources"][0]["kind"] == "party"
    parse_time(answer["time"])  # the moment to sign at, in the log's own form


def test_a_point_picked_on_the_map_is_placed_on_its_side_of_the_border(
    client: TestClient, demo_dir: Path
) -> None:
    fields = ALLEGATION | {"place": "", "latitude": "34.05", "longitude": "71.15"}
    fields |= {"precision": "exact"}
    status, answer = draft_as(
        client, demo_dir, "af-liaison-1", "report", fields | {"alleged_party": "pk"}
    )
    assert status == 200, answer
    location = answer["body"]["location"]
    assert (location["latitude"], location["longitude"]) == (34.05, 71.15)
    assert location["country"] == "PK" and location["precision"] == "exact"


def test_a_town_named_far_from_the_point_picked_is_noted_and_the_body_kept_as_given(
    client: TestClient, demo_dir: Path
) -> None:
    """The page shows the record's notes on the place with the receipt; the body is what the
    submitter gave (the point, and the name as typed)."""
    fields = ALLEGATION | {"latitude": "34.05", "longitude": "71.15", "precision": "exact"}
    status, answer = draft_as(client, demo_dir, "af-liaison-1", "report", fields)
    assert status == 200, answer
    assert answer["body"]["location"]["place"] == "Spin Boldak"
    (note,) = answer["notes"]
    assert note.startswith("the report names Spin Boldak, but the nearest place of that name")
    assert "km from the point, beyond the 1 km uncertainty" in note
    _, placed = draft_as(client, demo_dir, "pk-liaison-1", "report", ALLEGATION)
    assert placed["notes"] == []


def test_the_notes_on_the_place_are_in_the_pages_language(
    client: TestClient, demo_dir: Path
) -> None:
    fields = ALLEGATION | {"latitude": "34.05", "longitude": "71.15", "precision": "exact"}
    client.cookies.set(SESSION_COOKIE, token_of(demo_dir, "af-liaison-1"))
    answer = client.post("/web/drafts/report?lang=ur", json=fields).json()
    client.cookies.clear()
    (note,) = answer["notes"]
    assert note.startswith("رپورٹ میں Spin Boldak کا نام ہے، لیکن اس نام کی قریب ترین جگہ"), note
    assert answer["body"]["location"]["place"] == "Spin Boldak"  # the body stays as given


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"place": "Nowhereville"}, "place", "no place called"),
        ({"place": ""}, "place", "pick the place on the map"),
        ({"date": "2999-01-01"}, "date", "in the future"),
        ({"date": "20 Nov"}, "date", "expected a date"),
        ({"killed": "-3"}, "killed", "whole number"),
        ({"narrative": "  "}, "narrative", "required"),
        ({"act": "tea_party"}, "act", "tea_party"),
        ({"kind": "rumour"}, "kind", "allegation"),
        ({"latitude": "north", "longitude": "70"}, "place", "not a number"),
        ({"latitude": "34", "longitude": "70", "precision": "vague"}, "precision", "near"),
    ],
)
def test_a_wrong_field_is_named_as_the_form_names_it(
    client: TestClient, demo_dir: Path, change: dict[str, str], field: str, words: str
) -> None:
    status, answer = draft_as(client, demo_dir, "pk-liaison-1", "report", ALLEGATION | change)
    assert status in (400, 403, 404, 422), answer
    assert answer["field"] == field, answer
    assert words in answer["detail"]


def test_an_ambiguous_place_lists_what_it_may_be(client: TestClient, demo_dir: Path) -> None:
    status, answer = draft_as(
        client, demo_dir, "pk-liaison-1", "report", ALLEGATION | {"place": "Kabul"}
    )
    assert status == 422 and answer["field"] == "place"
    assert "may be" in answer["detail"] and "province" in answer["detail"]


def test_casework_drafts_work_out_what_the_record_gives(client: TestClient, demo_dir: Path) -> None:
    case_id = _case_awaiting_reply_or_investigating(client)
    status, answer = draft_as(
        client, demo_dir, "monitor-kurram-1", "request_reply", {"case": case_id}
    )
    assert status == 200, answer
    assert answer["type"] == ce.REPLY_REQUESTED
    due = parse_time(answer["body"]["due"])
    assert (due - parse_time(answer["time"])).total_seconds() == 72 * 3600

    status, answer = draft_as(
        client,
        demo_dir,
        "monitor-kurram-1",
        "request_information",
        {"case": case_id, "of": "af-liaison-1", "question": "Which unit?", "due": "2025-12-01"},
    )
    assert status == 200, answer
    assert answer["body"]["due"] == "2025-12-01T23:59:59Z"


def test_a_finding_is_signed_by_its_id_from_the_case(client: TestClient, demo_dir: Path) -> None:
    client.cookies.clear()
    cases = client.get("/api/v1/cases").json()["items"]
    proposed = next(c for c in cases if c["state"] == "finding_proposed")
    status, answer = draft_as(
        client,
        demo_dir,
        "tr-mediator-1",
        "sign_finding",
        {"case": proposed["id"], "concurs": True, "note": ""},
    )
    assert status == 200, answer
    assert answer["body"] == {
        "case": proposed["id"],
        "concurs": True,
        "finding": proposed["proposal"]["id"],
    }


def test_drafts_need_a_signed_in_actor_and_a_known_form(client: TestClient, demo_dir: Path) -> None:
    status, answer = draft_as(client, demo_dir, None, "report", ALLEGATION)
    assert status == 403 and answer["field"] == "token"
    status, answer = draft_as(client, demo_dir, "pk-liaison-1", "launch_missiles", {})
    assert status == 404 and "open_case" in answer["detail"]
    status, answer = draft_as(client, demo_dir, "monitor-kurram-1", "assign", {"monitor": "x"})
    assert status == 422 and answer["field"] == "case"


# --- the session cookie on the API --------------------------------------------------------------


def test_the_session_cookie_speaks_for_its_actor_only_with_the_web_header(
    client: TestClient, demo_dir: Path
) -> None:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, token_of(demo_dir, "pk-liaison-1"))
    try:
        # Without the header (a form another site could post), the cookie is ignored: public.
        assert client.post("/api/v1/events", json={"envelope": {}}).status_code == 401
        # With it, the request is the actor's: it gets as far as checking the envelope.
        answer = client.post("/api/v1/events", json={"envelope": {}}, headers=WEB)
        assert answer.status_code == 422, answer.text
        client.cookies.set(SESSION_COOKIE, "not-a-token")
        assert client.post("/api/v1/events", json={"envelope": {}}, headers=WEB).status_code == 401
    finally:
        client.cookies.clear()


# --- pages ---------------------------------------------------------------------------------------


def test_each_role_has_its_own_workbench(client: TestClient, demo_dir: Path) -> None:
    monitor = get_as(client, demo_dir, "monitor-kurram-1", "/work")
    assert "Allegations without a case" in monitor and "Cases being worked" in monitor
    assert 'data-draft="open_case"' in monitor and 'data-draft="propose_finding"' in monitor
    mediator = get_as(client, demo_dir, "tr-mediator-1", "/work")
    assert "Findings awaiting your signature" in mediator
    assert 'data-draft="open_case"' not in mediator
    liaison = get_as(client, demo_dir, "af-liaison-1", "/work")
    assert "Cases against your side" in liaison and 'data-testid="inbox"' in liaison
    for html in (monitor, mediator, liaison):
        assert 'id="signing-key"' in html and 'data-log="ceasefire.demo/' in html
        assert "/static/sign.js" in html
    client.cookies.clear()
    assert client.get("/work", follow_redirects=False).headers["location"] == "/signin?next=/work"


def test_the_submit_page_offers_the_agreements_terms(client: TestClient, demo_dir: Path) -> None:
    html = get_as(client, demo_dir, "pk-liaison-1", "/submit")
    assert 'data-draft="report"' in html and 'name="evidence"' in html
    assert '<option value="airstrike">' in html
    assert '<option value="af">' in html and '<option value="pk">' not in html  # not itself
    assert 'id="picker"' in html
    observer = get_as(client, demo_dir, "witness-pk", "/submit")
    assert "Reports are filed by" in observer and 'data-draft="report"' not in observer


def test_the_commitments_page_shows_status_reasons_and_evidence(
    client: TestClient, demo_dir: Path
) -> None:
    html = get_as(client, demo_dir, None, "/commitments?as_of=2025-11-23")
    client.cookies.clear()
    expected = client.get("/api/v1/commitments?as_of=2025-11-23").json()["items"]
    assert html.count('data-testid="commitment"') == len(expected)
    for item in expected:
        assert f'data-status="{item["status"]}"' in html
    assert "Evidence received" in html and 'href="/log?index=' in html
    assert "hideout dismantled" in html  # Afghanistan's claim of 2–3 November


def test_the_urdu_workbench_is_right_to_left_and_translated(
    client: TestClient, demo_dir: Path
) -> None:
    html = get_as(client, demo_dir, "monitor-kurram-1", "/work?lang=ur")
    assert 'dir="rtl"' in html and "مقدمہ کھولیں" in html


def _case_awaiting_reply_or_investigating(client: TestClient) -> str:
    client.cookies.clear()
    cases = client.get("/api/v1/cases").json()["items"]
    found: str = next(c["id"] for c in cases if c["state"] == "investigating")
    return found


def test_guessing_tokens_at_the_signin_form_is_limited_per_address(demo_dir: Path) -> None:
    settings = Settings(data=demo_dir, api_address_rate_per_minute=3)
    with TestClient(create_app(settings)) as fresh:
        answers = [fresh.post("/signin", data={"token": f"guess-{n}"}) for n in range(4)]
    assert [a.status_code for a in answers] == [400, 400, 400, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert "Too many attempts from this address" in answers[-1].text
