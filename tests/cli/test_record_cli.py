"""The mechanism's record through the command line: the agreement signed by its four
signatories, reports from files and flags, confidentiality, corrections, the evidence locker,
and read models that `verify` checks and `rebuild` repairs — with the exit code and the field
of every refusal, and a log that a refusal leaves as it was."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import struct
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import pytest
from PIL import Image
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner, Result

import ceasefire.agreements
from ceasefire.cli.main import app
from ceasefire.domain.agreement_toml import bundled_text
from ceasefire.log.keys import SigningKey
from ceasefire.storage import migrate
from ceasefire.storage.engine import make_engine
from ceasefire.storage.keyfiles import write_key
from tests.cli.test_cli import Cli
from tests.report_bodies import (
    BLURRED_OVER_AN_EDGE,
    TORKHAM,
    allegation_body,
    compliance_body,
    observation_body,
)

BUNDLED: Final = Path(ceasefire.agreements.__file__).with_name("istanbul-2025.toml")
PERSONAS: Final = (
    ("pk-liaison-1", "liaison", "pk"),
    ("af-liaison-1", "liaison", "af"),
    ("tr-mediator-1", "mediator", "tr"),
    ("qa-mediator-1", "mediator", "qa"),
    ("monitor-1", "monitor", None),
)
"""(actor, role, the party or mediator it acts for), in the order they are enrolled; the
first four sign the agreement in this order."""
UNKNOWN_REPORT: Final = "0" * 32


class RecordCli(Cli):
    """``Cli`` with what the record needs: stdout alone, environment variables, the log size."""

    def invoke(self, *args: str, code: int = 0, env: Mapping[str, str] | None = None) -> Result:
        full = [*args, "--data", str(self.data), "--database-url", self.database_url]
        result = CliRunner().invoke(app, full, env=env)
        assert result.exit_code == code, (
            f"`ceasefire {' '.join(args)}` exited {result.exit_code}, expected {code}:\n"
            f"{result.output}\n{result.exception!r}"
        )
        return result

    def out(self, *args: str) -> str:
        """What the command writes to stdout (its data), without the trailing newline."""
        return self.invoke(*args).stdout.strip()

    def size(self) -> int:
        size: int = self.json("verify")["tree_size"]
        return size

    def reports(self, *args: str) -> dict[str, dict[str, Any]]:
        """``report list --json`` by report id."""
        lines = self("report", "list", "--json", *args).splitlines()
        return {view["id"]: view for view in map(json.loads, lines)}

    def submit(self, actor: str, body: Mapping[str, Any], tmp_path: Path, *flags: str) -> str:
        path = write_json(tmp_path, body)
        return self.out("report", "submit", "--key", self.key(actor), "--file", str(path), *flags)


@pytest.fixture
def fresh(database_url: str, tmp_path: Path) -> RecordCli:
    """A store just initialised: the agreement proposed, nobody enrolled, nothing signed."""
    tool = RecordCli(tmp_path / "data", database_url)
    tool("init", "--origin", "ceasefire.test/record")
    return tool


@pytest.fixture
def mechanism(fresh: RecordCli) -> RecordCli:
    """Both parties' liaisons, both mediators and a monitor enrolled, and the agreement signed
    by all four signatories — through the CLI only."""
    for actor, role, affiliation in PERSONAS:
        acts_for = ["--for", affiliation] if affiliation else []
        fresh("actors", "enrol", actor, "--role", role, *acts_for)
    for actor, _, affiliation in PERSONAS:
        if affiliation is not None:
            fresh("agreement", "sign", "--key", fresh.key(actor))
    return fresh


def write_json(folder: Path, value: Any) -> Path:
    """``value`` as a JSON file in ``folder``, named by its content."""
    content = json.dumps(value, indent=2)
    path = folder / f"{hashlib.sha256(content.encode()).hexdigest()[:12]}.json"
    path.write_text(content, encoding="utf-8")
    return path


def write_photo(path: Path, seed: int) -> Path:
    """A small JPEG with texture (noise over gradients), so its perceptual hashes mean
    something."""
    rng = random.Random(seed)
    image = Image.new("RGB", (96, 64))
    image.putdata(
        [
            (rng.randrange(256), (x * 5 + seed) % 256, (y * 7) % 256)
            for y in range(64)
            for x in range(96)
        ]
    )
    image.save(path, quality=90)
    return path


def write_bomb_png(path: Path, width: int = 30_000, height: int = 30_000) -> Path:
    """A PNG of a hundred bytes that declares ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    idat = zlib.compress(b"\x00" * 64)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    path.write_bytes(png)
    return path


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th ``needle`` in ``text``."""
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    return text.count("\n", 0, start) + 1


# -- the agreement ----------------------------------------------------------------------------


def test_the_agreement_is_adopted_at_the_last_of_the_four_signatures(mechanism: RecordCli) -> None:
    (version,) = [
        json.loads(line) for line in mechanism("agreement", "show", "--json").splitlines()
    ]
    # genesis 0, proposal 1, five enrolments 2-6, then one signature each, in signing order
    assert version["version"] == 1
    assert version["proposed_at"] == 1
    assert version["signed"] == {"pk": 7, "af": 8, "tr": 9, "qa": 10}
    assert version["missing"] == []
    assert version["adopted_at"] == 10 == max(version["signed"].values())
    assert (
        version["digest"]
        == CliRunner().invoke(app, ["agreement", "check", str(BUNDLED)]).stdout.strip()
    )
    assert mechanism.size() == 11


def test_agreement_check_prints_the_digest_of_the_bundled_file() -> None:
    result = CliRunner().invoke(app, ["agreement", "check", str(BUNDLED)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("sha256:")
    assert len(result.stdout.strip()) == len("sha256:") + 64
    checked = json.loads(
        CliRunner().invoke(app, ["agreement", "check", str(BUNDLED), "--json"]).stdout
    )
    assert checked == {"id": "istanbul-2025", "version": 1, "digest": result.stdout.strip()}


def _duplicated_clause(text: str) -> tuple[str, int, str]:
    broken = text.replace('id = "2(b)"', 'id = "2(a)"', 1)
    return broken, line_of(broken, 'id = "2(a)"', 2), "clauses[2].id: clause '2(a)' is used twice"


def _unknown_party(text: str) -> tuple[str, int, str]:
    old = 'id = "af-disrupt-logistics"\nparty = "af"'
    broken = text.replace(old, old.replace('"af"', '"zz"'))
    return broken, line_of(broken, 'party = "zz"'), "commitments[5].party: unknown party 'zz'"


def _commitment_without_clock(text: str) -> tuple[str, int, str]:
    broken = text.replace('clock = "continuous"\n', "", 1)
    # a missing key is reported on the line of its table
    return broken, line_of(broken, "[[commitments]]"), "commitments[0].clock: a commitment needs"


@pytest.mark.parametrize(
    "breakage",
    [_duplicated_clause, _unknown_party, _commitment_without_clock],
    ids=["duplicated clause", "unknown party", "no clock"],
)
def test_a_broken_agreement_file_is_refused_with_its_line_and_field(
    tmp_path: Path, breakage: Callable[[str], tuple[str, int, str]]
) -> None:
    broken, line, message = breakage(bundled_text())
    path = tmp_path / "broken.toml"
    path.write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(app, ["agreement", "check", str(path)])
    assert result.exit_code == 3, result.output
    assert f"{path}:{line}: {message}" in result.output
    assert result.stdout == ""


def test_init_with_a_broken_agreement_creates_nothing(database_url: str, tmp_path: Path) -> None:
    broken, line, message = _duplicated_clause(bundled_text())
    path = tmp_path / "broken.toml"
    path.write_text(broken, encoding="utf-8")
    cli = RecordCli(tmp_path / "data", database_url)
    assert f"{path}:{line}: {message}" in cli("init", "--agreement", str(path), code=3)
    assert not cli.data.exists() or [p for p in cli.data.rglob("*") if p.is_file()] == []
    assert table_names(database_url) == []
    cli("init", "--agreement", str(BUNDLED))  # and the store is still free for a good file
    assert "log_entries" in table_names(database_url)


def table_names(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


# -- reports ----------------------------------------------------------------------------------

YAML_REPORT: Final = """\
# Pakistan's liaison reports fire from across the border; the dates are YAML dates, unquoted
kind: allegation
dates:
  start: 2025-10-20
  end: 2025-10-21
  precision: day
