"""``ceasefire incident`` and ``ceasefire geo`` as a monitor uses them: see the incidents the
linker formed, split and merge them, and ask where a point or a place name is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.test_record_cli import RecordCli, fresh, mechanism  # noqa: F401 (fixtures)
from tests.report_bodies import allegation_body


def afghan(**changes: Any) -> dict[str, Any]:
    return allegation_body(act="artillery_fire", **changes)


def pakistani() -> dict[str, Any]:
    body = afghan(
        alleged_party="af",
        narrative="Afghan forces fired on Pakistani posts near Spin Boldak on 15 October 2025.",
        sources=[{"name": "ISPR", "kind": "party", "reliability": "D", "credibility": 3}],
    )
    body["location"] = body["location"] | {"latitude": 30.99, "longitude": 66.42}
    return body


def incidents(cli: RecordCli) -> dict[str, set[str]]:
    lines = cli.out("incident", "list", "--json").splitlines()
    return {i["id"]: {r["report"] for r in i["reports"]} for i in map(json.loads, lines)}


def test_a_monitor_sees_splits_and_merges_incidents(
    mechanism: RecordCli,  # noqa: F811
    tmp_path: Path,
) -> None:
    first = mechanism.submit("af-liaison-1", afghan(), tmp_path)
    second = mechanism.submit("pk-liaison-1", pakistani(), tmp_path)
    assert incidents(mechanism) == {first: {first, second}}
    shown = json.loads(mechanism.out("incident", "show", first, "--json"))
    assert shown["reports"][1]["linked_to"] == first
    assert any("agreed" in reason for reason in shown["reports"][1]["reasons"])

    key = ("--key", mechanism.key("monitor-1"))
    mechanism.out("incident", "split", first, second, *key, "--reason", "Two exchanges.")
    assert incidents(mechanism) == {first: {first}, second: {second}}
    newest = mechanism.out("incident", "list", "--limit", "1", "--json").splitlines()
    assert [json.loads(line)["id"] for line in newest] == [second]  # its report is the newer
    table = mechanism.invoke("incident", "list", "--limit", "1")
    assert "the newest 1 of 2 incidents; --limit 0 shows them all" in table.output
    mechanism.out("incident", "merge", second, first, *key, "--reason", "One after all.")
    mechanism.out("incident", "confirm", first, *key)
    shown = json.loads(mechanism.out("incident", "show", first, "--json"))
    assert shown["confirmed"] is True
    assert [d["type"] for d in shown["decisions"]] == [
        "incident.split",
        "incident.merged",
        "incident.confirmed",
    ]


def test_a_liaison_may_not_decide_on_incidents(
    mechanism: RecordCli,  # noqa: F811
    tmp_path: Path,
) -> None:
    first = mechanism.submit("af-liaison-1", afghan(), tmp_path)
    size = mechanism.size()

    result = mechanism.invoke(
        "incident", "confirm", first, "--key", mechanism.key("pk-liaison-1"), code=6
    )

    assert "may not confirm, split or merge incidents" in result.output
    assert mechanism.size() == size


def test_where_a_point_lies_depends_on_its_precision(
    mechanism: RecordCli,  # noqa: F811
) -> None:
    torkham = ("geo", "where", "34.1006", "71.0922")
    assert mechanism.out(*torkham, "--precision", "exact") == "PK"
    assert mechanism.out(*torkham, "--precision", "district") == "undetermined"
    found = json.loads(mechanism.out(*torkham, "--json"))
    assert found["sector"] == "torkham"
    assert 1 < found["distance_km"] < 5


def test_a_place_name_is_found_in_any_script_and_ambiguity_is_reported(
    mechanism: RecordCli,  # noqa: F811
) -> None:
    for spelling in ("Spin Boldak", "Spīn Bōldak", "سپين بولدک"):
        found = json.loads(mechanism.out("geo", "lookup", spelling, "--json"))
        assert found["status"] == "found"
        assert found["candidates"][0]["admin1"] == "Kandahar"
    khost = json.loads(mechanism.out("geo", "lookup", "Khost", "--json"))
    assert khost["status"] == "ambiguous"
    assert {c["kind"] for c in khost["candidates"]} == {"place", "province"}
    torkham = json.loads(mechanism.out("geo", "lookup", "Torkham", "--json"))
    assert torkham["candidates"][0]["source"] == "agreement"
    mechanism.invoke("geo", "lookup", "Atlantis", code=4)  # not found, as everywhere


def test_ucdps_names_say_their_kind_and_a_district_is_not_its_town(
    mechanism: RecordCli,  # noqa: F811
) -> None:
    town = json.loads(mechanism.out("geo", "lookup", "Miranshah town", "--json"))
    assert (town["status"], town["candidates"][0]["kind"]) == ("found", "place")
    district = mechanism.invoke("geo", "lookup", "Swat district", code=4)
    assert "no place called 'Swat district'" in district.stderr
    assert "not districts or villages" in district.stderr  # what the gazetteer holds
