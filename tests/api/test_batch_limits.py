"""A batch meets three bounds — 1,000 events, the actor's writes a minute, and the request body
limit (``CEASEFIRE_API_MAX_BODY_KB``) in all — and a refusal names the bound and how to split
the batch; ``ceasefire import --url`` splits a batch the server finds too large by itself.

The body limit is the one a real batch meets first: at the default 256 KiB it holds about 200
reports of the size the demo's are (the README says so), far fewer than 1,000.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from ceasefire.cli import client as cli_client
from ceasefire.cli import remote_import
from ceasefire.interchange.formats import Format, read
from ceasefire.log.keys import SigningKey
from ceasefire.services import imports as import_service
from ceasefire.services import keys as key_service
from ceasefire.services import tokens as token_service
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import write_key
from tests.api.conftest import Service, payload, serving, signed

README = Path(__file__).resolve().parents[2] / "README.md"
ACLED: Final = (
    "event_id_cnty,event_date,event_type,sub_event_type,actor1,latitude,longitude,fatalities,notes",
    "PAK1,2025-10-12,Battles,Armed clash,Military Forces of Pakistan,31.0052,66.3994,2,Clash",
    "PAK3,2025-10-14,Explosions/Remote violence,Air/drone strike,,32.9,69.4,0,Strike",
)


def documents(service: Service, count: int) -> list[dict[str, Any]]:
    return [payload(signed(service.mechanism, "af_liaison")[0]) for _ in range(count)]


def test_a_batch_over_the_body_limit_says_into_how_many_batches_to_split(
    database_url: str, tmp_path: Path
) -> None:
    with serving(database_url, tmp_path / "data", api_max_body_kb=4) as service:
        batch = documents(service, 12)
        body = json.dumps(batch).encode()
        before = service.size()
        response = service.client.post(
            "/api/v1/events/batch",
            content=body,
            headers=service.auth("af_liaison") | {"Content-Type": "application/json"},
        )
        assert response.status_code == 413, response.text
        problem = response.json()
        assert (problem["code"], problem["field"]) == ("content_too_large", "batch")
        parts = math.ceil(len(body) / 4096)
        assert f"the batch is {len(body):,} bytes" in problem["detail"]
        assert f"split it into {parts} or more batches" in problem["detail"]
        assert "CEASEFIRE_API_MAX_BODY_KB" in problem["detail"]
        assert "nothing was appended" in problem["detail"]
        assert service.size() == before
        # as told: each part under the limit goes in
        size = math.ceil(len(batch) / parts)
        for start in range(0, len(batch), size):
            part = service.client.post(
                "/api/v1/events/batch",
                json=batch[start : start + size],
                headers=service.auth("af_liaison"),
            )
            assert part.status_code == 201, part.text
        assert service.size() == before + len(batch)


def test_a_streamed_batch_over_the_limit_is_told_to_split_in_halves(
    database_url: str, tmp_path: Path
) -> None:
    with serving(database_url, tmp_path / "data", api_max_body_kb=2) as service:
        body = json.dumps(documents(service, 6)).encode()

        def chunks() -> Iterator[bytes]:  # no Content-Length: sent in chunks
            for start in range(0, len(body), 512):
                yield body[start : start + 512]

        response = service.client.post(
            "/api/v1/events/batch",
            content=chunks(),
            headers=service.auth("af_liaison") | {"Content-Type": "application/json"},
        )
        assert response.status_code == 413, response.text
        assert "over 2,048 bytes" in response.json()["detail"]
        assert "in halves" in response.json()["detail"]


def test_a_batch_of_more_than_1000_events_is_told_how_to_split(service: Service) -> None:
    response = service.client.post(
        "/api/v1/events/batch", json=[{}] * 1001, headers=service.auth("monitor")
    )
    assert response.status_code == 422
    assert "split it into batches of at most 1,000" in response.json()["detail"]


def test_an_empty_batch_is_told_it_is_empty_not_to_split(service: Service) -> None:
    response = service.client.post("/api/v1/events/batch", json=[], headers=service.auth("monitor"))
    assert response.status_code == 422
    assert response.json()["detail"] == "the batch is empty: send 1 or more events"


def test_the_readme_states_the_bound_a_batch_meets_first(service: Service) -> None:
    """About 200 reports as large as the demo's (1.1 KB signed on average, 1.5 KB at most) fit
    the default body limit, far fewer than 1,000: the README says so, and names the limit."""
    limit = Settings.model_fields["api_max_body_kb"].default * 1024
    size = len(json.dumps(payload(signed(service.mechanism, "af_liaison")[0])))
    assert 1_000 < size < 1_500, size  # an allegation with casualties, sources, a narrative
    assert 150 < limit // size < 260
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "up to 1,000" in text and "about 200 reports" in text
    assert "CEASEFIRE_API_MAX_BODY_KB" in text


class Recording(httpx.BaseTransport):
    """Hands each request to the app under test, noting each batch posted: its size in
    events and the answer's status."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.batches: list[tuple[int, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.service.client.send(request)
        if request.url.path.endswith("/events/batch"):
            self.batches.append((len(json.loads(request.content)), answer.status_code))
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