location:
  latitude: 34.1
  longitude: 71.1
  precision: near
  place: Torkham
  sector: torkham
act: artillery_fire
alleged_party: af
narrative: Mortar rounds landed near the Torkham crossing on two nights.
language: en
sources:
  - name: ISPR
    kind: party
    reliability: C
    credibility: 3
"""
FLAGS_REPORT: Final = (
    "--act", "artillery_fire", "--party", "af", "--date", "2025-10-20",
    "--lat", "34.1", "--lon", "71.1", "--place", "Torkham",
    "--narrative", "Shells landed near the crossing.", "--source", "monitor team:monitor:B:2",
)  # fmt: skip


def test_a_key_the_log_has_not_enrolled_is_refused_as_a_permission(
    mechanism: RecordCli, tmp_path: Path
) -> None:
    stranger = write_key(tmp_path / "stranger.key", SigningKey.generate("stranger"))
    body = write_json(tmp_path, allegation_body())
    size = mechanism.size()
    refused = mechanism("report", "submit", "--key", str(stranger), "--file", str(body), code=6)
    assert "key: the key signs as 'stranger', an actor this log has not enrolled" in refused
    assert mechanism.size() == size


def test_flags_beside_a_report_file_are_refused_not_lost(
    mechanism: RecordCli, tmp_path: Path
) -> None:
    size = mechanism.size()
    path = write_json(tmp_path, allegation_body())
    result = mechanism.invoke(
        "report", "submit", "--key", mechanism.key("af-liaison-1"), "--file", str(path),
        "--act", "airstrike", "--narrative", "override", code=3,
    )  # fmt: skip
    assert "--act, --narrative cannot be given beside it" in " ".join(result.output.split())
    assert mechanism.size() == size


def test_a_report_is_submitted_from_json_from_yaml_or_from_flags(
    mechanism: RecordCli, tmp_path: Path
) -> None:
    from_json = mechanism.submit("af-liaison-1", allegation_body(), tmp_path)
    yaml_file = tmp_path / "report.yaml"
    yaml_file.write_text(YAML_REPORT, encoding="utf-8")
    from_yaml = mechanism.out(
        "report", "submit", "--key", mechanism.key("pk-liaison-1"), "--file", str(yaml_file)
    )
    from_flags = mechanism.out(
        "report", "submit", "--key", mechanism.key("monitor-1"), *FLAGS_REPORT
    )

    ids = [from_json, from_yaml, from_flags]
    assert all(len(i) == 32 and set(i) <= set("0123456789abcdef") for i in ids)
    listed = mechanism.reports()
    assert list(listed) == ids[::-1]  # newest first
    assert listed[from_json]["body"] == allegation_body()
    yaml_body = listed[from_yaml]["body"]
    assert yaml_body["dates"] == {"start": "2025-10-20", "end": "2025-10-21", "precision": "day"}
    assert (listed[from_yaml]["actor"], listed[from_yaml]["affiliation"]) == ("pk-liaison-1", "pk")
    flags_body = listed[from_flags]["body"]
    assert (flags_body["act"], flags_body["alleged_party"]) == ("artillery_fire", "af")
    assert flags_body["location"]["place"] == "Torkham"
    assert flags_body["sources"] == [
        {"name": "monitor team", "kind": "monitor", "reliability": "B", "credibility": 2}
    ]
    assert mechanism.json("verify")["ok"] is True


def _flags(**changes: str) -> list[str]:
    """FLAGS_REPORT with some options' values replaced (or added)."""
    args = list(FLAGS_REPORT)
    for name, value in changes.items():
        option = "--" + name.replace("_", "-")
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    return args


