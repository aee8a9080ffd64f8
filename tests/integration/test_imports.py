"""Importing real datasets into a store (SQLite and PostgreSQL) and exporting them again.

The real files live in ``../shared/data/real`` (not in this repository: their terms forbid
republishing); the tests skip when the folder is absent, unless ``CI=true``, where they fail.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pytest

from ceasefire.domain import projection as pj
from ceasefire.domain.actors import Role
from ceasefire.geo import HOLDS
from ceasefire.interchange import acled, files, ucdp
from ceasefire.interchange.common import Context
from ceasefire.interchange.formats import Format, read
from ceasefire.interchange.generic_csv import parse_mapping
from ceasefire.interchange.rows import Imported, Reject
from ceasefire.log.keys import SigningKey
from ceasefire.services import exports as export_service
from ceasefire.services import imports as import_service
from ceasefire.services import keys as key_service
from tests.real_data import real_file
from tests.record_factories import Mechanism, make_mechanism

NOW: Final = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
STANDARD: Final = {Format.ACLED: set(acled.COLUMNS), Format.UCDP: {*ucdp.COLUMNS, "iso3"}}


def real(name: str) -> Path:
    return real_file(name)


@pytest.fixture
def mechanism(database_url: str, tmp_path: Path) -> Iterator[Mechanism]:
    found = make_mechanism(database_url, tmp_path / "data")
    yield found
    found.close()


def importer(mechanism: Mechanism, name: str = "importer-1") -> SigningKey:
    key = SigningKey.generate(name)
    key_service.enrol(
        mechanism.store,
        actor=name,
        public_key=key.public_key,
        role=Role.IMPORTER.value,
        affiliation=None,
        operator_key=mechanism.operator_key,
        log_key=mechanism.log_key,
        clock=mechanism.tick,
    )
    return key


def run_import(
    mechanism: Mechanism,
    key: SigningKey,
    path: Path,
    fmt: Format,
    *,
    release: str = "",
    dataset: str | None = None,
    chunk: int = import_service.CHUNK,
) -> tuple[import_service.ImportCounts, list[Reject]]:
    refused: list[Reject] = []
    ctx = import_service.context_for(mechanism.store, NOW, release=release, dataset=dataset)
    with files.open_text(path) as stream:
        counts = import_service.import_rows(
            mechanism.store,
            read(fmt, stream, ctx),
            key=key,
            log_key=mechanism.log_key,
            now=NOW,
            rejects=refused.append,
            chunk=chunk,
        )
    return counts, refused


def test_ucdp_candidate_imports_and_reimport_adds_nothing(mechanism: Mechanism) -> None:
    key = importer(mechanism)
    path = real("ucdp_candidate_v26_0_2_pak_afg_2026jan_feb.csv")
    counts, refused = run_import(mechanism, key, path, Format.UCDP, release="26.0.2", chunk=40)
    assert refused == []
    assert (counts.new, counts.rejected) == (105, 0)
    size = mechanism.size()
    again, _ = run_import(mechanism, key, path, Format.UCDP, release="26.0.2")
    assert (again.new, again.changed, again.unchanged) == (0, 0, 105)
    assert mechanism.size() == size


def test_a_newer_release_records_what_changed(mechanism: Mechanism, tmp_path: Path) -> None:
    key = importer(mechanism)
    path = real("ucdp_candidate_v26_0_2_pak_afg_2026jan_feb.csv")
    run_import(mechanism, key, path, Format.UCDP, release="26.0.2")
    with files.open_text(path) as stream:
        rows = list(csv.reader(stream))
    best = rows[0].index("best")
    rows[1][best] = str(int(rows[1][best]) + 1)
    newer = tmp_path / "newer.csv"
    with newer.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    counts, refused = run_import(mechanism, key, newer, Format.UCDP, release="26.0.3")
    assert refused == []
    # a row the new release left as it was is not corrected for its release label
    assert (counts.new, counts.changed, counts.unchanged) == (0, 1, 104)
    reports = mechanism.store.table("rm_reports")
    (corrected,) = [r for r in reports if r["status"] == "corrected"]
    (correction,) = [r for r in reports if r["corrects"] == corrected["id"]]
    assert json.loads(correction["body"])["origin"]["release"] == "26.0.3"
    kept = [json.loads(r["body"])["origin"]["release"] for r in reports if r["status"] == "active"]
    assert sorted(set(kept)) == ["26.0.2", "26.0.3"]


MAPPINGS: Final = Path(__file__).resolve().parents[2] / "docs" / "mappings"


@pytest.mark.parametrize(
    ("name", "mapping", "new", "rejected"),
    [
        # GTD: the date in three columns, NA for no value, an unnamed first column; it divides
        # the dead of a multi-part incident among the parts, and a fraction is refused
        ("gtd_pakistan_fata_1984_2015.csv", "gtd.toml", 2059, {
            ("nkill", "not a whole number"): 13,
        }),
        ("pakistan_drone_attacks_2004_2017.csv", "pakistan-drone-attacks.toml", 403, {
            ("Location", f"no place of that name in the gazetteer ({HOLDS}: give the "
             "coordinates)"): 1,
            ("S#", "the row has no id"): 1,
        }),
        ("pakistan_suicide_attacks_1995_2017.csv", "pakistan-suicide-attacks.toml", 491, {
            ("Longitude", "not a number"): 1,  # "_71.456944"
        }),
    ],
)  # fmt: skip
def test_the_documented_mappings_read_their_real_files(
    mechanism: Mechanism, name: str, mapping: str, new: int, rejected: dict[tuple[str, str], int]
) -> None:
    key = importer(mechanism)
    refused: list[Reject] = []
    ctx = import_service.context_for(mechanism.store, NOW)
    column_mapping = parse_mapping((MAPPINGS / mapping).read_text(encoding="utf-8"), where=mapping)
    with files.open_text(real(name)) as stream:
        counts = import_service.import_rows(
            mechanism.store, read(Format.CSV, stream, ctx, column_mapping), key=key,
            log_key=mechanism.log_key, now=NOW, rejects=refused.append,
        )  # fmt: skip
    reasons: dict[tuple[str, str], int] = {}
    for reject in refused:
        found = (reject.field or "", reject.reason)
        reasons[found] = reasons.get(found, 0) + 1
    assert (counts.new, reasons) == (new, rejected)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("acled_balochistan_separatist_2020_2024.csv", Format.ACLED),
        ("ucdp_candidate_v26_0_2_pak_afg_2026jan_feb.csv", Format.UCDP),
    ],
)
def test_round_trip_gives_back_every_mapped_column(
    mechanism: Mechanism, name: str, fmt: Format
) -> None:
    key = importer(mechanism)
    path = real(name)
    counts, refused = run_import(mechanism, key, path, fmt)
    assert refused == []
    out = io.StringIO()
    exported = export_service.export_reports(mechanism.store, None, fmt, out)
    assert exported == counts.new
    with files.open_text(path) as stream:
        original = list(csv.DictReader(stream))
    back = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert all(row["incident_id"] and row["verification"] == "unconfirmed" for row in back)
    key_of = _key(fmt)
    by_key = {key_of(row): row for row in back}
    for row in original:
        exported_row = by_key[key_of(row)]
        for column, value in row.items():
            if column in STANDARD[fmt]:  # a dataset's own extra columns stay in attributes
                assert exported_row[column] == value, (column, row)


def _key(fmt: Format) -> Callable[[dict[str, str]], object]:
    if fmt is Format.UCDP:
        return lambda row: row["id"]
    return lambda row: (row["event_date"], row["latitude"], row["notes"])


def test_reduced_and_hdx_ucdp_read_without_rejects() -> None:
    ctx = Context(now=NOW.date())
    for name in ("ucdp_candidate_2025_pak_afg_reduced.csv", "ucdp_ged_pakistan_hdx_1989_2021.csv"):
        with files.open_text(real(name)) as stream:
            results = list(read(Format.UCDP, stream, ctx))
        assert all(isinstance(r, Imported) for r in results), name


def test_a_body_admission_refuses_is_rejected_and_the_rest_imported(
    mechanism: Mechanism,
) -> None:
    key = importer(mechanism)
    body = {
        "kind": "observation",
        "dates": {"start": "2025-10-12", "end": "2025-10-12", "precision": "day"},
        "event_type": "Battles: Armed clash",
        "narrative": "A clash.",
        "language": "en",
        "sources": [{"name": "ACLED", "kind": "dataset", "reliability": "B", "credibility": 2}],
    }
    rows = [
        Imported(2 + i, "csv:t", f"r{i}", body | {"origin": {"dataset": "csv:t", "id": f"r{i}"}})
        for i in range(3)
    ]
    rows[1] = Imported(3, "csv:t", "r1", rows[1].body | {"act": "no_such_act"})
    refused: list[Reject] = []
    counts = import_service.import_rows(
        mechanism.store, rows, key=key, log_key=mechanism.log_key, now=NOW,
        rejects=refused.append,
    )  # fmt: skip
    assert (counts.new, counts.rejected) == (2, 1)
    assert (refused[0].line, refused[0].field) == (3, "body.act")


PLACES_ONLY: Final = """\
[dataset]
name = "press-watch"

