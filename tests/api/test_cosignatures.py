"""``POST /api/v1/log/cosignatures``: which of a witness's cosignatures the server keeps, which
timestamps it refuses, and how it answers a body it cannot read (exactly as ``POST /events``).

The server's clock is the route's dependency ``server_now``, set here to :data:`NOW`, a day
after the scratch log was opened (its checkpoints are signed at ``T0`` and a minute apart).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

import httpx
import pytest

from ceasefire.api import routes_witness
from ceasefire.api.app import create_app
from ceasefire.log.cosignature import cosign
from ceasefire.log.keys import SigningKey
from ceasefire.log.note import Note
from ceasefire.services import tokens as token_service
from ceasefire.storage.keyfiles import write_key
from tests.api.conftest import TestClient
from tests.factories import T0, ScratchLog, make_log

NOW: Final = T0 + timedelta(days=1)
SKEW: Final = timedelta(minutes=5)
URL: Final = "/api/v1/log/cosignatures"


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass
class Witnessed:
    """A scratch log with one enrolled witness, served in process with the clock at NOW."""

    log: ScratchLog
    witness: SigningKey
    client: TestClient
    token: str

    @property
    def size(self) -> int:
        return self.log.store.latest_checkpoint().size

    def line(self, timestamp: int) -> str:
        """The witness's cosignature line of the latest checkpoint, as of ``timestamp``."""
        note = Note.from_text(self.log.store.latest_checkpoint().note)
        return cosign(note, self.witness, timestamp).to_line().rstrip("\n")

    def post(self, timestamp: int) -> httpx.Response:
        body = {"size": self.size, "cosignature": self.line(timestamp)}
        response: httpx.Response = self.client.post(URL, json=body)
        return response

    def served(self) -> list[str]:
        """The witness's lines on the checkpoint the server serves."""
        note = self.client.get("/api/v1/log/checkpoint").text
        return [line for line in note.splitlines() if line.startswith("— witness-pk ")]


@pytest.fixture
def witnessed(database_url: str, tmp_path: Path) -> Iterator[Witnessed]:
    log = make_log(database_url, tmp_path / "data")
    witness = log.enrol("witness-pk", "witness")
    log.enrol("monitor-1")
    write_key(log.settings.log_key_path, log.log_key)  # what POST /events reads
    token = token_service.create(log.store, "monitor-1", log.tick()).secret
    app = create_app(log.settings)
    app.dependency_overrides[routes_witness.server_now] = lambda: NOW
    try:
        with TestClient(app) as client:
            yield Witnessed(log, witness, client, token)
    finally:
        log.store.close()


def _problem(response: httpx.Response, status: int, code: str, field: str | None) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["code"], problem.get("field")) == (code, field)
    detail: str = problem["detail"]
    return detail


# --- which cosignature is kept -----------------------------------------------------------------


def test_a_newer_cosignature_replaces_the_kept_one_and_an_older_or_the_same_changes_nothing(
    witnessed: Witnessed,
) -> None:
    earlier, later = _seconds(NOW - timedelta(hours=2)), _seconds(NOW - timedelta(hours=1))
    first = witnessed.post(later)
    assert first.status_code == 201
    assert first.json() == {"size": witnessed.size, "name": "witness-pk", "timestamp": later}
    assert witnessed.served() == [witnessed.line(later)]

    for again in (earlier, later):  # older, then the very same: 200, the newer one kept
        kept = witnessed.post(again)
        assert kept.status_code == 200, kept.text
        assert kept.json()["timestamp"] == later
        assert witnessed.served() == [witnessed.line(later)]

    newest = witnessed.post(_seconds(NOW))
    assert (newest.status_code, newest.json()["timestamp"]) == (201, _seconds(NOW))
    assert witnessed.served() == [witnessed.line(_seconds(NOW))]


@pytest.mark.parametrize(
    "timestamp",
    [_seconds(NOW + SKEW) + 1, _seconds(NOW + timedelta(days=365)), 10**18, 2**63 - 1],
)
def test_a_timestamp_in_the_future_is_refused_and_the_kept_one_stays(
    witnessed: Witnessed, timestamp: int
) -> None:
    kept = _seconds(NOW - timedelta(hours=1))
    assert witnessed.post(kept).status_code == 201
    detail = _problem(witnessed.post(timestamp), 422, "invalid_input", "cosignature.timestamp")
    assert f"timestamp {timestamp}" in detail and "is in the future" in detail
    assert witnessed.served() == [witnessed.line(kept)]


def test_a_witness_clock_a_little_ahead_is_allowed(witnessed: Witnessed) -> None:
    assert witnessed.post(_seconds(NOW + SKEW)).status_code == 201


@pytest.mark.parametrize("before", [None, SKEW + timedelta(seconds=1), timedelta(days=30)])
def test_a_timestamp_before_the_checkpoint_was_signed_is_refused_and_the_kept_one_stays(
    witnessed: Witnessed, before: timedelta | None
) -> None:
    signed = witnessed.log.store.latest_checkpoint().created_at
    timestamp = 0 if before is None else _seconds(signed - before)  # 0: before the genesis
    kept = _seconds(NOW)
    assert witnessed.post(kept).status_code == 201
    detail = _problem(witnessed.post(timestamp), 422, "invalid_input", "cosignature.timestamp")
    assert f"timestamp {timestamp} " in detail
    assert f"before the checkpoint of size {witnessed.size} was signed" in detail
    assert witnessed.served() == [witnessed.line(kept)]


def test_a_witness_clock_a_little_behind_the_log_is_allowed(witnessed: Witnessed) -> None:
    signed = witnessed.log.store.latest_checkpoint().created_at
    assert witnessed.post(_seconds(signed - SKEW)).status_code == 201


# --- bodies it cannot read: as POST /events answers them --------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code", "field"),
    [
        (b"{bad", "application/json", 400, "malformed_json", None),
        (b'{"size": 1, "size": 2}', "application/json", 400, "malformed_json", None),
        (b"\xff\xfe", "application/json", 400, "malformed_json", None),
        (b'{"size": 1}', "text/plain", 415, "unsupported_media_type", "Content-Type"),
        (b'{"size": 1}', None, 415, "unsupported_media_type", "Content-Type"),
        (b'{"x": "' + b"x" * 300_000 + b'"}', "application/json", 413, "content_too_large", None),
    ],
)
def test_a_body_that_is_not_json_is_answered_as_post_events_answers_it(
    witnessed: Witnessed, content: bytes, content_type: str | None, status: int, code: str,
    field: str | None,
) -> None:  # fmt: skip
    headers = {} if content_type is None else {"Content-Type": content_type}
    events = witnessed.client.post(
        "/api/v1/events",
        content=content,
        headers=headers | {"Authorization": f"Bearer {witnessed.token}"},
    )
    answer = witnessed.client.post(URL, content=content, headers=headers)
    _problem(events, status, code, field)
    assert _problem(answer, status, code, field) == events.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"[]", None),
        (b'{"size": 1}', "cosignature"),
        (b'{"size": 1, "cosignature": "x", "extra": 1}', "extra"),
        (b'{"size": "many", "cosignature": "x"}', "size"),
        (b'{"size": 0, "cosignature": "x"}', "size"),
    ],
)
def test_a_json_body_of_another_shape_is_refused_naming_the_field(
    witnessed: Witnessed, body: bytes, field: str | None
) -> None:
    response = witnessed.client.post(
        URL, content=body, headers={"Content-Type": "application/json"}
    )
    _problem(response, 422, "invalid_input", field)
