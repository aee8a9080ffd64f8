"""``ceasefire witness`` in process: its refusals and its exit code on an alarm."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from typer.testing import CliRunner

from ceasefire.cli.main import app
from ceasefire.log.keys import SigningKey
from ceasefire.storage.keyfiles import write_key

LOG = SigningKey.generate("example.test/log")


def _key(tmp_path: Path) -> Path:
    return write_key(tmp_path / "witness-pk.key", SigningKey.generate("witness-pk"))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: nothing listens there


def test_an_unreachable_server_exits_7_and_records_the_alarm(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    args = ["witness", "--url", url, "--data", str(tmp_path / "w"), "--key", str(_key(tmp_path))]
    result = CliRunner().invoke(app, [*args, "--once", "--json"])
    assert result.exit_code == 7
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["cosigned"] is False
    assert [a["check"] for a in outcome["alarms"]] == ["unreachable"]
    recorded = (tmp_path / "w" / "alarms.jsonl").read_text().splitlines()
    assert json.loads(recorded[-1])["url"] == f"{url}/api/v1"


def test_the_followed_log_cannot_also_be_pushed_to(tmp_path: Path) -> None:
    vkey = LOG.note_key().to_text()
    args = ["witness", "--url", "http://127.0.0.1:9", "--data", str(tmp_path / "w")]
    result = CliRunner().invoke(
        app,
        [*args, "--key", str(_key(tmp_path)), "--log-vkey", vkey, "--witness-log", vkey, "--once"],
    )
    assert result.exit_code == 3
    assert "is the log this witness follows" in result.stderr
