"""The pages: in-process first (each persona, the public, sign-in and its errors, what the
public must never see), then in Debian's Chromium against ``ceasefire serve``."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ceasefire.services import dashboard
from ceasefire.services.reports import ReportFilter, page_reports, viewer_of
from ceasefire.web.deps import SESSION_COOKIE
from tests.web.conftest import AS_OF, TestClient, screenshot, sign_in, token_of

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

SECRET = "detained in Khost"
"""From the confidential arrest report of the demo (4 November): for the mediators only."""


def get_as(client: TestClient, demo_dir: Path, actor: str | None, url: str) -> str:
    client.cookies.clear()
    if actor is not None:
        client.cookies.set(SESSION_COOKIE, token_of(demo_dir, actor))
    response = client.get(url)
    client.cookies.clear()
    assert response.status_code == 200, response.text[:500]
    html: str = response.text
    return html


# --- in process ---------------------------------------------------------------------------------


def test_the_public_dashboard_shows_the_status_and_its_reasons(client: TestClient) -> None:
    client.cookies.clear()
    html = client.get(f"/?as_of={AS_OF}").text
    assert 'data-testid="status"' in html
    assert "Breached" in html and "Afghanistan" in html
    assert "Public view" in html
    assert 'href="/log?index=86"' in html  # the finding the standing of pk rests on
    assert "<svg" in html and "Reports per day, last 30 days" in html
    assert 'href="/incidents/' in html
    assert "istanbul" in html.lower()  # the meeting or the agreement


def test_each_persona_sees_the_dashboard_as_itself(client: TestClient, demo_dir: Path) -> None:
    for actor in ("pk-liaison-1", "af-liaison-1", "tr-mediator-1", "monitor-kurram-1"):
        html = get_as(client, demo_dir, actor, f"/?as_of={AS_OF}")
        assert f'data-testid="viewer">{actor}<' in html
        assert "Sign out" in html


def test_confidential_content_reaches_only_whom_the_policy_allows(
    client: TestClient, demo_dir: Path
) -> None:
    url = "/?as_of=2025-11-05"
    assert SECRET in get_as(client, demo_dir, "tr-mediator-1", url)
    assert SECRET in get_as(client, demo_dir, "af-liaison-1", url)  # its own party's report
    assert SECRET not in get_as(client, demo_dir, "pk-liaison-1", url)
    assert SECRET not in get_as(client, demo_dir, None, url)


def test_the_public_never_sees_confidential_content_on_any_page(
    client: TestClient, demo_dir: Path
) -> None:
    store = client.app.state.context.store  # type: ignore[attr-defined]
    sealed = [i for i, leaf in store.entries(0, store.head().size) if '"body"' not in leaf.decode()]
    assert sealed, "the demo holds confidential reports"
    urls = ["/", f"/?as_of={AS_OF}", "/?as_of=2025-11-05", "/log", "/signin"]
    for url in urls + [f"/log?index={i}" for i in sealed]:
        html = get_as(client, demo_dir, None, url)
        assert SECRET not in html and "Khost; his name" not in html, url


def test_signing_in_with_a_bad_token_shows_the_error_beside_the_field(client: TestClient) -> None:
    client.cookies.clear()
    response = client.post("/signin", data={"token": "not-a-token"}, follow_redirects=False)
    assert response.status_code == 400
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    field = re.search(r'<div class="field has-error">.*?</div>', response.text, re.S)
    assert field is not None
    assert (
        'aria-invalid="true"' in field.group() and 'aria-describedby="token-error"' in field.group()
    )
    assert "This token is unknown or has been revoked." in field.group()
    empty = client.post("/signin", data={"token": " "})
    assert empty.status_code == 400 and "Enter your token." in empty.text


def test_signing_in_sets_a_strict_httponly_cookie_and_returns_to_the_page(
    client: TestClient, demo_dir: Path
) -> None:
    client.cookies.clear()
    response = client.post(
        "/signin",
        data={"token": token_of(demo_dir, "pk-liaison-1"), "next": "/log"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/log"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "pk-liaison-1" in client.get("/log").text
    out = client.post("/signout", follow_redirects=False)
    assert out.status_code == 303 and f'{SESSION_COOKIE}=""' in out.headers["set-cookie"]
    client.cookies.clear()


def test_signing_in_never_redirects_off_site(client: TestClient, demo_dir: Path) -> None:
    token = token_of(demo_dir, "pk-liaison-1")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example/x", "/\t/x"):
        response = client.post(
            "/signin", data={"token": token, "next": target}, follow_redirects=False
        )
        assert response.headers["location"] == "/"
    client.cookies.clear()


def test_a_revoked_or_unknown_session_is_the_public(client: TestClient) -> None:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, "stale")
    html = client.get("/log").text
    client.cookies.clear()
    assert "Public view" in html


def test_the_log_explorer_shows_the_checkpoint_and_pages_entries(client: TestClient) -> None:
    client.cookies.clear()
    note = client.get("/api/v1/log/checkpoint").text
    html = client.get("/log").text
    origin, size, root = note.split("\n")[:3]
    assert origin in html and root in html and "witness-pk" in html and "witness-af" in html
    assert f"#{int(size) - 1}<" in html
    older = client.get("/log?before=50").text
    assert "#49<" in older and "#50<" not in older and "Newer entries" in older
    chosen = client.get("/log?index=7").text
    assert 'data-index="7"' in chosen and "/static/logproof.js" in chosen
    assert "There is no entry with this index." in client.get("/log?index=99999").text


def test_the_pages_are_not_in_the_api_document(client: TestClient) -> None:
    paths = json.loads(client.get("/api/v1/openapi.json").text)["paths"]
    assert not [p for p in paths if not p.startswith("/api/v1/")]


def test_static_files_are_served(client: TestClient) -> None:
    assert "[dir=" in client.get("/static/app.css").text
    assert "crypto.subtle.digest" in client.get("/static/logproof.js").text


def test_a_bad_as_of_is_refused(client: TestClient) -> None:
    assert client.get("/?as_of=yesterday").status_code == 422


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
"""What a browser sends when a person opens an address."""


def test_a_stale_link_in_the_browser_gets_a_page_that_says_what_is_missing(
    client: TestClient,
) -> None:
    missing = client.get("/incidents/deadbeef", headers=BROWSER)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert (
        "Page not found" in missing.text and "no incident id begins with deadbeef" in missing.text
    )
    assert 'href="/"' in missing.text  # the site's layout, and the way back
    nowhere = client.get("/incidents", headers=BROWSER)
    assert nowhere.status_code == 404
    assert "There is no page at this address:" in nowhere.text and "/incidents" in nowhere.text
    refused = client.get("/log?index=abc&lang=ur", headers=BROWSER)
    assert refused.status_code == 422
    assert "اس درخواست کا جواب نہیں دیا جا سکتا" in refused.text and "index" in refused.text


def test_programs_still_get_problem_documents(client: TestClient) -> None:
    """The API, the pages' data and any client that does not ask for HTML."""
    for path, headers in [
        ("/api/v1/reports/deadbeef", BROWSER),
        ("/web/data/nothing.geojson", BROWSER),
        ("/incidents/deadbeef", {"Accept": "application/json"}),
        ("/incidents/deadbeef", {}),
    ]:
        answer = client.get(path, headers=headers)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json", path
        assert answer.json()["code"] == "not_found"


