"""Export, then import the export: each row is recognised as the dataset row it shows (by its
origin, whatever the format and however many datasets the export mixes) or as a report of the
exporting record's own (by its report id), the system's columns are not data, and what the
export wrote is what exporting the same body writes (properties). An ACLED or UCDP export
written before the system's columns is told by its exact header, never by ``incident_id``
alone."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any, Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.interchange import acled, ucdp, writers
from ceasefire.interchange.common import Context
from ceasefire.interchange.formats import Format, read
from ceasefire.interchange.generic_csv import parse_mapping, read_csv
from ceasefire.interchange.reading import REDACTED, SYSTEM_COLUMNS
from ceasefire.interchange.rows import Exported, Imported, Own, Reject, Row
from ceasefire.interchange.writers import ExportRow
from ceasefire.services.map_data import MapStatus

CTX: Final = Context(now=date(2025, 11, 25))
WRITE: Final = {
    Format.ACLED: writers.write_acled,
    Format.UCDP: writers.write_ucdp,
    Format.CSV: writers.write_plain,
    Format.GEOJSON: writers.write_geojson,
}


def body(dataset: str = "acled", ident: str = "PAK1", **changes: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "kind": "observation",
        "dates": {"start": "2025-10-12", "end": "2025-10-12", "precision": "day"},
        "location": {"latitude": 31.0052, "longitude": 66.3994, "precision": "exact",
                     "place": "Spin Boldak", "country": "AF"},
        "event_type": "Battles: Armed clash",
        "actors": ["Military Forces of Pakistan (2018-)"],
        "casualties": {"killed": {"unknown": 2}},
        "narrative": "A clash at the crossing.",
        "language": "en",
        "sources": [{"name": "ACLED", "kind": "dataset", "reliability": "B", "credibility": 2}],
        "origin": {"dataset": dataset, "id": ident,
                   "attributes": {"event_id_cnty": ident, "month": "October", "iso": "4"}},
    }  # fmt: skip
    return found | changes


def round_trip(fmt: Format, rows: list[ExportRow], ctx: Context = CTX) -> list[Row]:
    out = io.StringIO()
    WRITE[fmt](rows, out)
    return list(read(fmt, io.StringIO(out.getvalue(), newline=""), ctx, name="export"))


def exported(results: list[Row]) -> list[Exported]:
    assert all(isinstance(r, Exported) for r in results), results
    return [r for r in results if isinstance(r, Exported)]


def own(sent: dict[str, Any]) -> dict[str, Any]:
    """``sent`` as a report of the record's own: no dataset's row."""
    return {k: v for k, v in sent.items() if k != "origin"}


# --- a property: what the export wrote is what exporting the body writes ----------------------

keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)
bodies = st.builds(
    lambda dataset, ident, day, where, event_type, narrative, killed, attributes: {
        "kind": "observation",
        "dates": {"start": day.isoformat(), "end": day.isoformat(), "precision": "day"},
        **({"location": where} if where else {}),
        "event_type": event_type,
        "narrative": narrative,
        **({"casualties": {"killed": {"unknown": killed}}} if killed is not None else {}),
        "sources": [{"name": "X", "kind": "dataset", "reliability": "B", "credibility": 2}],
        "origin": {"dataset": dataset, "id": ident, "attributes": attributes},
    },
    st.sampled_from(["acled", "ucdp-ged", "ucdp-candidate", "csv:gtd", "geojson:press"]),
    st.from_regex(r"[A-Za-z0-9-]{1,10}", fullmatch=True),
    st.dates(date(1990, 1, 1), date(2025, 11, 25)),
    st.none()
    | st.builds(
        lambda lat, lon: {"latitude": lat, "longitude": lon, "precision": "near"},
        st.floats(23.6, 38.5).map(lambda v: round(v, 6)),
        st.floats(60.4, 77.9).map(lambda v: round(v, 6)),
    ),
    st.sampled_from(["Battles: Armed clash", "state-based", "Bombing/Explosion"]),
    texts.filter(str.strip),
    st.none() | st.integers(0, 10_000),
    st.dictionaries(keys, texts, max_size=4),
)


statuses = st.none() | st.sampled_from([status.value for status in MapStatus])


@given(
    st.sampled_from(list(Format)),
    st.lists(
        st.tuples(bodies, st.booleans(), st.none() | st.just("inc-1"), statuses),
        max_size=6,
        unique_by=lambda t: (t[0]["origin"]["dataset"], t[0]["origin"]["id"]),
    ),
)
def test_an_export_reads_back_as_the_rows_it_shows(
    fmt: Format, rows: list[tuple[dict[str, Any], bool, str | None, str | None]]
) -> None:
    written = [
        ExportRow(f"r{i}", b, incident, redacted, status if incident else None)
        for i, (b, redacted, incident, status) in enumerate(rows)
    ]
    back = exported(round_trip(fmt, written))
    assert len(back) == len(rows)
    for (sent, redacted, _, _), row in zip(rows, back, strict=True):
        origin = sent["origin"]
        assert (row.dataset, row.dataset_id, row.redacted) == (origin["dataset"], origin["id"],
                                                                redacted)  # fmt: skip
        assert not SYSTEM_COLUMNS & set(row.columns)
        if redacted:
            assert isinstance(row.read, Reject) and row.read.reason == REDACTED
        else:
            assert writers.agrees(fmt, row.columns, sent)
        if isinstance(row.read, Imported):
            assert not SYSTEM_COLUMNS & set(row.read.body["origin"]["attributes"])


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(Format))
def test_an_export_mixing_datasets_reads_each_row_under_its_own(fmt: Format) -> None:
    rows = [ExportRow("r1", body("acled", "7")), ExportRow("r2", body("csv:drone-strikes", "7"))]
    back = exported(round_trip(fmt, rows))
    assert [r.origin for r in back] == ["acled:7", "csv:drone-strikes:7"]  # not duplicates


@pytest.mark.parametrize("fmt", list(Format))
def test_a_change_in_a_data_column_is_seen_and_the_system_columns_are_not(fmt: Format) -> None:
    sent = body("ucdp-ged", event_type="state-based") if fmt is Format.UCDP else body()
    (row,) = exported(round_trip(fmt, [ExportRow("r1", sent, "inc-9")]))
    assert writers.agrees(fmt, row.columns, sent)
    assert not writers.agrees(fmt, row.columns, sent | {"narrative": "Another account."})
    assert isinstance(row.read, Imported)
    assert "incident_id" not in row.read.body["origin"]["attributes"]


@given(
    st.sampled_from(list(Format)),
    st.sampled_from([None, "csv:elsewhere"]),
    st.lists(
        st.tuples(bodies, st.booleans(), st.booleans()),
        max_size=6,
        unique_by=lambda t: (t[0]["origin"]["dataset"], t[0]["origin"]["id"]),
    ),
)
def test_a_report_of_the_record_s_own_reads_back_as_its_report_id(
    fmt: Format, named: str | None, rows: list[tuple[dict[str, Any], bool, bool]]
) -> None:
    """Mixed with dataset rows, redacted or not: a row naming no dataset is an Own naming its
    report, which, where the record lacks the report, is refused, or with a dataset named, is
    that dataset's row (never data when its reader saw it redacted)."""
    written = [ExportRow(f"r{i}", own(b) if mine else b, "inc-1", redacted, "unconfirmed")
               for i, (b, mine, redacted) in enumerate(rows)]  # fmt: skip
    back = round_trip(fmt, written, Context(now=CTX.now, dataset=named))
    assert len(back) == len(rows)
    for i, ((sent, mine, redacted), row) in enumerate(zip(rows, back, strict=True)):
        if not mine:
            assert isinstance(row, Exported) and row.origin == origin_of(sent)
            continue
        assert isinstance(row, Own) and row.report_id == f"r{i}"
        if named is None:
            assert isinstance(row.otherwise, Reject) and row.otherwise.field == "dataset"
            assert row.otherwise.reason.startswith(f"report r{i} is the exporting record's own")
            continue
        assert isinstance(row.otherwise, Exported)
        assert (row.otherwise.origin, row.otherwise.redacted) == (f"{named}:r{i}", redacted)
        if redacted:
            assert isinstance(row.otherwise.read, Reject)


