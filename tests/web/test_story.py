"""The mechanism end to end, as its users meet it in a browser, every event signed in the page.

A Pakistani liaison officer loads his key file, reports an airstrike near Spin Boldak with a
photo; the report is on the map; a monitor opens a case and puts it to Afghanistan; the Afghan
liaison replies; the monitor proposes a finding; the Turkish and Qatari mediators sign and one
issues it; Afghanistan's standing on the dashboard changes; the log explorer verifies the
finding's entry in the browser. The story runs on its own copy of the demo store and server,
so the other page tests keep reading the demo as it was played.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ceasefire.media.samples import Camera, sample
from tests.web.conftest import screenshot, serving, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page


@pytest.fixture(scope="module")
def story_dir(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("story") / "demo"
    shutil.copytree(demo_dir, folder)
    return folder


@pytest.fixture(scope="module")
def story_url(story_dir: Path) -> Iterator[str]:
    with serving(story_dir) as base:
        yield base


def _page(browser: Browser, base: str) -> Page:
    context = browser.new_context(
        base_url=base, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def _load_key(page: Page, story_dir: Path, actor: str) -> None:
    page.set_input_files("#key-file", str(story_dir / "keys" / f"{actor}.key"))
    page.locator("#signing-key.has-key").wait_for()


def _allegation(page: Page, accused: str, day: str, place: str, narrative: str) -> Locator:
    """The Submit page's form with an airstrike alleged against ``accused`` filled in."""
    page.get_by_label("Act", exact=True).select_option("airstrike")
    page.get_by_label("Party alleged to have done it", exact=True).select_option(accused)
    page.get_by_label("Date", exact=True).fill(day)
    page.get_by_label("Place name", exact=True).fill(place)
    page.get_by_label("What happened", exact=True).fill(narrative)
    return page.locator("form.submit-form")


def _receipts(form: Locator, count: int) -> None:
    form.locator(".receipts li").nth(count - 1).wait_for()


def _sign(page: Page, scope: Locator, button: str) -> None:
    """Press a signed form's button and wait for the page it goes to; a refusal fails the test
    with the messages the form shows."""
    try:
        with page.expect_navigation(timeout=15_000):
            scope.get_by_role("button", name=button).click()
    except PlaywrightTimeout:
        shown = scope.locator(".form-status, .error").all_inner_texts()
        pytest.fail(f"{button!r} did not go through: {[t for t in shown if t.strip()]}")


def _verified_on_dashboard(page: Page, party: str) -> int:
    """The "Verified violations" figure of ``party``'s card on the dashboard."""
    card = page.locator(f'article[aria-labelledby="party-{party}"]')
    return int(card.locator("dd").first.inner_text().replace(",", ""))


def _standing(base: str, party: str) -> dict[str, object]:
    status = httpx.get(f"{base}/api/v1/status", timeout=10).json()
    found: dict[str, object] = next(p for p in status["parties"] if p["party"] == party)
    return found


