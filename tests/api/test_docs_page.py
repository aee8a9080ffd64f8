"""The API's documentation page works offline: Swagger UI comes from the copy vendored under
``/static`` (``web/static/vendor/VENDOR.md``), never from a CDN, and the page is not itself in
the OpenAPI document."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from ceasefire.api.app import create_app
from ceasefire.settings import Settings
from tests.api.conftest import TestClient

EXPECTED_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class _Sources(HTMLParser):
    """The URLs a page loads: scripts' ``src`` and links' ``href``."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value is not None]


def _client(tmp_path: Path) -> TestClient:
    # not started (no `with`): the page and the static files need no store
    return TestClient(create_app(Settings(data=tmp_path)))


def test_the_docs_page_loads_swagger_ui_only_from_static(tmp_path: Path) -> None:
    client = _client(tmp_path)
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "http://" not in page.text and "https://" not in page.text
    parser = _Sources()
    parser.feed(page.text)
    assert len(parser.urls) == 3, parser.urls  # the script, the style sheet, the icon
    for url in parser.urls:
        assert url.startswith("/static/vendor/swagger-ui/"), url
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["content-type"].startswith(EXPECTED_TYPES[Path(url).suffix]), url
    assert "url: '/api/v1/openapi.json'" in page.text


def test_the_docs_pages_are_not_in_the_openapi_document(tmp_path: Path) -> None:
    client = _client(tmp_path)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert not [path for path in paths if "docs" in path]
    redirect = client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200
    assert "http://" not in redirect.text and "https://" not in redirect.text


def test_every_answer_says_nosniff(tmp_path: Path) -> None:
    client = _client(tmp_path)
    for path in ("/api/v1/docs", "/api/v1/openapi.json", "/static/app.css", "/api/v1/nowhere"):
        assert client.get(path).headers["x-content-type-options"] == "nosniff", path
