"""``ceasefire demo``: the October–November 2025 scenario runs end to end, twice into the same
folder, and leaves a store the rest of the CLI works on."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ceasefire.cli import scenario_run
from ceasefire.cli.main import app
from ceasefire.cli.scenario import DEFAULT, parse

runner = CliRunner()


@dataclass(frozen=True)
class DemoRun:
    folder: Path
    output: str

    def cli(self, *args: str, code: int = 0) -> str:
        result = runner.invoke(app, [*args, "--data", str(self.folder)])
        assert result.exit_code == code, f"`ceasefire {' '.join(args)}`:\n{result.output}"
        return result.output

    def reports(self, *args: str) -> list[dict[str, Any]]:
        return [
            json.loads(line) for line in self.cli("report", "list", "--json", *args).splitlines()
        ]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    folder = tmp_path_factory.mktemp("demo") / "demo-data"
    for port in ("", "8123"):  # the second run replaces the folder the first one made
        result = runner.invoke(app, ["demo", "--data", str(folder)], env={"PORT": port})
        assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return DemoRun(folder, result.output)


def test_the_demo_tells_the_whole_story(demo: DemoRun) -> None:
    for told in (
        "version 1 adopted at index",
        "disclosure verified",
        "flag capture_time_mismatch: captured on 2024-10-11, 365 days before the event",
        "flag recycled_image: this image matches one submitted on 2025-10-20 for report",
        "status as of 2025-11-28T09:00:00Z: breached — af, as declared by pk (status_rules[0])",
        "investigating     2  torkham-case, hideout-case (reopened)",
        "chaman-firing: established, largely_attributable to pk, artillery_fire",
        "pk-notice: step 1 on pk, imposed at index",
        "logistics-deadline (af-disrupt-logistics due 2025-11-27): recorded at index",
        "checkpoint signature verified",
        "inclusion proof verified: report kurram",
        "consistency proof verified",
        "— witness-pk ",
        "— witness-af ",
        "verify: ok",
        "0 differences from the log",
        "verify on a copy with two letters swapped (Parachinar → Parachinra",
        "caught — first bad index",
        f"ceasefire report list --data {demo.folder} --as tr-mediator-1",
        f"ceasefire status --data {demo.folder} --as-of 2025-11-23",
    ):
        assert told in demo.output


def test_the_photos_raise_the_flags_the_story_needs(demo: DemoRun) -> None:
    def locker(report: str) -> str:
        """The evidence lines of one report, from its name to its chain of custody."""
        return demo.output.split(f"  report {report} (", 1)[1].split("custody:", 1)[0]

    wesh = re.search(r"  report spin-boldak \(([0-9a-f]{8})\)", demo.output)
    assert wesh is not None
    assert "no flags" in locker("paktika")
    # the corrected Kurram report keeps the photo of the report it corrects
    assert "flag capture_time_mismatch: captured on 2024-10-11" in locker("kurram-corrected")
    assert "no flags" in locker("spin-boldak")
    assert (
        "flag recycled_image: this image matches one submitted on 2025-10-20 for report "
        f"{wesh.group(1)}"
    ) in locker("luqman-fire")
    assert "no flags" in locker("hideout")


def test_the_photos_are_the_same_bytes_on_every_run() -> None:
    steps = [s for s in parse(DEFAULT).steps if s.do == "evidence"]
    photos = {s.label: s.fields["photo"] for s in steps}
    assert len(photos) >= 5
    for photo in photos.values():
        original = photos[photo.copy_of] if photo.copy_of else None
        first = scenario_run.photo_bytes(photo, original)
        assert first == scenario_run.photo_bytes(photo, original), photo.file


def test_the_public_sees_no_confidential_report_and_a_mediator_sees_more(demo: DemoRun) -> None:
    public = demo.reports()
    mediator = demo.reports("--as", "tr-mediator-1")
    assert all(not r["confidential"] or r["disclosed_at"] is not None for r in public)
    assert any(r["confidential"] and r["disclosed_at"] is not None for r in public)
    hidden = {r["id"] for r in mediator} - {r["id"] for r in public}
    assert hidden
    assert all(r["confidential"] for r in mediator if r["id"] in hidden)


def test_the_public_sees_a_withheld_source_as_withheld_and_the_place_blurred(
    demo: DemoRun,
) -> None:
    def torkham(reports: list[dict[str, Any]]) -> dict[str, Any]:
        return next(
            r["body"] for r in reports if r["body"].get("location", {}).get("sector") == "torkham"
        )

    public = torkham(demo.reports())
    mediator = torkham(demo.reports("--as", "tr-mediator-1"))
    assert [s["name"] for s in public["sources"] if s.get("withheld")] == ["withheld"]
    assert "withheld" not in [s["name"] for s in mediator["sources"]]
    assert public["location"]["blurred_km"] == 5
    assert "place" not in public["location"]
    assert mediator["location"]["place"] == "Torkham"


def test_the_demo_folder_verifies_and_its_keys_sign(demo: DemoRun) -> None:
    assert json.loads(demo.cli("verify", "--json"))["ok"] is True
    reports = demo.reports()
    chaman = next(r for r in reports if r["body"].get("location", {}).get("place") == "Chaman")
    key = str(demo.folder / "keys" / "pk-liaison-1.key")
    demo.cli("report", "withdraw", chaman["id"], "--key", key, "--reason", "trying the CLI")
    withdrawn = next(r for r in demo.reports() if r["id"] == chaman["id"])
    assert withdrawn["status"] == "withdrawn"


def test_demo_refuses_to_replace_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    result = runner.invoke(app, ["demo", "--data", str(tmp_path)])
    assert result.exit_code == 5
    assert (tmp_path / "precious.txt").exists()


def test_the_demo_writes_an_api_token_for_each_actor(demo: DemoRun) -> None:
    from ceasefire import bootstrap
    from ceasefire.services import tokens as token_service
    from ceasefire.settings import Settings

    files = sorted((demo.folder / "tokens").glob("*.token"))
    assert files
    assert "ceasefire serve --data" in demo.output
    assert "http://127.0.0.1:8123/api/v1/docs" in demo.output  # make demo's PORT, as served
    flat = " ".join(demo.output.split())
    assert "http://127.0.0.1:8123/?as_of=2025-11-28T09:00:00Z shows the dashboard" in flat
    with bootstrap.opened(Settings(data=demo.folder)) as store:
        for path in files:
            actor = token_service.resolve(store, path.read_text().strip())
            assert actor is not None
            assert actor.id == path.stem


def test_an_export_of_verified_incidents_holds_the_reports_of_issued_findings(
    demo: DemoRun,
) -> None:
    cases = [json.loads(line) for line in demo.cli("case", "list", "--json").splitlines()]
    shown = [json.loads(demo.cli("case", "show", c["id"], "--json")) for c in cases]
    found = {r for case in shown if case["findings"] for r in case["reports"]}
    incidents = [json.loads(line) for line in demo.cli("incident", "list", "--json").splitlines()]
    verified = {
        r["report"]
        for incident in incidents
        if found & {r["report"] for r in incident["reports"]}
        for r in incident["reports"]
    }

    result = runner.invoke(
        app, ["export", "--format", "csv", "--verification", "verified", "--data", str(demo.folder)]
    )

    exported = {row.split(",")[0] for row in result.stdout.splitlines()[1:]}
    assert exported
    assert exported == verified
