"""``ceasefire import`` and ``ceasefire export`` from the shell: counts on stdout, rejects to a
file with line, field and reason, a re-import that adds nothing, an exit code when every row
is refused, exports that carry the incident id and its verification status (and are filtered
by it), and an export that imports again as nothing new — the record's own reports among its
rows, or written before the system's columns."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Final

import pytest

from ceasefire.interchange import acled
from tests.cli.test_record_cli import RecordCli, fresh, mechanism  # noqa: F401 (fixtures)
from tests.report_bodies import allegation_body, compliance_body

HEADER: Final = (
    "event_id_cnty,event_date,event_type,sub_event_type,actor1,latitude,longitude,fatalities,notes"
)
ROWS: Final = (
    "PAK1,2025-10-12,Battles,Armed clash,Military Forces of Pakistan,31.0052,66.3994,2,Clash",
    "PAK2,2025-10-13,Battles,Armed clash,Unidentified Armed Group,95,66.3994,1,Bad latitude",
    "PAK3,2025-10-14,Explosions/Remote violence,Air/drone strike,,32.9,69.4,0,Strike",
)


@pytest.fixture
def importer(mechanism: RecordCli) -> RecordCli:  # noqa: F811
    mechanism("actors", "enrol", "importer-1", "--role", "importer")
    return mechanism


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "acled.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_counts_rejects_and_reimport(importer: RecordCli, tmp_path: Path) -> None:
    path = write(tmp_path, *ROWS)
    rejects = tmp_path / "rejects.csv"
    key = importer.key("importer-1")
    args = ("import", str(path), "--format", "acled", "--key", key)
    out = importer.out(*args, "--rejects", str(rejects))
    assert out == "read=3 new=2 changed=0 unchanged=0 rejected=1"
    (reject,) = csv.DictReader(io.StringIO(rejects.read_text(encoding="utf-8")))
    assert (reject["line"], reject["field"], reject["value"]) == ("3", "latitude", "95")
    again = json.loads(importer.out(*args, "--json"))
    assert (again["new"], again["unchanged"], again["rejected"]) == (0, 2, 1)
    assert "line 3, field latitude" in again["rejects"][0]


def test_a_whole_release_withdraws_the_row_it_dropped(importer: RecordCli, tmp_path: Path) -> None:
    key = importer.key("importer-1")
    importer.out("import", str(write(tmp_path, ROWS[0], ROWS[2])), "--key", key)
    args = ("import", str(write(tmp_path, ROWS[0])), "--key", key, "--withdraw-missing")
    assert importer.out(*args).endswith("unchanged=1 rejected=0 withdrawn=1")
    assert importer.out(*args).endswith("unchanged=1 rejected=0 withdrawn=0")
    spoilt = importer.invoke("import", str(write(tmp_path, *ROWS[:2])), "--key", key,
                             "--withdraw-missing")  # fmt: skip
    assert "not withdrawn: 1 row was refused" in " ".join(spoilt.output.split())


def test_import_fails_when_every_row_or_the_header_is_refused(
    importer: RecordCli, tmp_path: Path
) -> None:
    key = importer.key("importer-1")
    result = importer.invoke("import", str(write(tmp_path, ROWS[1])), "--key", key, code=3)
    assert "rejected=1" in result.stdout
    path = tmp_path / "x.csv"
    path.write_text("date;type\n2025-10-12;x\n", encoding="utf-8")
    result = importer.invoke("import", str(path), "--format", "acled", "--key", key, code=3)
    assert "lacks the columns" in result.output


def test_outputs_that_cannot_be_written_are_refused_before_any_work(
    importer: RecordCli, tmp_path: Path
) -> None:
    key, path = importer.key("importer-1"), write(tmp_path, *ROWS)
    size = importer.size()
    nowhere = str(tmp_path / "no-such-folder" / "rejects.csv")
    result = importer.invoke("import", str(path), "--key", key, "--rejects", nowhere, code=3)
    assert "there is no folder" in result.output and "Traceback" not in result.output
    assert importer.size() == size  # nothing appended
    result = importer.invoke("export", "--format", "acled", "--out", nowhere, code=3)
    assert "there is no folder" in result.output
    result = importer.invoke("bundle", "export", "--out", nowhere, code=3)
    assert f"cannot use {nowhere}" in result.output and "Traceback" not in result.output


def test_a_mapping_is_refused_for_a_file_read_as_acled(importer: RecordCli, tmp_path: Path) -> None:
    mapping = Path(__file__).parents[2] / "docs" / "mappings" / "gtd.toml"
    key, size = importer.key("importer-1"), importer.size()
    args = ("import", str(write(tmp_path, *ROWS)), "--key", key, "--mapping", str(mapping))
    result = importer.invoke(*args, code=3)
    assert "--mapping applies to CSV and GeoJSON files" in " ".join(result.output.split())
    assert importer.size() == size


@pytest.mark.parametrize("format_", ["acled", "csv", "geojson"])
def test_a_signing_key_given_as_the_file_is_refused_and_never_quoted(
    importer: RecordCli, format_: str
) -> None:
    key = importer.key("importer-1")
    result = importer.invoke("import", key, "--format", format_, "--key", key, code=3)
    assert "is a private signing key, not a dataset" in result.output
    secret = Path(key).read_text(encoding="utf-8").strip().split("+", 4)[4]
    assert secret[:12] not in result.output


def test_export_carries_the_incident_id_and_filters(importer: RecordCli, tmp_path: Path) -> None:
    importer.out("import", str(write(tmp_path, *ROWS)), "--key", importer.key("importer-1"))
    text = importer.out("export", "--format", "acled")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["event_id_cnty"] for r in rows] == ["PAK1", "PAK3"]
    incidents = [r["incident_id"] for r in rows]
    assert all(incidents) and len(set(incidents)) == 2  # a strike 300 km from the clash
    only = importer.out("export", "--format", "csv", "--from", "2025-10-14", "--type", "Explosions")
    assert [r["dataset_id"] for r in csv.DictReader(io.StringIO(only))] == ["PAK3"]
    out = tmp_path / "out.geojson"
    importer.invoke("export", "--format", "geojson", "--bbox", "66,30,67,32", "--out", str(out))
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [f["properties"]["dataset_id"] for f in doc["features"]] == ["PAK1"]


@pytest.mark.parametrize("format_", ["acled", "ucdp", "csv", "geojson"])
def test_importing_the_export_adds_nothing(
    importer: RecordCli, tmp_path: Path, format_: str
) -> None:
    key = importer.key("importer-1")
    importer.out("import", str(write(tmp_path, *ROWS)), "--key", key)
    out = tmp_path / f"export.{format_}"
    importer.invoke("export", "--format", format_, "--out", str(out))
    size = importer.size()
    again = importer.out("import", str(out), "--format", format_, "--key", key)
    assert again == "read=2 new=0 changed=0 unchanged=2 rejected=0"
    assert importer.size() == size


def test_a_key_that_may_not_import_is_refused_before_any_row(
    importer: RecordCli, tmp_path: Path
) -> None:
    key, size = importer.key("af-liaison-1"), importer.size()
    result = importer.invoke("import", str(write(tmp_path, *ROWS)), "--key", key, code=6)
    assert "af-liaison-1 may not import" in " ".join(result.output.split())
    assert "rejected" not in result.output and importer.size() == size


@pytest.mark.parametrize("format_", ["acled", "ucdp", "csv", "geojson"])
def test_a_whole_export_with_the_record_s_own_reports_imports_as_nothing_and_withdraws_nothing(
    importer: RecordCli, tmp_path: Path, format_: str
) -> None:
    key = importer.key("importer-1")
    importer.out("import", str(write(tmp_path, *ROWS)), "--key", key)
    importer.submit("af-liaison-1", allegation_body(), tmp_path)
    importer.submit("af-liaison-1", compliance_body(), tmp_path)
    out = tmp_path / f"export.{format_}"
    importer.invoke("export", "--format", format_, "--out", str(out))
    size = importer.size()
    again = importer.out("import", str(out), "--format", format_, "--key", key,
                         "--withdraw-missing")  # fmt: skip
    assert again == "read=4 new=0 changed=0 unchanged=4 rejected=0 withdrawn=0"
    assert importer.size() == size


def test_export_says_and_filters_by_the_verification_status(
    importer: RecordCli, tmp_path: Path
) -> None:
    importer.out("import", str(write(tmp_path, *ROWS)), "--key", importer.key("importer-1"))
    claim = importer.submit("af-liaison-1", compliance_body(), tmp_path)
    rows = list(csv.DictReader(io.StringIO(importer.out("export", "--format", "acled"))))
    assert {r["report_id"]: r["verification"] for r in rows if not r["incident_id"]} == {claim: ""}
    assert {r["verification"] for r in rows if r["incident_id"]} == {"unconfirmed"}
    only = importer.out("export", "--format", "csv", "--verification", "unconfirmed")
    assert [r["dataset_id"] for r in csv.DictReader(io.StringIO(only))] == ["PAK1", "PAK3"]
    none = importer.out("export", "--format", "csv", "--verification", "verified")
    assert list(csv.DictReader(io.StringIO(none))) == []
    refused = importer.invoke("export", "--format", "csv", "--verification", "checked", code=3)
    assert "expected one of unconfirmed, confirmed" in " ".join(refused.output.split())


def test_an_export_written_before_the_system_s_columns_imports_as_nothing(
    importer: RecordCli, tmp_path: Path
) -> None:
    key = importer.key("importer-1")
    importer.out("import", str(write(tmp_path, *ROWS)), "--key", key)
    text = importer.out("export", "--format", "acled")
    old = tmp_path / "old.csv"
    with old.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, (*acled.COLUMNS, "incident_id"), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(csv.DictReader(io.StringIO(text)))
    size = importer.size()
    again = importer.out("import", str(old), "--key", key, "--withdraw-missing")
    assert again == "read=2 new=0 changed=0 unchanged=2 rejected=0 withdrawn=0"
    assert importer.size() == size
