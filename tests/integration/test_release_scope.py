"""A file imported as a dataset's whole release withdraws the rows it dropped (SQLite and
PostgreSQL), and nothing when it cannot be trusted to be whole."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain import projection as pj
from ceasefire.domain.report_origin import origin_key
from ceasefire.interchange import files
from ceasefire.interchange.formats import Format
from ceasefire.log.keys import SigningKey
from ceasefire.services import imports as import_service
from ceasefire.services import release_scope
from ceasefire.services.entries import public_entries
from ceasefire.services.release_scope import Held, Missing
from ceasefire.services.reports import ReportFilter, page_reports
from tests.integration.test_imports import NOW, importer, real, run_import
from tests.record_factories import Mechanism, make_mechanism
from tests.report_bodies import observation_body

CANDIDATE = "ucdp_candidate_v26_0_2_pak_afg_2026jan_feb.csv"


@pytest.fixture
def mechanism(database_url: str, tmp_path: Path) -> Iterator[Mechanism]:
    found = make_mechanism(database_url, tmp_path / "data")
    yield found
    found.close()


def release_without(tmp_path: Path, dropped: set[int], *, bad: int | None = None) -> Path:
    """The real candidate file without the data rows numbered in ``dropped`` (from 1), and
    with row ``bad``'s latitude spoilt."""
    with files.open_text(real(CANDIDATE)) as stream:
        rows = list(csv.reader(stream))
    latitude = rows[0].index("latitude")
    if bad is not None:
        rows[bad][latitude] = "north"
    kept = [row for n, row in enumerate(rows) if n not in dropped]
    path = tmp_path / f"release-{len(kept)}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(kept)
    return path


def whole_release(
    mechanism: Mechanism, key: SigningKey, path: Path, release: str
) -> import_service.ImportCounts:
    counts, _ = run_import(mechanism, key, path, Format.UCDP, release=release)
    release_scope.withdraw_missing(mechanism.store, counts, key, mechanism.log_key, NOW)
    return counts


def statuses(mechanism: Mechanism) -> dict[str, str]:
    """Each dataset row's report status (the newest report of the row)."""
    rows = sorted(mechanism.store.table("rm_reports"), key=lambda r: r["idx"])
    return {row["origin"]: row["status"] for row in rows if row["origin"]}


def row_ids(path: Path, numbers: set[int]) -> set[str]:
    with files.open_text(path) as stream:
        rows = list(csv.reader(stream))
    return {origin_key("ucdp-ged", rows[n][0]) for n in numbers}


