"""Linking reports into incidents, one at a time or all at once, with monitors' overrides.

A new report joins the incident of its best link — the earlier report with the highest score
at or above ``THRESHOLD`` (ties: the earliest added) — or founds a new incident named after
itself. Existing reports never move automatically: only a monitor's ``split``, ``merge`` or
``detach`` moves them, so a report split away is never linked back, and replaying the same
adds and overrides in the same order gives the same incidents, byte for byte.

The best link only proposes: the newcomer must also agree with the incident as a whole (no
member vetoes, and its mean score over the members reaches ``INCIDENT_THRESHOLD``), measured
on the benchmark set (``docs/linking.md``).

Confirmed incidents still accept new reports — a confirmation says the members belong
together, not that no one else will report the event — and the decision says the incident
was confirmed, so that a monitor reviews the newcomer. A split or merge clears confirmation
of the incidents it changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final, TypeVar

import numpy as np

from ceasefire.errors import Conflict, InvalidInput, NotFound
from ceasefire.linking.columns import Columns, Ints
from ceasefire.linking.comparison import Comparison, comparison_at
from ceasefire.linking.features import INCIDENT_THRESHOLD, THRESHOLD, VETO, Scored, score_pairs
from ceasefire.linking.index import BucketIndex, batch_pairs
from ceasefire.linking.model import Sighting

SHOWN_LINKS = 3
_BATCH_MIN: Final = 16
_BATCH_SHARE: Final = 200
"""``add_all`` finds candidates in one pass when the batch holds at least ``_BATCH_MIN``
reports and one ``_BATCH_SHARE``-th of the reports held: a report added alone (~0.6 ms) costs
about as much as a pass over 240 reports held (~2.5 µs each; docs/benchmarks.md, "Ninth
session")."""
K = TypeVar("K", str, int)


@dataclass(frozen=True, slots=True)
class Link:
    report_id: str
    incident: str
    comparison: Comparison


@dataclass(frozen=True, slots=True)
class Decision:
    """Where a new report went, and the best candidate links that decided it."""

    report_id: str
    incident: str
    new_incident: bool
    confirmed: bool
    links: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class Confirm:
    incident: str


@dataclass(frozen=True, slots=True)
class Split:
    incident: str
    reports: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Merge:
    into: str
    other: str


@dataclass(frozen=True, slots=True)
class Detach:
    report: str


Override = Confirm | Split | Merge | Detach


class Linker:
    """Incremental linking; state is a pure function of the adds and overrides, in order."""

    def __init__(self) -> None:
        self._cols = Columns()
        self._index = BucketIndex(self._cols)
        self._row: dict[str, int] = {}
        self._incident: list[str] = []
        self._members: dict[str, list[int]] = {}
        self._confirmed: set[str] = set()
        self.overrides: list[Override] = []

    def add(self, sighting: Sighting) -> Decision:
        if sighting.report_id in self._row:
            raise Conflict(f"report {sighting.report_id} is already linked")
        row = self._cols.extend((sighting,))[0]
        candidates = self._index.candidates(row)
        scored = score_pairs(self._cols, candidates, np.full(len(candidates), row))
        order = np.lexsort((scored.left, -scored.score))
        lefts, scores = scored.left[order].tolist(), scored.score[order].tolist()
        joined = choose(lefts, scores, self._incident, self._members)
        incident = sighting.report_id if joined is None else joined
        self._index.add(row)
        self._row[sighting.report_id] = row
        self._incident.append(incident)
        self._members.setdefault(incident, []).append(row)
        links = tuple(self._link(scored, int(k)) for k in order[:SHOWN_LINKS])
        confirmed = joined is not None and incident in self._confirmed
        return Decision(sighting.report_id, incident, joined is None, confirmed, links)

    def add_all(self, sightings: Sequence[Sighting]) -> list[Decision]:
        """``[self.add(s) for s in sightings]``: the same decisions, links and state.

        A batch that is large against what the linker already holds (a fold of the whole log,
        an import's reports) finds and scores its candidates all at once, as ``link_all`` does
        (``batch_pairs`` over the columns, keeping the pairs whose later report is new), and
        then places its reports one by one in the given order; a small one is added report by
        report, which costs less than a pass over every report already held."""
        ids = [s.report_id for s in sightings]
        small = len(ids) < _BATCH_MIN or len(ids) * _BATCH_SHARE < len(self._cols)
        if small or len(set(ids)) != len(ids) or not self._row.keys().isdisjoint(ids):
            return [self.add(s) for s in sightings]  # a repeated report is refused there
        first = len(self._cols)
        rows = self._cols.extend(sightings)
        scored = _scored_since(self._cols, first)
        order = np.lexsort((scored.left, -scored.score, scored.right))
        by_right = scored.right[order]
        news = np.arange(rows.start, rows.stop)
        starts = np.searchsorted(by_right, news).tolist()
        ends = np.searchsorted(by_right, news, "right").tolist()
        lefts, scores = scored.left[order].tolist(), scored.score[order].tolist()
        decisions = []
        for report_id, row, lo, hi in zip(ids, rows, starts, ends, strict=True):
            joined = choose(lefts[lo:hi], scores[lo:hi], self._incident, self._members)
            incident = report_id if joined is None else joined
            self._row[report_id] = row
            self._incident.append(incident)
            self._members.setdefault(incident, []).append(row)
            links = tuple(self._link(scored, k) for k in order[lo : min(hi, lo + SHOWN_LINKS)])
            confirmed = joined is not None and incident in self._confirmed
            decisions.append(Decision(report_id, incident, joined is None, confirmed, links))
        self._index.add_rows(news)
        return decisions

    def _link(self, scored: Scored, k: int) -> Link:
        left = int(scored.left[k])
        return Link(
            self._cols.ids[left], self._incident[left], comparison_at(self._cols, scored, k)
        )

    def incidents(self) -> dict[str, tuple[str, ...]]:
        """Incident id → member report ids, in the order they were added."""
        ids = self._cols.ids
        return {name: tuple(ids[r] for r in rows) for name, rows in self._members.items()}

    def incident_of(self, report_id: str) -> str:
        return self._incident[self._known(report_id)]

    def members(self, incident: str) -> tuple[str, ...]:
        """The incident's member report ids, in the order they were added (NotFound if there
        is no such incident): one incident's, without listing them all."""
        ids = self._cols.ids
        return tuple(ids[r] for r in self._existing(incident))

    def is_confirmed(self, incident: str) -> bool:
        return incident in self._confirmed

    # -- monitors' overrides -------------------------------------------------------------------

    def apply(self, override: Override) -> str:
        """Apply an override recorded in the log; returns the incident it leaves in place."""
        match override:
            case Confirm(incident):
                return self.confirm(incident)
            case Split(incident, reports):
                return self.split(incident, reports)
            case Merge(into, other):
                return self.merge(into, other)
            case Detach(report):
                return self.detach(report)

    def confirm(self, incident: str) -> str:
        self._existing(incident)
        self._confirmed.add(incident)
        self.overrides.append(Confirm(incident))
        return incident

    def split(self, incident: str, report_ids: Sequence[str]) -> str:
        """Move ``report_ids`` out of ``incident`` into a new incident; returns its id."""
        members = self._existing(incident)
        rows = sorted({self._known(r) for r in report_ids})
        if not rows or any(self._incident[r] != incident for r in rows):
            raise InvalidInput(f"split of {incident}: reports must be members of it")
        if len(rows) == len(members):
            raise InvalidInput(f"split of {incident}: some reports must stay")
        name = self._fresh_name(self._cols.ids[rows[0]])
        moved = set(rows)
        self._members[incident] = [r for r in members if r not in moved]
        self._members[name] = rows
        for r in rows:
            self._incident[r] = name
        self._confirmed.discard(incident)
        self.overrides.append(Split(incident, tuple(self._cols.ids[r] for r in rows)))
        return name

    def merge(self, into: str, other: str) -> str:
        """Move every member of ``other`` into ``into``; ``other`` ceases to exist."""
        if into == other:
            raise InvalidInput(f"cannot merge incident {into} with itself")
        kept, gone = self._existing(into), self._existing(other)
        for r in gone:
            self._incident[r] = into
        self._members[into] = sorted(kept + gone)
        del self._members[other]
        self._confirmed -= {into, other}
        self.overrides.append(Merge(into, other))
        return into

    def detach(self, report_id: str) -> str:
        """Make a report an incident of its own; returns that incident's id."""
        incident = self.incident_of(report_id)
        if len(self._members[incident]) == 1:
            return incident
        return self.split(incident, [report_id])

    def _fresh_name(self, base: str) -> str:
        name, n = base, 1
        while name in self._members:
            name, n = f"{base}~{n}", n + 1
        return name

    def _existing(self, incident: str) -> list[int]:
        if incident not in self._members:
            raise NotFound(f"no incident {incident}")
        return self._members[incident]

    def _known(self, report_id: str) -> int:
        if report_id not in self._row:
            raise NotFound(f"no report {report_id} in the linker")
        return self._row[report_id]


def _scored_since(cols: Columns, first: int) -> Scored:
    """The scored candidate pairs whose later report is at row ``first`` or after (found on
    the reports ordered by date, as ``link_all`` finds them, and named by their rows again)."""
    order = np.argsort(cols.int_column("wstart"), kind="stable")
    dated = cols.take(order)
    parts = []
    for x, y in batch_pairs(dated):
        a, b = np.minimum(order[x], order[y]), np.maximum(order[x], order[y])
        new = b >= first
        if new.any():
            parts.append(score_pairs(cols, a[new], b[new]))
    if not parts:
        return score_pairs(cols, np.zeros(0, np.int64), np.zeros(0, np.int64))
    return Scored(*(np.concatenate([getattr(p, name) for p in parts]) for name in _SCORED_FIELDS))


_SCORED_FIELDS: Final = ("left", "right", "score", "outcomes", "distance_km", "text_similarity")


def choose(
    lefts: Sequence[int],
    scores: Sequence[float],
    incident_of: Sequence[K],
    members: Mapping[K, Sequence[int]],
) -> K | None:
    """The incident a new report joins, from its scored links sorted best first.

    The best link at or above ``THRESHOLD`` proposes its incident; the incident is taken only
    if the newcomer agrees with the incident as a whole: no member vetoes — every member must
    be a candidate scoring at least ``VETO`` (a member from the same source, in another place
    or at another time says "not the same event") — and its mean score over the members is at
    least ``INCIDENT_THRESHOLD`` (one close retelling does not outweigh the rest). Otherwise
    the next best link's incident is tried.
    """
    by_row = dict(zip(lefts, scores, strict=True))
    tried: set[K] = set()
    for left, score in zip(lefts, scores, strict=True):
        if score < THRESHOLD:
            break
        incident = incident_of[left]
        if incident in tried:
            continue
        tried.add(incident)
        agreement = [by_row.get(m, -math.inf) for m in members[incident]]
        if min(agreement) >= VETO and sum(agreement) >= INCIDENT_THRESHOLD * len(agreement):
            return incident
    return None


def link_all(sightings: Iterable[Sighting]) -> dict[str, str]:
    """Report id → incident id, exactly as adding the sightings one by one to a new ``Linker``.

    Candidates are found and scored on the reports ordered by date (a pair is always close in
    time, so its two rows are then close in memory: at a million reports in log order every
    pair read two random rows of columns far larger than the CPU's caches), and the pairs are
    then numbered in the given order again; a pair's score is the same either way round."""
    given = Columns()
    given.extend(sightings)
    if len(set(given.ids)) != len(given.ids):
        raise Conflict("report ids must be distinct")
    order = np.argsort(given.int_column("wstart"), kind="stable")
    dated = given.take(order)
    parts = [_renumbered(score_pairs(dated, a, b), order) for a, b in batch_pairs(dated)]
    return assign_from(given, parts)


def _renumbered(scored: Scored, order: Ints) -> Scored:
    """``scored`` with rows of the reordered columns named by their positions in the given
    order (``order[k]`` is the given position of reordered row ``k``), left < right again."""
    a, b = order[scored.left], order[scored.right]
    return replace(scored, left=np.minimum(a, b), right=np.maximum(a, b))


def assign_from(cols: Columns, parts: Sequence[Scored]) -> dict[str, str]:
    """Replay the adds over pre-scored candidate pairs (``left`` < ``right``).

    Only the reports with a link at or above ``THRESHOLD`` can join an earlier incident; every
    other report founds its own, so the replay visits the former alone. Incidents are named
    by the row of the report that founded them, and a founder alone is its own member."""
    left = _cat([p.left for p in parts])
    right = _cat([p.right for p in parts])
    score = np.concatenate([np.zeros(0), *(p.score for p in parts)])
    joining = np.zeros(len(cols), bool)
    joining[right[score >= THRESHOLD]] = True
    kept = joining[right]
    left, right, score = left[kept], right[kept], score[kept]
    order = np.lexsort((left, -score, right))
    left, right, score = left[order], right[order], score[order]
    rows = np.flatnonzero(joining)
    starts = np.searchsorted(right, rows).tolist()
    ends = np.searchsorted(right, rows, "right").tolist()
    lefts, scores = left.tolist(), score.tolist()
    incident = list(range(len(cols)))
    members = _Members()
    for row, lo, hi in zip(rows.tolist(), starts, ends, strict=True):
        joined = choose(lefts[lo:hi], scores[lo:hi], incident, members)
        if joined is not None:
            incident[row] = joined
            members.setdefault(joined, [joined]).append(row)
    ids = cols.ids
    return {report: ids[founder] for report, founder in zip(ids, incident, strict=True)}


class _Members(dict[int, list[int]]):
    """Incident (its founder's row) → member rows; an incident never joined is its founder."""

    def __missing__(self, founder: int) -> list[int]:
        return [founder]


def _cat(parts: list[Ints]) -> Ints:
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def incidents_of(assignment: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Group an assignment (report → incident) into incident → members, in report order."""
    grouped: dict[str, list[str]] = {}
    for report, incident in assignment.items():
        grouped.setdefault(incident, []).append(report)
    return {k: tuple(v) for k, v in grouped.items()}
