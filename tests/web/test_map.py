"""The Map and Incident pages: the GeoJSON they draw from, and the pages in a real browser.

Two of the demo scenario's incidents are named (ids differ from one run to the next):
``luqman``, mortar fire on Luqman on 6 November alleged against Pakistan, with an issued
finding and a recycled photo; ``kurram``, an airstrike in Kurram on 24 November, a case open.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pytest

from ceasefire.services import map_data
from tests.web.conftest import screenshot, token_of

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from playwright.sync_api import Page, Request


def named(client: TestClient, act: str, day: str) -> str:
    features = geojson(client, f"/web/data/incidents.geojson?act={act}&since={day}&until={day}")
    matching = [f for f in features["features"] if f["properties"]["start"] == day]
    assert matching, f"no {act} incident on {day} in the demo"
    found: str = matching[0]["properties"]["id"]
    return found


@pytest.fixture(scope="module")
def luqman(client: TestClient) -> str:
    features = geojson(client, "/web/data/incidents.geojson?since=2025-11-06&until=2025-11-06")
    (found,) = [
        f["properties"]["id"]
        for f in features["features"]
        if f["properties"]["parties"] == ["pk"] and f["properties"]["status"] == "verified"
    ]
    return str(found)


@pytest.fixture(scope="module")
def kurram(client: TestClient) -> str:
    return named(client, "airstrike", "2025-11-24")


def geojson(client: TestClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    document: dict[str, Any] = response.json()
    assert document["type"] == "FeatureCollection"
    for feature in document["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] in {"Point", "LineString", "Polygon", "MultiPolygon"}
        assert isinstance(feature["properties"], dict)
    return document


def incident_ids(client: TestClient, query: str = "") -> set[str]:
    document = geojson(client, f"/web/data/incidents.geojson{query}")
    return {f["properties"]["id"] for f in document["features"]}


# --- the data -----------------------------------------------------------------------------------


def test_the_boundary_has_two_countries_and_the_border_line(client: TestClient) -> None:
    features = geojson(client, "/web/data/boundary.geojson")["features"]
    countries = [f for f in features if f["properties"]["kind"] == "country"]
    lines = [f for f in features if f["properties"]["kind"] == "border"]
    assert sorted(f["properties"]["code"] for f in countries) == ["AF", "PK"]
    assert {f["geometry"]["type"] for f in countries} == {"MultiPolygon"}
    assert len(lines) == 1 and lines[0]["geometry"]["type"] == "LineString"
    line = lines[0]["geometry"]["coordinates"]
    assert 20 < len(line) < 584, "simplified, yet still a line"
    assert all(60 < lon < 75 and 29 < lat < 37.5 for lon, lat in line)


def test_the_sectors_are_the_agreements_rectangles(client: TestClient) -> None:
    features = geojson(client, "/web/data/sectors.geojson")["features"]
    by_id = {f["properties"]["id"]: f for f in features}
    assert "torkham" in by_id and "chaman-spin-boldak" in by_id
    west, south, east, north = by_id["torkham"]["properties"]["bbox"]
    ring = by_id["torkham"]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] == [west, south]
    assert {tuple(p) for p in ring} == {(west, south), (east, south), (east, north), (west, north)}


def test_incidents_are_points_with_status_and_precision(
    client: TestClient, luqman: str, kurram: str
) -> None:
    features = geojson(client, "/web/data/incidents.geojson")["features"]
    assert len(features) >= 5
    by_id = {f["properties"]["id"]: f["properties"] for f in features}
    assert by_id[luqman]["status"] == "verified"
    assert by_id[kurram]["status"] == "case"
    assert by_id[luqman]["reports"] == 2 and by_id[luqman]["radius_m"] == 25_000
    assert {p["status"] for p in by_id.values()} <= {s.value for s in map_data.MapStatus}


def test_incidents_filter_by_party_act_dates_and_status(
    client: TestClient, luqman: str, kurram: str
) -> None:
    everything = incident_ids(client)
    against_pk = incident_ids(client, "?party=pk")
    against_af = incident_ids(client, "?party=af")
    assert luqman in against_pk and luqman not in against_af
    assert against_pk and against_af and against_pk | against_af == everything
    airstrikes = incident_ids(client, "?act=airstrike")
    assert kurram in airstrikes and luqman not in airstrikes
    november = incident_ids(client, "?since=2025-11-01&until=2025-11-30")
    october = incident_ids(client, "?until=2025-10-31")
    assert luqman in november and not november & october
    assert incident_ids(client, "?status=verified") >= {luqman}
    assert kurram not in incident_ids(client, "?status=verified")
    assert client.get("/web/data/incidents.geojson?status=nonsense").status_code == 422


def test_the_map_data_holds_nothing_confidential(client: TestClient, demo_dir: Path) -> None:
    """A withheld source's name or a confidential report never reaches the public map, and a
    mediator's cookie does not change the public answer."""
    public = client.get("/web/data/incidents.geojson").text
    mediator = client.get(
        "/web/data/incidents.geojson",
        headers={"Cookie": f"ceasefire_session={token_of(demo_dir, 'tr-mediator-1')}"},
    ).text
    assert public == mediator
    body = client.get("/api/v1/reports", params={"limit": 200}).json()
    public_reports = {r["id"] for r in body["items"] if not r.get("confidential")}
    members = {
        m["report"]
        for f in json.loads(public)["features"]
        for m in client.get(f"/api/v1/incidents/{f['properties']['id']}").json()["members"]
    }
    assert members <= public_reports
    assert "withheld" not in public.lower() and "narrative" not in public