def test_a_report_becomes_a_finding_in_the_browser(
    browser: Browser, story_dir: Path, story_url: str, tmp_path: Path
) -> None:
    before = _standing(story_url, "af")
    public = _page(browser, story_url)
    public.goto("/")
    shown_before = _verified_on_dashboard(public, "af")

    # 1. The Pakistani liaison signs in, loads his key, and reports with a photo.
    liaison = _page(browser, story_url)
    sign_in(liaison, story_dir, "pk-liaison-1", "/submit")
    _load_key(liaison, story_dir, "pk-liaison-1")
    form = _allegation(
        liaison, "af", "2025-11-24", "Nowhereville",
        "Aircraft struck a compound east of the crossing at dawn; two people were killed.",
    )  # fmt: skip
    liaison.get_by_label("Killed", exact=True).fill("2")
    liaison.get_by_role("button", name="Sign and submit").click()
    # An unknown place is refused beside its field, and nothing is signed.
    place_error = form.locator('[data-error-for="place"]')
    place_error.filter(has_text="Nowhereville").wait_for()
    assert form.locator(".receipts li").count() == 0
    liaison.get_by_label("Place name", exact=True).fill("Spin Boldak")
    photo = tmp_path / "strike.jpg"
    camera = Camera(taken=datetime(2025, 11, 24, 5, 40, tzinfo=UTC), latitude=31.0, longitude=66.4)
    photo.write_bytes(sample(7, encoding="jpeg", camera=camera))
    liaison.set_input_files("#evidence", str(photo))
    screenshot(liaison, "submit")
    liaison.get_by_role("button", name="Sign and submit").click()
    _receipts(form, 2)
    assert "report.submitted" in form.locator(".receipts li").nth(0).inner_text()
    assert "evidence.submitted" in form.locator(".receipts li").nth(1).inner_text()
    screenshot(liaison, "submit-receipts")

    # 2. It is on the map (the incidents the map draws), near Spin Boldak.
    liaison.goto("/map")
    liaison.locator("#map-list li").filter(has_text="2025-11-24").first.wait_for()

    # 3. A monitor opens a case on it, takes it, and asks Afghanistan to reply.
    monitor = _page(browser, story_url)
    sign_in(monitor, story_dir, "monitor-kandahar-1", "/work")
    _load_key(monitor, story_dir, "monitor-kandahar-1")
    uncased = monitor.locator('[data-testid="uncased"]').filter(has_text="2025-11-24")
    _sign(monitor, uncased, "Open a case")
    case = monitor.locator('[data-testid="case"]').filter(has_text="2025-11-24").last
    case.locator("summary", has_text="Assign").click()
    _sign(monitor, case, "Assign")
    case = monitor.locator('[data-testid="case"]').filter(has_text="2025-11-24").last
    case.get_by_text("Ask the accused party to reply").click()
    _sign(monitor, case, "Request a reply")
    case = monitor.locator('[data-testid="case"]').filter(has_text="2025-11-24").last
    case.get_by_text("Reply due").first.wait_for()

    # 4. The Afghan liaison replies from the inbox.
    accused = _page(browser, story_url)
    sign_in(accused, story_dir, "af-liaison-1", "/work")
    _load_key(accused, story_dir, "af-liaison-1")
    due = accused.locator('[data-testid="reply-due"]').filter(has_text="2025-11-24")
    screenshot(accused, "work-liaison")
    due.get_by_label("Your position", exact=True).select_option("denies")
    due.get_by_label("Your reply", exact=True).fill(
        "No aircraft of ours flew over Spin Boldak that day."
    )
    _sign(accused, due, "Send the reply")
    assert accused.locator('[data-testid="reply-due"]').filter(has_text="2025-11-24").count() == 0

    # 5. The monitor proposes a finding.
    monitor.reload()
    case = monitor.locator('[data-testid="case"]').filter(has_text="2025-11-24").last
    case.get_by_text("Propose a finding").click()
    case.get_by_label("Standard of proof met", exact=True).select_option("established")
    case.get_by_label("Attribution", exact=True).select_option("attributable")
    case.get_by_label("Clauses violated (comma-separated)", exact=True).fill("1")
    case.get_by_label("Reasons", exact=True).fill(
        "The photo's capture time and place match the report; the reply offers no account."
    )
    _sign(monitor, case, "Propose the finding")
    monitor.locator('[data-testid="case"]').filter(has_text="Finding proposed").last.wait_for()
    screenshot(monitor, "work-monitor")

    # 6. Two mediators sign; one issues.
    for mediator in ("tr-mediator-1", "qa-mediator-1"):
        signer = _page(browser, story_url)
        sign_in(signer, story_dir, mediator, "/work")
        _load_key(signer, story_dir, mediator)
        item = signer.locator('[data-testid="to-sign"]').filter(has_text="2025-11-24")
        if mediator == "tr-mediator-1":
            screenshot(signer, "work-mediator")
        _sign(signer, item, "Sign the finding")
    issue = signer.locator('[data-testid="to-issue"]').filter(has_text="2025-11-24")
    _sign(signer, issue, "Issue the finding")

    # 7. The dashboard's standing for Afghanistan has changed, and says why.
    after = _standing(story_url, "af")
    assert after != before
    assert after["verified_violations"] == before["verified_violations"] + 1  # type: ignore[operator]
    public.goto("/")
    assert _verified_on_dashboard(public, "af") == shown_before + 1
    screenshot(public, "dashboard-after-finding")
    public.goto("/commitments?as_of=2025-11-23")
    public.locator('[data-testid="commitment"]').first.wait_for()
    screenshot(public, "commitments")

    # 8. The log explorer checks the issued finding's entry in the browser.
    last = httpx.get(f"{story_url}/api/v1/log/checkpoint", timeout=10).text.split("\n")[1]
    public.goto(f"/log?index={int(last) - 1}")
    public.locator("#proof.verified").wait_for()


