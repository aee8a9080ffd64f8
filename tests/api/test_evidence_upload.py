"""Evidence over HTTP in two steps: the file is uploaded and read by the server, then the
client signs the ``evidence.submitted`` body it was answered and posts it as any event. The
signed claim is held against the stored file: no false metadata, no file that is not there."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ceasefire.log.receipt import verify_receipt
from ceasefire.media.samples import Camera, sample
from tests.api.conftest import Service, payload, serving, signed
from tests.report_bodies import allegation_body

CAMERA = Camera(
    make="Tecno",
    model="Spark 20",
    taken=datetime(2025, 10, 15, 21, 30, tzinfo=UTC),
    latitude=31.0057,
    longitude=66.4,
)
PHOTO = sample(7, size=(160, 120), camera=CAMERA, encoding="jpeg")


def upload(
    service: Service,
    persona: str,
    content: bytes = PHOTO,
    *,
    name: str = "strike.jpg",
    content_type: str = "image/jpeg",
    report: str | None = None,
) -> httpx.Response:
    params = {"name": name} | ({"report": report} if report is not None else {})
    response: httpx.Response = service.client.post(
        "/api/v1/evidence/files",
        params=params,
        content=content,
        headers=service.auth(persona) | {"Content-Type": content_type},
    )
    return response


def post_signed(
    service: Service, persona: str, body: dict[str, Any], *, confidential: bool = False
) -> httpx.Response:
    envelope, sealed = signed(
        service.mechanism, persona, "evidence.submitted", body, confidential=confidential
    )
    return service.post(persona, payload(envelope, sealed))


def stored_files(service: Service) -> list[Path]:
    root = service.settings.evidence_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def assert_problem(response: httpx.Response, status: int, code: str, field: str | None) -> None:
    assert response.status_code == status, response.text
    problem = response.json()
    assert (problem["code"], problem.get("field")) == (code, field), problem


def test_an_uploaded_file_signed_and_posted_gets_a_receipt_and_can_be_downloaded(
    service: Service,
) -> None:
    report = service.mechanism.submit("af_liaison", allegation_body())
    answer = upload(service, "af_liaison", report=report)
    assert answer.status_code == 201, answer.text
    found = answer.json()
    sha256 = hashlib.sha256(PHOTO).hexdigest()
    assert (found["sha256"], found["size"], found["media_type"]) == (
        sha256,
        len(PHOTO),
        "image/jpeg",
    )
    assert found["metadata"]["device"] == "Tecno Spark 20"
    assert found["metadata"]["captured_at"] == "2025-10-15T21:30:00Z"
    assert found["confidential"] is False
    assert found["event"]["body"] == {
        "sha256": sha256,
        "size": len(PHOTO),
        "name": "strike.jpg",
        "metadata": found["metadata"],
        "report": report,
    }
    before = service.size()
    posted = post_signed(service, "af_liaison", found["event"]["body"])
    assert posted.status_code == 201, posted.text
    receipt = verify_receipt(posted.json()["receipt"], service.mechanism.log_key.note_key())
    assert receipt.index == before
    for reader in ({}, service.auth("pk_liaison"), service.auth("af_liaison")):
        content = service.client.get(f"/api/v1/evidence/{sha256}/content", headers=reader)
        assert content.status_code == 200
        assert content.content == PHOTO
    shown = service.client.get(f"/api/v1/evidence/{sha256}").json()
    assert shown["submissions"][0]["report"] == report


def test_evidence_for_a_confidential_report_is_sealed_and_seen_only_by_those_allowed(
    service: Service,
) -> None:
    report = service.mechanism.submit("pk_liaison", allegation_body(), confidential=True)
    found = upload(service, "pk_liaison", report=report).json()
    assert found["confidential"] is True
    public = post_signed(service, "pk_liaison", found["event"]["body"])
    assert_problem(public, 422, "invalid_input", "envelope.confidential")
    sealed = post_signed(service, "pk_liaison", found["event"]["body"], confidential=True)
    assert sealed.status_code == 201, sealed.text
    path = f"/api/v1/evidence/{found['sha256']}/content"
    assert service.client.get(path, headers=service.auth("pk_liaison")).status_code == 200
    assert service.client.get(path, headers=service.auth("tr_mediator")).status_code == 200
    assert service.client.get(path, headers=service.auth("af_liaison")).status_code == 404
    assert service.client.get(path).status_code == 404


def test_a_file_uploaded_but_never_announced_cannot_be_downloaded(service: Service) -> None:
    found = upload(service, "af_liaison").json()
    content = service.client.get(
        f"/api/v1/evidence/{found['sha256']}/content", headers=service.auth("af_liaison")
    )
    assert content.status_code == 404


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("captured_at", "2025-10-14T08:00:00Z"),
        ("latitude", 34.0),
        ("device", "Canon EOS R5"),
        ("phash", "0000000000000000"),
    ],
)
def test_metadata_tampered_by_the_client_is_refused(
    service: Service, member: str, value: object
) -> None:
    body = upload(service, "af_liaison").json()["event"]["body"]
    body["metadata"][member] = value
    before = service.size()
    response = post_signed(service, "af_liaison", body)
    assert_problem(response, 422, "verification_failed", f"envelope.body.metadata.{member}")
    assert "sign the metadata the upload answered" in response.json()["detail"]
    assert service.size() == before


def test_metadata_left_out_by_the_client_is_refused(service: Service) -> None:
    body = upload(service, "af_liaison").json()["event"]["body"]
    del body["metadata"]["latitude"], body["metadata"]["longitude"]
    response = post_signed(service, "af_liaison", body)
    assert_problem(response, 422, "verification_failed", "envelope.body.metadata.latitude")


def test_a_wrong_size_is_refused(service: Service) -> None:
    body = upload(service, "af_liaison").json()["event"]["body"]
    body["size"] += 1
    assert_problem(
        post_signed(service, "af_liaison", body), 422, "verification_failed", "envelope.body.size"
    )


def test_a_file_that_was_never_uploaded_is_refused(service: Service) -> None:
    body = upload(service, "af_liaison").json()["event"]["body"]
    body["sha256"] = hashlib.sha256(b"not in the locker").hexdigest()
    before = service.size()
    response = post_signed(service, "af_liaison", body)
    assert_problem(response, 404, "not_found", "envelope.body.sha256")
    assert service.size() == before


def test_a_name_that_contradicts_the_content_is_refused_at_signing_too(service: Service) -> None:
    body = upload(service, "af_liaison").json()["event"]["body"]
    body["name"] = "strike.png"
    assert_problem(
        post_signed(service, "af_liaison", body), 422, "invalid_input", "envelope.body.name"
    )


def test_a_name_with_a_line_break_is_refused_at_upload_and_at_signing(service: Service) -> None:
    hidden = "strike\r\nSet-Cookie: a=b.png"
    assert_problem(upload(service, "af_liaison", name=hidden), 422, "invalid_input", "name")
    body = upload(service, "af_liaison").json()["event"]["body"]
    body["name"] = hidden
    before = service.size()
    assert_problem(
        post_signed(service, "af_liaison", body), 422, "invalid_input", "envelope.body.name"
    )
    assert service.size() == before


def test_an_oversized_upload_is_refused_with_nothing_stored(
    database_url: str, tmp_path: Path
) -> None:
    with serving(database_url, tmp_path / "data", max_evidence_mb=1) as service:
        big = b"a" * (1024 * 1024 + 1)
        response = upload(service, "af_liaison", big, name="notes.txt", content_type="text/plain")
        assert_problem(response, 413, "content_too_large", "file")
        assert stored_files(service) == []


def test_an_upload_declared_as_another_type_is_refused_with_nothing_stored(
    service: Service,
) -> None:
    assert_problem(
        upload(service, "af_liaison", content_type="image/png", name="strike"),
        422,
        "invalid_input",
        "Content-Type",
    )
    assert_problem(
        upload(service, "af_liaison", content_type="text/html"),
        415,
        "unsupported_media_type",
        "Content-Type",
    )
    assert_problem(upload(service, "af_liaison", name="strike.pdf"), 422, "invalid_input", "name")
    assert_problem(
        upload(service, "af_liaison", b"\x00\x01binary", content_type="application/octet-stream"),
        422,
        "invalid_input",
        "file",
    )
    assert stored_files(service) == []


def test_any_type_may_be_left_to_the_content(service: Service) -> None:
    response = upload(service, "af_liaison", content_type="application/octet-stream")
    assert response.status_code == 201, response.text
    assert response.json()["media_type"] == "image/jpeg"


def test_only_an_actor_who_may_submit_evidence_uploads(service: Service) -> None:
    assert_problem(upload(service, "observer"), 403, "permission_denied", "actor")
    anonymous = service.client.post(
        "/api/v1/evidence/files", params={"name": "a.jpg"}, content=PHOTO
    )
    assert anonymous.status_code == 401
    assert stored_files(service) == []


def test_an_upload_for_a_report_the_caller_cannot_read_is_refused(service: Service) -> None:
    report = service.mechanism.submit("pk_liaison", allegation_body(), confidential=True)
    assert_problem(upload(service, "af_liaison", report=report), 404, "not_found", "report")
    assert stored_files(service) == []