def origin_of(sent: dict[str, Any]) -> str:
    return f"{sent['origin']['dataset']}:{sent['origin']['id']}"


def test_the_same_report_twice_in_an_export_is_refused_and_a_row_must_name_one() -> None:
    first, again = round_trip(Format.CSV, [ExportRow("r1", own(body()))] * 2)
    assert isinstance(first, Own) and isinstance(again, Reject)
    assert (again.line, again.field, again.reason) == (3, "report_id", "the same id as line 2")
    lines = [",".join(writers.PLAIN_COLUMNS) + "\n", "," * (len(writers.PLAIN_COLUMNS) - 1) + "\n"]
    (nameless,) = read(Format.CSV, io.StringIO("".join(lines)), CTX)
    assert isinstance(nameless, Reject) and nameless.field == "report_id"


def test_the_same_report_twice_in_an_export_is_refused_naming_the_first() -> None:
    first, again = round_trip(Format.CSV, [ExportRow("r1", body()), ExportRow("r1", body())])
    assert isinstance(first, Exported) and isinstance(again, Reject)
    assert (again.line, again.reason) == (3, "the same id as line 2")


def test_two_versions_of_a_dataset_row_are_two_rows_of_an_export() -> None:
    """An export of every status shows a corrected row's superseded version (its own report)
    beside the one in force: both are read, each naming its report."""
    old, current = round_trip(Format.CSV, [ExportRow("r1", body()), ExportRow("r2", body())])
    assert isinstance(old, Exported) and isinstance(current, Exported)
    assert (old.origin, old.report_id, current.report_id) == (current.origin, "r1", "r2")


