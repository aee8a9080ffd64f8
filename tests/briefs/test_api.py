"""The briefs over HTTP, on SQLite and PostgreSQL: rendered on demand, editions by policy,
problems for errors, and the published list."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from tests.api.conftest import Service
from tests.report_bodies import allegation_body

TODAY = datetime.now(UTC).date().isoformat()


def _record(service: Service) -> None:
    assert service.post_event("pk_liaison").status_code in (200, 201, 202)
    confidential = allegation_body(narrative="A confidential account of shelling near a post.")
    response = service.post_event("pk_liaison", body=confidential, confidential=True)
    assert response.status_code in (200, 201, 202), response.text


def test_public_brief_on_demand_says_what_it_withheld(api: Service) -> None:
    _record(api)
    response = api.client.get(f"/api/v1/briefs/daily/{TODAY}", params={"format": "md"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/markdown")
    assert response.headers["Digest-SHA256"] == hashlib.sha256(response.content).hexdigest()
    text = response.text
    assert "Reports received: 1 " in text
    assert "1 report was withheld from this edition" in text
    again = api.client.get(f"/api/v1/briefs/daily/{TODAY}", params={"format": "md"})
    assert again.content == response.content


def test_confidential_brief_for_a_mediator_not_the_public(api: Service) -> None:
    _record(api)
    url = f"/api/v1/briefs/daily/{TODAY}"
    refused = api.client.get(url, params={"edition": "confidential"})
    assert refused.status_code == 403
    problem = refused.json()
    assert problem["status"] == 403 and problem["title"] and "edition" in str(problem)
    allowed = api.client.get(
        url,
        params={"edition": "confidential", "format": "md"},
        headers=api.auth("tr_mediator"),
    )
    assert allowed.status_code == 200, allowed.text
    assert "Reports received: 2 " in allowed.text


def test_bad_requests_are_problems(api: Service) -> None:
    bad = api.client.get("/api/v1/briefs/yearly/2025-11-09")
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "period" in str(bad.json())
    missing = api.client.get(f"/api/v1/briefs/daily/{TODAY}", params={"checkpoint": 99999})
    assert missing.status_code == 404


def test_published_briefs_are_listed(api: Service) -> None:
    listed = api.client.get("/api/v1/briefs")
    assert listed.status_code == 200
    assert listed.json() == {"items": [], "total": 0}