def test_refused_reports_name_the_field_and_leave_the_log_unchanged(
    mechanism: RecordCli, tmp_path: Path, subtests: pytest.Subtests
) -> None:
    mechanism.submit("af-liaison-1", allegation_body(), tmp_path)
    low_above_best = allegation_body()
    low_above_best["casualties"]["killed"]["civilian"] = {"low": 30, "best": 15, "high": 40}
    malformed = tmp_path / "malformed.json"
    malformed.write_text('{\n  "kind": "allegation",\n  "act":\n}\n', encoding="utf-8")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("kind: allegation\ndates: [2025-10-20\nact: airstrike\n", encoding="utf-8")

    def from_file(body: Mapping[str, Any]) -> list[str]:
        return ["--file", str(write_json(tmp_path, body))]

    cases: list[tuple[str, str, list[str], int, str]] = [
        ("unknown act", "monitor-1", _flags(act="shelling"), 3, "act: no act 'shelling'"),
        ("latitude", "monitor-1", _flags(lat="54.1"), 3, "location.latitude: latitude 54.1"),
        ("longitude", "monitor-1", _flags(lon="11.1"), 3, "location.longitude: longitude 11.1"),
        ("end before start", "monitor-1", _flags(end_date="2025-10-19"), 3, "dates.end: the end"),
        (
            "casualties low above best",
            "af-liaison-1",
            from_file(low_above_best),
            3,
            "casualties.killed.civilian.best: expected low <= best <= high",
        ),
        (
            "malformed JSON",
            "af-liaison-1",
            ["--file", str(malformed)],
            3,
            f"{malformed}:4: not valid JSON",
        ),
        (
            "malformed YAML",
            "af-liaison-1",
            ["--file", str(bad_yaml)],
            3,
            f"{bad_yaml}:3: not valid YAML",
        ),
        (
            "source with three parts",
            "monitor-1",
            _flags(source="monitor team:monitor:B"),
            3,
            "source: expected NAME:KIND:RELIABILITY:CREDIBILITY",
        ),
        (
            "source credibility",
            "monitor-1",
            _flags(source="a:monitor:B:x"),
            3,
            "source: credibility",
        ),
        ("source kind", "monitor-1", _flags(source="a:robot:B:2"), 3, "sources[0].kind: expected"),
        (
            "the other party's compliance claim",
            "pk-liaison-1",
            from_file(compliance_body()),
            6,
            "commitment: a liaison of 'pk' cannot claim compliance with 'af-dismantle-hideouts'",
        ),
        (
            "duplicate",
            "af-liaison-1",
            from_file(allegation_body()),
            5,
            "this report was already submitted by af-liaison-1",
        ),
    ]
    size = mechanism.size()
    for name, actor, args, code, message in cases:
        with subtests.test(name):
            output = mechanism("report", "submit", "--key", mechanism.key(actor), *args, code=code)
            assert message in output
    assert mechanism.size() == size  # the log only grows: unchanged now, unchanged after each