def enrol_importer(service: Service) -> None:
    """An importer enrolled as the persona ``importer``, with its key and an API token."""
    m = service.mechanism
    key = SigningKey.generate("importer-1")
    key_service.enrol(
        m.store, actor="importer-1", public_key=key.public_key, role="importer",
        affiliation=None, operator_key=m.operator_key, log_key=m.log_key, clock=m.tick,
    )  # fmt: skip
    m.keys["importer"] = key
    service.tokens["importer"] = token_service.create(m.store, "importer-1", m.now).secret


@pytest.fixture
def small_limit(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Service, Recording]]:
    """A server whose body limit (2 KiB) holds one or two of these rows a request, an importer
    enrolled on it, and the CLI's client pointed at it."""
    with serving(database_url, tmp_path / "data", api_max_body_kb=2) as service:
        enrol_importer(service)
        transport = Recording(service)
        monkeypatch.setattr(
            cli_client, "http_client", lambda url: httpx.Client(base_url=url, transport=transport)
        )
        yield service, transport


def run_import(service: Service, tmp_path: Path, lines: list[str]) -> Any:
    key_file = tmp_path / "importer.key"
    write_key(key_file, service.mechanism.key("importer"))
    remote = cli_client.Remote(
        "http://mechanism.test", service.tokens["importer"],
        service.mechanism.log_key.note_key().to_text(), tmp_path / "receipts",
    )  # fmt: skip
    at = service.mechanism.now
    ctx = import_service.context_of(remote_import.remote_agreement(remote), at)
    refused: list[Any] = []
    counts = remote_import.import_rows(
        remote, key_file, read(Format.ACLED, io.StringIO("\n".join(lines) + "\n"), ctx),
        at=at, rejects=refused.append, progress=lambda *_: None, total=len(lines) - 1,
        batch_rows=4,
    )  # fmt: skip
    return counts, refused


def test_an_import_splits_a_batch_the_server_finds_too_large(
    small_limit: tuple[Service, Recording], tmp_path: Path
) -> None:
    service, transport = small_limit
    before = service.size()
    rows = [ACLED[0], ACLED[1], ACLED[2], *(ACLED[1].replace("PAK1,", f"PAK{n},") for n in (4, 6))]
    counts, refused = run_import(service, tmp_path, rows)
    assert (counts.new, counts.rejected, refused) == (4, 0, [])
    assert service.size() == before + 4
    assert transport.batches[0] == (4, 413)  # the chunk of four, then in halves until it fits
    assert sum(n for n, status in transport.batches if status == 201) == 4


def test_a_row_larger_than_the_limit_by_itself_is_rejected_and_the_rest_imported(
    small_limit: tuple[Service, Recording], tmp_path: Path
) -> None:
    service, _ = small_limit
    before = service.size()
    huge = ACLED[1].replace("PAK1,", "PAK5,").replace(",Clash", "," + "x" * 3000)
    counts, refused = run_import(service, tmp_path, [ACLED[0], huge, ACLED[2]])
    assert (counts.new, counts.rejected) == (1, 1)
    assert refused[0].line == 2
    assert "413" in refused[0].reason and "CEASEFIRE_API_MAX_BODY_KB" in refused[0].reason
    assert service.size() == before + 1