[columns]
id = "Row"
date = "Date"
place = "Where"
event_type = "What"

[source]
name = "Press watch"
reliability = "C"
credibility = 3
"""


def test_a_row_that_only_names_its_place_is_placed_by_the_gazetteer(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    key = importer(mechanism)
    rows = [
        "Row,Date,Where,What",
        "1,2025-10-15,سپين بولدک,Armed clash",  # Spin Boldak, in Pashto script
        "2,2025-10-22,Torkham,Cross-border fire",  # a place the agreement names
        "3,2025-10-11,Khost,Armed clash",  # the town, or the province?
        "4,2025-10-12,Atlantis,Armed clash",
    ]
    path = tmp_path / "press.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    mapping = parse_mapping(PLACES_ONLY, where="press.toml")
    ctx = import_service.context_for(mechanism.store, NOW)
    refused: list[Reject] = []
    with files.open_text(path) as stream:
        counts = import_service.import_rows(
            mechanism.store,
            read(Format.CSV, stream, ctx, mapping),
            key=key,
            log_key=mechanism.log_key,
            now=NOW,
            rejects=refused.append,
        )

    assert (counts.new, counts.rejected) == (2, 2)
    located = {
        json.loads(r["body"])["origin"]["id"]: json.loads(r["body"])["location"]
        for r in mechanism.store.table(pj.REPORTS)
    }
    assert (located["1"]["country"], located["1"]["precision"]) == ("AF", "exact")
    assert located["1"]["admin1"] == "Kandahar"
    assert located["2"]["country"] == "PK"
    ambiguous, unknown = refused
    assert (ambiguous.line, ambiguous.field) == (4, "Where")
    assert "ambiguous" in ambiguous.reason and "province" in ambiguous.reason
    assert unknown.line == 5
    assert "no place of that name" in unknown.reason