def test_no_report_is_accepted_before_every_signatory_has_signed(fresh: RecordCli) -> None:
    fresh("actors", "enrol", "monitor-1", "--role", "monitor")
    fresh("actors", "enrol", "pk-liaison-1", "--role", "liaison", "--for", "pk")
    fresh("agreement", "sign", "--key", fresh.key("pk-liaison-1"))  # one of four
    size = fresh.size()
    output = fresh("report", "submit", "--key", fresh.key("monitor-1"), *FLAGS_REPORT, code=5)
    assert "no version of the agreement is in force" in output
    assert fresh.size() == size
    assert fresh.reports() == {}


def test_a_confidential_report_is_read_only_by_its_party_and_the_mediators_until_disclosed(
    mechanism: RecordCli, tmp_path: Path
) -> None:
    body = allegation_body(narrative="Shelling of Wesh village from the Chaman side.")
    report = mechanism.submit("af-liaison-1", body, tmp_path, "--confidential")

    assert report not in mechanism.reports()
    assert report not in mechanism.reports("--as", "pk-liaison-1")
    for reader in ("af-liaison-1", "tr-mediator-1"):
        seen = mechanism.reports("--as", reader)[report]
        assert (seen["confidential"], seen["disclosed_at"]) == (True, None)
        assert seen["body"] == body
    # the log holds a salted commitment, not the content
    entries = [json.loads(line) for line in mechanism("log", "entries", "--json").splitlines()]
    leaf = json.loads(base64.b64decode(entries[-1]["leaf"]))
    assert leaf["id"] == report
    assert "commitment" in leaf
    assert "Wesh" not in json.dumps(leaf)

    # for those who may not read it, it does not exist: the same answer as an unknown id
    unknown = mechanism("report", "show", UNKNOWN_REPORT, code=4)
    for as_reader in ([], ["--as", "pk-liaison-1"]):
        hidden = mechanism("report", "show", report, *as_reader, code=4)
        assert hidden.replace(report, UNKNOWN_REPORT) == unknown

    disclosed_at = mechanism.size()
    mechanism("report", "disclose", report, "--key", mechanism.key("af-liaison-1"))
    public = mechanism.json("report", "show", report)
    assert (public["confidential"], public["disclosed_at"]) == (True, disclosed_at)
    assert public["body"] == body
    assert report in mechanism.reports("--as", "pk-liaison-1")
    assert mechanism.json("verify")["ok"] is True


