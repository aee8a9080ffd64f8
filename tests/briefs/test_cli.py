"""``ceasefire brief`` through Typer's runner: render, regenerate, publish, list."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from typer.testing import CliRunner

from ceasefire.cli.demo import WEEKS
from ceasefire.cli.main import app
from tests.briefs.conftest import BUSY_WEEK, WEEK

runner = CliRunner()


def _brief(data: Path, out: Path, *extra: str) -> str:
    result = runner.invoke(
        app,
        [
            "brief",
            "--data",
            str(data),
            "--period",
            "weekly",
            "--date",
            WEEK,
            "--out",
            str(out),
            "--json",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    return str(document["sha256"])


def test_brief_regenerated_gives_the_same_digest(demo_dir: Path, tmp_path: Path) -> None:
    for kind in ("md", "html"):
        first = _brief(demo_dir, tmp_path / f"a.{kind}", "--format", kind)
        second = _brief(demo_dir, tmp_path / f"b.{kind}", "--format", kind)
        assert first == second
        every = _brief(demo_dir, tmp_path / f"c.{kind}", "--format", kind, "--every-entry")
        assert every == first, "folding every entry gives the same brief"
    assert (tmp_path / "a.md").read_text().startswith("# Weekly brief, 2025-11-03 to 2025-11-09")


def test_confidential_edition_needs_the_mediators_side(demo_dir: Path, tmp_path: Path) -> None:
    refused = runner.invoke(
        app,
        [
            "brief",
            "--data",
            str(demo_dir),
            "--period",
            "weekly",
            "--date",
            WEEK,
            "--edition",
            "confidential",
            "--format",
            "md",
            "--out",
            str(tmp_path / "x.md"),
        ],
    )
    assert refused.exit_code != 0
    assert "mediators' side" in refused.output
    _brief(
        demo_dir,
        tmp_path / "c.md",
        "--edition",
        "confidential",
        "--as",
        "tr-mediator-1",
        "--format",
        "md",
    )
    assert "withheld from this edition" not in (tmp_path / "c.md").read_text()


def test_publish_records_the_digests_and_lists_them(own_demo: Path, tmp_path: Path) -> None:
    published = runner.invoke(
        app,
        [
            "brief",
            "--data",
            str(own_demo),
            "--period",
            "weekly",
            "--date",
            BUSY_WEEK,
            "--publish",
            "--key",
            str(own_demo / "keys" / "secretariat-1.key"),
            "--json",
        ],
    )
    assert published.exit_code == 0, published.output
    recorded = json.loads(published.stdout)
    size = recorded["checkpoint"]["size"]
    md = tmp_path / "again.md"
    result = runner.invoke(
        app,
        [
            "brief",
            "--data",
            str(own_demo),
            "--period",
            "weekly",
            "--date",
            BUSY_WEEK,
            "--checkpoint",
            str(size),
            "--format",
            "md",
            "--out",
            str(md),
        ],
    )
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(md.read_bytes()).hexdigest() == recorded["sha256"]["md"]
    listed = runner.invoke(app, ["brief", "--data", str(own_demo), "--published", "--json"])
    assert listed.exit_code == 0, listed.output
    entries = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(entries) == len(WEEKS) + 1  # the demo's weekly briefs, and this one
    (entry,) = [e for e in entries if e["index"] == recorded["index"]]
    assert entry["actor"] == "secretariat-1"
    assert entry["sha256"] == recorded["sha256"]


def test_a_liaison_may_not_publish(own_demo: Path) -> None:
    result = runner.invoke(
        app,
        [
            "brief",
            "--data",
            str(own_demo),
            "--period",
            "daily",
            "--date",
            WEEK,
            "--publish",
            "--key",
            str(own_demo / "keys" / "pk-liaison-1.key"),
        ],
    )
    assert result.exit_code != 0
    assert "may not publish a brief" in result.output


def test_bad_options_are_named(demo_dir: Path) -> None:
    result = runner.invoke(
        app, ["brief", "--data", str(demo_dir), "--period", "yearly", "--date", WEEK]
    )
    assert result.exit_code != 0
    assert "period" in result.output and "daily, weekly, monthly" in result.output
