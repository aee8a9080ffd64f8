"""Export, then import the export, on the real datasets (``../shared/data/real``; skipped when
absent, failed under ``CI=true``): a record's own export adds nothing and changes nothing in
every format, its own reports among the rows (and a whole release re-imported withdraws only
the rows it dropped), an export mixing datasets fills a fresh record row by row under each
row's own dataset, the columns a dataset's rows kept come back out, and an export written
before the system's columns changes nothing it can recognise and refuses the rest."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Final

import pytest

from ceasefire.domain import projection as pj
from ceasefire.domain.actors import Actor
from ceasefire.interchange import acled, files, ucdp
from ceasefire.interchange.formats import Format, read
from ceasefire.interchange.generic_csv import parse_mapping
from ceasefire.interchange.reading import SYSTEM_COLUMNS
from ceasefire.interchange.rows import Reject
from ceasefire.log.keys import SigningKey
from ceasefire.services import exports as export_service
from ceasefire.services import imports as import_service
from ceasefire.services import release_scope
from tests.integration.test_imports import MAPPINGS, NOW, importer, real
from tests.record_factories import Mechanism, make_mechanism
from tests.report_bodies import allegation_body, compliance_body

Source = tuple[str, Format, str | None, str]
"""A real file, read as, with --mapping (CSV) or --dataset (UCDP), and --release."""
MIXED: Final[tuple[Source, ...]] = (
    ("acled_balochistan_separatist_2020_2024.csv", Format.ACLED, None, ""),
    ("ucdp_candidate_v26_0_2_pak_afg_2026jan_feb.csv", Format.UCDP, "ucdp-candidate", "26.0.2"),
    ("ucdp_candidate_2025_pak_afg_reduced.csv", Format.UCDP, None, ""),  # no coordinates
    # the two Kaggle files number their rows alike (S# 1, 2, …): one id, two datasets
    ("pakistan_drone_attacks_2004_2017.csv", Format.CSV, "pakistan-drone-attacks.toml", ""),
    ("pakistan_suicide_attacks_1995_2017.csv", Format.CSV, "pakistan-suicide-attacks.toml", ""),
)
HDX: Final = "ucdp_ged_pakistan_hdx_1989_2021.csv"


def load(mechanism: Mechanism, key: SigningKey, path: Path, source: Source) -> int:
    """Import ``path`` as ``source`` says; how many reports it added."""
    _, fmt, option, release = source
    mapping = None
    if fmt is Format.CSV and option is not None:
        mapping = parse_mapping((MAPPINGS / option).read_text(encoding="utf-8"), where=option)
    dataset = option if fmt is Format.UCDP else None
    ctx = import_service.context_for(mechanism.store, NOW, release=release, dataset=dataset)
    with files.open_text(path) as stream:
        counts = import_service.import_rows(
            mechanism.store, read(fmt, stream, ctx, mapping, name=path.stem), key=key,
            log_key=mechanism.log_key, now=NOW,
        )  # fmt: skip
    return counts.new


def export(mechanism: Mechanism, fmt: Format, folder: Path, viewer: Actor | None = None) -> Path:
    path = folder / f"export.{'geojson' if fmt is Format.GEOJSON else 'csv'}"
    with path.open("w", encoding="utf-8", newline="") as out:
        export_service.export_reports(mechanism.store, viewer, fmt, out)
    return path


def reimport(
    mechanism: Mechanism,
    key: SigningKey,
    path: Path,
    fmt: Format,
    *,
    dataset: str | None = None,
    withdraw: bool = False,
) -> tuple[import_service.ImportCounts, list[Reject]]:
    """Import ``path`` (``--dataset``, ``--withdraw-missing``)."""
    refused: list[Reject] = []
    ctx = import_service.context_for(mechanism.store, NOW, dataset=dataset)
    with files.open_text(path) as stream:
        counts = import_service.import_rows(
            mechanism.store, read(fmt, stream, ctx, name=path.stem), key=key,
            log_key=mechanism.log_key, now=NOW, rejects=refused.append,
        )  # fmt: skip
    if withdraw:
        release_scope.withdraw_missing(mechanism.store, counts, key, mechanism.log_key, NOW)
    return counts, refused


def by_dataset(mechanism: Mechanism) -> dict[str, int]:
    found: dict[str, int] = {}
    for row in mechanism.store.table(pj.REPORTS):
        if row["status"] == pj.ACTIVE and row["origin"]:
            dataset = json.loads(row["body"])["origin"]["dataset"]
            found[dataset] = found.get(dataset, 0) + 1
    return found


def test_a_record_s_own_export_adds_nothing_and_changes_nothing_in_every_format(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    key = importer(mechanism)
    held = sum(load(mechanism, key, real(source[0]), source) for source in MIXED)
    assert held == 1705 + 105 + 1292 + 403 + 491
    datasets, size = by_dataset(mechanism), mechanism.size()
    for fmt in Format:
        counts, refused = reimport(mechanism, key, export(mechanism, fmt, tmp_path), fmt)
        assert refused == [], (fmt, refused[:3])
        assert (counts.new, counts.changed, counts.unchanged) == (0, 0, held), fmt
        assert counts.datasets == set(datasets), fmt
    assert mechanism.size() == size
    assert by_dataset(mechanism) == datasets


@pytest.mark.parametrize("fmt", [Format.CSV, Format.GEOJSON])
def test_an_export_mixing_datasets_fills_a_fresh_record_row_by_row(
    mechanism: Mechanism, tmp_path: Path, fmt: Format
) -> None:
    key = importer(mechanism)
    for source in MIXED[1:2] + MIXED[3:]:
        load(mechanism, key, real(source[0]), source)
    path = export(mechanism, fmt, tmp_path)
    fresh = make_mechanism(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path / "fresh")
    try:
        counts, refused = reimport(fresh, importer(fresh), path, fmt)
        assert (counts.new, refused) == (105 + 403 + 491, [])
        assert by_dataset(fresh) == by_dataset(mechanism) == {
            "ucdp-candidate": 105, "csv:drone-strikes": 403, "csv:pakistan-suicide-attacks": 491,
        }  # fmt: skip
        again = export(fresh, fmt, tmp_path / "fresh")
        assert _data(again, fmt) == _data(path, fmt)  # the same rows, said the same way
    finally:
        fresh.close()


def _data(path: Path, fmt: Format) -> list[dict[str, str]]:
    """An export's rows without the system's columns, in the order of their origins."""
    if fmt is Format.GEOJSON:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        rows = [f["properties"] | {"geometry": json.dumps(f["geometry"])} for f in features]
    else:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    key = {k: (r["dataset"], r["dataset_id"]) for k, r in enumerate(rows)}
    ordered = [rows[k] for k in sorted(key, key=key.__getitem__)]
    return [{k: v for k, v in r.items() if k not in SYSTEM_COLUMNS} for r in ordered]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("acled_balochistan_separatist_2020_2024.csv", Format.ACLED),  # month
        (HDX, Format.UCDP),  # iso3
    ],
)
def test_every_column_a_dataset_s_rows_kept_comes_back_out(
    mechanism: Mechanism, tmp_path: Path, name: str, fmt: Format
) -> None:
    path = real(name)
    if name == HDX:  # its first 300 lines (with the HXL row) are enough
        with files.open_text(path) as stream:
            head = [line for _, line in zip(range(300), stream, strict=False)]
        path = tmp_path / name
        path.write_text("".join(head), encoding="utf-8")
    load(mechanism, importer(mechanism), path, (name, fmt, None, ""))
    with files.open_text(path) as stream:
        original = [r for r in csv.DictReader(stream) if not r["year"].startswith("#")]
    with export(mechanism, fmt, tmp_path).open(encoding="utf-8", newline="") as stream:
        back = list(csv.DictReader(stream))  # oldest first: in the file's order
    assert len(back) == len(original)
    for row, exported_row in zip(original, back, strict=True):
        assert {column: exported_row[column] for column in row} == row


# --- the record's own reports among the rows ----------------------------------------------------


def own_reports(mechanism: Mechanism) -> dict[str, str]:
    """Reports of the record's own, public but for one: two allegations, a compliance claim
    and a confidential allegation, by name."""
    return {
        "airstrike": mechanism.submit("af_liaison", allegation_body()),
        "shelling": mechanism.submit("pk_liaison", allegation_body(
            alleged_party="af", act="artillery_fire", actors=["Afghan border forces"],
            dates={"start": "2025-10-22", "end": "2025-10-22", "precision": "day"})),
        "claim": mechanism.submit("af_liaison", compliance_body()),
        "secret": mechanism.submit("pk_liaison", allegation_body(alleged_party="af"),
                                   confidential=True),
    }  # fmt: skip


def active(mechanism: Mechanism) -> set[str]:
    return {row["id"] for row in mechanism.store.table(pj.REPORTS) if row["status"] == pj.ACTIVE}


def test_a_whole_export_with_the_record_s_own_reports_reimports_to_nothing_and_withdraws_nothing(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    key = importer(mechanism)
    acled_file = MIXED[0]
    held = load(mechanism, key, real(acled_file[0]), acled_file)
    mine = own_reports(mechanism)
    before, size = active(mechanism), mechanism.size()
    for fmt in Format:
        counts, refused = reimport(mechanism, key, export(mechanism, fmt, tmp_path), fmt,
                                   withdraw=True)  # fmt: skip
        assert refused == [], (fmt, refused[:3])
        assert (counts.new, counts.changed, counts.rejected, counts.withdrawn) == (0, 0, 0, 0)
        assert counts.unchanged == held + 3, fmt  # the confidential report is not exported
        assert (counts.datasets, counts.kept) == ({"acled"}, []), fmt
    assert (active(mechanism), mechanism.size()) == (before, size)
    # a release that dropped two rows: those are withdrawn, the record's own reports never
    path = export(mechanism, Format.CSV, tmp_path)
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    dropped = [r for r in rows if r["dataset"]][:2] + [r for r in rows if not r["dataset"]][:1]
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(r for r in rows if r not in dropped)
    counts, refused = reimport(mechanism, key, path, Format.CSV, withdraw=True)
    assert (counts.unchanged, counts.withdrawn, refused) == (held + 3 - len(dropped), 2, [])
    assert active(mechanism) == before - {r["report_id"] for r in dropped[:2]}
    assert set(mine.values()) <= active(mechanism)


def test_a_report_the_importer_may_not_read_is_refused_as_one_the_record_lacks(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    key = importer(mechanism)
    mine = own_reports(mechanism)
    path = export(mechanism, Format.ACLED, tmp_path, mechanism.actor("tr_mediator"))
    size = mechanism.size()
    counts, refused = reimport(mechanism, key, path, Format.ACLED, withdraw=True)
    assert (counts.unchanged, counts.rejected, counts.withdrawn) == (3, 1, 0)
    (reject,) = refused
    assert reject.reason.startswith(f"report {mine['secret']} is the exporting record's own")
    assert counts.kept and "1 row was refused" in counts.kept[0]
    assert mechanism.size() == size


def test_another_record_s_own_reports_are_refused_there(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    own_reports(mechanism)
    path = export(mechanism, Format.GEOJSON, tmp_path)
    fresh = make_mechanism(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path / "fresh")
    try:
        counts, refused = reimport(fresh, importer(fresh), path, Format.GEOJSON, withdraw=True)
        assert (counts.unchanged, counts.rejected, counts.withdrawn) == (0, 3, 0)
        assert {r.field for r in refused} == {"dataset"}
    finally:
        fresh.close()


def test_the_record_s_own_allegations_travel_in_the_dataset_s_terms(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    """An ACLED export writes an allegation's act as the agreement classes it, so another
    record importing the file (``--dataset``) reads the act back where the class names one."""
    mine = own_reports(mechanism)
    path = export(mechanism, Format.ACLED, tmp_path)
    with path.open(encoding="utf-8", newline="") as source:
        rows = {row["report_id"]: row for row in csv.DictReader(source)}
    shelling = rows[mine["shelling"]]
    assert (shelling["event_type"], shelling["sub_event_type"]) == (
        "Explosions/Remote violence",
        "Shelling/artillery/missile attack",
    )
    assert rows[mine["airstrike"]]["event_type"] == "Explosions/Remote violence"
    fresh = make_mechanism(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path / "fresh")
    try:
        counts, refused = reimport(fresh, importer(fresh), path, Format.ACLED, dataset="pk-desk")
        assert (counts.new, refused) == (3, [])
        acts = {
            json.loads(row["body"])["origin"]["id"]: row["act"]
            for row in fresh.store.table(pj.REPORTS)
            if row["origin"]
        }
        assert acts[mine["shelling"]] == "artillery_fire"
    finally:
        fresh.close()


# --- an export written before the system's columns ----------------------------------------------


def old_layout(path: Path, fmt: Format) -> Path:
    """The export at ``path`` as the ACLED or UCDP export wrote it before the system's
    columns: the standard columns, then incident_id."""
    standard = acled.COLUMNS if fmt is Format.ACLED else ucdp.COLUMNS
    old = path.with_name(f"old-{path.name}")
    with (
        path.open(encoding="utf-8", newline="") as source,
        old.open("w", encoding="utf-8", newline="") as out,
    ):
        writer = csv.DictWriter(out, (*standard, "incident_id"), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(csv.DictReader(source))
    return old


def test_an_old_export_changes_nothing_it_recognises_and_refuses_what_it_cannot_place(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    key = importer(mechanism)
    for source in MIXED[:2]:  # ACLED (1,705 rows) and the UCDP candidates (105)
        load(mechanism, key, real(source[0]), source)
    own_reports(mechanism)
    size = mechanism.size()
    path = old_layout(export(mechanism, Format.ACLED, tmp_path), Format.ACLED)
    counts, refused = reimport(mechanism, key, path, Format.ACLED)
    assert (counts.new, counts.changed, counts.unchanged, counts.rejected) == (0, 0, 1705 + 3, 105)
    assert all("written before exports named each row's dataset" in r.reason for r in refused)
    path = old_layout(export(mechanism, Format.UCDP, tmp_path), Format.UCDP)
    counts, refused = reimport(mechanism, key, path, Format.UCDP, dataset="ucdp-candidate")
    assert (counts.new, counts.changed, counts.unchanged) == (0, 0, 105 + 3)
    assert counts.rejected == 1705  # ACLED rows read as UCDP candidates: no type of violence
    assert mechanism.size() == size


def test_an_export_of_every_status_changes_nothing_a_correction_superseded(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    """A dataset row corrected by a newer release is exported twice with ``status=all``: its
    superseded version, then the one in force. Re-imported, the superseded one is history, not
    news: it must not correct the record back, nor the one in force be refused as a repeat."""
    key = importer(mechanism)
    with real(MIXED[1][0]).open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))[:20]
    first, newer = tmp_path / "first.csv", tmp_path / "newer.csv"
    for path, best in ((first, rows[5]["best"]), (newer, "99")):
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows([*rows[:5], rows[5] | {"best": best, "high": "99"}, *rows[6:]])
    assert load(mechanism, key, first, MIXED[1]) == 20
    counts, _ = reimport(mechanism, key, newer, Format.UCDP, dataset="ucdp-candidate")
    assert counts.changed == 1
    size, held = mechanism.size(), active(mechanism)
    for fmt in Format:
        path = tmp_path / f"all.{fmt.value}"
        with path.open("w", encoding="utf-8", newline="") as out:
            every = export_service.ExportFilter(status="all")
            export_service.export_reports(mechanism.store, None, fmt, out, every)
        counts, refused = reimport(mechanism, key, path, fmt)
        assert refused == [], (fmt, refused[:3])
        assert (counts.new, counts.changed, counts.unchanged) == (0, 0, 21), fmt
    assert mechanism.size() == size and active(mechanism) == held