def test_a_correction_supersedes_and_only_the_submitters_side_may_withdraw(
    mechanism: RecordCli, tmp_path: Path
) -> None:
    first = mechanism.submit("af-liaison-1", allegation_body(), tmp_path)
    corrected_body = allegation_body(narrative="Strike at night; the market was hit twice.")
    corrected_file = write_json(tmp_path, corrected_body)
    key = mechanism.key("af-liaison-1")
    args = ("--file", str(corrected_file), "--reason", "second strike confirmed")
    second = mechanism.out("report", "correct", first, "--key", key, *args)

    listed = mechanism.reports()
    assert (listed[first]["status"], listed[first]["superseded_by"]) == ("corrected", second)
    assert (listed[second]["status"], listed[second]["corrects"]) == ("active", first)
    assert listed[second]["body"] == corrected_body

    size = mechanism.size()
    refused = mechanism(
        "report", "withdraw", second, "--key", mechanism.key("pk-liaison-1"), "--reason", "no",
        code=6,
    )  # fmt: skip
    assert "may not withdraw this report" in refused
    assert mechanism.size() == size
    mechanism("report", "withdraw", second, "--key", key, "--reason", "duplicate of a UN report")
    withdrawn = mechanism.reports()[second]
    assert (withdrawn["status"], withdrawn["withdrawn_at"]) == ("withdrawn", size)

    again = mechanism("report", "correct", second, "--key", key, *args, code=5)
    assert f"body.corrects: report {second} is withdrawn" in again
    assert mechanism.size() == size + 1

    # a person reading either report is told what ended it, and why
    shown = mechanism.out("report", "show", first).splitlines()
    assert shown[1] == (
        f"status: corrected by report {second} (index {size - 1}) by af-liaison-1: "
        "second strike confirmed"
    )
    assert shown[2] == "what: airstrike by pk"
    withdrawn_shown = mechanism.out("report", "show", second)
    assert (
        f"status: withdrawn at index {size} by af-liaison-1: duplicate of a UN report"
        in withdrawn_shown
    )
    assert "Strike at night; the market was hit twice." in withdrawn_shown
    note = mechanism.json("report", "show", second)["status_note"]
    assert note.endswith("duplicate of a UN report")


def test_a_report_is_shown_with_its_place_measured_and_what_contradicts_it(
    mechanism: RecordCli, tmp_path: Path
) -> None:
    """UCDP's point for the Torkham crossing lies 3.7 km inside Afghanistan; a report that
    gives it exactly and says Pakistan is shown with the contradiction, not refused."""
    where = {"latitude": 34.190457, "longitude": 71.069264, "precision": "exact", "country": "PK"}
    path = write_json(tmp_path, allegation_body(location=where))
    submitted = mechanism.invoke(
        "report", "submit", "--key", mechanism.key("monitor-1"), "--file", str(path)
    )
    report = submitted.stdout.strip()  # the id, as ever; the submitter is told on stderr
    warned = " ".join(submitted.stderr.split())
    assert "⚠ place: the report says Pakistan, but the point lies in Afghanistan" in warned
    shown = mechanism.out("report", "show", report).splitlines()
    assert "border: The point lies in Afghanistan, 3.7 km from the border line" in shown[-3]
    assert shown[-3].endswith("Sector: torkham.")  # named by none, measured
    assert shown[-2].startswith("⚠ place: the report says Pakistan, but the point lies in")
    place = mechanism.json("report", "show", report)["place"]
    assert (place["side"], place["sector"], len(place["flags"])) == ("AF", "torkham", 1)


def test_a_report_given_by_flags_may_say_its_country_and_is_told_where_the_point_lies(
    mechanism: RecordCli,
) -> None:
    submitted = mechanism.invoke(
        "report", "submit", "--key", mechanism.key("monitor-1"), "--act", "artillery_fire",
        "--party", "af", "--date", "2025-10-20", "--lat", "34.190457", "--lon", "71.069264",
        "--precision", "exact", "--country", "PK", "--narrative", "Shells at the crossing.",
        "--source", "monitor team:monitor:B:2",
    )  # fmt: skip
    assert submitted.exit_code == 0, submitted.output
    warned = " ".join(submitted.stderr.split())
    assert "⚠ place: the report says Pakistan, but the point lies in Afghanistan" in warned
    report = submitted.stdout.strip()
    assert mechanism.json("report", "show", report)["body"]["location"]["country"] == "PK"


# -- evidence ---------------------------------------------------------------------------------


