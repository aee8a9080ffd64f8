"""Incidents end to end, on SQLite and PostgreSQL: reports of one clash linked into one
incident as they arrive, the monitors' confirm, split and merge recorded in the log and
applied, confidential reports kept out, and the same incidents recomputed from scratch."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ceasefire.domain import projection as pj
from ceasefire.domain.incident_events import INCIDENT_MERGED
from ceasefire.errors import Conflict, NotFound, PermissionDenied
from ceasefire.services import incidents
from ceasefire.services.incidents import IncidentFolds
from tests.record_factories import Mechanism, make_mechanism
from tests.report_bodies import allegation_body, observation_body


@pytest.fixture
def mechanism(database_url: str, tmp_path: Path) -> Iterator[Mechanism]:
    built = make_mechanism(database_url, tmp_path / "data")
    yield built
    built.close()


def pakistani_account() -> dict[str, Any]:
    """Pakistan's side of the Spin Boldak clash: same day, a nearby point, other figures."""
    body = allegation_body(
        act="artillery_fire",
        alleged_party="af",
        actors=["Afghan Taliban forces"],
        casualties={"killed": {"military": 2}},
        narrative=(
            "Afghan forces opened unprovoked fire on Pakistani posts near Spin Boldak on the "
            "night of 15 October 2025; Pakistani troops responded."
        ),
        sources=[{"name": "ISPR", "kind": "party", "reliability": "D", "credibility": 3}],
    )
    body["location"] = body["location"] | {"latitude": 30.99, "longitude": 66.42}
    return body


def afghan_account() -> dict[str, Any]:
    return allegation_body(
        act="artillery_fire",
        narrative=(
            "Pakistani forces fired on Spin Boldak on the night of 15 October 2025, killing "
            "civilians; Afghan forces responded."
        ),
    )


def elsewhere() -> dict[str, Any]:
    """A strike in Paktika a week later: another event."""
    body = allegation_body(
        dates={"start": "2025-10-22", "end": "2025-10-22", "precision": "day"},
        narrative="Aircraft struck a house in Barmal district of Paktika.",
    )
    body["location"] = {
        "latitude": 32.72,
        "longitude": 69.3,
        "precision": "near",
        "place": "Barmal",
        "admin1": "Paktika",
        "country": "AF",
    }
    return body


def groups(mechanism: Mechanism) -> set[frozenset[str]]:
    found = incidents.list_incidents(mechanism.store, IncidentFolds())
    return {frozenset(m.report for m in i.members) for i in found}


def of(*reports: set[str]) -> set[frozenset[str]]:
    return {frozenset(r) for r in reports}


def test_reports_of_one_clash_form_one_incident_with_reasons(mechanism: Mechanism) -> None:
    af = mechanism.submit("af_liaison", afghan_account())
    pk = mechanism.submit("pk_liaison", pakistani_account())
    seen = mechanism.submit("monitor", observation_body())
    other = mechanism.submit("af_liaison", elsewhere())

    assert groups(mechanism) == of({af, pk, seen}, {other})
    incident = incidents.show_incident(mechanism.store, af, IncidentFolds())
    joined = [m for m in incident.members if m.report != af]
    assert all(m.linked_to in (af, pk) and m.score is not None for m in joined)
    assert any("agreed" in reason for m in joined for reason in m.reasons)
    assert {m.kind for m in incident.members} == {"allegation", "observation"}


def test_linking_is_incremental_and_a_witness_recomputes_the_same(mechanism: Mechanism) -> None:
    folds = IncidentFolds()
    af = mechanism.submit("af_liaison", afghan_account())
    before = incidents.list_incidents(mechanism.store, folds)
    pk = mechanism.submit("pk_liaison", pakistani_account())

    after = incidents.list_incidents(mechanism.store, folds)

    assert [{m.report for m in i.members} for i in before] == [{af}]
    assert [{m.report for m in i.members} for i in after] == [{af, pk}]
    assert after == incidents.list_incidents(mechanism.store, IncidentFolds())
    assert folds.listed(mechanism.store) is folds.listed(mechanism.store)  # kept per size
    mechanism.withdraw("pk_liaison", pk)
    assert [{m.report for m in i.members} for i in folds.listed(mechanism.store)] == [{af}]


def test_monitors_confirm_split_and_merge_as_signed_events(mechanism: Mechanism) -> None:
    af = mechanism.submit("af_liaison", afghan_account())
    pk = mechanism.submit("pk_liaison", pakistani_account())
    signer = mechanism.signer("monitor")

    incidents.confirm(mechanism.store, signer, af, "Both sides describe the same exchange.")
    assert incidents.show_incident(mechanism.store, af, IncidentFolds()).confirmed

    incidents.split(mechanism.store, signer, af, [pk], "Two exchanges, hours apart.")
    assert groups(mechanism) == of({af}, {pk})
    assert not incidents.show_incident(mechanism.store, af, IncidentFolds()).confirmed

    incidents.merge(mechanism.store, signer, pk, af, "The same exchange after all.")
    incident = incidents.show_incident(mechanism.store, af, IncidentFolds())
    assert {m.report for m in incident.members} == {af, pk}
    assert [d.type for d in incident.decisions] == [
        "incident.confirmed",
        "incident.split",
        "incident.merged",
    ]
    rows = mechanism.store.find(pj.CASEWORK, "subject", [af])
    assert [r["type"] for r in rows] == [d.type for d in incident.decisions[:1]] + [
        "incident.split"
    ]