def test_the_incident_page_shows_each_report_with_its_evidence(
    client: TestClient, luqman: str
) -> None:
    page = client.get(f"/incidents/{luqman}")
    assert page.status_code == 200
    html = page.text
    assert html.count('data-testid="report-side"') == 2
    assert "Spin Boldak district hospital" in html and "C2" in html  # source and its grade
    assert "Recycled image" in html  # the flag on the Afghan liaison's photo
    index = client.get(f"/api/v1/reports/{luqman}").json()["index"]
    assert f'href="/log?index={index}"' in html  # the report's log entry
    assert "Finding issued" in html and "Türkiye concurs." in html  # finding and signatures
    assert client.get("/incidents/no-such-incident").status_code == 404


def test_the_incident_page_names_each_reports_sector_measured_or_given(
    client: TestClient, luqman: str
) -> None:
    html = client.get(f"/incidents/{luqman}").text
    assert html.count('data-testid="sector"') == 2
    assert "Chaman – Spin Boldak (Balochistan – Kandahar)" in html  # the name, not the id
    assert 'data-testid="place-flag"' not in html  # both sides' places agree with their words


def test_an_incident_is_found_by_the_8_characters_its_heading_shows(
    client: TestClient, luqman: str
) -> None:
    moved = client.get(f"/incidents/{luqman[:8]}", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == f"/incidents/{luqman}"
    assert client.get(f"/incidents/{luqman[:8].upper()}").status_code == 200
    assert client.get(f"/incidents/{luqman[:4]}").status_code == 422  # too short to name one


def test_a_transfer_in_a_files_custody_names_whom_it_went_to(client: TestClient) -> None:
    pages = (client.get(f"/incidents/{found}").text for found in incident_ids(client))
    assert any("transferred (af-liaison-1 → monitor-kandahar-1)" in page for page in pages)


def test_the_incident_page_is_in_urdu_when_asked(client: TestClient, luqman: str) -> None:
    html = client.get(f"/incidents/{luqman}", params={"lang": "ur"}).text
    client.cookies.clear()  # the page remembered the language: the next test must not inherit it
    assert 'dir="rtl"' in html
    assert "کس نے کیا کہا" in html  # "Who says what"


def test_an_evidence_thumbnail_is_served_only_to_who_may_see_it(
    client: TestClient, luqman: str
) -> None:
    sha = client.get(f"/api/v1/reports/{luqman}/evidence").json()["items"][0]["sha256"]
    found = client.get(f"/web/evidence/{sha}/content")
    assert found.status_code == 200 and found.headers["content-type"] == "image/png"
    assert found.headers["x-content-type-options"] == "nosniff"
    assert found.headers["content-disposition"] == 'inline; filename="luqman-houses.png"'
    assert client.get(f"/web/evidence/{'0' * 64}/content").status_code == 404


def test_simplify_keeps_the_ends_and_drops_what_is_within_tolerance() -> None:
    line = [[0.0, 0.0], [1.0, 0.001], [2.0, 0.0], [3.0, 1.0]]
    assert map_data.simplify(line, 0.01) == [[0.0, 0.0], [2.0, 0.0], [3.0, 1.0]]
    ring = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    assert map_data.simplify(ring, 0.01) == ring


# --- in the browser ------------------------------------------------------------------------------


def record_requests(page: Page, served: str) -> list[str]:
    """Every URL the page asks for that is not this server (there must be none)."""
    strangers: list[str] = []
    origin = urlparse(served).netloc

    def seen(request: Request) -> None:
        where = urlparse(request.url)
        if where.scheme not in ("data", "blob") and where.netloc != origin:
            strangers.append(request.url)

    page.on("request", seen)
    return strangers


def open_map(page: Page, query: str = "") -> None:
    page.goto(f"/map{query}")
    page.wait_for_selector("#map[data-ready='true']")


def test_the_map_draws_the_border_and_the_incidents_offline(page: Page, served: str) -> None:
    strangers = record_requests(page, served)
    open_map(page)
    assert page.locator("path.map-border").count() == 1
    assert page.locator("path.map-country").count() == 2
    assert page.locator("path.map-sector").count() >= 6
    shown = int(page.locator("#map").get_attribute("data-incidents") or 0)
    assert shown >= 5
    assert page.locator(".map-marker, .map-cluster").count() >= 1
    # a circle of uncertainty for each marker standing alone, none under a cluster
    alone = page.locator(".map-marker").count()
    assert page.locator("path.map-precision").count() == alone
    if page.locator(".map-cluster").count():
        assert alone < shown
    assert page.locator("#map-list li").count() == shown
    screenshot(page, "map")
    assert strangers == []


def test_filtering_by_party_reduces_the_markers(page: Page) -> None:
    open_map(page)
    everything = page.locator("#map-list li").count()
    page.get_by_label("Alleged against").select_option("pk")
    page.get_by_role("button", name="Show").click()
    page.wait_for_function(f"document.querySelector('#map').dataset.incidents != '{everything}'")
    fewer = page.locator("#map-list li").count()
    assert 0 < fewer < everything
    assert "party=pk" in page.url


def test_clicking_a_marker_opens_the_incident(page: Page, kurram: str) -> None:
    open_map(page, "?act=airstrike&since=2025-11-20")  # the Kurram airstrike, alone
    page.locator(".map-marker").first.click()
    page.wait_for_url(f"**/incidents/{kurram}")
    assert page.get_by_role("heading", name="Who says what").is_visible()


def test_the_incident_page_sets_the_reports_side_by_side(page: Page, luqman: str) -> None:
    page.goto(f"/incidents/{luqman}")
    sides = page.locator("[data-testid='report-side']")
    assert sides.count() == 2
    first, second = sides.nth(0).bounding_box(), sides.nth(1).bounding_box()
    assert first is not None and second is not None
    assert abs(first["y"] - second["y"]) < 2 and first["x"] != second["x"]  # one row
    page.wait_for_function(
        "[...document.querySelectorAll('.gallery img')].every(i => i.complete && i.naturalWidth)"
    )
    screenshot(page, "incident")