def test_evidence_is_stored_by_its_hash_with_its_chain_of_custody_in_order(
    mechanism: RecordCli, tmp_path: Path
) -> None:
    report = mechanism.out("report", "submit", "--key", mechanism.key("monitor-1"), *FLAGS_REPORT)
    photo = write_photo(tmp_path / "torkham.jpg", seed=1)
    monitor, mediator = mechanism.key("monitor-1"), mechanism.key("tr-mediator-1")
    sha256 = mechanism.out("evidence", "add", str(photo), "--report", report, "--key", monitor)
    assert sha256 == hashlib.sha256(photo.read_bytes()).hexdigest()
    shown_report = mechanism.out("report", "show", report).splitlines()  # standard output only
    assert shown_report[-2].startswith(f"evidence {sha256} torkham.jpg (image/jpeg): ")
    assert shown_report[-1] == "(--json for the whole report)"

    size = mechanism.size()
    no_receiver = mechanism(
        "evidence", "custody", sha256, "--action", "transferred", "--key", monitor, code=3
    )
    assert "body.to: a transfer names the actor it goes to" in no_receiver
    assert mechanism.size() == size
    mechanism(
        "evidence", "custody", sha256, "--action", "transferred", "--to", "tr-mediator-1",
        "--key", monitor,
    )  # fmt: skip
    mechanism(
        "evidence", "custody", sha256, "--action", "analysed", "--note", "EXIF read",
        "--key", mediator,
    )  # fmt: skip

    (shown,) = [
        json.loads(line) for line in mechanism("evidence", "show", sha256, "--json").splitlines()
    ]
    assert (shown["report"], shown["name"], shown["size"]) == (
        report,
        "torkham.jpg",
        photo.stat().st_size,
    )
    assert shown["metadata"]["media_type"] == "image/jpeg"
    assert len(shown["metadata"]["phash"]) == 16
    steps = [(s["index"], s["action"], s["actor"], s["to"], s["note"]) for s in shown["custody"]]
    assert steps == [
        (size - 1, "submitted", "monitor-1", None, None),
        (size, "transferred", "monitor-1", "tr-mediator-1", None),
        (size + 1, "analysed", "tr-mediator-1", None, "EXIF read"),
    ]
    evidence = mechanism.json("report", "show", report)["evidence"]
    assert [e["sha256"] for e in evidence] == [sha256]


def test_evidence_verify_detects_a_stored_file_changed_on_disk(
    mechanism: RecordCli, tmp_path: Path
) -> None:
    report = mechanism.out("report", "submit", "--key", mechanism.key("monitor-1"), *FLAGS_REPORT)
    photo = write_photo(tmp_path / "crater.jpg", seed=2)
    key = mechanism.key("monitor-1")
    sha256 = mechanism.out("evidence", "add", str(photo), "--report", report, "--key", key)
    assert "matches its hash" in mechanism("evidence", "verify")

    stored = mechanism.data / "evidence" / "sha256" / sha256[:2] / sha256[2:4] / sha256
    assert stored.read_bytes() == photo.read_bytes()
    stored.chmod(0o644)  # the locker stores files read-only
    stored.write_bytes(stored.read_bytes()[:-1] + b"\x00")
    output = mechanism("evidence", "verify", code=7)
    assert f"evidence {sha256}: the stored file no longer has this SHA-256" in output


def test_refused_evidence_leaves_neither_file_nor_event(
    mechanism: RecordCli, tmp_path: Path, subtests: pytest.Subtests
) -> None:
    report = mechanism.out("report", "submit", "--key", mechanism.key("monitor-1"), *FLAGS_REPORT)
    text_as_jpeg = tmp_path / "strike.jpg"
    text_as_jpeg.write_text("a caption, not a photo\n", encoding="utf-8")
    two_megabytes = tmp_path / "statement.txt"
    two_megabytes.write_text((("shelled " * 128)[:1023] + "\n") * 2048, encoding="utf-8")
    bomb = write_bomb_png(tmp_path / "bomb.png")
    limit = {"CEASEFIRE_MAX_EVIDENCE_MB": "1"}
    mismatch = "name: the name strike.jpg says image/jpeg, the content is text/plain"
    too_big = "file: the file is 2,097,152 bytes (2.0 MiB), over the limit of 1,048,576 bytes"
    bomb_message = (
        "file: the image declares 30000×30000 = 900,000,000 pixels, over the limit of "
        "40,000,000: refused before decoding, as a decompression bomb"
    )
    cases: list[tuple[str, Path, dict[str, str], str]] = [
        ("name", text_as_jpeg, {}, mismatch),
        ("size", two_megabytes, limit, too_big),
        ("pixels", bomb, {}, bomb_message),
    ]
    size = mechanism.size()
    key = mechanism.key("monitor-1")
    for name, path, env, message in cases:
        with subtests.test(name):
            args = ("evidence", "add", str(path), "--report", report, "--key", key)
            result = mechanism.invoke(*args, code=3, env=env)
            assert message in result.output
    assert mechanism.size() == size
    locker = mechanism.data / "evidence"
    assert not locker.exists() or not [p for p in locker.rglob("*") if p.is_file()]


# -- read models ------------------------------------------------------------------------------


