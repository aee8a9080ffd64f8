"""Who sees what, on every read endpoint: each persona's answer is the policy's.

The world (``read_fixtures``) holds a public Afghan allegation with a photo, a confidential
Pakistani allegation with a photo, and an Afghan allegation with a withheld source and a
blurred place. The policy: a confidential report (and its file) is seen by its party and the
mediators' side, and answers 404 — exactly as a missing one — to everyone else; a withheld
source is seen by its party and the mediators' side, and redacted for everyone else; the rest
of the record is public. Lists and counts follow the same rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import pytest

from ceasefire.log.tiles import Bundle, Tile
from tests.api import read_fixtures
from tests.api.read_fixtures import ANONYMOUS, CALLERS, READ_OPERATIONS, World, headers

# the module's fixtures (assigned, not imported, so that tests may name them)
world = read_fixtures.world
module_database_url = read_fixtures.module_database_url

STAFF: Final = {"tr_mediator", "qa_mediator", "monitor"}
SEES_PK_SECRET: Final = {"pk_liaison", *STAFF}
SEES_AF_SOURCES: Final = {"af_liaison", *STAFF}
EVERYONE: Final = set(CALLERS)

Path = Callable[[World], str]


def _report(key: str) -> Path:
    return lambda w: f"/reports/{w.reports[key]}"


def _file(key: str, suffix: str = "") -> Path:
    return lambda w: f"/evidence/{w.files[key]}{suffix}"


MATRIX: Final[list[tuple[str, Path, set[str]]]] = [
    # operation, path, who gets 200 (everyone else: 404)
    ("get_checkpoint", lambda w: "/log/checkpoint", EVERYONE),
    ("get_tile", lambda w: f"/log/{Tile(0, 0, w.mechanism.size()).path}", EVERYONE),
    ("get_entry_bundle", lambda w: f"/log/{Bundle(0, w.mechanism.size()).path}", EVERYONE),
    ("prove_inclusion", lambda w: "/log/proof/inclusion?index=3&size=16", EVERYONE),
    ("prove_consistency", lambda w: "/log/proof/consistency?old=3&new=16", EVERYONE),
    ("get_entry", lambda w: "/log/entries/3", EVERYONE),
    ("get_agreement", lambda w: "/agreement", EVERYONE),
    ("list_agreement_versions", lambda w: "/agreement/versions", EVERYONE),
    ("list_actors", lambda w: "/actors", EVERYONE),
    ("list_reports", lambda w: "/reports", EVERYONE),
    ("get_report", _report("public"), EVERYONE),
    ("get_report", _report("protected"), EVERYONE),
    ("get_report", _report("secret"), SEES_PK_SECRET),
    ("list_report_evidence", lambda w: f"/reports/{w.reports['public']}/evidence", EVERYONE),
    (
        "list_report_evidence",
        lambda w: f"/reports/{w.reports['secret']}/evidence",
        SEES_PK_SECRET,
    ),
    ("get_evidence", _file("public"), EVERYONE),
    ("get_evidence", _file("secret"), SEES_PK_SECRET),
    ("get_evidence_content", _file("public", "/content"), EVERYONE),
    ("get_evidence_content", _file("secret", "/content"), SEES_PK_SECRET),
    ("list_cases", lambda w: "/cases", EVERYONE),
    ("get_case", lambda w: f"/cases/{w.case}", EVERYONE),
    ("list_penalties", lambda w: "/penalties", EVERYONE),
    ("list_meetings", lambda w: "/meetings", EVERYONE),
    ("get_meeting", lambda w: f"/meetings/{w.meeting}", EVERYONE),
    ("get_status", lambda w: "/status?as_of=2025-11-02", EVERYONE),
    ("list_commitments", lambda w: "/commitments?as_of=2025-11-02", EVERYONE),
    ("list_incidents", lambda w: "/incidents", EVERYONE),
    ("get_incident", lambda w: f"/incidents/{w.reports['public']}", EVERYONE),
    ("get_incident", lambda w: f"/incidents/{w.reports['secret']}", set()),
    ("get_border_position", lambda w: "/geo/position?latitude=31.0&longitude=66.4", EVERYONE),
    ("lookup_place", lambda w: "/geo/places?name=Chaman", EVERYONE),
    ("export_reports", lambda w: "/exports/csv", EVERYONE),
]


def test_the_matrix_covers_every_read_operation() -> None:
    assert {operation for operation, _, _ in MATRIX} == READ_OPERATIONS


@pytest.mark.parametrize("persona", CALLERS)
@pytest.mark.parametrize(
    ("operation", "path", "allowed"),
    MATRIX,
    ids=[f"{op}-{n}" for n, (op, _, _) in enumerate(MATRIX)],
)
def test_each_persona_gets_what_the_policy_says(
    world: World, persona: str, operation: str, path: Path, allowed: set[str]
) -> None:
    response = world.client.get(f"/api/v1{path(world)}", headers=headers(persona))
    assert response.status_code == (200 if persona in allowed else 404), operation


@pytest.mark.parametrize("persona", CALLERS)
def test_lists_and_counts_hold_only_what_the_caller_may_see(world: World, persona: str) -> None:
    page = world.get("/reports", persona).json()
    ids = {r["id"] for r in page["items"]}
    assert (world.reports["secret"] in ids) == (persona in SEES_PK_SECRET)
    assert page["total"] == len(ids) == (3 if persona in SEES_PK_SECRET else 2)
    assert world.get("/reports", persona, act="artillery_fire").json()["total"] == (
        1 if persona in SEES_PK_SECRET else 0
    )
    walked = world.get("/reports", persona, limit=1).json()
    assert walked["total"] == page["total"]


@pytest.mark.parametrize("persona", CALLERS)
def test_exports_and_incidents_hold_only_what_the_caller_may_see(
    world: World, persona: str
) -> None:
    exported = world.get("/exports/csv", persona, status="all")
    count = world.get("/reports", persona).json()["total"]
    assert int(exported.headers["x-export-count"]) == count == len(exported.text.splitlines()) - 1
    sees = persona in SEES_PK_SECRET
    assert (world.reports["secret"] in exported.text) is sees
    assert ("checkpost near Chaman" in exported.text) is sees
    assert ("Gul Khan" in exported.text) is (persona in SEES_AF_SOURCES)
    incidents = world.get("/incidents", persona).text
    assert world.reports["secret"] not in incidents, "confidential reports are never linked"
    assert "Gul Khan" not in incidents, "an incident shows its reports as the public sees them"


@pytest.mark.parametrize("persona", CALLERS)
def test_a_withheld_source_is_redacted_for_whoever_may_not_see_it(
    world: World, persona: str
) -> None:
    response = world.get(f"/reports/{world.reports['protected']}", persona)
    report = response.json()
    sees = persona in SEES_AF_SOURCES
    assert report["redacted"] is not sees
    assert ("Gul Khan" in response.text) is sees
    assert ("blurred_km" in report["body"]["location"]) is not sees
    listed = world.get("/reports", persona).text
    assert ("Gul Khan" in listed) is sees


@pytest.mark.parametrize("persona", sorted(EVERYONE - SEES_PK_SECRET))
def test_a_hidden_report_answers_exactly_as_a_missing_one(world: World, persona: str) -> None:
    secret, missing = world.reports["secret"], "0" * 32
    hidden = world.get(f"/reports/{secret}", persona)
    absent = world.get(f"/reports/{missing}", persona)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.text.replace(secret, "ID") == absent.text.replace(missing, "ID")
    assert hidden.headers.keys() == absent.headers.keys()
    sha256, nothing = world.files["secret"], "0" * 64
    for suffix in ("", "/content"):
        hidden = world.get(f"/evidence/{sha256}{suffix}", persona)
        absent = world.get(f"/evidence/{nothing}{suffix}", persona)
        assert hidden.text.replace(sha256, "SHA") == absent.text.replace(nothing, "SHA")


@pytest.mark.parametrize("persona", CALLERS)
def test_casework_and_the_log_read_the_same_for_everyone(world: World, persona: str) -> None:
    for path in ("/cases", "/meetings", "/actors", "/log/entries/13", "/agreement"):
        assert world.get(path, persona).json() == world.get(path, ANONYMOUS).json()


def test_an_unknown_token_is_refused_except_by_the_static_log(world: World) -> None:
    """The log's paths are static files any mirror serves: they never read a token."""
    for operation, path, _ in MATRIX:
        response = world.client.get(
            f"/api/v1{path(world)}", headers={"Authorization": "Bearer forged"}
        )
        if path(world).startswith("/log/"):
            assert response.status_code == 200, operation
            continue
        assert response.status_code == 401, operation
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["code"] == "not_authenticated"
