"""``POST /api/v1/events``: client-signed events in, signed receipts out; bad input refused
precisely with nothing appended; tokens, rate limits and ``ceasefire serve``."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ceasefire.api import serve
from ceasefire.cli.main import app as cli
from ceasefire.errors import InvalidInput, NotFound, VerificationError
from ceasefire.log.checkpoint import Checkpoint, sign_checkpoint
from ceasefire.log.envelope import b64encode
from ceasefire.log.hashing import leaf_hash
from ceasefire.log.keys import SigningKey
from ceasefire.log.receipt import Receipt, sign_receipt, verify_receipt
from ceasefire.services import tokens as token_service
from tests.api.conftest import Service, TestClient, payload, serving, signed
from tests.record_factories import ORIGIN, T0
from tests.report_bodies import allegation_body

runner = CliRunner()


def refused(
    service: Service, response: httpx.Response, status: int, code: str, field: str | None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert (problem["status"], problem["code"], problem.get("field")) == (status, code, field)
    return problem


# --- accepted events and their receipts -------------------------------------------------------


def test_an_actor_posts_its_own_signed_event_and_gets_a_verifiable_receipt(
    service: Service,
) -> None:
    before = service.size()
    envelope, _ = signed(service.mechanism, "af_liaison")
    response = service.post("af_liaison", payload(envelope))
    assert response.status_code == 201, response.text
    body = response.json()
    assert service.size() == before + 1
    assert next(service.mechanism.store.entries(before, before + 1))[1] == envelope.to_leaf()
    receipt = verify_receipt(body["receipt"], service.mechanism.log_key.note_key())
    assert receipt.index == body["index"] == before
    assert receipt.leaf_hash == leaf_hash(envelope.to_leaf())
    assert receipt.event_id == body["event_id"] == envelope.id
    assert receipt.include_by - receipt.accepted == timedelta(seconds=60)
    assert body["leaf_hash"] == b64encode(receipt.leaf_hash)
    # the promise is already kept: a signed checkpoint holds the entry
    assert service.mechanism.store.latest_checkpoint().size == before + 1


def test_a_confidential_event_is_posted_with_its_sealed_content(service: Service) -> None:
    before = service.size()
    response = service.post_event("pk_liaison", confidential=True)
    assert response.status_code == 201, response.text
    assert service.size() == before + 1


def test_the_same_idempotency_key_and_envelope_answer_the_original_receipt(
    service: Service,
) -> None:
    envelope, _ = signed(service.mechanism, "af_liaison")
    key = {"Idempotency-Key": "report-0001"}
    first = service.post("af_liaison", payload(envelope), headers=key)
    assert first.status_code == 201
    size = service.size()
    again = service.post("af_liaison", payload(envelope), headers=key)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert service.size() == size
    other, _ = signed(service.mechanism, "af_liaison")
    problem = refused(
        service,
        service.post("af_liaison", payload(other), headers=key),
        422,
        "idempotency_key_reused",
        "Idempotency-Key",
    )
    assert "fresh key" in problem["detail"]
    assert service.size() == size


def test_a_retry_with_a_key_after_a_lost_answer_gets_the_original_receipt(
    service: Service,
) -> None:
    envelope, _ = signed(service.mechanism, "af_liaison")
    first = service.post("af_liaison", payload(envelope))  # its answer never arrived
    size = service.size()
    retry = service.post("af_liaison", payload(envelope), headers={"Idempotency-Key": "k1"})
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert service.size() == size


def test_a_replayed_envelope_is_refused_with_its_index_and_original_receipt(
    service: Service,
) -> None:
    envelope, _ = signed(service.mechanism, "af_liaison")
    first = service.post("af_liaison", payload(envelope)).json()
    size = service.size()
    problem = refused(
        service, service.post("af_liaison", payload(envelope)), 409, "replayed_event", "envelope.id"
    )
    assert problem["index"] == first["index"]
    assert problem["receipt"] == first["receipt"]
    assert service.size() == size


# --- who may post --------------------------------------------------------------------------------


def test_a_token_posts_only_its_own_actors_events(service: Service) -> None:
    size = service.size()
    envelope, _ = signed(service.mechanism, "af_liaison")
    response = service.post("af_liaison", payload(envelope), as_persona="pk_liaison")
    refused(service, response, 403, "permission_denied", "envelope.actor")
    assert service.size() == size


@pytest.mark.parametrize(
    "authorization", [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer "]
)
def test_writes_need_a_known_bearer_token(service: Service, authorization: str | None) -> None:
    size = service.size()
    envelope, _ = signed(service.mechanism, "af_liaison")
    headers = {} if authorization is None else {"Authorization": authorization}
    response = service.client.post("/api/v1/events", json=payload(envelope), headers=headers)
    refused(service, response, 401, "not_authenticated", None)
    assert response.headers["www-authenticate"] == "Bearer"
    assert service.size() == size


def test_a_revoked_token_is_refused(service: Service) -> None:
    row = next(r for r in service.mechanism.store.tokens() if r.actor == "af-liaison-1")
    token_service.revoke(service.mechanism.store, row.id, service.mechanism.now)
    size = service.size()
    response = service.post_event("af_liaison")
    problem = refused(service, response, 401, "not_authenticated", None)
    assert "revoked" in problem["detail"]
    assert service.size() == size


def test_a_revoked_actors_token_is_refused(service: Service) -> None:
    m = service.mechanism
    m.revoke("af-liaison-1", "the liaison left")
    size = service.size()
    refused(service, service.post_event("af_liaison"), 401, "not_authenticated", None)
    assert service.size() == size


# --- bad input --------------------------------------------------------------------------------


def _post_raw(service: Service, content: bytes, content_type: str) -> httpx.Response:
    response: httpx.Response = service.client.post(
        "/api/v1/events",
        content=content,
        headers=service.auth("af_liaison") | {"Content-Type": content_type},
    )
    return response


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code", "field"),
    [
        (b'{"envelope": ', "application/json", 400, "malformed_json", None),
        (b'{"envelope": {}, "envelope": {}}', "application/json", 400, "malformed_json", None),
        (b"\xff\xfe", "application/json", 400, "malformed_json", None),
        (b"envelope=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type",
         "Content-Type"),
        (b"[]", "application/json", 422, "invalid_input", None),
        (b'{"sealed": null}', "application/json", 422, "invalid_input", "envelope"),
        (b'{"envelope": {}, "extra": 1}', "application/json", 422, "invalid_input", "extra"),
        (b'{"envelope": {"v": 1}}', "application/json", 422, "invalid_input", "envelope.id"),
    ],
)  # fmt: skip
def test_malformed_requests_are_refused_precisely(
    service: Service, content: bytes, content_type: str, status: int, code: str, field: str | None
) -> None:
    size = service.size()
    refused(service, _post_raw(service, content, content_type), status, code, field)
    assert service.size() == size


def test_an_invalid_signature_is_refused(service: Service) -> None:
    envelope, _ = signed(service.mechanism, "af_liaison")
    forged = dataclasses.replace(envelope, body={**(envelope.body or {}), "act": "shelling"})
    size = service.size()
    response = service.post("af_liaison", payload(forged))
    refused(service, response, 422, VerificationError.code, "envelope.sig")
    assert service.size() == size


def test_an_envelope_for_another_log_or_of_a_bad_shape_is_refused(service: Service) -> None:
    envelope, _ = signed(service.mechanism, "af_liaison")
    document = payload(envelope)
    document["envelope"]["key"] = "not base64"
    size = service.size()
    refused(service, service.post("af_liaison", document), 422, "invalid_input", "envelope.key")
    confidential, sealed = signed(service.mechanism, "af_liaison", confidential=True)
    refused(service, service.post("af_liaison", payload(confidential)), 422, "invalid_input",
            "envelope")  # fmt: skip
    assert sealed is not None
    bad_salt = payload(confidential, sealed)
    bad_salt["sealed"]["salt"] = "AAAA"
    refused(service, service.post("af_liaison", bad_salt), 422, "invalid_input", "sealed.salt")
    assert service.size() == size


def test_an_event_the_record_refuses_appends_nothing(service: Service) -> None:
    size = service.size()
    response = service.post_event("af_liaison", body={"kind": "allegation"})
    problem = refused(service, response, 422, InvalidInput.code, response.json().get("field"))
    assert problem["field"].startswith("envelope.")
    assert service.size() == size


def test_a_refusal_names_the_field_where_the_request_has_it(service: Service) -> None:
    """Once under ``envelope``, and a confidential event's content under ``sealed.body``."""
    size = service.size()
    envelope, _ = signed(service.mechanism, "af_liaison")
    document = payload(envelope)
    document["envelope"]["v"] = float("nan")  # json.dumps writes NaN, which is no JSON number
    response = _post_raw(service, json.dumps(document).encode(), "application/json")
    refused(service, response, 422, "invalid_input", "envelope.v")
    confidential, sealed = signed(
        service.mechanism,
        "pk_liaison",
        body=allegation_body(act="not-an-act-of-the-agreement"),
        confidential=True,
    )
    response = service.post("pk_liaison", payload(confidential, sealed))
    refused(service, response, 422, "invalid_input", "sealed.body.act")
    assert service.size() == size


