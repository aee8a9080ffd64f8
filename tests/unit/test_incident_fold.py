"""The incidents' fold links each run of submissions as one batch: whatever the history
(corrections, withdrawals, monitors' merges, splits and confirmations between the runs), it
gives what linking the reports one by one gives, decision for decision. A monitor's decision
that would change nothing (a second confirmation with the same reports, a split of reports the
incident does not hold) is kept as refused, with the reason."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.incident_events import (
    INCIDENT_CONFIRMED,
    INCIDENT_MERGED,
    INCIDENT_SPLIT,
    IncidentMerged,
    IncidentSplit,
)
from ceasefire.errors import Conflict, NotFound
from ceasefire.linking import linker as linker_module
from ceasefire.linking.fold import IncidentState, check_decision, fold
from tests.report_bodies import allegation_body

DAY = date(2025, 10, 15)
_PLACES = ((31.006, 66.400, "Spin Boldak"), (31.02, 66.45, "Wesh"), (30.91, 66.45, "Chaman"))


def _id(n: int) -> str:
    return f"{n:032x}"


@st.composite
def histories(draw: st.DrawFn) -> list[pj.Entry]:
    """Entries of a log: mostly submissions of nearby strikes, with corrections, withdrawals
    and incident decisions among them (some of which no longer fit, as in a real log)."""
    entries: list[pj.Entry] = []
    reports: list[str] = []
    for index in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(["submit"] * 6 + ["correct", "withdraw", "decide"]))
        event_id = _id(index + 1)
        body: dict[str, Any]
        if kind == "submit" or not reports:
            latitude, longitude, place = draw(st.sampled_from(_PLACES))
            day = (DAY + timedelta(days=draw(st.integers(0, 5)))).isoformat()
            body = allegation_body(
                dates={"start": day, "end": day, "precision": "day"},
                location={"latitude": latitude, "longitude": longitude, "precision": "near",
                          "place": place, "country": "AF"},
                narrative=draw(st.sampled_from(["Aircraft struck a market", "Shelling at dawn"])),
            )  # fmt: skip
            entries.append(_entry(index, event_id, events.REPORT_SUBMITTED, body))
            reports.append(event_id)
        elif kind == "correct":
            old = draw(st.sampled_from(reports))
            body = {"corrects": old, "reason": "revised", "report": allegation_body()}
            entries.append(_entry(index, event_id, events.REPORT_CORRECTED, body))
            reports.append(event_id)
        elif kind == "withdraw":
            body = {"report": draw(st.sampled_from(reports)), "reason": "in error"}
            entries.append(_entry(index, event_id, events.REPORT_WITHDRAWN, body))
        else:
            incident, other = draw(st.sampled_from(reports)), draw(st.sampled_from(reports))
            decision = draw(st.sampled_from([INCIDENT_CONFIRMED, INCIDENT_MERGED, INCIDENT_SPLIT]))
            if other == incident:  # admission refuses an incident merged into itself
                decision = INCIDENT_CONFIRMED
            body = {"incident": incident}
            if decision == INCIDENT_MERGED:
                body |= {"into": other, "reason": "one event"}
            elif decision == INCIDENT_SPLIT:
                body |= {"reports": [other], "reason": "two events"}
            entries.append(_entry(index, event_id, decision, body))
    return entries


def _entry(index: int, event_id: str, event_type: str, body: dict[str, Any]) -> pj.Entry:
    return pj.Entry(index, event_id, event_type, "monitor-1", None, "2025-10-20T00:00:00Z", body)


@settings(max_examples=80, deadline=None)
@given(histories(), st.integers(1, 40))
def test_the_batched_fold_equals_linking_one_by_one(entries: list[pj.Entry], cut: int) -> None:
    with patch.multiple(linker_module, _BATCH_MIN=1, _BATCH_SHARE=10**9):
        batched = fold(IncidentState(), entries[:cut], cut)  # and carried on: incremental
        fold(batched, entries[cut:], len(entries))
    with patch.multiple(linker_module, _BATCH_MIN=10**9):
        alone = fold(IncidentState(), entries, len(entries))
    assert batched.decisions == alone.decisions
    assert batched.incidents() == alone.incidents()
    assert (batched.gone, batched.overrides, batched.indexes, batched.confirmations) == (
        alone.gone,
        alone.overrides,
        alone.indexes,
        alone.confirmations,
    )


# -- decisions that change nothing -----------------------------------------------------------------


def _strike(index: int, narrative: str = "Aircraft struck a market") -> pj.Entry:
    body = allegation_body(
        dates={"start": DAY.isoformat(), "end": DAY.isoformat(), "precision": "day"},
        location={"latitude": 31.006, "longitude": 66.4, "precision": "near",
                  "place": "Spin Boldak", "country": "AF"},
        narrative=narrative,
    )  # fmt: skip
    return _entry(index, _id(index + 1), events.REPORT_SUBMITTED, body)


def _decision(index: int, event_type: str, **body: Any) -> pj.Entry:
    return _entry(index, _id(index + 1), event_type, body)


def test_a_second_confirmation_with_the_same_reports_is_kept_as_refused() -> None:
    first, second = _strike(0), _strike(1)
    incident = first.id
    entries = [first, second, _decision(2, INCIDENT_CONFIRMED, incident=incident)]
    entries.append(_decision(3, INCIDENT_CONFIRMED, incident=incident))

    state = fold(IncidentState(), entries, len(entries))

    assert state.incidents() == {incident: (first.id, second.id)}
    confirmed, again = state.overrides
    assert (confirmed.refused, confirmed.result) == (None, incident)
    assert (
        again.refused
        == f"incident {incident} was already confirmed at index 2 with the same reports (2)"
    )
    assert state.linker.is_confirmed(incident)


def test_a_confirmation_after_a_new_report_joined_is_a_new_one() -> None:
    first, second = _strike(0), _strike(1)
    incident = first.id
    entries = [first, _decision(1, INCIDENT_CONFIRMED, incident=incident), second]
    entries.append(_decision(3, INCIDENT_CONFIRMED, incident=incident))

    state = fold(IncidentState(), entries, len(entries))

    assert state.decisions[second.id].incident == incident  # it joined the confirmed one
    assert [o.refused for o in state.overrides] == [None, None]
    assert state.confirmations[incident] == (3, (first.id, second.id))


def test_check_decision_refuses_what_would_change_nothing_and_says_why() -> None:
    first, second, third = _strike(0), _strike(1), _strike(2)
    elsewhere = _entry(
        3,
        _id(4),
        events.REPORT_SUBMITTED,
        allegation_body(
            dates={"start": "2025-10-30", "end": "2025-10-30", "precision": "day"},
            location={"latitude": 32.72, "longitude": 69.3, "precision": "near",
                      "place": "Barmal", "country": "AF"},
            narrative="Shelling of a village",
        ),
    )  # fmt: skip
    state = fold(IncidentState(), [first, second, third, elsewhere], 4)
    incident, other = first.id, elsewhere.id
    assert state.incidents() == {incident: (first.id, second.id, third.id), other: (other,)}

    with pytest.raises(Conflict) as stranger:
        check_decision(state, IncidentSplit(incident, (second.id, other), "two events"))
    assert stranger.value.field == "body.reports[1]"
    assert (
        stranger.value.message
        == f"report {other} is not in incident {incident} (it is in incident {other})"
    )
    with pytest.raises(Conflict, match="a split must leave some reports") as everything:
        check_decision(state, IncidentSplit(incident, (first.id, second.id, third.id), "all"))
    assert everything.value.field == "body.reports"

    merged = fold(state, [_decision(4, INCIDENT_MERGED, incident=other, into=incident,
                                    reason="one event")], 5)  # fmt: skip
    with pytest.raises(NotFound) as gone:
        check_decision(merged, IncidentMerged(other, incident, "again"))
    assert gone.value.field == "body.incident"
    assert gone.value.message == f"no incident {other}: merged into {incident} at index 4"
    with pytest.raises(NotFound) as into:
        check_decision(merged, IncidentMerged(incident, other, "the other way"))
    assert into.value.field == "body.into"
