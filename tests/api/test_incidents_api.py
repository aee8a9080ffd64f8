"""``/api/v1/incidents``: the linked reports of one event, paged and filtered, each member as
the caller may see its report; confirm, split and merge posted as signed events.

One service per module and database: two accounts of the Spin Boldak clash (one incident), a
strike in Barmal whose place is blurred and whose source is withheld (another), and, for the
decisions, a clash of its own on another day.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api import read_fixtures
from tests.api.conftest import Service, payload, serving, signed
from tests.report_bodies import WITHHELD_WITNESS, allegation_body

module_database_url = read_fixtures.module_database_url

ANONYMOUS = "anonymous"
BARMAL = {"latitude": 32.7213, "longitude": 69.3047}


def clash(party: str, day: str = "2025-10-15", **overrides: Any) -> dict[str, Any]:
    """One side's account of a clash at Spin Boldak on ``day``."""
    accused = "af" if party == "pk" else "pk"
    body = allegation_body(
        act="artillery_fire",
        alleged_party=accused,
        dates={"start": day, "end": day, "precision": "day"},
        narrative=f"Forces of {accused} fired on Spin Boldak on the night of {day}.",
        **overrides,
    )
    if party == "pk":
        body["location"] = body["location"] | {"latitude": 30.99, "longitude": 66.42}
        body["sources"] = [{"name": "ISPR", "kind": "party", "reliability": "D", "credibility": 3}]
    return body


def barmal() -> dict[str, Any]:
    return allegation_body(
        dates={"start": "2025-10-22", "end": "2025-10-22", "precision": "day"},
        location={
            **BARMAL,
            "precision": "near",
            "place": "Barmal",
            "admin1": "Paktika",
            "country": "AF",
            "blur_km": 5,
        },
        sources=[dict(WITHHELD_WITNESS)],
        narrative="Gul Khan saw aircraft strike a house in Barmal district.",
    )


