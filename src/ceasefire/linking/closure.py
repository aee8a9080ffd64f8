"""Which reports the incidents of a few reports depend on: their strong-link components.

``Linker.add`` places a report by its links scoring at least ``THRESHOLD``, the incidents of
those links and the members of those incidents — and every member joined its incident through
such a link. So the report versions connected by strong links (a *component*) are placed by
replaying that component alone, in log order, from an empty linker, exactly as the whole log
places them: a monitor's merge joins two components, a split, a detach, a withdrawal or a
correction stays inside one. A brief about one week folds the components its reports belong
to, not the whole log (``services.brief_scope``).

A pair's score is a function of the two report versions alone, and the same either way round
(``features.score_pairs``), so a component is found by growing it: score its newest members
against every version whose dates could meet theirs (:func:`reach`), keep the strong links,
and repeat until nothing is added (:func:`strong_links`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Final

from ceasefire.linking.columns import Columns
from ceasefire.linking.features import THRESHOLD, score_pairs
from ceasefire.linking.index import batch_pairs
from ceasefire.linking.model import SLACK_DAYS, Sighting

WIDEST_SLACK: Final = max(SLACK_DAYS.values())


def reach(sighting: Sighting) -> tuple[date, date]:
    """The days a version strongly linked to ``sighting`` must have dates meeting: its own
    window (``start``–``end`` widened by its slack) widened again by the widest slack another
    version may have. Versions whose dates lie wholly outside are blocked from it."""
    slack = timedelta(days=SLACK_DAYS[sighting.date_precision] + WIDEST_SLACK)
    return sighting.start - slack, sighting.end + slack


def strong_links(members: Sequence[Sighting], candidates: Sequence[Sighting]) -> set[str]:
    """The ids of ``candidates`` linked to one of ``members`` by a score of at least
    ``THRESHOLD`` (the pairs are the linker's own: those sharing a blocking key)."""
    if not members or not candidates:
        return set()
    cols = Columns()
    cols.extend([*members, *candidates])
    first = len(members)
    found: set[int] = set()
    for left, right in batch_pairs(cols):
        crossing = (left < first) & (right >= first)
        if not crossing.any():
            continue
        scored = score_pairs(cols, left[crossing], right[crossing])
        found.update(scored.right[scored.score >= THRESHOLD].tolist())
    return {cols.ids[row] for row in found}
