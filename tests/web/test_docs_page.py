"""The API's documentation page in a real browser with nothing but the server reachable: Swagger
UI comes from the copy vendored under ``/static``, so it renders offline."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse

from tests.web.conftest import screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route


def block_strangers(page: Page, served: str) -> list[str]:
    """Abort every request to another host than this server; the URLs aborted (none, we
    expect: the deployment is offline)."""
    blocked: list[str] = []
    origin = urlparse(served).netloc

    def only_the_server(route: Route) -> None:
        where = urlparse(route.request.url)
        if where.scheme in ("data", "blob") or where.netloc == origin:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", only_the_server)
    return blocked


def test_the_api_docs_render_offline(page: Page, served: str) -> None:
    blocked = block_strangers(page, served)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/api/v1/docs")
    page.locator(".swagger-ui .info .title").filter(has_text="ceasefire").wait_for()
    status = page.locator(".opblock", has_text="/api/v1/status").first
    status.wait_for()
    assert page.locator(".opblock").count() >= 20
    status.locator(".opblock-summary").click()
    status.get_by_role("button", name="Try it out").wait_for()
    screenshot(page, "api-docs")
    assert blocked == []
    assert errors == []