def test_verify_names_a_tampered_read_model_and_rebuild_repairs_it(
    mechanism: RecordCli, tmp_path: Path
) -> None:
    report = mechanism.submit("af-liaison-1", allegation_body(), tmp_path)
    size = mechanism.size()
    assert json.loads(mechanism.out("rebuild", "--json")) == {"replayed": size}
    assert mechanism.json("verify")["ok"] is True

    engine = create_engine(mechanism.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE rm_reports SET status = 'withdrawn' WHERE id = :id"), {"id": report}
            )
    finally:
        engine.dispose()
    failed = json.loads(mechanism("verify", "--json", code=7))
    assert failed["ok"] is False
    (problem,) = failed["problems"]
    assert problem["where"] == f"read model rm_reports ('{report}',)"
    assert "status: expected 'active', found 'withdrawn'" in problem["message"]
    assert mechanism.reports()[report]["status"] == "withdrawn"  # what a reader would be told

    mechanism("rebuild")
    assert mechanism.json("verify")["ok"] is True
    assert mechanism.reports()[report]["status"] == "active"
    assert mechanism.size() == size


def test_db_upgrade_from_a_release_that_copied_report_bodies_rebuilds_the_read_models(
    mechanism: RecordCli, tmp_path: Path
) -> None:
    """Revision 0007 keeps where a report's body lies instead of a copy: the upgrade empties the
    read models and rebuilds them, and every report reads as it did — public, corrected,
    confidential (from the content store) and disclosed."""
    key = mechanism.key("af-liaison-1")
    first = mechanism.submit("af-liaison-1", allegation_body(), tmp_path)
    correction = write_json(tmp_path, allegation_body(narrative="The market was hit twice."))
    mechanism("report", "correct", first, "--key", key, "--file", str(correction), "--reason", "x")
    sealed = mechanism.submit("af-liaison-1", allegation_body(narrative="Sealed."), tmp_path,
                              "--confidential")  # fmt: skip
    disclosed = mechanism.submit("af-liaison-1", allegation_body(narrative="Later public."),
                                 tmp_path, "--confidential")  # fmt: skip
    mechanism("report", "disclose", disclosed, "--key", key)
    before = mechanism.reports("--as", "tr-mediator-1")
    assert before[sealed]["body"]["narrative"] == "Sealed."
    engine = make_engine(mechanism.database_url)
    try:
        migrate.downgrade(engine, "0006")
    finally:
        engine.dispose()

    upgraded = mechanism("db", "upgrade")
    assert "schema at revision 0008 (was 0006)" in upgraded
    assert f"rebuilt the read models from {mechanism.size():,} log entries" in upgraded
    assert mechanism.reports("--as", "tr-mediator-1") == before
    assert mechanism.json("verify")["ok"] is True


def test_db_upgrade_to_the_entry_index_derives_it_from_the_leaves(
    mechanism: RecordCli, tmp_path: Path
) -> None:
    """Revision 0008 makes ``rm_events`` the log's entry index, with each public body's digest:
    the upgrade derives it again from the leaves, and a duplicate is still refused."""
    body = write_json(tmp_path, allegation_body(narrative="Shelling near the crossing."))
    key = mechanism.key("af-liaison-1")
    mechanism("report", "submit", "--key", key, "--file", str(body))
    engine = make_engine(mechanism.database_url)
    try:
        migrate.downgrade(engine, "0007")
        upgraded = mechanism("db", "upgrade")
        with engine.connect() as connection:
            digests = connection.execute(
                text("SELECT count(body_digest), count(*) FROM rm_events")
            ).one()
    finally:
        engine.dispose()
    assert "schema at revision 0008 (was 0007)" in upgraded
    assert f"rebuilt the read models from {mechanism.size():,} log entries" in upgraded
    assert 0 < digests[0] <= digests[1] == mechanism.size()
    assert mechanism.json("verify")["ok"] is True
    assert "already" in mechanism("report", "submit", "--key", key, "--file", str(body), code=5)


# -- actors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "affiliation", "messages"),
    [
        ("liaison", None, ["a liaison acts for a party", "(pk, af)"]),
        ("liaison", "zz", ["unknown party 'zz'", "pk, af"]),
        ("mediator", "pk", ["unknown mediator 'pk'", "tr, qa"]),
        ("party", None, ["unknown role 'party'", "liaison, monitor, mediator, observer"]),
    ],
)
def test_an_enrolment_the_agreement_does_not_allow_is_refused_naming_the_choices(
    fresh: RecordCli, role: str, affiliation: str | None, messages: list[str]
) -> None:
    size = fresh.size()
    args = ["actors", "enrol", "new-actor", "--role", role]
    if affiliation is not None:
        args += ["--for", affiliation]
    output = fresh(*args, code=3)
    assert all(message in output for message in messages), output
    assert fresh.size() == size
    assert not Path(fresh.key("new-actor")).exists()