def test_the_submitter_is_told_what_the_record_notes_of_the_place(
    browser: Browser, story_dir: Path, story_url: str
) -> None:
    """A town named far from the point picked on the map: the report is recorded as given, and
    the page says, with the receipt, what the record notes of its place."""
    liaison = _page(browser, story_url)
    sign_in(liaison, story_dir, "af-liaison-1", "/submit")
    _load_key(liaison, story_dir, "af-liaison-1")
    form = _allegation(
        liaison, "pk", "2025-11-21", "Spin Boldak", "Jets struck a house near the pass."
    )
    liaison.get_by_label("Latitude", exact=True).fill("34.05")
    liaison.get_by_label("Longitude", exact=True).fill("71.15")
    liaison.get_by_label("Precision", exact=True).select_option("exact")
    liaison.get_by_role("button", name="Sign and submit").click()
    _receipts(form, 1)
    notes = form.locator(".form-notes")
    notes.wait_for()
    assert "the record notes of its place" in notes.inner_text()
    assert "the report names Spin Boldak, but the nearest place" in notes.inner_text()
    screenshot(liaison, "submit-place-note")


def test_an_urdu_submitter_is_told_in_urdu(
    browser: Browser, story_dir: Path, story_url: str
) -> None:
    """The same note, for a liaison who reads the pages in Urdu: the sentence in Urdu, the
    place's name and the figures as measured."""
    liaison = _page(browser, story_url)
    sign_in(liaison, story_dir, "af-liaison-1", "/submit")
    liaison.goto("/submit?lang=ur")
    _load_key(liaison, story_dir, "af-liaison-1")
    form = liaison.locator("form.submit-form")
    for name, value in {
        "date": "2025-11-22", "place": "Spin Boldak", "narrative": "Shelling near the crossing.",
        "latitude": "34.05", "longitude": "71.15",
    }.items():  # fmt: skip
        form.locator(f"[name={name}]").fill(value)
    form.locator("[name=act]").select_option("airstrike")
    form.locator("[name=alleged_party]").select_option("pk")
    form.locator("[name=precision]").select_option("exact")
    form.locator("[type=submit]").click()
    _receipts(form, 1)
    notes = form.locator(".form-notes")
    notes.wait_for()
    text = notes.inner_text()
    assert "رپورٹ میں Spin Boldak کا نام ہے" in text and "کلومیٹر" in text, text
    assert "the report names" not in text
    screenshot(liaison, "submit-place-note-ur")
    # The incident page says it too, beside the report, in the page's language.
    receipt = form.locator(".receipts li").first.inner_text()
    report = receipt.split("\n")[0].split("·")[-1].strip()  # the event id, the receipt after it
    listed = liaison.request.get("/api/v1/incidents?since=2025-11-22&until=2025-11-22").json()
    (incident,) = [
        i["id"] for i in listed["items"] if report in {m["report"] for m in i["members"]}
    ]
    liaison.goto(f"/incidents/{incident}?lang=ur")
    flags = liaison.get_by_test_id("place-flag")
    assert "رپورٹ میں Spin Boldak کا نام ہے" in " ".join(flags.all_inner_texts())
    screenshot(liaison, "incident-place-flag-ur")
