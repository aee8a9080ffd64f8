"""``POST /api/v1/events`` checks its caller in one trip to a worker thread with the append,
in the order every write checks it: the address's rate, the token, the actor's rate, and only
then the body. A bad body never hides a refusal of the caller."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.api.conftest import Service, serving


def _post(service: Service, headers: dict[str, str], content: bytes, kind: str) -> httpx.Response:
    response: httpx.Response = service.client.post(
        "/api/v1/events", content=content, headers=headers | {"Content-Type": kind}
    )
    return response


def test_an_unknown_token_is_refused_before_the_body_is_judged(service: Service) -> None:
    size = service.size()
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}):
        response = _post(service, headers, b"envelope=x", "text/plain")
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"
    assert service.size() == size


def test_a_known_token_then_has_its_body_judged(service: Service) -> None:
    response = _post(service, service.auth("af_liaison"), b"envelope=x", "text/plain")
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")
    response = _post(service, service.auth("af_liaison"), b"{", "application/json")
    assert (response.status_code, response.json()["code"]) == (400, "malformed_json")


def test_an_actor_over_its_rate_is_refused_before_the_body_is_judged(
    database_url: str, tmp_path: Path
) -> None:
    with serving(database_url, tmp_path / "data", api_rate_per_minute=1) as service:
        assert service.post_event("af_liaison").status_code == 201
        size = service.size()
        response = _post(service, service.auth("af_liaison"), b"{", "application/json")
        assert response.status_code == 429, response.text
        assert int(response.headers["retry-after"]) >= 1
        assert service.size() == size


def test_an_address_over_its_rate_is_refused_before_the_token_is_looked_up(
    database_url: str, tmp_path: Path
) -> None:
    with serving(database_url, tmp_path / "data", api_address_rate_per_minute=1) as service:
        assert service.post_event("af_liaison").status_code == 201
        response = _post(service, {"Authorization": "Bearer not-a-token"}, b"{", "text/plain")
        assert response.status_code == 429, response.text