def test_a_row_the_format_cannot_say_is_still_recognised() -> None:
    """A report without a place is a row of an ACLED export (its coordinates empty) that the
    ACLED reader refuses: it is recognised all the same, so a record holding it is unchanged."""
    placeless = {k: v for k, v in body().items() if k != "location"}
    (row,) = exported(round_trip(Format.ACLED, [ExportRow("r1", placeless)]))
    assert isinstance(row.read, Reject) and row.read.field == "latitude"
    assert writers.agrees(Format.ACLED, row.columns, placeless)


def test_a_geojson_export_gives_back_the_original_columns_as_attributes() -> None:
    (row,) = exported(round_trip(Format.GEOJSON, [ExportRow("r1", body())]))
    assert isinstance(row.read, Imported)
    assert row.read.body["origin"]["attributes"] == body()["origin"]["attributes"]
    assert json.loads(row.columns["attributes"]) == body()["origin"]["attributes"]


def test_a_file_of_another_program_with_a_report_id_column_is_read_through_its_mapping() -> None:
    mapping = parse_mapping("[columns]\nid = 'report_id'\ndate = 'day'\nevent_type = 'what'")
    lines = ["report_id,day,what,dataset\n", "7,2025-10-12,Shelling,\n"]
    (row,) = list(read_csv(lines, CTX, mapping))
    assert isinstance(row, Imported) and row.origin == "csv:csv:7"
    assert row.body["origin"]["attributes"]["dataset"] == ""


def test_a_property_a_feature_lacks_is_empty_and_a_column_a_file_lacks_says_nothing() -> None:
    acted = body(act="drone_strike")
    (feature,) = exported(round_trip(Format.GEOJSON, [ExportRow("r1", body())]))
    assert "act" not in feature.columns  # GeoJSON leaves an empty property out
    assert not writers.agrees(Format.GEOJSON, feature.columns, acted)
    (row,) = exported(round_trip(Format.CSV, [ExportRow("r1", body())]))
    assert not writers.agrees(Format.CSV, row.columns, acted)
    without_act = {k: v for k, v in row.columns.items() if k != "act"}  # a column cut out
    assert writers.agrees(Format.CSV, without_act, acted)


