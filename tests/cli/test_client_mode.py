"""The CLI as a client: events signed on the party's machine, posted to a server (the app in
process, no network), their receipts verified against the pinned log key and saved."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from ceasefire.cli import client as cli_client
from ceasefire.cli.main import app as cli
from ceasefire.log.keys import SigningKey
from ceasefire.log.receipt import verify_receipt
from ceasefire.media.samples import sample
from ceasefire.storage.keyfiles import write_key
from tests.api.conftest import Service, serving
from tests.report_bodies import allegation_body

runner = CliRunner()


class _InProcess(httpx.BaseTransport):
    """Hands each request to the app under test; closing it leaves the app running."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.service.client.send(request)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


@pytest.fixture
def service(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Service]:
    with serving(database_url, tmp_path / "server") as found:
        monkeypatch.setattr(
            cli_client,
            "http_client",
            lambda url: httpx.Client(base_url=url, transport=_InProcess(found)),
        )
        yield found


def remote(service: Service, tmp_path: Path, persona: str, *, vkey: str | None = None) -> list[str]:
    """The --url options of ``persona``, whose key file stays on its own machine."""
    key_file = tmp_path / f"{persona}.key"
    write_key(key_file, service.mechanism.key(persona))
    return [
        "--url", "http://mechanism.test", "--token", service.tokens[persona],
        "--key", str(key_file),
        "--log-vkey", vkey or service.mechanism.log_key.note_key().to_text(),
        "--receipts", str(tmp_path / "receipts"),
    ]  # fmt: skip


def saved_receipts(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "receipts").glob("*.receipt"))


def test_report_submit_signs_locally_posts_and_saves_a_verified_receipt(
    service: Service, tmp_path: Path
) -> None:
    body = tmp_path / "report.json"
    body.write_text(json.dumps(allegation_body()), encoding="utf-8")
    before = service.size()
    result = runner.invoke(
        cli, ["report", "submit", "--file", str(body), *remote(service, tmp_path, "af_liaison")]
    )
    assert result.exit_code == 0, result.output
    assert service.size() == before + 1
    assert "receipt verified with the pinned log key" in result.stderr
    (saved,) = saved_receipts(tmp_path)
    receipt = verify_receipt(saved.read_text(), service.mechanism.log_key.note_key())
    assert receipt.index == before
    assert result.stdout == saved.read_text()
    assert saved.name == f"{before:08d}-{receipt.event_id}.receipt"
    shown = service.client.get(f"/api/v1/reports/{receipt.event_id}")
    assert shown.status_code == 200, shown.text


def test_evidence_add_uploads_then_signs_what_the_server_read(
    service: Service, tmp_path: Path
) -> None:
    report = service.mechanism.submit("af_liaison", allegation_body())
    photo = tmp_path / "strike.png"
    photo.write_bytes(sample(3, size=(96, 64)))
    result = runner.invoke(
        cli,
        [
            "evidence", "add", str(photo), "--report", report, "--json",
            *remote(service, tmp_path, "af_liaison"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    sha256 = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert answer["sha256"] == sha256
    assert answer["metadata"]["media_type"] == "image/png"
    assert len(saved_receipts(tmp_path)) == 1
    content = service.client.get(f"/api/v1/evidence/{sha256}/content")
    assert content.content == photo.read_bytes()


def test_event_post_signs_and_posts_any_event(service: Service, tmp_path: Path) -> None:
    report = service.mechanism.submit("af_liaison", allegation_body())
    body = tmp_path / "withdraw.yaml"
    body.write_text(f"report: {report}\nreason: submitted in error\n", encoding="utf-8")
    result = runner.invoke(
        cli,
        [
            "event", "post", "report.withdrawn", "--body", str(body), "--json",
            *remote(service, tmp_path, "af_liaison"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["created"] is True
    assert Path(answer["saved"]).read_text() == answer["receipt"]
    shown = service.client.get(f"/api/v1/reports/{report}").json()
    assert shown["status"] == "withdrawn"


def test_a_receipt_that_does_not_verify_with_the_pinned_key_fails_loudly(
    service: Service, tmp_path: Path
) -> None:
    impostor = SigningKey.generate(service.mechanism.log_key.name).note_key().to_text()
    body = tmp_path / "report.json"
    body.write_text(json.dumps(allegation_body()), encoding="utf-8")
    result = runner.invoke(
        cli,
        ["report", "submit", "--file", str(body), *remote(service, tmp_path, "af_liaison",
                                                          vkey=impostor)],
    )  # fmt: skip
    assert result.exit_code == 7, result.output
    assert saved_receipts(tmp_path) == []


def test_the_log_key_must_be_pinned(service: Service, tmp_path: Path) -> None:
    options = remote(service, tmp_path, "af_liaison")
    at = options.index("--log-vkey")
    del options[at : at + 2]
    body = tmp_path / "report.json"
    body.write_text(json.dumps(allegation_body()), encoding="utf-8")
    before = service.size()
    result = runner.invoke(cli, ["report", "submit", "--file", str(body), *options])
    assert result.exit_code == 3, result.output
    assert "--log-vkey" in result.stderr
    assert service.size() == before


def test_the_log_key_may_be_given_as_a_file(service: Service, tmp_path: Path) -> None:
    vkey_file = tmp_path / "log.vkey"
    vkey_file.write_text(service.mechanism.log_key.note_key().to_text() + "\n")
    body = tmp_path / "report.json"
    body.write_text(json.dumps(allegation_body()), encoding="utf-8")
    options = remote(service, tmp_path, "af_liaison", vkey=str(vkey_file))
    result = runner.invoke(cli, ["report", "submit", "--file", str(body), *options])
    assert result.exit_code == 0, result.output


def test_a_refusal_by_the_server_is_an_error_with_its_exit_code(
    service: Service, tmp_path: Path
) -> None:
    body = tmp_path / "report.json"
    body.write_text(json.dumps(allegation_body()), encoding="utf-8")
    result = runner.invoke(
        cli, ["report", "submit", "--file", str(body), *remote(service, tmp_path, "observer")]
    )
    assert result.exit_code == 6, result.output
    assert "the server refused the event (403 permission_denied)" in result.stderr
    assert saved_receipts(tmp_path) == []