def test_an_oversized_body_is_refused(database_url: str, tmp_path: Path) -> None:
    with serving(database_url, tmp_path / "data", api_max_body_kb=1) as service:
        size = service.size()
        response = service.post_event("af_liaison")  # an allegation is over 1 KiB
        refused(service, response, 413, "content_too_large", None)
        chunked = service.client.post(
            "/api/v1/events",
            content=iter([b"{" + b" " * 600, b" " * 600 + b"}"]),
            headers=service.auth("af_liaison") | {"Content-Type": "application/json"},
        )
        refused(service, chunked, 413, "content_too_large", None)
        assert service.size() == size


# --- rate limits ------------------------------------------------------------------------------


def test_each_actor_is_rate_limited(database_url: str, tmp_path: Path) -> None:
    with serving(database_url, tmp_path / "data", api_rate_per_minute=2) as service:
        assert [service.post_event("af_liaison").status_code for _ in range(2)] == [201, 201]
        size = service.size()
        response = service.post_event("af_liaison")
        refused(service, response, 429, "rate_limited", None)
        assert 1 <= int(response.headers["retry-after"]) <= 30
        assert service.size() == size
        assert service.post_event("pk_liaison").status_code == 201  # a bucket of its own


def test_each_client_address_is_rate_limited(database_url: str, tmp_path: Path) -> None:
    with serving(database_url, tmp_path / "data", api_address_rate_per_minute=2) as service:
        assert service.post_event("af_liaison").status_code == 201
        assert service.post_event("pk_liaison").status_code == 201
        size = service.size()
        response = service.post_event("monitor")
        refused(service, response, 429, "rate_limited", None)
        assert int(response.headers["retry-after"]) >= 1
        assert service.size() == size