def test_a_whole_release_withdraws_the_rows_it_dropped(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    key = importer(mechanism)
    first, _ = run_import(mechanism, key, real(CANDIDATE), Format.UCDP, release="26.0.2")
    assert first.new == 105
    newer = release_without(tmp_path, {3, 40, 105})
    counts = whole_release(mechanism, key, newer, "26.0.3")
    assert (counts.unchanged, counts.withdrawn, counts.kept) == (102, 3, [])
    gone = row_ids(real(CANDIDATE), {3, 40, 105})
    held = statuses(mechanism)
    assert {o for o, status in held.items() if status == pj.WITHDRAWN} == gone
    assert sum(1 for status in held.values() if status == pj.ACTIVE) == 102
    entries = public_entries(mechanism.store, 0, mechanism.size(), ("report.",))
    withdrawals = [e for e in entries if e.type == "report.withdrawn"]
    assert len(withdrawals) == 3
    assert {e.actor for e in withdrawals} == {key.name}
    assert all(
        str(e.body["reason"]).startswith("ucdp-ged 26.0.3: row ") for e in withdrawals if e.body
    )

    size = mechanism.size()
    again = whole_release(mechanism, key, newer, "26.0.3")
    assert (again.withdrawn, mechanism.size()) == (0, size)

    # a later release holding the rows again brings them back as new reports
    back = whole_release(mechanism, key, real(CANDIDATE), "26.0.4")
    assert (back.new, back.unchanged, back.withdrawn) == (3, 102, 0)
    assert all(statuses(mechanism)[o] == pj.ACTIVE for o in gone)


def test_nothing_is_withdrawn_when_a_row_was_refused(mechanism: Mechanism, tmp_path: Path) -> None:
    key = importer(mechanism)
    run_import(mechanism, key, real(CANDIDATE), Format.UCDP, release="26.0.2")
    counts = whole_release(mechanism, key, release_without(tmp_path, {3}, bad=10), "26.0.3")
    assert (counts.rejected, counts.withdrawn) == (1, 0)
    (why,) = counts.kept
    assert why.startswith("1 row was refused") and "nothing was withdrawn" in why
    assert all(status == pj.ACTIVE for status in statuses(mechanism).values())


def test_an_empty_file_withdraws_nothing(mechanism: Mechanism, tmp_path: Path) -> None:
    key = importer(mechanism)
    run_import(mechanism, key, real(CANDIDATE), Format.UCDP, release="26.0.2")
    empty = release_without(tmp_path, set(range(1, 106)))
    counts = whole_release(mechanism, key, empty, "26.0.3")
    assert (counts.read, counts.withdrawn) == (0, 0)
    assert counts.kept == ["the file held no row: nothing was withdrawn"]
    assert all(status == pj.ACTIVE for status in statuses(mechanism).values())


def test_another_importers_reports_are_kept_and_said_why(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    first = importer(mechanism)
    run_import(mechanism, first, real(CANDIDATE), Format.UCDP, release="26.0.2")
    second = importer(mechanism, "importer-2")
    counts = whole_release(mechanism, second, release_without(tmp_path, {3, 4}), "26.0.3")
    assert counts.withdrawn == 0
    assert len(counts.kept) == 2
    assert all(
        "may not withdraw this report: only its submitter 'importer-1'" in k for k in counts.kept
    )
    assert all(status == pj.ACTIVE for status in statuses(mechanism).values())


# -- which held reports are missing: the dataset read from each report's own origin -------------

_DATASETS = ("csv", "csv:x", "acled")


@st.composite
def held_reports(draw: st.DrawFn) -> list[Held]:
    count = draw(st.integers(0, 30))
    found = []
    for n in range(count):
        dataset = draw(st.sampled_from(_DATASETS))
        row = draw(st.sampled_from(("1", "2", "x:1", "3")))
        status = draw(st.sampled_from((pj.ACTIVE, pj.ACTIVE, pj.WITHDRAWN, pj.CORRECTED)))
        body = draw(st.sampled_from(({"origin": {"dataset": dataset, "id": row}}, None, {})))
        found.append(Held(draw(st.integers(0, 1000)) * 31 + n, f"r{n}", status, body))
    return found


@given(
    held_reports(),
    st.sets(st.sampled_from(_DATASETS), min_size=1),
    st.sets(st.sampled_from([origin_key(d, r) for d in _DATASETS for r in ("1", "2", "x:1")])),
)
def test_missing_is_every_active_report_of_the_datasets_whose_row_was_not_seen(
    held: list[Held], datasets: set[str], seen: set[str]
) -> None:
    found = release_scope.missing(held, datasets, seen)
    expected = sorted(
        (h for h in held if h.status == pj.ACTIVE and h.body and h.body["origin"]["dataset"]
         in datasets and origin_key(h.body["origin"]["dataset"], h.body["origin"]["id"])
         not in seen),
        key=lambda h: h.index,
    )  # fmt: skip
    assert [m.report for m in found] == [h.report for h in expected]
    assert all(isinstance(m, Missing) and m.origin not in seen for m in found)


def test_a_dataset_is_matched_exactly_not_by_the_prefix_of_its_name(
    mechanism: Mechanism,
) -> None:
    """``csv`` and ``csv:press-watch`` are two datasets: the origin key ``dataset:id`` alone
    cannot tell ``csv``'s row ``press-watch:7`` from ``csv:press-watch``'s row ``7``."""
    origins = [("csv", "1"), ("csv:press-watch", "7"), ("csv", "press-watch:8")]
    for n, (dataset, row) in enumerate(origins):
        body = observation_body(row=row, origin={"dataset": dataset, "id": row})
        body["narrative"] += f" ({n})"
        mechanism.submit("monitor", body)
    found = {
        name: {
            (view.body or {})["origin"]["id"]
            for view in page_reports(mechanism.store, None, ReportFilter(dataset=name)).reports
        }
        for name in ("csv", "csv:press-watch", "cs")
    }
    assert found == {"csv": {"1", "press-watch:8"}, "csv:press-watch": {"7"}, "cs": set()}