# -- messages and details ---------------------------------------------------------------------


def test_an_unknown_party_is_refused_in_plain_english(fresh: RecordCli) -> None:
    output = fresh("actors", "enrol", "new-actor", "--role", "liaison", "--for", "zz", code=3)
    assert "the agreement's parties are pk, af" in output


def test_disclosing_a_public_report_is_a_conflict_not_a_missing_report(
    mechanism: RecordCli, tmp_path: Path
) -> None:
    report = mechanism.submit("af-liaison-1", allegation_body(), tmp_path)
    key = mechanism.key("af-liaison-1")
    assert "is not confidential" in mechanism("report", "disclose", report, "--key", key, code=5)


def test_a_read_model_difference_is_not_reported_at_index_none(fresh: RecordCli) -> None:
    engine = create_engine(fresh.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE rm_events SET actor = 'someone' WHERE idx = 1"))
    finally:
        engine.dispose()
    output = fresh("verify", code=7)
    assert "entry index rm_events (1,)" in output
    assert "None" not in output


def test_the_entry_index_is_the_logs_own_and_rebuild_entries_derives_it_again(
    fresh: RecordCli,
) -> None:
    """Each entry's id, type, signer and time are written with its leaf: a rebuild of the read
    models keeps them, derives them again when rows are missing, and on ``--entries``."""
    size = fresh.size()
    engine = create_engine(fresh.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE rm_events SET actor = 'someone' WHERE idx = 1"))
        fresh("rebuild")
        assert "(run `ceasefire rebuild --entries`)" in fresh("verify", code=7)
        fresh("rebuild", "--entries")
        assert fresh.json("verify")["ok"] is True

        with engine.begin() as connection:
            connection.execute(text("DELETE FROM rm_events WHERE idx = 1"))
        assert json.loads(fresh.out("rebuild", "--json")) == {"replayed": size}
        assert fresh.json("verify")["ok"] is True
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT count(*) FROM rm_events")).scalar_one()
        assert rows == size
    finally:
        engine.dispose()


def test_the_tool_of_a_custody_step_is_shown(fresh: RecordCli, tmp_path: Path) -> None:
    fresh("actors", "enrol", "monitor-1", "--role", "monitor")
    key = fresh.key("monitor-1")
    sha256 = fresh.out("evidence", "add", str(write_photo(tmp_path / "p.jpg", 3)), "--key", key)
    fresh(
        "evidence", "custody", sha256, "--action", "analysed", "--tool", "exiftool 12.76",
        "--key", key,
    )  # fmt: skip
    (shown,) = [
        json.loads(line) for line in fresh("evidence", "show", sha256, "--json").splitlines()
    ]
    assert "exiftool 12.76" in json.dumps(shown["custody"])


def test_a_report_list_filter_no_report_can_match_is_refused(mechanism: RecordCli) -> None:
    result = mechanism.invoke("report", "list", "--status", "bogus", code=3)
    assert "no report has status 'bogus'" in result.output


def test_a_report_list_by_sector_files_a_place_naming_none_where_the_reader_sees_it(
    mechanism: RecordCli, tmp_path: Path
) -> None:
    imported = mechanism.submit("monitor-1", observation_body(location=dict(TORKHAM)), tmp_path)
    blurred = mechanism.submit(
        "af-liaison-1", allegation_body(location=dict(BLURRED_OVER_AN_EDGE)), tmp_path
    )
    named = mechanism.submit("af-liaison-1", allegation_body(), tmp_path)

    assert set(mechanism.reports("--sector", "torkham")) == {imported}
    assert set(mechanism.reports("--sector", "kurram")) == {blurred}  # where the public sees it
    as_submitter = ("--as", "af-liaison-1")
    assert set(mechanism.reports("--sector", "torkham", *as_submitter)) == {imported, blurred}
    assert set(mechanism.reports("--sector", "kurram", *as_submitter)) == set()
    assert set(mechanism.reports("--sector", "chaman-spin-boldak")) == {named}
    where = next(x for x in mechanism.out("report", "show", blurred).splitlines() if "where" in x)
    assert "blurred to" in where  # the public's point is not the place: the text says so
    assert "blurred to" not in mechanism.out("report", "show", blurred, *as_submitter)
