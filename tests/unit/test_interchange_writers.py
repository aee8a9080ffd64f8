"""The writers: every export carries the incident id and its verification status, a redacted
report never gives back its original columns, the columns a dataset's rows kept come back out,
and what the plain CSV writes reads back the same (a property)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any, Final

from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.interchange import acled, ucdp, writers
from ceasefire.interchange.common import Context
from ceasefire.interchange.generic_csv import read_csv
from ceasefire.interchange.rows import Exported, Imported, Reject
from ceasefire.interchange.writers import ExportRow

CTX: Final = Context(now=date(2025, 11, 25))
BODY: Final[dict[str, Any]] = {
    "kind": "observation",
    "dates": {"start": "2025-10-12", "end": "2025-10-12", "precision": "day"},
    "location": {"latitude": 31.0052, "longitude": 66.3994, "precision": "exact",
                 "place": "Spin Boldak", "country": "AF"},
    "event_type": "Explosions/Remote violence: Air/drone strike",
    "actors": ["Military Forces of Pakistan (2018-)"],
    "casualties": {"killed": {"civilian": {"low": 2, "best": 3, "high": 5}, "unknown": 1}},
    "narrative": "Strike on a compound.",
    "language": "en",
    "sources": [{"name": "ACLED", "kind": "dataset", "reliability": "B", "credibility": 2}],
    "origin": {"dataset": "acled", "id": "PAK1", "attributes": {"event_id_cnty": "PAK1",
               "notes": "the original notes", "fatalities": "4"}},
}  # fmt: skip


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_acled_export_gives_back_the_original_columns_and_the_incident() -> None:
    out = io.StringIO()
    writers.write_acled([ExportRow("r1", BODY, "inc-7")], out)
    (row,) = rows_of(out.getvalue())
    assert list(row) == [*acled.COLUMNS, *writers.SYSTEM]
    assert (row["report_id"], row["dataset"], row["redacted"]) == ("r1", "acled", "")
    assert (row["notes"], row["fatalities"], row["incident_id"]) == (
        "the original notes",
        "4",
        "inc-7",
    )
    assert (row["event_type"], row["sub_event_type"]) == (
        "Explosions/Remote violence",
        "Air/drone strike",
    )


def test_a_report_of_the_records_own_is_written_in_the_datasets_terms_of_its_act() -> None:
    """An allegation carries the agreement's act, not a dataset's type: ACLED and UCDP exports
    write the type the agreement classes the act as; a compliance claim and a dataset's row
    keep what they had."""
    acts = load_bundled().acts
    classes = writers.act_classes(acts)
    own = {k: v for k, v in BODY.items() if k not in ("origin", "event_type")}
    own |= {"kind": "allegation", "act": "artillery_fire", "alleged_party": "af"}
    claim = {k: v for k, v in own.items() if k != "act"} | {
        "kind": "compliance_claim", "commitment": "c", "step": "arrest"
    }  # fmt: skip
    rows = [ExportRow("r1", own), ExportRow("r2", claim), ExportRow("r3", BODY)]
    out = io.StringIO()
    writers.write_acled(rows, out, classes)
    written = [(r["event_type"], r["sub_event_type"]) for r in rows_of(out.getvalue())]
    (artillery,) = [a for a in acts if a.id == "artillery_fire"]
    first = artillery.acled[0]
    assert written == [
        (first.event_type, first.sub_event_type or ""),
        ("compliance", "arrest"),
        ("Explosions/Remote violence", "Air/drone strike"),
    ]
    out = io.StringIO()
    writers.write_ucdp(rows, out, classes)
    violence = [r["type_of_violence"] for r in rows_of(out.getvalue())]
    assert violence[0] == str(artillery.ucdp[0]) and violence[1] == ""


def test_a_redacted_report_is_exported_from_its_body_only() -> None:
    out = io.StringIO()
    writers.write_acled([ExportRow("r1", BODY, None, redacted=True)], out)
    (row,) = rows_of(out.getvalue())
    assert row["notes"] == "Strike on a compound."
    assert row["fatalities"] == "4"  # 3 civilians + 1 unknown, from the body
    assert (row["incident_id"], row["redacted"]) == ("", "true")
    geo = io.StringIO()
    writers.write_geojson([ExportRow("r1", BODY, None, redacted=True)], geo)
    assert "attributes" not in geo.getvalue()


def test_ucdp_export_splits_casualties_into_its_columns() -> None:
    body = {k: v for k, v in BODY.items() if k != "origin"} | {"event_type": "state-based"}
    out = io.StringIO()
    writers.write_ucdp([ExportRow("r1", body, "inc-1")], out)
    (row,) = rows_of(out.getvalue())
    assert list(row) == [*ucdp.COLUMNS, *writers.SYSTEM]
    assert (row["type_of_violence"], row["deaths_civilians"], row["deaths_unknown"]) == (
        "1",
        "3",
        "1",
    )
    assert (row["low"], row["best"], row["high"]) == ("3", "4", "6")
    assert row["id"] == "r1"


def test_the_columns_a_family_kept_follow_the_standard_ones_in_the_order_first_met() -> None:
    def kept(dataset: str, **columns: str) -> dict[str, Any]:
        return BODY | {"origin": {"dataset": dataset, "id": "x", "attributes": columns}}

    rows = [
        ExportRow("r1", kept("acled", month="October", notes="n")),
        ExportRow("r2", kept("ucdp-ged", iso3="PAK")),  # not ACLED's: its columns stay out
        ExportRow("r3", kept("acled", extra="e", month="May")),
        ExportRow("r4", kept("acled", secret="s"), redacted=True),  # not given back
    ]
    out = io.StringIO()
    writers.write_acled(rows, out)
    back = rows_of(out.getvalue())
    assert list(back[0]) == [*acled.COLUMNS, "month", "extra", *writers.SYSTEM]
    assert [(r["month"], r["extra"], r["dataset"]) for r in back] == [
        ("October", "", "acled"), ("", "", "ucdp-ged"), ("May", "e", "acled"), ("", "", "acled"),
    ]  # fmt: skip
    out = io.StringIO()
    writers.write_ucdp(rows, out)
    assert list(rows_of(out.getvalue())[0]) == [*ucdp.COLUMNS, "iso3", *writers.SYSTEM]


def test_geojson_export_is_a_feature_collection_with_incident_ids() -> None:
    out = io.StringIO()
    count = writers.write_geojson(
        [ExportRow("r1", BODY, "inc-2"), ExportRow("r2", {"kind": "observation"})], out
    )
    doc = json.loads(out.getvalue())
    assert count == 2 and doc["type"] == "FeatureCollection"
    first, second = doc["features"]
    assert first["geometry"] == {"type": "Point", "coordinates": [66.3994, 31.0052]}
    assert first["properties"]["incident_id"] == "inc-2"
    assert second["geometry"] is None


def test_every_format_says_the_verification_status_of_the_report_s_incident() -> None:
    rows = [ExportRow("r1", BODY, "inc-1", verification="case"), ExportRow("r2", BODY | {
        "origin": BODY["origin"] | {"id": "PAK2"}})]  # fmt: skip
    for write in (writers.write_acled, writers.write_ucdp, writers.write_plain):
        out = io.StringIO()
        write(rows, out)
        first, second = rows_of(out.getvalue())
        assert (first["incident_id"], first["verification"]) == ("inc-1", "case")
        assert (second["incident_id"], second["verification"]) == ("", "")
        header = list(first)
        assert header.index("verification") == header.index("incident_id") + 1
    out = io.StringIO()
    writers.write_geojson(rows, out)
    first, second = (f["properties"] for f in json.loads(out.getvalue())["features"])
    assert first["verification"] == "case" and "verification" not in second


names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda s: s.strip() == s and s.strip())
narratives = st.lists(names, min_size=1, max_size=3).flatmap(
    lambda parts: st.sampled_from(["\r", "\n", "\r\n", " "]).map(lambda end: end.join(parts))
)
"""Texts with line breaks inside, as real narratives have them (a bare carriage return too)."""
bodies = st.builds(
    lambda day, lat, lon, event_type, narrative, killed, ident: {
        "kind": "observation",
        "dates": {"start": day.isoformat(), "end": day.isoformat(), "precision": "day"},
        "location": {"latitude": lat, "longitude": lon, "precision": "near"},
        "event_type": event_type,
        "narrative": narrative,
        "casualties": {"killed": {"unknown": killed}},
        "origin": {"dataset": "csv:x", "id": ident},
    },
    st.dates(date(1990, 1, 1), date(2025, 11, 25)),
    st.floats(23.6, 38.5).map(lambda v: round(v, 6)),
    st.floats(60.4, 77.9).map(lambda v: round(v, 6)),
    names,
    narratives,
    st.integers(0, 10_000),
    st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True),
)


def read_back(written: list[dict[str, Any]]) -> list[Imported | Reject]:
    """The plain CSV export of ``written``, read back: each row of it as read as data."""
    out = io.StringIO()
    writers.write_plain([ExportRow(f"r{i}", b) for i, b in enumerate(written)], out)
    back = list(read_csv(io.StringIO(out.getvalue(), newline=""), CTX))  # as a file is read
    assert all(isinstance(r, Exported) for r in back)
    return [r.read for r in back if isinstance(r, Exported)]


@given(st.lists(bodies, max_size=8, unique_by=lambda b: b["origin"]["id"]))
def test_plain_csv_reads_back_the_values_it_wrote(written: list[dict[str, Any]]) -> None:
    back = read_back(written)
    assert all(isinstance(r, Imported) for r in back)
    for body, result in zip(written, back, strict=True):
        assert isinstance(result, Imported)
        got = result.body
        assert (result.dataset, result.dataset_id) == ("csv:x", body["origin"]["id"])
        assert got["dates"] == body["dates"]
        assert (got["location"]["latitude"], got["location"]["longitude"]) == (
            body["location"]["latitude"],
            body["location"]["longitude"],
        )
        assert got["event_type"] == body["event_type"]
        assert got["narrative"] == body["narrative"]
        assert got["casualties"] == body["casualties"]


@given(
    st.lists(
        st.tuples(bodies, st.booleans()), max_size=10, unique_by=lambda t: t[0]["origin"]["id"]
    )
)
def test_rejects_never_lose_a_good_row(rows: list[tuple[dict[str, Any], bool]]) -> None:
    spoiled = [
        (b | {"location": b["location"] | {"latitude": 91.0}}) if bad else b for b, bad in rows
    ]
    back = read_back(spoiled)
    good = [b["origin"]["id"] for b, bad in rows if not bad]
    assert [r.dataset_id for r in back if isinstance(r, Imported)] == good
    assert sum(isinstance(r, Reject) for r in back) == len(rows) - len(good)
