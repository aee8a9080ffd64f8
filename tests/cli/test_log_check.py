"""``ceasefire log check``: a party with nothing but the log's verifier key checks the latest
checkpoint, its own entries' inclusion, and that the log grew without being rewritten."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ceasefire.cli import client as cli_client
from ceasefire.cli.client import LogApi
from ceasefire.cli.main import app as cli
from ceasefire.errors import VerificationError
from ceasefire.log.keys import SigningKey
from ceasefire.services import log_check
from tests.api.conftest import Service
from tests.cli.test_client_mode import service  # noqa: F401 (the app in process)
from tests.record_factories import ORIGIN
from tests.report_bodies import allegation_body

runner = CliRunner()
URL = "http://mechanism.test"


def check(service: Service, *args: str, code: int = 0) -> str:  # noqa: F811
    vkey = service.mechanism.log_key.note_key().to_text()
    result = runner.invoke(cli, ["log", "check", "--url", URL, "--log-vkey", vkey, *args])
    assert result.exit_code == code, result.output
    return result.output


def test_a_party_checks_its_entries_and_that_the_log_only_grew(
    service: Service,  # noqa: F811
    tmp_path: Path,
) -> None:
    first = service.mechanism.submit("af_liaison", allegation_body(narrative="Shelling (1)."))
    index = service.mechanism.store.find("rm_events", "id", [first])[0]["idx"]
    state = tmp_path / "accepted.checkpoint"
    out = check(service, "--entry", str(index), "--entry", "0", "--state", str(state))
    assert f"entry {index} is in the tree" in out and "checkpoint verified" in out
    size = service.mechanism.size()
    assert state.read_text(encoding="utf-8").startswith(f"{ORIGIN}\n{size}\n")
    service.mechanism.submit("af_liaison", allegation_body(narrative="Shelling (2)."))
    answer = json.loads(check(service, "--state", str(state), "--json"))
    assert answer == {
        "tree_size": size + 1,
        "root_hash": answer["root_hash"],
        "entries": [],
        "since": size,
    }


def test_a_checkpoint_signed_by_another_key_is_refused(service: Service) -> None:  # noqa: F811
    impostor = SigningKey.generate(ORIGIN).note_key().to_text()
    result = runner.invoke(cli, ["log", "check", "--url", URL, "--log-vkey", impostor])
    assert result.exit_code == 7, result.output


class _Rewritten:
    """A server that answers for another history: same checkpoint key, different leaves."""

    def __init__(self, honest: log_check.LogSource, forged: dict[int, Any]) -> None:
        self.honest, self.forged = honest, forged

    def checkpoint(self) -> str:
        return self.honest.checkpoint()

    def entry(self, index: int) -> Any:
        return self.forged.get(index) or self.honest.entry(index)

    def inclusion(self, index: int, size: int) -> Any:
        return self.honest.inclusion(index, size)

    def consistency(self, old: int, new: int) -> Any:
        return self.honest.consistency(old, new)


def test_an_entry_altered_by_the_server_is_caught(service: Service) -> None:  # noqa: F811
    report = service.mechanism.submit("af_liaison", allegation_body(narrative="At Parachinar."))
    index = service.mechanism.store.find("rm_events", "id", [report])[0]["idx"]
    with cli_client.http_client(URL) as http:
        honest = LogApi(http)
        altered = json.loads(json.dumps(honest.entry(index)))
        altered["envelope"]["body"]["narrative"] = "At Parachinra."
        vkey = service.mechanism.log_key.note_key()
        with pytest.raises(VerificationError, match=f"entry {index} is not in the checkpoint"):
            log_check.check(_Rewritten(honest, {index: altered}), vkey, [index])
        log_check.check(honest, vkey, [index])


def test_a_log_that_shrank_is_a_rewritten_history(service: Service, tmp_path: Path) -> None:  # noqa: F811
    service.mechanism.submit("af_liaison", allegation_body(narrative="Shelling (3)."))
    with cli_client.http_client(URL) as http:
        honest = LogApi(http)
        vkey = service.mechanism.log_key.note_key()
        later = honest.checkpoint()
        service.mechanism.submit("af_liaison", allegation_body(narrative="Shelling (4)."))
        # the note accepted "later" is newer than what a server replaying the older one shows
        newest = log_check.check(honest, vkey, []).note

        class _Older(_Rewritten):
            def checkpoint(self) -> str:
                return later

        with pytest.raises(VerificationError, match="the log shrank"):
            log_check.check(_Older(honest, {}), vkey, [], accepted=newest)