@pytest.mark.parametrize("reader", [None, "pk-liaison-1", "af-liaison-1", "tr-mediator-1"])
def test_counts_compare_each_period_with_the_one_before(
    client: TestClient, reader: str | None
) -> None:
    store = client.app.state.context.store  # type: ignore[attr-defined]
    viewer = None if reader is None else viewer_of(store, reader)
    now = datetime(2025, 11, 7, 12, tzinfo=UTC)
    counts = dashboard.counts(store, viewer, now)
    times = [  # the reports as the reader's own list shows them: what it may see, no correction
        datetime.fromisoformat(v.time)
        for v in page_reports(store, viewer, ReportFilter(limit=1000)).reports
        if v.corrects is None
    ]
    assert counts.last_week == sum(1 for t in times if (now - t).days < 7 and t <= now)
    assert counts.last_day == sum(1 for t in times if now - timedelta(days=1) < t <= now)
    assert counts.last_week + counts.week_before > 0
    in_month = [t for t in times if t <= now and (now.date() - t.date()).days < 30]
    assert sum(n for _, n in counts.per_day) == len(in_month)
    assert counts.per_day[-1][0] == now.date() and len(counts.per_day) == 30


# --- in Chromium -------------------------------------------------------------------------------


def test_a_pakistani_liaison_signs_in_and_sees_the_status(page: Page, demo_dir: Path) -> None:
    sign_in(page, demo_dir, "pk-liaison-1", f"/?as_of={AS_OF}")
    assert page.get_by_test_id("viewer").inner_text() == "pk-liaison-1"
    assert "Breached" in page.get_by_test_id("status").inner_text()
    page.get_by_text("Why: the reasoning").first.click()
    assert page.locator(".tree a[href^='/log?index=']").first.is_visible()
    screenshot(page, "dashboard-pk-liaison")


