"""The Briefs page: a published brief listed with the digests the log records, regenerated on
the page to the same bytes; the form; the confidential edition only for the mediators' side."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ceasefire.api.app import create_app
from ceasefire.cli.demo import WEEKS
from ceasefire.settings import Settings
from ceasefire.web.deps import SESSION_COOKIE
from tests.web.conftest import ROOT, TestClient, screenshot, serving, token_of

if TYPE_CHECKING:
    from playwright.sync_api import Browser

DAY = "2025-11-23"


@pytest.fixture(scope="module")
def published_dir(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store in which the secretariat has published the week to 23 November
    once more, at the checkpoint after the demo's own briefs (newest first on the page)."""
    folder = tmp_path_factory.mktemp("briefs") / "demo"
    shutil.copytree(demo_dir, folder)
    subprocess.run(
        [sys.executable, "-c", "from ceasefire.cli.main import run; run()", "brief",
         "--data", str(folder), "--period", "weekly", "--date", DAY, "--publish",
         "--key", str(folder / "keys" / "secretariat-1.key"), "--out", str(folder / "b.html")],
        cwd=ROOT, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def briefs_client(published_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data=published_dir))) as found:
        yield found


def test_a_published_brief_is_listed_and_regenerates_to_its_recorded_digest(
    briefs_client: TestClient,
) -> None:
    listed = briefs_client.get("/api/v1/briefs").json()["items"]
    assert len(listed) == len(WEEKS) + 1  # the demo's weekly briefs, and this one
    recorded = listed[-1]
    html = briefs_client.get("/briefs").text
    assert html.count('data-testid="published-brief"') == len(listed)
    assert recorded["sha256"]["html"] in html and f'href="/log?index={recorded["index"]}"' in html
    size = recorded["checkpoint"]["size"]
    page = briefs_client.get(f"/briefs/weekly/{DAY}?checkpoint={size}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert hashlib.sha256(page.content).hexdigest() == recorded["sha256"]["html"]
    assert page.headers["Digest-SHA256"] == recorded["sha256"]["html"]
    markdown = briefs_client.get(f"/briefs/weekly/{DAY}?checkpoint={size}&format=md")
    assert hashlib.sha256(markdown.content).hexdigest() == recorded["sha256"]["md"]


def test_a_brief_is_confirmed_once_the_witnesses_cosign_past_its_entry(
    published_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "demo"
    shutil.copytree(published_dir, folder)
    with TestClient(create_app(Settings(data=folder))) as fresh:
        assert "Not yet confirmed" in _witnessed_cell(fresh.get("/briefs").text)
    for witness in ("witness-pk", "witness-af"):
        subprocess.run(
            [sys.executable, "-c", "from ceasefire.cli.main import run; run()", "log", "cosign",
             "--data", str(folder), "--key", str(folder / "keys" / f"{witness}.key")],
            cwd=ROOT, check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    with TestClient(create_app(Settings(data=folder))) as fresh:
        assert ">Confirmed<" in _witnessed_cell(fresh.get("/briefs").text)


def _witnessed_cell(html: str) -> str:
    start = html.index('data-testid="brief-witnessed"')
    return html[start : html.index("</td>", start)]


def test_the_form_goes_to_the_brief_and_names_a_wrong_field(briefs_client: TestClient) -> None:
    answer = briefs_client.get(
        f"/briefs/go?period=daily&day={DAY}&edition=public&format=pdf", follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/briefs/daily/{DAY}?edition=public&format=pdf"
    pdf = briefs_client.get(answer.headers["location"])
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    wrong = briefs_client.get(f"/briefs/go?period=hourly&day={DAY}", follow_redirects=False)
    assert wrong.status_code == 422 and wrong.json()["field"] == "period"
    wrong = briefs_client.get(f"/briefs/go?period=daily&day={DAY}&format=docx")
    assert wrong.status_code == 422 and wrong.json()["field"] == "format"


def test_the_confidential_edition_is_for_the_mediators_side(
    briefs_client: TestClient, published_dir: Path
) -> None:
    url = f"/briefs/weekly/{DAY}?edition=confidential&format=md"
    briefs_client.cookies.clear()
    assert briefs_client.get(url).status_code == 403
    briefs_client.cookies.set(SESSION_COOKIE, token_of(published_dir, "pk-liaison-1"))
    assert briefs_client.get(url).status_code == 403
    briefs_client.cookies.set(SESSION_COOKIE, token_of(published_dir, "tr-mediator-1"))
    try:
        answer = briefs_client.get(url)
    finally:
        briefs_client.cookies.clear()
    assert answer.status_code == 200 and "confidential" in answer.text.lower()


def test_the_briefs_page_is_in_urdu(briefs_client: TestClient) -> None:
    html = briefs_client.get("/briefs?lang=ur").text
    briefs_client.cookies.clear()
    assert 'dir="rtl"' in html and "شائع شدہ بریفس" in html


def test_the_briefs_page_and_a_brief_in_the_browser(browser: Browser, published_dir: Path) -> None:
    with serving(published_dir) as base:
        context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            page.goto("/briefs")
            page.locator('[data-testid="published-brief"]').first.wait_for()
            screenshot(page, "briefs")
            page.get_by_label("Period", exact=True).select_option("weekly")
            page.get_by_label("Ending on", exact=True).fill(DAY)
            page.get_by_role("button", name="Make the brief").click()
            page.wait_for_url(f"**/briefs/weekly/{DAY}?edition=public&format=html")
            assert page.locator("svg").count() >= 2  # the map and the timeline
            screenshot(page, "brief-weekly")
        finally:
            context.close()
