"""A brief rendered on demand depends on the caller (the confidential edition is the
mediators'), so no shared cache may keep it: ``private`` and ``Vary: Authorization``, as every
caller-dependent answer of the API."""

from __future__ import annotations

import pytest

from tests.api.conftest import Service
from tests.briefs.test_api import TODAY, _record


@pytest.mark.parametrize("format", ["md", "html"])
def test_the_confidential_edition_is_private_to_its_caller(api: Service, format: str) -> None:
    _record(api)
    answer = api.client.get(
        f"/api/v1/briefs/daily/{TODAY}",
        params={"edition": "confidential", "format": format},
        headers=api.auth("tr_mediator"),
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "private, no-cache"
    assert answer.headers["vary"] == "Authorization"
    assert answer.headers["digest-sha256"]


def test_the_public_edition_is_marked_the_same(api: Service) -> None:
    answer = api.client.get(f"/api/v1/briefs/daily/{TODAY}", params={"format": "md"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "private, no-cache"
    assert answer.headers["vary"] == "Authorization"