def test_a_mediator_sees_the_confidential_claims_and_switches_to_urdu(
    page: Page, demo_dir: Path
) -> None:
    sign_in(page, demo_dir, "tr-mediator-1", "/?as_of=2025-11-05")
    assert page.get_by_text(SECRET).count() == 1
    screenshot(page, "dashboard-mediator")
    page.get_by_role("link", name="اردو").click()
    page.wait_for_url("**lang=ur**")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ur"
    assert page.get_by_role("link", name="ڈیش بورڈ").is_visible()
    assert page.get_by_role("heading", name="جنگ بندی کی صورتحال").is_visible()
    page.goto("/log")  # the language is remembered
    assert page.locator("html").get_attribute("dir") == "rtl"
    screenshot(page, "log-ur")
    page.goto(f"/?as_of={AS_OF}")
    screenshot(page, "dashboard-ur")


def test_the_log_explorer_verifies_an_inclusion_proof_in_the_browser(page: Page) -> None:
    page.goto("/log")
    page.get_by_role("link", name="Check entry 110").click()
    status = page.get_by_test_id("proof-status")
    status.filter(has_text="Verified in your browser").wait_for()
    assert page.locator("#proof.verified").count() == 1
    assert "signature verified" in page.locator(".proof-steps").inner_text()
    screenshot(page, "log-verified")
    page.goto("/log?index=0#entry")  # the first entry: the longest path on the left edge
    status.filter(has_text="Verified in your browser").wait_for()


def test_a_bad_token_in_the_browser_shows_the_error(page: Page) -> None:
    page.goto("/signin")
    page.get_by_label("API token").fill("not-a-token")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "This token is unknown or has been revoked."
    assert page.get_by_label("API token").get_attribute("aria-invalid") == "true"
    screenshot(page, "signin-error")


def test_the_dashboard_on_a_phone(page: Page, demo_dir: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, demo_dir, "af-liaison-1", f"/?as_of={AS_OF}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
    screenshot(page, "dashboard-phone")


def test_a_proof_altered_on_the_way_is_caught_in_the_browser(page: Page) -> None:
    def altered(route: Route) -> None:
        proof = route.fetch().json()
        proof["proof"][0] = base64.b64encode(bytes(32)).decode()
        route.fulfill(json=proof)

    page.route("**/api/v1/log/proof/inclusion*", altered)
    page.goto("/log?index=42#entry")
    page.get_by_test_id("proof-status").filter(has_text="Mismatch").wait_for()
    assert page.locator("#proof.mismatch").count() == 1


def test_the_dashboard_and_the_log_say_what_the_witnesses_confirmed(
    client: TestClient,
) -> None:
    client.cookies.clear()
    confirmation = client.get("/api/v1/log/confirmation").json()
    dashboard_html = client.get(f"/?as_of={AS_OF}").text
    log_html = client.get("/log").text
    for html in (dashboard_html, log_html):
        assert 'data-testid="witnessed"' in html
        assert "witness-pk" in html and "witness-af" in html
        expected = "Confirmed by the witnesses" if confirmation["quorum_met"] else "Not yet"
        assert expected in html
    assert "quorum" in log_html and "ceasefire verify --bundle" in log_html
