"""The read side of the HTTP API: the log as transparency logs are read, the record, casework.

Who may see what is the matrix's business (``test_read_matrix.py``); here, that each answer is
the services' answer in the shape the API promises, and that a client can check the log with
``ceasefire.log`` alone from what it fetched over HTTP.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ceasefire.log.checkpoint import open_checkpoint
from ceasefire.log.hashing import leaf_hash
from ceasefire.log.merkle import root_at
from ceasefire.log.proofs import verify_consistency, verify_inclusion
from ceasefire.log.tiles import Tile, TileReader
from ceasefire.services import casework as casework_service
from ceasefire.services import tiles as tile_service
from tests.api import read_fixtures
from tests.api.read_fixtures import ANONYMOUS, READ_OPERATIONS, World
from tests.report_bodies import SPIN_BOLDAK

# the module's fixtures (assigned, not imported, so that tests may name them)
world = read_fixtures.world
module_database_url = read_fixtures.module_database_url

IMMUTABLE = "public, max-age=31536000, immutable"


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def checkpoint(world: World) -> tuple[int, bytes]:
    response = world.get("/log/checkpoint")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    opened, _ = open_checkpoint(response.text, world.mechanism.log_key.note_key())
    return opened.size, opened.root_hash


# --- the log ----------------------------------------------------------------------------------


def test_the_checkpoint_is_the_signed_note_with_its_cosignatures(world: World) -> None:
    size, _ = checkpoint(world)
    assert size == world.mechanism.size()
    assert world.get("/log/checkpoint").text.startswith("ceasefire.test/istanbul\n")


def test_an_inclusion_proof_verifies_against_the_checkpoint(world: World) -> None:
    size, root = checkpoint(world)
    for index in (0, 5, size - 1):
        entry = world.get(f"/log/entries/{index}").json()
        proof = world.get("/log/proof/inclusion", index=index, size=size)
        assert proof.headers["cache-control"] == IMMUTABLE
        body = proof.json()
        leaf = json.dumps(entry["envelope"]).encode()  # decoded only to read it back
        assert unb64(entry["leaf_hash"]) == unb64(body["leaf_hash"])
        assert body["tree_size"] == size and unb64(body["root_hash"]) == root
        verify_inclusion(
            unb64(body["leaf_hash"]), index, size, [unb64(h) for h in body["proof"]], root
        )
        assert leaf  # the envelope is JSON; its exact bytes come from the entry bundle


def test_a_consistency_proof_verifies_between_two_sizes(world: World) -> None:
    size, root = checkpoint(world)
    body = world.get("/log/proof/consistency", old=7, new=size).json()
    assert unb64(body["new_root"]) == root
    verify_consistency(7, size, unb64(body["old_root"]), root, [unb64(h) for h in body["proof"]])


def test_tiles_over_http_are_the_exported_files(world: World) -> None:
    exported: dict[str, bytes] = {}
    tile_service.export(world.mechanism.store, exported.__setitem__)
    assert any(path.startswith("tile/entries/") for path in exported)
    for path, data in exported.items():
        response = world.get(f"/log/{path}")
        assert response.status_code == 200, path
        assert response.content == data, path
        if path != "checkpoint":
            assert response.headers["cache-control"] == IMMUTABLE
            assert response.headers["content-type"] == "application/octet-stream"


def test_a_client_rebuilds_the_root_and_the_leaves_from_fetched_tiles(world: World) -> None:
    size, root = checkpoint(world)
    reader = TileReader(size, lambda tile: world.get(f"/log/{tile.path}").content)
    assert root_at(reader, size) == root
    bundle = world.get(f"/log/{Tile(0, 0, size).path.replace('tile/0', 'tile/entries')}")
    leaves = []
    data = bundle.content
    while data:
        length = int.from_bytes(data[:2], "big")
        leaves.append(data[2 : 2 + length])
        data = data[2 + length :]
    assert [leaf_hash(leaf) for leaf in leaves] == [
        unb64(world.get(f"/log/entries/{i}").json()["leaf_hash"]) for i in range(size)
    ]


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/log/tile/0/0", 422, None),
        ("/log/tile/0/000.p/0", 422, None),
        ("/log/tile/entries/x001", 422, None),
        ("/log/tile/0/001", 404, None),
        ("/log/tile/0/000.p/3", 404, None),
        ("/log/entries/100000", 404, None),
        ("/log/proof/inclusion?index=100000", 404, None),
        ("/log/proof/consistency?old=5&new=100000", 404, "new"),
        ("/log/proof/consistency?old=30&new=20", 422, "old"),
    ],
)
def test_what_the_log_has_not_is_a_problem(
    world: World, path: str, status: int, field: str | None
) -> None:
    response = world.client.get(f"/api/v1{path}")
    assert response.status_code == status
    if field is not None:  # named as the request names it
        assert response.json()["field"] == field
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] in ("invalid_input", "not_found")
    assert (
        "cache-control" not in response.headers
        or "immutable" not in response.headers["cache-control"]
    )


def test_a_confidential_entry_shows_only_its_envelope(world: World) -> None:
    secret = world.get(f"/reports/{world.reports['secret']}", "monitor").json()
    response = world.get(f"/log/entries/{secret['index']}")
    envelope = response.json()["envelope"]
    assert envelope["commitment"].startswith("sha256:") and "body" not in envelope
    assert "Mortar" not in response.text and "Chaman" not in response.text


# --- the record -------------------------------------------------------------------------------


def test_the_agreement_in_force_and_its_versions(world: World) -> None:
    agreement = world.get("/agreement").json()
    assert agreement["version"] == 1 and agreement["agreement"]["id"] == "istanbul-2025"
    assert set(agreement["signatures"]) == {"pk", "af", "tr", "qa"}
    versions = world.get("/agreement/versions").json()
    assert versions["total"] == 1
    assert versions["items"][0]["adopted_at"] == agreement["adopted_at"]


def test_the_actors_are_listed_with_their_keys(world: World) -> None:
    actors = world.get("/actors").json()
    by_id = {a["actor"]: a for a in actors["items"]}
    assert by_id["pk-liaison-1"]["affiliation"] == "pk"
    assert by_id["monitor-1"]["role"] == "monitor"
    key = world.mechanism.keys["pk_liaison"].public_key
    assert unb64(by_id["pk-liaison-1"]["public_key"]) == key
    assert actors["total"] == len(actors["items"])


def pages(world: World, persona: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of ``/reports``, following the cursors."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = world.get("/reports", persona, **query).json()
        found.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def test_the_cursor_walks_every_report_once_newest_first(world: World) -> None:
    everything = world.get("/reports", "monitor").json()
    walked = pages(world, "monitor", limit=1)
    assert walked == everything["items"]
    assert len(walked) == everything["total"] == 3
    assert [r["index"] for r in walked] == sorted((r["index"] for r in walked), reverse=True)
    page = world.get("/reports", "monitor", limit=2).json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["next_cursor"]


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 201}, {"cursor": "bm9wZQ"}, {"bbox": "1,2,3"}, {"since": "nope"}],
)
def test_a_bad_page_request_is_refused_precisely(world: World, params: dict[str, Any]) -> None:
    response = world.get("/reports", **params)
    assert response.status_code == 422
    assert response.json()["field"] == next(iter(params))


def report_ids(world: World, persona: str, **params: Any) -> set[str]:
    return {r["id"] for r in world.get("/reports", persona, **params).json()["items"]}


def test_the_report_filters(world: World) -> None:
    public, secret, protected = (world.reports[k] for k in ("public", "secret", "protected"))
    assert report_ids(world, "monitor", party="af") == {public, secret, protected}
    assert report_ids(world, "monitor", act="artillery_fire") == {secret}
    assert report_ids(world, "monitor", kind="compliance_claim") == set()
    assert report_ids(world, "monitor", status="withdrawn") == set()
    assert report_ids(world, "monitor", sector="chaman-spin-boldak") == {public, secret, protected}
    assert report_ids(world, "monitor", since="2025-10-16") == set()
    assert report_ids(world, "monitor", until="2025-10-15") == {public, secret, protected}
    assert report_ids(world, "monitor", bbox="60,20,70,40") == {public, secret, protected}
    assert report_ids(world, "monitor", bbox="0,0,1,1") == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"kind": "bogus"}, "kind"),
        ({"since": "2025-10-20", "until": "2025-10-10"}, "until"),
        ({"act": "bogus"}, "act"),
        ({"party": "xx"}, "party"),
        ({"sector": "nowhere"}, "sector"),
    ],
)
def test_a_filter_no_report_can_match_is_refused(
    world: World, params: dict[str, str], field: str
) -> None:
    response = world.get("/reports", "monitor", **params)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/cases", {"state": "bogus"}, "state"),
        ("/cases", {"party": "xx"}, "party"),
        ("/incidents", {"act": "bogus"}, "act"),
        ("/incidents", {"party": "xx"}, "party"),
    ],
)
def test_a_list_filter_naming_what_the_agreement_lacks_is_refused_not_empty(
    world: World, path: str, params: dict[str, str], field: str
) -> None:
    response = world.get(path, "monitor", **params)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert params[field] in response.json()["detail"]
    assert (
        world.get(path, "monitor", **{field: "pk"} if field == "party" else {}).status_code == 200
    )


def test_status_all_is_every_status_as_the_exports_read_it(world: World) -> None:
    assert report_ids(world, "monitor", status="all") == report_ids(world, "monitor")


def test_a_bbox_finds_a_blurred_place_only_where_the_caller_sees_it(world: World) -> None:
    lat, lon = float(str(SPIN_BOLDAK["latitude"])), float(str(SPIN_BOLDAK["longitude"]))
    tiny = f"{lon - 0.0001},{lat - 0.0001},{lon + 0.0001},{lat + 0.0001}"
    assert world.reports["protected"] in report_ids(world, "af_liaison", bbox=tiny)
    assert world.reports["protected"] not in report_ids(world, ANONYMOUS, bbox=tiny)
    assert world.reports["public"] in report_ids(world, ANONYMOUS, bbox=tiny)


def test_a_report_comes_with_its_place_measured_unless_the_reader_sees_it_blurred(
    world: World,
) -> None:
    place = world.get(f"/reports/{world.reports['public']}").json()["place"]
    side = (place["side"], place["country"], place["sector"])
    assert side == ("undetermined", "AF", "chaman-spin-boldak")  # 25 km of a "near" place
    assert place["radius_km"] == 25 and place["flags"] == []  # reaches the line: agrees with AF
    assert place["reason"].startswith("The point lies in Afghanistan, ")
    protected = world.reports["protected"]
    assert world.get(f"/reports/{protected}").json()["place"] is None  # the public: blurred
    assert world.get(f"/reports/{protected}", "af_liaison").json()["place"]["country"] == "AF"


def test_evidence_metadata_and_its_content(world: World) -> None:
    sha256 = world.files["public"]
    evidence = world.get(f"/evidence/{sha256}").json()
    (submission,) = evidence["submissions"]
    assert submission["report"] == world.reports["public"]
    assert submission["metadata"]["media_type"] == "image/jpeg"
    assert [step["action"] for step in submission["custody"]][:1] == ["submitted"]
    content = world.get(f"/evidence/{sha256}/content")
    assert content.status_code == 200
    assert content.content == (world.data / "a.jpg").read_bytes()
    assert content.headers["content-type"] == "image/jpeg"
    assert content.headers["etag"] == f'"{sha256}"'
    assert content.headers["cache-control"] == "private, no-cache"
    listed = world.get(f"/reports/{world.reports['public']}/evidence").json()
    assert [item["sha256"] for item in listed["items"]] == [sha256]


def test_a_malformed_hash_is_refused(world: World) -> None:
    response = world.get("/evidence/ABC")
    assert response.status_code == 422
    assert response.json()["field"] == "path.sha256"


# --- casework ---------------------------------------------------------------------------------


def test_cases_with_their_timeline_and_filters(world: World) -> None:
    cases = world.get("/cases").json()
    assert cases["total"] == 1 and cases["items"][0]["id"] == world.case
    case = world.get(f"/cases/{world.case}").json()
    assert case["state"] == "investigating"
    assert case["opened"]["reports"] == [world.reports["public"]]
    assert all(isinstance(step["index"], int) for step in case["steps"])
    assert world.get("/cases", state="closed").json()["total"] == 0
    assert world.get("/cases", party="pk").json()["total"] == 1
    assert world.get("/cases/nope").status_code == 404


def test_penalties_and_meetings(world: World) -> None:
    assert world.get("/penalties").json() == {"items": [], "total": 0}
    meetings = world.get("/meetings").json()
    assert [m["id"] for m in meetings["items"]] == [world.meeting]
    meeting = world.get(f"/meetings/{world.meeting}").json()
    assert meeting == meetings["items"][0]
    assert world.get("/meetings/nope").json()["code"] == "not_found"


def test_the_status_is_the_evaluation_document_exactly(world: World) -> None:
    moment = datetime(2025, 11, 2, 23, 59, 59, tzinfo=UTC)
    expected = casework_service.status(world.mechanism.store, moment).to_document()
    assert world.get("/status", as_of="2025-11-02").json() == expected
    assert world.get("/status", as_of="2025-11-02T23:59:59Z").json() == expected
    commitments = world.get("/commitments", as_of="2025-11-02").json()
    assert commitments["items"] == expected["commitments"]
    bad = world.get("/status", as_of="2025-11-02T10:00:00")
    assert (bad.status_code, bad.json()["field"]) == (422, "as_of")


# --- the contract -----------------------------------------------------------------------------


def test_the_openapi_document_names_every_operation(world: World) -> None:
    document = world.client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1.")
    operations = [
        operation.get("operationId")
        for item in document["paths"].values()
        for operation in item.values()
    ]
    assert None not in operations
    assert len(operations) == len(set(operations))
    assert set(operations) >= READ_OPERATIONS
    gets = {
        operation["operationId"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method == "get"
    }
    assert gets >= READ_OPERATIONS  # the write side may add reads of its own (receipts)
