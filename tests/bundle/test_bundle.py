"""Offline bundles: exported from SQLite and PostgreSQL, verified with no database, and every
kind of tampering refused with a message that names what and where."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ceasefire import bootstrap
from ceasefire.cli.common import EXIT_VERIFICATION_FAILED
from ceasefire.cli.main import app
from ceasefire.log.bundle_format import BundleError
from ceasefire.log.checkpoint import Checkpoint, sign_checkpoint
from ceasefire.log.cosignature import cosign
from ceasefire.log.keys import SigningKey
from ceasefire.log.note import Note
from ceasefire.services import casework
from ceasefire.services.bundle import export_bundle, verify_bundle
from ceasefire.services.ports import CosignatureRow
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import read_key
from ceasefire.storage.log_store import SqlLogStore
from tests.bundle.conftest import COSIGNED_AT, DEMO_SIZE, WITNESSES
from tests.bundle.helpers import Line, changed, find, leaf, lines, with_leaf, write

# --- round trip ----------------------------------------------------------------------------------


def test_export_round_trips_and_rebuilds_the_servers_status(
    scenario_store: tuple[SqlLogStore, Path], tmp_path: Path
) -> None:
    store, _ = scenario_store
    out = io.BytesIO()
    exported = export_bundle(store, out)
    path = tmp_path / "b.jsonl"
    path.write_bytes(out.getvalue())

    result = verify_bundle(path)

    size = store.head().size
    assert result.ok, result.verify.problems
    assert (exported.size, exported.checkpoints, exported.cosignatures) == (size, size, 2)
    assert result.verify.entries_checked == size
    assert result.verify.checkpoints_checked == exported.checkpoints
    assert result.evaluation is not None
    assert result.evaluation == casework.status(store, as_of=result.evaluation.as_of)
    assert result.confirmation is not None
    assert result.confirmation.cosigners == tuple(sorted(WITNESSES))
    assert result.confirmation.quorum_met
    assert result.confirmation.latest_confirmed == size


def test_export_is_deterministic_and_a_prefix_ends_on_its_checkpoint(
    scenario_store: tuple[SqlLogStore, Path], tmp_path: Path
) -> None:
    store, _ = scenario_store
    first, second, prefix = io.BytesIO(), io.BytesIO(), io.BytesIO()
    export_bundle(store, first)
    export_bundle(store, second)
    export_bundle(store, prefix, size=40)
    path = tmp_path / "prefix.jsonl"
    path.write_bytes(prefix.getvalue())

    result = verify_bundle(path)

    assert first.getvalue() == second.getvalue()
    assert result.ok, result.verify.problems
    assert result.verify.size == 40
    assert result.confirmation is not None
    assert not result.confirmation.quorum_met  # the witnesses cosigned only the latest


def test_the_status_as_of_an_earlier_moment_is_the_servers(bundle_file: Path) -> None:
    moment = datetime(2025, 11, 1, tzinfo=UTC)
    with bootstrap.opened(Settings(data=bundle_file.parent / "store")) as store:
        server = casework.status(store, as_of=moment)

    result = verify_bundle(bundle_file, as_of=moment)

    assert result.evaluation == server  # status, steps, commitments and their explanations


def test_cli_exports_and_verifies_with_a_verdict(bundle_file: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    data = bundle_file.parent / "store"
    out = tmp_path / "cli.jsonl"
    exported = runner.invoke(app, ["bundle", "export", "--data", str(data), "--out", str(out)])
    verified = runner.invoke(app, ["verify", "--bundle", str(out)])
    as_json = runner.invoke(app, ["verify", "--bundle", str(out), "--json"])

    assert exported.exit_code == 0, exported.output
    assert out.read_bytes() == bundle_file.read_bytes()
    assert verified.exit_code == 0, verified.output
    assert f"ok: ceasefire.demo/pak-afg-2025 at size {DEMO_SIZE} verifies" in verified.output
    confirmed = f"checkpoint {DEMO_SIZE}: confirmed under the agreement's witness policy"
    assert confirmed in verified.output
    report = json.loads(as_json.output)
    assert report["ok"] is True
    assert report["confirmation"]["latest_confirmed_size"] == DEMO_SIZE
    assert report["status"]["status"] in ("holding", "strained", "breached")


def test_export_refuses_a_size_without_a_checkpoint(bundle_file: Path) -> None:
    runner = CliRunner()
    data = bundle_file.parent / "store"
    out = bundle_file.parent / "never.jsonl"
    args = ["bundle", "export", "--data", str(data), "--out", str(out), "--size", "999"]
    result = runner.invoke(app, args)

    assert result.exit_code == 3
    assert f"expected a size of 1 to {DEMO_SIZE}, found 999" in result.output
    assert not out.exists()


# --- tampering -----------------------------------------------------------------------------------


def _entry_changed(records: list[Line], index: int, offset: int, xor: int) -> list[Line]:
    position = find(records, "entry")[index]
    raw = bytearray(leaf(records[position]))
    raw[offset % len(raw)] ^= xor
    records[position] = with_leaf(records[position], bytes(raw))
    return records


def test_a_changed_entry_byte_is_named_by_its_index(bundle_file: Path, tmp_path: Path) -> None:
    path = changed(bundle_file, tmp_path / "t.jsonl", lambda r: _entry_changed(r, 57, 120, 0x01))

    result = verify_bundle(path)

    first = result.verify.first_problem
    assert not result.ok
    assert first is not None and first.index == 57
    assert first.where == "entry 57"
    messages = {p.where: p.message for p in result.verify.problems}
    assert "the signed root is not the root" in messages["checkpoint at size 58"]


def test_a_removed_entry_is_named(bundle_file: Path, tmp_path: Path) -> None:
    path = changed(bundle_file, tmp_path / "t.jsonl", lambda r: r[:10] + r[11:])

    with pytest.raises(BundleError, match=r"line 11: entry 9 is missing: found entry 10"):
        verify_bundle(path)


def test_a_removed_and_renumbered_entry_breaks_the_checkpoint_at_its_size(
    bundle_file: Path, tmp_path: Path
) -> None:
    def drop(records: list[Line]) -> list[Line]:
        entries = find(records, "entry")
        del records[entries[30]]
        for position in find(records, "entry")[30:]:
            records[position]["index"] -= 1
        records[0]["size"] -= 1
        records[-1]["entries"] -= 1
        last = (r.get("kind") == "checkpoint" and r["size"] == DEMO_SIZE for r in records)
        records = [r for r, dropped in zip(records, list(last), strict=True) if not dropped]
        records[-1]["checkpoints"] -= 1
        return records

    result = verify_bundle(changed(bundle_file, tmp_path / "t.jsonl", drop))

    wheres = [p.where for p in result.verify.problems]
    assert not result.ok
    assert "checkpoint at size 31" in wheres
    assert "checkpoint at size 30" not in wheres


def test_a_checkpoint_resigned_with_another_key_is_named_by_its_size(
    bundle_file: Path, tmp_path: Path
) -> None:
    forger = SigningKey.generate("ceasefire.demo/pak-afg-2025")

    def resign(records: list[Line]) -> list[Line]:
        position = next(i for i in find(records, "checkpoint") if records[i]["size"] == 100)
        text = Note.from_text(records[position]["note"]).text
        records[position]["note"] = sign_checkpoint(Checkpoint.from_text(text), forger).to_text()
        return records

    result = verify_bundle(changed(bundle_file, tmp_path / "t.jsonl", resign))

    problems = [p for p in result.verify.problems if p.where == "checkpoint at size 100"]
    assert not result.ok
    assert problems and "the signed note does not verify" in problems[0].message


def test_a_forged_cosignature_is_named_by_witness_and_size(
    bundle_file: Path, tmp_path: Path
) -> None:
    forger = SigningKey.generate("witness-pk")

    def forge(records: list[Line]) -> list[Line]:
        position = find(records, "checkpoint")[-1]
        note = Note.from_text(records[position]["note"])
        line = cosign(note, forger, int(COSIGNED_AT.timestamp())).to_line()
        records[position]["cosignatures"] = [
            line if c.startswith("— witness-pk ") else c for c in records[position]["cosignatures"]
        ]
        return records

    result = verify_bundle(changed(bundle_file, tmp_path / "t.jsonl", forge))

    assert not result.ok
    assert [p.where for p in result.verify.problems] == [
        f"cosignature by witness-pk of checkpoint {DEMO_SIZE}"
    ]


def _cut(data: bytes, how: str) -> bytes:
    if how == "last byte":
        return data[:-1]
    if how == "mid-line":
        return data[:5000]
    return b"".join(data.splitlines(keepends=True)[:50])  # "at a line"


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("last byte", "line 262: the last line is cut off"),
        ("mid-line", "the last line is cut off"),
        ("at a line", "line 50: the file ends without its end record: truncated"),
    ],
)
def test_a_truncated_bundle_is_refused(
    bundle_file: Path, tmp_path: Path, how: str, reason: str
) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(_cut(bundle_file.read_bytes(), how))

    with pytest.raises(BundleError, match=reason):
        verify_bundle(path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        (b"PK\x03\x04 a zip file\n", "the first line is not JSON"),
        (b'{"format": "ceasefire-bundle/v0"}\n', "expected format 'ceasefire-bundle/v1'"),
        (b"[1, 2, 3]\n", "not a ceasefire-bundle/v1 bundle"),
    ],
)
def test_a_file_that_is_no_bundle_is_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "other"
    path.write_bytes(content)

    with pytest.raises(BundleError, match=reason):
        verify_bundle(path)


def test_an_altered_agreement_record_is_caught(bundle_file: Path, tmp_path: Path) -> None:
    def alter(records: list[Line]) -> list[Line]:
        records[find(records, "agreement")[0]]["digest"] = "sha256:" + "0" * 64
        return records

    result = verify_bundle(changed(bundle_file, tmp_path / "t.jsonl", alter))

    assert [p.where for p in result.verify.problems] == ["agreement records"]


def test_an_altered_key_record_is_caught(bundle_file: Path, tmp_path: Path) -> None:
    def alter(records: list[Line]) -> list[Line]:
        position = next(i for i in find(records, "key") if records[i]["actor"] == "witness-pk")
        records[position]["affiliation"] = "af"
        return records

    result = verify_bundle(changed(bundle_file, tmp_path / "t.jsonl", alter))

    assert [p.where for p in result.verify.problems] == ["key cache"]


def test_a_pinned_log_key_must_match(bundle_file: Path) -> None:
    other = SigningKey.generate("ceasefire.demo/pak-afg-2025").note_key().to_text()

    result = verify_bundle(bundle_file, log_key=other)

    assert [p.where for p in result.verify.problems] == ["header"]


def test_cli_exits_7_naming_the_bad_entry_and_the_bad_file(
    bundle_file: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    tampered = changed(bundle_file, tmp_path / "t.jsonl", lambda r: _entry_changed(r, 5, 3, 4))
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(bundle_file.read_bytes()[:5000])

    failed = runner.invoke(app, ["verify", "--bundle", str(tampered)])
    truncated = runner.invoke(app, ["verify", "--bundle", str(cut)])

    assert failed.exit_code == 7
    assert "FAILED" in failed.output and "first bad index: 5" in failed.output
    assert truncated.exit_code == 7
    assert "truncated" in truncated.output


@settings(max_examples=25)
@given(
    index=st.integers(min_value=0, max_value=DEMO_SIZE - 1),
    offset=st.integers(min_value=0, max_value=10_000),
    xor=st.integers(min_value=1, max_value=255),
)
def test_any_single_byte_flip_in_an_entry_is_caught_at_that_entry(
    bundle_file: Path, tmp_path_factory: pytest.TempPathFactory, index: int, offset: int, xor: int
) -> None:
    records = _entry_changed(lines(bundle_file), index, offset, xor)
    path = write(tmp_path_factory.mktemp("flip") / "t.jsonl", records)

    result = verify_bundle(path)

    first = result.verify.first_problem
    assert first is not None and first.index == index


def test_verify_refuses_a_cosignature_dated_after_the_readers_clock(
    scenario_store: tuple[SqlLogStore, Path], tmp_path: Path
) -> None:
    """A cosignature stored behind the server's back (its own check refuses one from the
    future), dated a day ahead: ``verify`` judges it by the reader's clock, on the database
    and in a bundle of it."""
    store, data = scenario_store
    latest = store.latest_checkpoint()
    ahead = int(datetime.now(UTC).timestamp()) + 86_400
    line = cosign(Note.from_text(latest.note), read_key(data / "keys" / "witness-af.key"), ahead)
    row = CosignatureRow(latest.size, line.name, line.key_id, ahead, line.to_line())
    assert store.add_cosignature(row)
    bundle = tmp_path / "ahead.jsonl"
    with bundle.open("wb") as stream:
        export_bundle(store, stream)
    runner = CliRunner()
    url = store.engine.url.render_as_string(hide_password=False)
    for where in (["--data", str(data), "--database-url", url], ["--bundle", str(bundle)]):
        verified = runner.invoke(app, ["verify", *where])
        assert verified.exit_code == EXIT_VERIFICATION_FAILED, verified.output
        assert f"cosignature by witness-af of checkpoint {latest.size}" in verified.output
        assert "no witness can have cosigned in the future" in verified.output


def test_the_trusted_log_key_may_be_given_as_a_file_under_either_name(
    bundle_file: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    data = bundle_file.parent / "store"
    vkey = runner.invoke(app, ["log", "vkey", "--data", str(data)]).output.strip()
    pinned = tmp_path / "log.vkey"
    pinned.write_text(vkey + "\n")
    for option in ("--log-vkey", "--log-key"):
        for trusted in (str(pinned), vkey):
            verified = runner.invoke(app, ["verify", "--bundle", str(bundle_file), option, trusted])
            assert verified.exit_code == 0, verified.output
    missing = runner.invoke(app, ["verify", "--bundle", str(bundle_file), "--log-vkey", "nope"])
    assert missing.exit_code == 4 and "log_vkey: no file at nope" in missing.output
    other = SigningKey.generate("ceasefire.demo/pak-afg-2025").note_key().to_text()
    refused = runner.invoke(app, ["verify", "--bundle", str(bundle_file), "--log-vkey", other])
    assert refused.exit_code == EXIT_VERIFICATION_FAILED
    assert "the bundle's log key is not the one trusted" in refused.output
