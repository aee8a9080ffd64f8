"""One table of exit codes for every command (``cli.common.EXIT_CODES``, printed in the README):
the same kind of failure exits with the same code whichever command meets it — a thing that is
not there 4 (a record's or a file's), a server that cannot be reached 8, a failed check 7 —
and a list that shows only some of what matches says how many more there are."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from ceasefire.cli import common
from ceasefire.cli import reports as report_cli
from ceasefire.cli.common import EXIT_CODES, exit_code
from ceasefire.cli.main import app
from ceasefire.domain.agreement_toml import AgreementFileError
from ceasefire.errors import (
    CeasefireError,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StorageError,
    VerificationError,
)
from ceasefire.log.bundle_format import BundleError
from ceasefire.log.keys import SigningKey
from ceasefire.services.receipts import IdempotencyKeyReused
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import write_key
from tests.record_factories import Mechanism, make_mechanism
from tests.report_bodies import allegation_body

README = Path(__file__).resolve().parents[2] / "README.md"
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens


def run(*args: str, code: int) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, f"{args} exited {result.exit_code}:\n{result.output}"
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[tuple[Mechanism, list[str]]]:
    """A mechanism with four reports, and the options that point a command at it."""
    data = tmp_path / "data"
    mechanism = make_mechanism(database_url, data)
    write_key(Settings(data=data).log_key_path, mechanism.log_key)
    for number in range(4):
        mechanism.submit("af_liaison", allegation_body(narrative=f"Shelling ({number})."))
    try:
        yield mechanism, ["--data", str(data), "--database-url", database_url]
    finally:
        mechanism.close()


def test_the_error_type_decides_the_code_its_subclasses_included() -> None:
    assert [exit_code(cls("x")) for cls in EXIT_CODES] == [3, 4, 5, 6, 7, 8]
    assert exit_code(BundleError(1, "x")) == exit_code(VerificationError("x")) == 7
    assert (
        exit_code(IdempotencyKeyReused("x"))
        == exit_code(AgreementFileError("a.toml", 1, "x", None))
        == 3
    )
    assert exit_code(CeasefireError("x")) == common.EXIT_ERROR == 1
    assert {Conflict, InvalidInput, NotFound, PermissionDenied, StorageError} <= set(EXIT_CODES)


def test_the_readme_prints_the_table_the_cli_uses() -> None:
    text = README.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d) \| ([^|]+?) \|", text, flags=re.MULTILINE))
    assert set(rows) == {str(n) for n in range(9)}
    names = {3: "invalid input", 4: "not found", 5: "conflict", 6: "permission denied",
             7: "verification failed", 8: "storage or connection"}  # fmt: skip
    for cls, code in EXIT_CODES.items():
        assert rows[str(code)] == names[code], cls
    assert rows["2"].startswith("usage error")


def test_a_place_no_one_knows_is_not_found_with_or_without_json(
    store: tuple[Mechanism, list[str]],
) -> None:
    _, options = store
    human = run("geo", "lookup", "Xyzzyqville", *options, code=4)
    assert "no place called 'Xyzzyqville'" in human.stderr
    machine = run("geo", "lookup", "Xyzzyqville", "--json", *options, code=4)
    assert json.loads(machine.stdout)["status"] == "not_found"  # the document, suggestions and all


@pytest.mark.parametrize(
    "args",
    [
        ("agreement", "check", "{missing}"),
        ("report", "submit", "--key", "{key}", "--file", "{missing}", "{store}"),
        ("log", "append", "--key", "{key}", "--type", "x", "--batch", "{missing}", "{store}"),
        ("import", "{missing}", "--key", "{key}", "{store}"),
        ("evidence", "add", "{missing}", "--key", "{key}", "{store}"),
        ("report", "submit", "--key", "{missing}", "--act", "airstrike", "{store}"),
    ],
    ids=["agreement", "report-file", "batch-file", "dataset", "evidence", "key"],
)
def test_an_input_file_that_is_not_there_is_not_found_for_every_command(
    store: tuple[Mechanism, list[str]], tmp_path: Path, args: tuple[str, ...]
) -> None:
    mechanism, options = store
    key = tmp_path / "af.key"
    write_key(key, mechanism.key("af_liaison"))
    missing = str(tmp_path / "nowhere.json")
    full: list[str] = []
    for arg in args:
        full += options if arg == "{store}" else [arg.format(missing=missing, key=key)]
    result = run(*full, code=4)
    assert "nowhere.json" in result.stderr


def test_a_file_that_cannot_be_read_is_invalid_input(
    store: tuple[Mechanism, list[str]], tmp_path: Path
) -> None:
    mechanism, options = store
    key = tmp_path / "af.key"
    write_key(key, mechanism.key("af_liaison"))
    folder = tmp_path / "a-folder.json"
    folder.mkdir()
    run("report", "submit", "--key", str(key), "--file", str(folder), *options, code=3)
    run("agreement", "check", str(folder), code=3)


def test_a_server_that_cannot_be_reached_is_a_connection_failure_for_every_client(
    tmp_path: Path,
) -> None:
    key, vkey = tmp_path / "af.key", SigningKey.generate("ceasefire.test/log").note_key().to_text()
    write_key(key, SigningKey.generate("af-liaison-1"))
    posting = ["--url", UNREACHABLE, "--token", "t", "--key", str(key), "--log-vkey", vkey]
    body = tmp_path / "report.json"
    body.write_text(json.dumps(allegation_body()), encoding="utf-8")
    run("report", "submit", "--file", str(body), *posting, code=8)
    run("log", "check", "--url", UNREACHABLE, "--log-vkey", vkey, code=8)


# --- lists that show only some of what matches say so -----------------------------------------


def test_report_list_says_how_many_more_there_are_and_how_to_see_them(
    store: tuple[Mechanism, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, options = store
    some = run("report", "list", "--limit", "3", "--json", *options, code=0)
    assert len(some.stdout.splitlines()) == 3  # the data stays clean for a pipe
    assert "the newest 3 of 4 reports; --limit 0 shows them all" in some.stderr
    monkeypatch.setattr(report_cli, "PAGE", 3)  # every report, read a page at a time
    everything = run("report", "list", "--limit", "0", "--json", *options, code=0)
    ids = [json.loads(line)["id"] for line in everything.stdout.splitlines()]
    assert len(ids) == len(set(ids)) == 4
    assert everything.stderr == ""
    assert run("report", "list", *options, code=0).stderr == ""  # 4 of the default 100