# --- exports written before the system's columns ------------------------------------------------

STANDARD: Final = {Format.ACLED: acled.COLUMNS, Format.UCDP: ucdp.COLUMNS}


def legacy(fmt: Format, rows: list[ExportRow], *extra: str) -> str:
    """The export of ``rows`` as it was written before the system's columns: the standard
    columns, then ``incident_id`` (and ``extra`` columns, which no such export wrote)."""
    out = io.StringIO()
    WRITE[fmt](rows, out)
    old = io.StringIO()
    columns = (*STANDARD[fmt], "incident_id", *extra)
    writer = csv.DictWriter(old, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    return old.getvalue()


def ucdp_body(ident: str = "55001") -> dict[str, Any]:
    return body("ucdp-ged", ident, event_type="state-based")


def read_text(fmt: Format, text: str, ctx: Context = CTX) -> list[Row]:
    return list(read(fmt, io.StringIO(text, newline=""), ctx))


@pytest.mark.parametrize(("fmt", "sent"), [(Format.ACLED, body()), (Format.UCDP, ucdp_body())])
def test_an_old_export_is_told_by_its_exact_header_and_its_rows_only_recognised(
    fmt: Format, sent: dict[str, Any]
) -> None:
    text = legacy(fmt, [ExportRow("r1", sent, "inc-1"), ExportRow("r2", own(sent), "inc-2")])
    dataset_row, own_row = read_text(fmt, text)
    for row, ident in ((dataset_row, sent["origin"]["id"]), (own_row, "r2")):
        assert isinstance(row, Own) and row.report_id == ident  # its id may be a report's
        shown = row.otherwise
        assert (
            isinstance(shown, Exported) and shown.origin == f"{sent['origin']['dataset']}:{ident}"
        )
        assert "incident_id" not in shown.columns
        assert isinstance(shown.read, Reject) and shown.read.field == "dataset"
        assert "written before exports named each row's dataset" in shown.read.reason
    assert isinstance(dataset_row, Own) and isinstance(dataset_row.otherwise, Exported)
    assert writers.agrees(fmt, dataset_row.otherwise.columns, sent)  # unchanged where held


def test_an_old_export_read_with_a_dataset_named_is_that_dataset_s_rows() -> None:
    text = legacy(
        Format.UCDP,
        [ExportRow("r1", body("ucdp-candidate", "55001", event_type="state-based"), "inc-1")],
    )
    named = Context(now=CTX.now, dataset="ucdp-candidate")
    (row,) = read_text(Format.UCDP, text, named)
    assert isinstance(row, Own) and isinstance(row.otherwise, Exported)
    assert row.otherwise.origin == "ucdp-candidate:55001"
    read_as = row.otherwise.read
    assert isinstance(read_as, Imported) and read_as.origin == "ucdp-candidate:55001"
    assert "incident_id" not in read_as.body["origin"]["attributes"]


@pytest.mark.parametrize("fmt", [Format.ACLED, Format.UCDP])
def test_an_incident_id_column_alone_does_not_make_a_file_an_export(fmt: Format) -> None:
    sent = body() if fmt is Format.ACLED else ucdp_body()
    text = legacy(fmt, [ExportRow("r1", sent, "inc-1")], "notes_2")  # a column more
    (row,) = read_text(fmt, text)
    assert isinstance(row, Imported)
    assert row.body["origin"]["attributes"]["incident_id"] == "inc-1"  # the file's own column
    reduced = "event_id_cnty,event_date,event_type,latitude,longitude,incident_id\n" \
              "PAK1,2025-10-12,Battles,31.0,66.4,7\n"  # fmt: skip
    (row,) = read_text(Format.ACLED, reduced)
    assert isinstance(row, Imported)
    assert row.body["origin"]["attributes"]["incident_id"] == "7"
