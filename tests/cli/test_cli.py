"""The ceasefire command line, run in-process: the JSON shapes third parties script against,
the exit codes, and precise refusals that leave the log untouched."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ceasefire.cli.main import app
from ceasefire.log.checkpoint import open_checkpoint
from ceasefire.log.hashing import leaf_hash
from ceasefire.log.keys import VerifierKey
from ceasefire.log.proofs import verify_consistency, verify_inclusion
from ceasefire.storage import migrate

runner = CliRunner()


class Cli:
    """Runs ``ceasefire`` against one store, the way a user's shell would."""

    def __init__(self, data: Path, database_url: str) -> None:
        self.data = data
        self.database_url = database_url

    def __call__(self, *args: str, code: int = 0, stdin: str | None = None) -> str:
        full = [*args, "--data", str(self.data), "--database-url", self.database_url]
        result = runner.invoke(app, full, input=stdin)
        assert result.exit_code == code, (
            f"`ceasefire {' '.join(args)}` exited {result.exit_code}, expected {code}:\n"
            f"{result.output}\n{result.exception!r}"
        )
        return result.output

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json"))

    def key(self, name: str) -> str:
        return str(self.data / "keys" / f"{name}.key")


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Cli:
    tool = Cli(tmp_path / "data", database_url)
    tool("init", "--origin", "ceasefire.test/cli")
    return tool


def write_batch(path: Path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_init_prints_the_log_vkey_and_refuses_a_second_init(cli: Cli) -> None:
    vkey = VerifierKey.from_text(cli("log", "vkey").strip())
    assert vkey.name == "ceasefire.test/cli"
    assert "already initialised" in cli("init", code=5)
    assert (cli.data / "keys" / "log.key").stat().st_mode & 0o777 == 0o600


def test_keys_new_enrols_and_writes_a_private_key_file(cli: Cli) -> None:
    result = cli.json("actors", "enrol", "pk-liaison", "--role", "liaison", "--for", "pk")
    assert result["actor"] == "pk-liaison"
    assert result["index"] == 2  # after the genesis (0) and the agreement's proposal (1)
    assert Path(result["key_file"]).stat().st_mode & 0o777 == 0o600
    listed = [json.loads(line) for line in cli("actors", "list", "--json").splitlines()]
    assert [(k["actor"], k["role"]) for k in listed] == [
        ("operator", "operator"),
        ("pk-liaison", "liaison"),
    ]


def test_append_prints_indices_and_proofs_verify_against_the_checkpoint(
    cli: Cli, tmp_path: Path
) -> None:
    cli("actors", "enrol", "af-liaison", "--role", "liaison", "--for", "af")
    batch = write_batch(
        tmp_path / "batch.ndjson",
        [
            '{"type": "note.added", "body": {"place": "Spin Boldak"}}',
            '{"type": "note.added", "body": {"place": "Chaman"}, "confidential": true}',
        ],
    )
    assert cli("log", "append", "--key", cli.key("af-liaison"), "--batch", batch) == "3\n4\n"
    single = cli.json(
        "log", "append", "--key", cli.key("af-liaison"), "--type", "reply.filed", "--body", "{}"
    )
    assert single["indices"] == [5]
    assert single["tree_size"] == 6

    vkey = VerifierKey.from_text(cli("log", "vkey").strip())
    checkpoint, _ = open_checkpoint(cli("log", "checkpoint"), vkey)
    inclusion = cli.json("log", "proof", "inclusion", "3")
    assert set(inclusion) == {"index", "tree_size", "leaf_hash", "root_hash", "proof"}
    entries = [json.loads(line) for line in cli("log", "entries", "--json").splitlines()]
    assert [e["index"] for e in entries] == [0, 1, 2, 3, 4, 5]
    assert set(entries[3]) == {"index", "leaf", "leaf_hash"}
    leaf = base64.b64decode(entries[3]["leaf"])
    assert base64.b64decode(entries[3]["leaf_hash"]) == leaf_hash(leaf)
    assert b"Chaman" not in base64.b64decode(entries[4]["leaf"])
    proof = [base64.b64decode(h) for h in inclusion["proof"]]
    verify_inclusion(leaf_hash(leaf), 3, checkpoint.size, proof, checkpoint.root_hash)

    consistency = cli.json("log", "proof", "consistency", "2")
    assert set(consistency) == {"old_size", "new_size", "old_root", "new_root", "proof"}
    verify_consistency(
        2,
        6,
        base64.b64decode(consistency["old_root"]),
        checkpoint.root_hash,
        [base64.b64decode(h) for h in consistency["proof"]],
    )
    report = cli.json("verify")
    assert report["ok"] is True
    assert report["tree_size"] == 6


def test_a_malformed_batch_line_is_named_and_nothing_is_appended(cli: Cli, tmp_path: Path) -> None:
    cli("actors", "enrol", "pk-liaison", "--role", "liaison", "--for", "pk")
    batch = write_batch(
        tmp_path / "bad.ndjson",
        [
            '{"type": "note.added", "body": {"n": 1}}',
            '{"type": "note.added", "body": {"n": 2}',
        ],
    )
    output = cli("log", "append", "--key", cli.key("pk-liaison"), "--batch", batch, code=3)
    assert "batch line 2" in output
    assert "not valid JSON" in output
    assert cli.json("verify")["tree_size"] == 3


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"body": {}}', "batch line 1.type: needs a string 'type'"),
        ('{"type": "note.added"}', "batch line 1.body: needs 'body', a JSON object"),
        ('{"type": "note.added", "body": {}, "x": 1}', "unknown field(s) ['x']"),
        ('{"type": "Report", "body": {}}', "batch line 1.type"),
        ('{"type": "note.added", "body": {"f": 1e400}}', "batch line 1"),
        ("[1, 2]", "batch line 1: must be a JSON object, found list"),
    ],
)
def test_bad_batch_lines_get_precise_errors(
    cli: Cli, tmp_path: Path, line: str, message: str
) -> None:
    cli("actors", "enrol", "pk-liaison", "--role", "liaison", "--for", "pk")
    batch = write_batch(tmp_path / "bad.ndjson", [line])
    output = cli("log", "append", "--key", cli.key("pk-liaison"), "--batch", batch, code=3)
    assert message in output
    assert cli.json("verify")["tree_size"] == 3


