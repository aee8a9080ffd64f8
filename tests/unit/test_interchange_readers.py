"""The dataset readers: every row becomes an observation body or a precise reject, and a
reject never costs a good row."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any, Final

import pytest

from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.reports import parse_report
from ceasefire.errors import InvalidInput
from ceasefire.interchange import acled, ucdp
from ceasefire.interchange.common import ActMap, Context
from ceasefire.interchange.generic_csv import parse_mapping, read_csv
from ceasefire.interchange.geojson import read_geojson
from ceasefire.interchange.rows import Imported, Reject, Row

CTX: Final = Context(now=date(2025, 11, 25), acts=ActMap.from_acts(load_bundled().acts))

ACLED_ROW: Final = {
    "event_id_cnty": "PAK140001", "event_date": "2025-10-12", "year": "2025",
    "time_precision": "1", "disorder_type": "Political violence",
    "event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
    "actor1": "Military Forces of Pakistan (2018-)", "assoc_actor_1": "",
    "inter1": "State forces", "actor2": "Military Forces of Afghanistan (2021-)",
    "assoc_actor_2": "", "inter2": "State forces", "interaction": "State forces-State forces",
    "civilian_targeting": "", "iso": "4", "region": "Caspian", "country": "Afghanistan",
    "admin1": "Kandahar", "admin2": "Spin Boldak", "admin3": "", "location": "Spin Boldak",
    "latitude": "31.0052", "longitude": "66.3994", "geo_precision": "1",
    "source": "Dawn; Tolo News", "source_scale": "National", "notes": "On 12 October 2025...",
    "fatalities": "3", "tags": "", "timestamp": "1760600000",
}  # fmt: skip


def acled_csv(*rows: dict[str, str], delimiter: str = ",") -> list[str]:
    out = io.StringIO()
    writer = csv.DictWriter(out, acled.COLUMNS, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().splitlines(keepends=True)


def row(**changes: str) -> dict[str, str]:
    return ACLED_ROW | changes


def only(results: list[Row]) -> Any:
    assert len(results) == 1, results
    return results[0]


def test_a_full_acled_row_becomes_an_observation_the_domain_accepts() -> None:
    imported = only(list(acled.read_acled(acled_csv(ACLED_ROW), CTX)))
    assert isinstance(imported, Imported)
    assert (imported.line, imported.dataset, imported.dataset_id) == (2, "acled", "PAK140001")
    body = imported.body
    assert body["event_type"] == "Explosions/Remote violence: Air/drone strike"
    assert body["alleged_party"] == "pk"
    assert "act" not in body  # airstrike and drone_strike both map: ambiguous
    assert body["location"]["precision"] == "exact"
    assert body["location"]["country"] == "AF"
    assert body["casualties"] == {"killed": {"unknown": 3}}
    assert body["sources"][0]["reference"] == "Dawn; Tolo News"
    assert body["origin"]["attributes"] == ACLED_ROW
    assert parse_report(body).kind == "observation"


def test_an_unambiguous_acled_type_maps_to_the_act() -> None:
    sub = "Shelling/artillery/missile attack"
    imported = only(list(acled.read_acled(acled_csv(row(sub_event_type=sub)), CTX)))
    assert imported.body["act"] == "artillery_fire"


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"latitude": "95.1"}, "latitude", "a latitude is between -90 and 90"),
        ({"latitude": "66.3994", "longitude": "31.0052"}, "latitude", "look swapped"),
        ({"latitude": "51.5", "longitude": "-0.1"}, "latitude", "outside the region"),
        ({"latitude": "north"}, "latitude", "not a number"),
        ({"event_date": "2026-01-01"}, "event_date", "in the future"),
        ({"event_date": "12th of Oct"}, "event_date", "not a date"),
        ({"fatalities": "-2"}, "fatalities", "cannot be negative"),
        ({"time_precision": "9"}, "time_precision", "ACLED time_precision"),
        ({"event_type": ""}, "event_type", "empty"),
    ],
)
def test_a_bad_acled_row_is_refused_naming_the_field(
    changes: dict[str, str], field: str, reason: str
) -> None:
    good = row(event_id_cnty="PAK1")
    bad = row(event_id_cnty="PAK2", **changes)
    results = list(acled.read_acled(acled_csv(good, bad, good | {"event_id_cnty": "PAK3"}), CTX))
    reject = results[1]
    assert isinstance(reject, Reject), reject
    assert (reject.line, reject.field) == (3, field)
    assert reason in reject.reason
    assert [r.dataset_id for r in results if isinstance(r, Imported)] == ["PAK1", "PAK3"]


def test_a_duplicated_id_is_refused_naming_the_first_line() -> None:
    results = list(acled.read_acled(acled_csv(ACLED_ROW, ACLED_ROW), CTX))
    assert isinstance(results[0], Imported)
    reject = results[1]
    assert isinstance(reject, Reject)
    assert (reject.line, reject.field, reject.reason) == (
        3,
        "event_id_cnty",
        "the same id as line 2",
    )


def test_a_semicolon_file_is_read_like_a_comma_one() -> None:
    results = list(acled.read_acled(acled_csv(ACLED_ROW, delimiter=";"), CTX))
    assert only(results).body["origin"]["attributes"] == ACLED_ROW


def test_a_header_without_the_required_columns_is_refused_precisely() -> None:
    with pytest.raises(InvalidInput) as refused:
        list(acled.read_acled(["date,type,lat,lon\n", "2025-10-12,x,31,66\n"], CTX))
    assert refused.value.field == "header"
    assert "lacks the columns event_date, event_type, latitude, longitude" in str(refused.value)


def test_a_row_with_the_wrong_number_of_fields_is_refused() -> None:
    lines = acled_csv(ACLED_ROW)
    lines.append("PAK9,2025-10-12\n")
    reject = list(acled.read_acled(lines, CTX))[1]
    assert isinstance(reject, Reject)
    assert (reject.line, reject.reason) == (3, "expected 31 fields, found 2")


def test_a_multiline_notes_field_keeps_line_numbers_right() -> None:
    rows = (row(event_id_cnty="A", notes="one\ntwo\nthree"), row(event_id_cnty="B", latitude="99"))
    results = list(acled.read_acled(acled_csv(*rows), CTX))
    assert isinstance(results[1], Reject)
    assert results[1].line == 5


UCDP_HEADER: Final = ",".join(ucdp.COLUMNS)


def ucdp_line(**values: str) -> str:
    base = dict.fromkeys(ucdp.COLUMNS, "") | {
        "id": "618155", "type_of_violence": "1", "side_a": "Government of Pakistan",
        "side_b": "TTP", "latitude": "34.3854", "longitude": "70.6639", "where_prec": "2",
        "country": "Afghanistan", "date_prec": "1", "date_start": "2025-02-21 00:00:00",
        "date_end": "2025-02-21", "deaths_a": "1", "deaths_b": "2", "deaths_civilians": "18",
        "deaths_unknown": "0", "best": "21", "low": "13", "high": "80",
    }  # fmt: skip
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([(base | values)[c] for c in ucdp.COLUMNS])
    return out.getvalue()


def test_a_ucdp_row_keeps_low_best_high_and_the_party() -> None:
    imported = only(list(ucdp.read_ucdp([UCDP_HEADER + "\n", ucdp_line()], CTX)))
    body = imported.body
    assert body["event_type"] == "state-based"
    assert body["alleged_party"] == "pk"
    assert body["casualties"] == {
        "killed": {"military": 3, "civilian": 18, "unknown": {"low": 0, "best": 0, "high": 59}}
    }
    assert body["location"] == {
        "latitude": 34.3854, "longitude": 70.6639, "precision": "near", "country": "AF"
    }  # fmt: skip
    assert parse_report(body).kind == "observation"


def test_an_interstate_ucdp_row_names_no_party() -> None:
    line = ucdp_line(side_a="Government of Afghanistan", side_b="Government of Pakistan")
    imported = only(list(ucdp.read_ucdp([UCDP_HEADER + "\n", line], CTX)))
    assert "alleged_party" not in imported.body


def test_the_hxl_row_is_skipped_not_refused() -> None:
    hxl = ",".join("#date+year" if c == "year" else "" for c in ucdp.COLUMNS) + "\n"
    results = list(ucdp.read_ucdp([UCDP_HEADER + "\n", hxl, ucdp_line()], CTX))
    assert only(results).line == 3


def test_reduced_ucdp_has_no_location() -> None:
    lines = ['"id","conflict_new_id","conflict_name","country","best","type_of_violence","date"\n',
             '599182,404,"Pakistan: Government","Afghanistan",2,1,2025-10-09\n']  # fmt: skip
    imported = only(list(ucdp.read_ucdp(lines, CTX)))
    assert imported.dataset == "ucdp-candidate"
    assert "location" not in imported.body
    assert imported.body["casualties"] == {"killed": {"unknown": 2}}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"deaths_civilians": "-1"}, "deaths_civilians"),
        ({"type_of_violence": "4"}, "type_of_violence"),
        ({"date_end": "2025-02-01"}, "date_end"),
        ({"where_prec": "9"}, "where_prec"),
    ],
)
def test_a_bad_ucdp_row_is_refused_naming_the_field(values: dict[str, str], field: str) -> None:
    reject = only(list(ucdp.read_ucdp([UCDP_HEADER + "\n", ucdp_line(**values)], CTX)))
    assert isinstance(reject, Reject)
    assert reject.field == field


MAPPING: Final = """
[dataset]
name = "drones"
[columns]
id = "S#"
date = "Date"
date_format = "%A, %B %d, %Y"
latitude = "Latitude"
longitude = "Longitude"
killed = "Total Died Mix"
place = "Location"
narrative = "Comments"
[values]
event_type = "Drone strike"
country = "PK"
[source]
name = "Pakistan Drone Attacks"
reliability = "C"
credibility = 3
"""


def test_a_mapped_csv_keeps_every_column() -> None:
    lines = [
        'S#,Date,Location,Comments,Total Died Mix,Longitude,Latitude,Extra\n',
        '1,"Friday, June 18, 2004",Near Wana,Blast in a courtyard,5,69.9,33.0333,x\n',
    ]  # fmt: skip
    imported = only(list(read_csv(lines, CTX, parse_mapping(MAPPING))))
    body = imported.body
    assert imported.dataset == "csv:drones"
    assert body["dates"]["start"] == "2004-06-18"
    assert body["event_type"] == "Drone strike"
    assert body["sources"][0]["name"] == "Pakistan Drone Attacks"
    assert body["origin"]["attributes"]["Extra"] == "x"
    assert parse_report(body).kind == "observation"


def test_a_foreign_csv_without_a_mapping_is_told_how_to_read_it() -> None:
    lines = ["S#,Date,Location,Comments\n", '1,"Friday, June 18, 2004",Near Wana,Blast\n']
    with pytest.raises(InvalidInput) as refused:
        list(read_csv(lines, CTX))
    assert refused.value.field == "header"
    assert "lacks the columns dataset_id, start" in refused.value.message
    assert "--mapping MAP.toml" in refused.value.message


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[columns]\ndate = 'D'\n[values]\nevent_type='x'", "m.columns.id"),
        ("[columns]\nid = 'I'\ndate = 'D'\nwhen = 'W'\n[values]\nevent_type='x'", "m.columns.when"),
        ("[columns\n", "m"),
        ("[columns]\nid = 'I'\ndate = ['Y', 'M']\n[values]\nevent_type='x'", "m.columns.date"),
        ("[dataset]\nmissing = 'NA'\n[columns]\nid = 'I'\ndate = 'D'", "m.dataset.missing"),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_key(text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_mapping(text, where="m")
    assert refused.value.field == field


GTD_MAPPING: Final = """
[dataset]
name = "gtd"
missing = ["NA", "-99"]
[columns]
id = "eventid"
date = ["iyear", "imonth", "iday"]
killed = "nkill"
latitude = "latitude"
longitude = "longitude"
[values]
event_type = "Bombing"
"""


def gtd_rows(*rows: str) -> list[Row]:
    lines = ['"",eventid,iyear,imonth,iday,nkill,latitude,longitude\n', *rows]
    return list(read_csv(lines, CTX, parse_mapping(GTD_MAPPING)))


def test_a_date_in_three_columns_is_a_day_or_with_the_day_unknown_a_month() -> None:
    day, month = gtd_rows(
        "1,200801010001,2008,1,5,NA,33.0,70.1\n", "2,200802000001,2008,2,0,-99,33.0,70.1\n"
    )
    assert isinstance(day, Imported) and isinstance(month, Imported)
    assert day.body["dates"] == {"start": "2008-01-05", "end": "2008-01-05", "precision": "day"}
    assert month.body["dates"] == {"start": "2008-02-01", "end": "2008-02-29", "precision": "month"}
    assert "casualties" not in day.body and "casualties" not in month.body  # NA and -99: none
    assert day.body["origin"]["attributes"]["column 1"] == "1"  # the unnamed column, kept
    assert day.body["origin"]["attributes"]["nkill"] == "NA"  # as the file wrote it


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ("1,e1,2008,0,0,1,33.0,70.1\n", "imonth", "the month is unknown"),
        ("1,e1,2008,2,30,1,33.0,70.1\n", "iday", "2008-02 has 29 days"),
        ("1,e1,2008,13,1,1,33.0,70.1\n", "imonth", "expected a month, 1 to 12"),
        ("1,e1,2008,2,1.5,1,33.0,70.1\n", "iday", "expected a day of the month"),
        ("1,e1,NA,2,1,1,33.0,70.1\n", "iyear", "expected a year"),
        ("1,e1,2030,2,1,1,33.0,70.1\n", "iyear", "the date is in the future"),
    ],
)
def test_a_date_in_three_columns_is_refused_naming_the_column(
    row: str, field: str, reason: str
) -> None:
    refused = only(gtd_rows(row))
    assert isinstance(refused, Reject)
    assert (refused.field, refused.reason[: len(reason)]) == (field, reason)


def test_geojson_points_are_read_with_their_properties() -> None:
    text = """{"type": "FeatureCollection", "features": [
      {"type": "Feature", "geometry": {"type": "Point", "coordinates": [70.66, 34.38]},
       "properties": {"dataset_id": "a1", "start": "2025-10-12", "event_type": "Shelling",
                      "killed": 2}},
      {"type": "Feature", "geometry": {"type": "Point", "coordinates": [34.38, 70.66]},
       "properties": {"dataset_id": "a2", "start": "2025-10-12", "event_type": "Shelling"}}
    ]}"""
    results = list(read_geojson(text, CTX, name="press"))
    good, bad = results
    assert isinstance(good, Imported) and isinstance(bad, Reject)
    assert good.dataset == "geojson:press"
    assert good.body["location"]["latitude"] == 34.38
    assert good.body["casualties"] == {"killed": {"unknown": 2}}
    assert (bad.line, bad.reason) == (2, "latitude and longitude look swapped")