def test_a_split_report_is_never_linked_back_automatically(mechanism: Mechanism) -> None:
    af = mechanism.submit("af_liaison", afghan_account())
    pk = mechanism.submit("pk_liaison", pakistani_account())
    incidents.split(mechanism.store, mechanism.signer("monitor"), af, [pk], "Another clash.")

    seen = mechanism.submit("monitor", observation_body())

    found = groups(mechanism)
    assert not any({af, pk} <= g for g in found)
    assert any(seen in g for g in found)


def test_only_monitors_mediators_and_the_secretariat_decide(mechanism: Mechanism) -> None:
    af = mechanism.submit("af_liaison", afghan_account())
    size = mechanism.size()

    with pytest.raises(PermissionDenied):
        incidents.confirm(mechanism.store, mechanism.signer("pk_liaison"), af)

    assert mechanism.size() == size


def test_decisions_on_incidents_that_are_not_there_are_refused(mechanism: Mechanism) -> None:
    af = mechanism.submit("af_liaison", afghan_account())
    other = mechanism.submit("af_liaison", elsewhere())
    signer = mechanism.signer("monitor")

    with pytest.raises(NotFound):
        incidents.confirm(mechanism.store, signer, "0" * 32)
    with pytest.raises(Conflict):
        incidents.split(mechanism.store, signer, af, [af], "nothing would stay")
    with pytest.raises(Conflict):
        incidents.split(mechanism.store, signer, af, [other], "not a member")


def test_a_decision_that_would_change_nothing_is_refused_and_appends_nothing(
    mechanism: Mechanism,
) -> None:
    af = mechanism.submit("af_liaison", afghan_account())
    pk = mechanism.submit("pk_liaison", pakistani_account())
    signer = mechanism.signer("monitor")
    incidents.confirm(mechanism.store, signer, af, "Both sides describe the same exchange.")
    confirmed_at = mechanism.size() - 1
    size = mechanism.size()

    with pytest.raises(Conflict) as again:
        incidents.confirm(mechanism.store, signer, af, "Checked again.")

    assert again.value.field == "body.incident"
    assert again.value.message == (
        f"incident {af} was already confirmed at index {confirmed_at} with the same reports (2)"
    )
    assert mechanism.size() == size
    seen = mechanism.submit("monitor", observation_body())  # a newcomer joins the incident
    assert groups(mechanism) == of({af, pk, seen})
    incidents.confirm(mechanism.store, signer, af, "The monitors' observation belongs too.")

    incidents.split(mechanism.store, signer, af, [pk], "Two exchanges, hours apart.")
    incidents.merge(mechanism.store, signer, pk, af, "The same exchange after all.")
    merged_at = mechanism.size() - 1
    with pytest.raises(NotFound) as gone:
        incidents.merge(mechanism.store, signer, pk, af, "The same exchange after all.")
    assert gone.value.message == f"no incident {pk}: merged into {af} at index {merged_at}"


def test_a_stale_decision_in_the_log_changes_nothing_and_says_why(mechanism: Mechanism) -> None:
    af = mechanism.submit("af_liaison", afghan_account())
    other = mechanism.submit("af_liaison", elsewhere())
    body = {"incident": other, "into": af, "reason": "one event"}
    mechanism.event("monitor", INCIDENT_MERGED, body)

    mechanism.event("monitor", INCIDENT_MERGED, body)  # raced: ``other`` is merged away already

    incident = incidents.show_incident(mechanism.store, af, IncidentFolds())
    assert {m.report for m in incident.members} == {af, other}
    first, second = incident.decisions
    assert first.refused is None
    assert second.refused is not None
    assert "no incident" in second.refused


def test_confidential_reports_stay_out_until_disclosed(mechanism: Mechanism) -> None:
    af = mechanism.submit("af_liaison", afghan_account())
    sealed = mechanism.submit("pk_liaison", pakistani_account(), confidential=True)
    assert groups(mechanism) == of({af})

    mechanism.disclose("pk_liaison", sealed)

    assert groups(mechanism) == of({af, sealed})


def test_a_withdrawn_report_no_longer_counts_in_an_incident(mechanism: Mechanism) -> None:
    af = mechanism.submit("af_liaison", afghan_account())
    pk = mechanism.submit("pk_liaison", pakistani_account())

    mechanism.withdraw("pk_liaison", pk)

    assert groups(mechanism) == of({af})


def test_a_corrected_report_is_linked_in_its_new_version(mechanism: Mechanism) -> None:
    af = mechanism.submit("af_liaison", afghan_account())
    revised = copy.deepcopy(afghan_account())
    revised["casualties"]["killed"]["civilian"] = {"low": 14, "best": 16, "high": 22}

    pk = mechanism.submit("pk_liaison", pakistani_account())

    new = mechanism.correct("af_liaison", af, revised)

    assert groups(mechanism) == of({pk, new})
    assert incidents.incident_of(mechanism.store, IncidentFolds())(new) is not None


def test_an_incident_shows_what_the_public_may_see_and_the_side_of_the_border(
    mechanism: Mechanism,
) -> None:
    protected = afghan_account()
    protected["location"] = protected["location"] | {"blur_km": 5}
    protected["sources"] = [
        {
            "name": "Informant Gul 101",
            "kind": "witness",
            "reliability": "F",
            "credibility": 6,
            "withheld": True,
        },
    ]
    report = mechanism.submit("af_liaison", protected)

    (member,) = incidents.show_incident(mechanism.store, report, IncidentFolds()).members

    assert member.source == "withheld"
    assert (member.latitude, member.longitude) != (31.00575, 66.40001)
    assert member.side == "undetermined"  # 5 km of blur near the line: either side
    assert member.border_km is not None
