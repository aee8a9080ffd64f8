"""The incidents' fold links each run of submissions as one batch: whatever the history
(corrections, withdrawals, monitors' merges, splits and confirmations between the runs), it
gives what linking the reports one by one gives, decision for decision."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.incident_events import INCIDENT_CONFIRMED, INCIDENT_MERGED, INCIDENT_SPLIT
from ceasefire.linking import linker as linker_module
from ceasefire.linking.fold import IncidentState, fold
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
    assert (batched.gone, batched.overrides, batched.indexes) == (
        alone.gone,
        alone.overrides,
        alone.indexes,
    )
