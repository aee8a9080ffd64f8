"""The web interface under test: the demo scenario's store, served, and a real Chromium.

``demo_dir`` is the store ``ceasefire demo`` writes (played once per session; each actor's
token in ``tokens/<actor>.token``); ``client`` an in-process client of the app over it;
``served`` the base URL of ``ceasefire serve`` over it in a subprocess; ``page`` a fresh page
of Debian's Chromium (``/usr/bin/chromium``, never a downloaded browser) driven by Playwright.
Without that Chromium the browser tests skip, except under ``CI=true``, where they fail.
:func:`screenshot` saves a full-page PNG to ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

import httpx
import pytest

from ceasefire.api.app import create_app
from ceasefire.settings import Settings

with warnings.catch_warnings():
    # Starlette prefers its httpx2 fork; httpx is what the dev dependencies pin.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

__all__ = [
    "AS_OF",
    "CHROMIUM",
    "TestClient",
    "screenshot",
    "serving",
    "sign_in",
    "token_of",
]

ROOT: Final = Path(__file__).resolve().parents[2]
SCREENSHOTS: Final = ROOT / "docs" / "screenshots"
CHROMIUM: Final = Path("/usr/bin/chromium")
CHROMIUM_ARGS: Final = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AS_OF: Final = "2025-11-23"
"""A day inside the demo scenario (October–November 2025), for pages that read "now"."""


def _ceasefire() -> list[str]:
    return [sys.executable, "-c", "from ceasefire.cli.main import run; run()"]


@pytest.fixture(scope="session")
def demo_dir(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The web tests' copy of the demo scenario's store (played once per run)."""
    folder = tmp_path_factory.mktemp("web") / "demo"
    shutil.copytree(demo_template, folder)
    return folder


def token_of(demo_dir: Path, actor: str) -> str:
    return (demo_dir / "tokens" / f"{actor}.token").read_text(encoding="utf-8").strip()


@pytest.fixture(scope="session")
def client(demo_dir: Path) -> Iterator[TestClient]:
    """An in-process client of the app over the demo store (reads only: shared)."""
    with TestClient(create_app(Settings(data=demo_dir))) as found:
        yield found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def served(demo_dir: Path) -> Iterator[str]:
    """The base URL of ``ceasefire serve`` over the demo store."""
    with serving(demo_dir) as base:
        yield base


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """``ceasefire serve`` over the store in ``folder`` on a free port, until the block ends."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*_ceasefire(), "serve", "--data", str(folder), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/v1/log/checkpoint", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                error = server.stderr.read().decode() if server.stderr else ""
                pytest.fail(f"ceasefire serve did not come up on {base}: {error[-2000:]}")
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr:
            server.stderr.close()


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium): browser tests skipped"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} — CI=true: the browser tests are required")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as found:
        yield found


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    found = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield found
    finally:
        found.close()


@pytest.fixture
def page(browser: Browser, served: str) -> Iterator[Page]:
    """A fresh page (its own cookies) of a 1280 × 900 window; ``served`` is its base URL."""
    context = browser.new_context(
        base_url=served, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    found = context.new_page()
    try:
        yield found
    finally:
        context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as ``<name>.png``: to ``docs/screenshots/`` when
    ``CEASEFIRE_UPDATE_SCREENSHOTS=1`` (the README shows them), else beside the test run, so
    that ``make test`` leaves the checkout as it was."""
    folder = SCREENSHOTS if os.environ.get("CEASEFIRE_UPDATE_SCREENSHOTS") == "1" else _RUN_SHOTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path


_RUN_SHOTS = Path(tempfile.gettempdir()) / "ceasefire-screenshots"


def sign_in(page: Page, demo_dir: Path, actor: str, then: str = "/") -> None:
    """Sign in through the form as ``actor``, landing on ``then``."""
    page.goto(f"/signin?next={quote(then)}")
    page.get_by_label("API token").fill(token_of(demo_dir, actor))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: url.endswith(then))