# --- tokens -------------------------------------------------------------------------------------


def test_tokens_resolve_to_their_actor_until_revoked(service: Service) -> None:
    store = service.mechanism.store
    actor = token_service.resolve(store, service.tokens["tr_mediator"])
    assert actor == service.mechanism.actor("tr_mediator")
    assert token_service.resolve(store, "no-such-token") is None
    rows = store.tokens()
    assert all(row.digest != service.tokens["tr_mediator"].encode() for row in rows)
    row = next(r for r in rows if r.actor == "tr-mediator-1")
    token_service.revoke(store, row.id, service.mechanism.now)
    assert token_service.resolve(store, service.tokens["tr_mediator"]) is None
    with pytest.raises(NotFound):
        token_service.revoke(store, row.id, service.mechanism.now)
    with pytest.raises(NotFound):
        token_service.create(store, "nobody-1", service.mechanism.now)


def test_the_tokens_commands_create_list_and_revoke(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    assert runner.invoke(cli, ["init", "--data", data]).exit_code == 0
    enrolled = runner.invoke(cli, ["actors", "enrol", "monitor-1", "--role", "monitor",
                                   "--data", data])  # fmt: skip
    assert enrolled.exit_code == 0, enrolled.output
    created = runner.invoke(cli, ["tokens", "create", "monitor-1", "--json", "--data", data])
    assert created.exit_code == 0, created.output
    token = json.loads(created.stdout)
    assert len(token["token"]) >= 43
    listed = runner.invoke(cli, ["tokens", "list", "--json", "--data", data])
    row = json.loads(listed.stdout)
    assert (row["id"], row["actor"], row["revoked"]) == (token["id"], "monitor-1", None)
    assert token["token"] not in listed.stdout
    assert runner.invoke(cli, ["tokens", "revoke", token["id"], "--data", data]).exit_code == 0
    again = runner.invoke(cli, ["tokens", "revoke", token["id"], "--data", data])
    assert again.exit_code == 4
    unknown = runner.invoke(cli, ["tokens", "create", "nobody-1", "--data", data])
    assert unknown.exit_code == 4


# --- the receipt format -------------------------------------------------------------------------


def _receipt(**changes: Any) -> Receipt:
    fields: dict[str, Any] = {
        "origin": ORIGIN,
        "index": 7,
        "leaf_hash": bytes(range(32)),
        "event_id": "0123456789abcdef0123456789abcdef",
        "accepted": T0,
        "include_by": T0 + timedelta(seconds=60),
    }
    return Receipt(**(fields | changes))


def test_a_receipt_is_a_signed_note_of_fixed_lines() -> None:
    key = SigningKey.generate(ORIGIN)
    note = sign_receipt(_receipt(), key)
    assert note.startswith(
        "ceasefire-receipt/v1\n"
        f"origin {ORIGIN}\n"
        "index 7\n"
        f"leaf {b64encode(bytes(range(32)))}\n"
        "event 0123456789abcdef0123456789abcdef\n"
        "accepted 2025-11-01T08:00:00Z\n"
        "include-by 2025-11-01T08:01:00Z\n"
        "\n"
        f"\u2014 {ORIGIN} "
    )
    assert verify_receipt(note, key.note_key().to_text()) == _receipt()


def test_a_receipt_does_not_verify_when_altered_or_under_another_key() -> None:
    key = SigningKey.generate(ORIGIN)
    note = sign_receipt(_receipt(), key)
    with pytest.raises(VerificationError):
        verify_receipt(note.replace("index 7", "index 8"), key.note_key())
    with pytest.raises(VerificationError):
        verify_receipt(note, SigningKey.generate(ORIGIN).note_key())
    other = SigningKey.generate("ceasefire.test/other")
    with pytest.raises(VerificationError):  # the other log's key is not named in the note
        verify_receipt(note, other.note_key())


def test_a_checkpoint_is_never_taken_for_a_receipt() -> None:
    key = SigningKey.generate(ORIGIN)
    checkpoint = sign_checkpoint(Checkpoint(ORIGIN, 8, bytes(32)), key).to_text()
    with pytest.raises(InvalidInput):
        verify_receipt(checkpoint, key.note_key())


@pytest.mark.parametrize(
    "text",
    [
        "ceasefire-receipt/v1\norigin o\nindex 07\nleaf x\nevent e\naccepted a\ninclude-by b\n",
        "ceasefire-receipt/v2\n",
        "ceasefire-receipt/v1\norigin o\n",
    ],
)
def test_a_receipt_text_is_parsed_strictly(text: str) -> None:
    with pytest.raises(InvalidInput):
        Receipt.from_text(text)


def test_a_receipt_promises_no_time_before_acceptance() -> None:
    with pytest.raises(InvalidInput):
        _receipt(include_by=T0 - timedelta(seconds=1))
    with pytest.raises(InvalidInput):
        sign_receipt(_receipt(), SigningKey.generate("ceasefire.test/other"))


# --- serving ------------------------------------------------------------------------------------


def test_serve_hands_uvicorn_an_app_factory_that_reads_the_environment(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: calls.append((a, k)))
    for name in ("CEASEFIRE_DATA", "CEASEFIRE_DATABASE_URL"):  # restored after the test
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    serve.run(service.settings, host="127.0.0.1", port=8123, workers=3)
    assert calls == [
        (
            ("ceasefire.api.serve:app_from_env",),
            {"factory": True, "host": "127.0.0.1", "port": 8123, "workers": 3},
        )
    ]
    with TestClient(serve.app_from_env()) as client:
        envelope, _ = signed(service.mechanism, "monitor")
        response = client.post(
            "/api/v1/events", json=payload(envelope), headers=service.auth("monitor")
        )
        assert response.status_code == 201, response.text


def test_a_report_the_record_already_holds_is_a_conflict_not_a_replay(service: Service) -> None:
    body = signed(service.mechanism, "af_liaison")[0].body
    assert body is not None
    assert service.post_event("af_liaison", body=dict(body)).status_code == 201
    size = service.size()
    response = service.post_event("af_liaison", body=dict(body))  # a new envelope, same report
    problem = refused(service, response, 409, "conflict", response.json().get("field"))
    assert "index" not in problem
    assert service.size() == size