@pytest.fixture(scope="module")
def service(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    with serving(module_database_url, tmp_path_factory.mktemp("data")) as found:
        yield found


@pytest.fixture(scope="module")
def ids(service: Service) -> dict[str, str]:
    """The reports of the module's record, by name."""
    m = service.mechanism
    return {
        "af": m.submit("af_liaison", clash("af")),
        "pk": m.submit("pk_liaison", clash("pk")),
        "barmal": m.submit("af_liaison", barmal()),
    }


def get(service: Service, path: str, persona: str = ANONYMOUS, **params: Any) -> httpx.Response:
    headers = {} if persona == ANONYMOUS else service.auth(persona)
    response: httpx.Response = service.client.get(f"/api/v1{path}", headers=headers, params=params)
    return response


def members(incident: dict[str, Any]) -> set[str]:
    return {m["report"] for m in incident["members"]}


# --- reads ------------------------------------------------------------------------------------


def test_two_accounts_of_one_clash_are_one_incident_with_reasons(
    service: Service, ids: dict[str, str]
) -> None:
    response = get(service, f"/incidents/{ids['af']}")
    assert response.status_code == 200, response.text
    incident = response.json()
    assert members(incident) == {ids["af"], ids["pk"]}
    assert (incident["start"], incident["acts"], incident["parties"]) == (
        "2025-10-15",
        ["artillery_fire"],
        ["af", "pk"],
    )
    joined = next(m for m in incident["members"] if m["report"] == ids["pk"])
    assert joined["linked_to"] == ids["af"] and joined["score"] is not None
    assert any("agreed" in reason for reason in joined["reasons"])
    assert response.headers["cache-control"] == "private, no-cache"


def test_an_unknown_incident_is_not_found(service: Service) -> None:
    response = get(service, f"/incidents/{'0' * 32}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("persona", [ANONYMOUS, "pk_liaison", "af_liaison", "monitor"])
def test_a_member_is_shown_to_everyone_as_the_public_sees_its_report(
    service: Service, ids: dict[str, str], persona: str
) -> None:
    """An incident is public: even the reporting party and the monitor get the public view
    (a blurred place, a withheld source unnamed), so one answer serves every caller."""
    response = get(service, f"/incidents/{ids['barmal']}", persona)
    member = response.json()["members"][0]
    public = get(service, f"/reports/{ids['barmal']}").json()["body"]
    assert (member["latitude"], member["longitude"]) == (
        public["location"]["latitude"],
        public["location"]["longitude"],
    )
    assert (member["latitude"], member["longitude"]) != tuple(BARMAL.values())
    assert member["source"] == "withheld" and member["side"] is not None
    assert "Gul Khan" not in response.text
    assert response.json() == get(service, f"/incidents/{ids['barmal']}").json()
    listed = get(service, "/incidents", persona).text
    assert "Gul Khan" not in listed and str(BARMAL["latitude"]) not in listed


def test_a_box_matches_places_as_the_public_sees_them(
    service: Service, ids: dict[str, str]
) -> None:
    lat, lon = BARMAL["latitude"], BARMAL["longitude"]
    tight = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    wide = f"{lon - 0.5},{lat - 0.5},{lon + 0.5},{lat + 0.5}"
    for persona in (ANONYMOUS, "af_liaison"):
        assert get(service, "/incidents", persona, bbox=tight).json()["items"] == []
    assert [i["id"] for i in get(service, "/incidents", bbox=wide).json()["items"]] == [
        ids["barmal"]
    ]


def test_incidents_are_filtered_by_act_party_dates_and_size(
    service: Service, ids: dict[str, str]
) -> None:

    def listed(**params: Any) -> set[str]:
        page = get(service, "/incidents", **params).json()
        assert page["total"] == len(page["items"])
        return {i["id"] for i in page["items"]}

    assert {ids["af"], ids["barmal"]} <= listed()
    assert listed(act="airstrike") == {ids["barmal"]}
    assert ids["af"] in listed(party="af") and ids["barmal"] not in listed(party="af")
    assert listed(since="2025-10-20", until="2025-10-23") == {ids["barmal"]}
    assert ids["barmal"] not in listed(min_reports=2)
    assert ids["af"] in listed(min_reports=2)
    assert not {ids["af"], ids["barmal"]} & listed(confirmed=True)


def test_pages_follow_the_cursor_newest_activity_first(
    service: Service, ids: dict[str, str]
) -> None:
    everything = get(service, "/incidents").json()
    assert everything["total"] >= len(ids) - 1
    walked, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = get(service, "/incidents", **params).json()
        assert page["total"] == everything["total"]
        walked += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == [i["id"] for i in everything["items"]]
    latest = [max(m["index"] for m in i["members"]) for i in everything["items"]]
    assert latest == sorted(latest, reverse=True)
    # a filter that every incident passes takes the path that reads every incident's members;
    # without one only the page's are read: the same pages either way
    for limit in (1, 2, 50):
        plain = get(service, "/incidents", limit=limit).json()
        filtered = get(service, "/incidents", limit=limit, since="1900-01-01").json()
        assert plain == filtered


def test_a_bad_cursor_or_box_is_refused_with_its_field(service: Service) -> None:
    assert get(service, "/incidents", cursor="nope").json()["field"] == "cursor"
    assert get(service, "/incidents", bbox="1,2,3").json()["field"] == "bbox"


# --- decisions, posted as signed events --------------------------------------------------------


def decide(service: Service, persona: str, event_type: str, body: dict[str, Any]) -> httpx.Response:
    envelope, _ = signed(service.mechanism, persona, event_type, body)
    return service.post(persona, payload(envelope))


def test_monitors_confirm_split_and_merge_and_a_stale_merge_is_shown_refused(
    service: Service,
) -> None:
    m = service.mechanism
    first = m.submit("af_liaison", clash("af", "2025-10-28"))
    second = m.submit("pk_liaison", clash("pk", "2025-10-28"))
    assert members(get(service, f"/incidents/{first}").json()) == {first, second}

    confirmed = decide(service, "monitor", "incident.confirmed", {"incident": first})
    assert confirmed.status_code == 201, confirmed.text
    assert get(service, f"/incidents/{first}").json()["confirmed"] is True
    assert first in {i["id"] for i in get(service, "/incidents", confirmed=True).json()["items"]}

    body = {"incident": first, "reports": [second], "reason": "Two exchanges, hours apart."}
    assert decide(service, "monitor", "incident.split", body).status_code == 201
    assert members(get(service, f"/incidents/{first}").json()) == {first}
    assert members(get(service, f"/incidents/{second}").json()) == {second}

    merge = {"incident": second, "into": first, "reason": "The same exchange after all."}
    assert decide(service, "monitor", "incident.merged", merge).status_code == 201
    assert get(service, f"/incidents/{second}").status_code == 404
    stale = decide(service, "monitor", "incident.merged", merge)
    assert stale.status_code == 201, "a stale decision is in the log all the same"

    incident = get(service, f"/incidents/{first}").json()
    assert members(incident) == {first, second}
    decisions = [(d["type"], d["refused"] is not None) for d in incident["decisions"]]
    assert decisions == [
        ("incident.confirmed", False),
        ("incident.split", False),
        ("incident.merged", False),
        ("incident.merged", True),
    ]
    assert incident["decisions"][-1]["index"] == stale.json()["index"]


def test_a_liaison_may_not_decide_on_incidents(service: Service, ids: dict[str, str]) -> None:
    before = service.size()
    incident = ids["af"]
    response = decide(service, "af_liaison", "incident.confirmed", {"incident": incident})
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "permission_denied"
    assert service.size() == before