def test_batch_from_standard_input(cli: Cli) -> None:
    cli("actors", "enrol", "monitor-1", "--role", "monitor")
    lines = '{"type": "observation.recorded", "body": {"n": 1}}\n'
    assert cli("log", "append", "--key", cli.key("monitor-1"), "--batch", "-", stdin=lines) == "3\n"


def test_a_revoked_actor_is_refused_with_exit_code_6(cli: Cli) -> None:
    cli("actors", "enrol", "pk-liaison", "--role", "liaison", "--for", "pk")
    cli("actors", "revoke", "pk-liaison", "--reason", "device lost")
    args = ("log", "append", "--key", cli.key("pk-liaison"), "--type", "a.b", "--body", "{}")
    assert "was revoked at index 3" in cli(*args, code=6)


def test_a_key_file_that_is_not_a_key_is_refused(cli: Cli, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.key"
    bogus.write_text("not a key\n")
    args = ("log", "append", "--key", str(bogus), "--type", "a.b", "--body", "{}")
    assert "starts with 'PRIVATE+KEY+'" in cli(*args, code=3)


def test_proofs_for_positions_beyond_the_log_are_not_found(cli: Cli) -> None:
    assert "index 5 is not in a tree of size 2" in cli("log", "proof", "inclusion", "5", code=4)
    assert "beyond the log's size" in cli("log", "proof", "consistency", "1", "9", code=4)


def test_witness_cosigns_and_the_checkpoint_carries_it(cli: Cli) -> None:
    cli("actors", "enrol", "witness-pk", "--role", "witness")
    line = cli("log", "cosign", "--key", cli.key("witness-pk"))
    assert line.startswith("— witness-pk ")
    assert line in cli("log", "checkpoint")


def test_verify_fails_with_exit_7_and_names_the_first_bad_index(cli: Cli) -> None:
    from sqlalchemy import create_engine, text

    cli("actors", "enrol", "pk-liaison", "--role", "liaison", "--for", "pk")
    engine = create_engine(cli.database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE log_entries SET hash = :h WHERE idx = 1"), {"h": bytes(32)})
    engine.dispose()
    report = json.loads(cli("verify", "--json", code=7))
    assert report["ok"] is False
    assert report["first_bad_index"] == 1
    assert "FAILED" in cli("verify", code=7)


def test_commands_on_a_missing_store_say_to_run_init(tmp_path: Path) -> None:
    result = runner.invoke(app, ["log", "checkpoint", "--data", str(tmp_path / "none")])
    assert result.exit_code == 8
    assert "run `ceasefire init" in result.output


def test_an_unsupported_database_url_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", "--data", str(tmp_path), "--database-url", "mysql://x"])
    assert result.exit_code == 3
    assert "not supported" in result.output


def test_db_upgrade_brings_a_database_to_the_current_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = runner.invoke(app, ["db", "upgrade", "--data", str(tmp_path), "--database-url", url])
    assert result.exit_code == 0, result.output
    assert f"schema at revision {migrate.HEAD}" in result.output


def test_an_actor_rotates_its_key_and_only_the_new_one_signs(cli: Cli, tmp_path: Path) -> None:
    cli("actors", "enrol", "af-liaison", "--role", "liaison", "--for", "af")
    new_key = str(tmp_path / "af-liaison-2.key")
    cli("actors", "rotate", "--key", cli.key("af-liaison"), "--out", new_key)
    body = ("--type", "reply.filed", "--body", "{}")
    assert "was revoked at index 3" in cli(
        "log", "append", "--key", cli.key("af-liaison"), *body, code=6
    )
    assert cli("log", "append", "--key", new_key, *body) == "4\n"
    listed = [json.loads(line) for line in cli("actors", "list", "--json").splitlines()]
    assert [(k["actor"], k["revoked_at"]) for k in listed if k["actor"] == "af-liaison"] == [
        ("af-liaison", 3),
        ("af-liaison", None),
    ]
    assert cli.json("verify")["ok"] is True


def test_a_key_the_log_refuses_is_not_left_on_disk(cli: Cli, tmp_path: Path) -> None:
    cli("actors", "enrol", "pk-liaison", "--role", "liaison", "--for", "pk")
    second = tmp_path / "second.key"
    output = cli("actors", "enrol", "pk-liaison", "--role", "monitor", "--out", str(second), code=5)
    assert "role" in output
    assert not second.exists()


def test_an_earlier_checkpoint_is_found_by_its_size(cli: Cli) -> None:
    cli("actors", "enrol", "pk-liaison", "--role", "liaison", "--for", "pk")
    vkey = VerifierKey.from_text(cli("log", "vkey").strip())
    earlier, _ = open_checkpoint(cli("log", "checkpoint", "--size", "1"), vkey)
    assert earlier.size == 1
    assert "no checkpoint was signed at tree size 7" in cli(
        "log", "checkpoint", "--size", "7", code=4
    )
