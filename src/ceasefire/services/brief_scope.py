"""The part of the log a brief must read, found through the read models.

``briefs.content.compute`` over the entries :func:`scoped_entries` returns gives the same brief
as over every entry up to the checkpoint (``briefs.scope`` says which entries and why;
``tests/briefs/test_scope.py`` holds the two equal). The read models only *find* the entries:
every one is read from the log and folded as it is there, and a query may name more entries
than needed, never fewer. Where the read models do not yet cover the checkpoint, there is no
scope and the brief reads every entry.

The costly part is the linking: the period's reports are placed by replaying their strong-link
components (``linking.closure``), grown here a round at a time — the newest members' dates
give the days to look at, the read models the report versions dated then, the log their
content, and the linker's own scores the members of the next round.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta

from ceasefire.briefs import record, scope
from ceasefire.briefs.content import TICK
from ceasefire.briefs.periods import Window
from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.casework import parse_time
from ceasefire.linking.closure import reach, strong_links
from ceasefire.linking.fold import version_of
from ceasefire.linking.model import Sighting, sighting_from_body
from ceasefire.services.ports import BriefIndex, Row, Store

MARGIN = timedelta(days=1)
"""Read-model dates and times are compared as strings; a day either side covers any form."""


Reader = Callable[[Collection[int]], list[pj.Entry]]


def entry_reader(store: Store, *, sealed: bool) -> Reader:
    """Read entries at given indices from the log, as the brief folds them."""
    affiliations = {r.actor: r.affiliation for r in store.key_records()}

    def read(indices: Collection[int]) -> list[pj.Entry]:
        bodies = store.sealed_bodies_at(indices) if sealed else {}
        return [
            pj.entry_of(index, leaf, affiliations, bodies.get(index), with_text=False)
            for index, leaf in store.entries_at(indices)
        ]

    return read


def scoped_entries(
    store: Store, size: int, current: Window, before: Window, *, sealed: bool
) -> list[pj.Entry] | None:
    """The entries below ``size`` that a brief of ``current`` (compared with ``before``)
    reads, in log order; None where the read models do not yet cover ``size`` (the brief then
    reads every entry)."""
    if store.record_applied() < size:
        return None
    index = store.brief_index()
    read = entry_reader(store, sealed=sealed)
    chosen: dict[int, pj.Entry] = {e.index: e for e in read(index.folded(scope.FOLDED, size))}
    base = list(chosen.values())
    agreement = record.agreement_at(sorted(base, key=lambda e: e.index)).agreement

    wanted: set[int] = set(index.casework_reports(size))
    wanted.update(index.received(before.first - MARGIN, current.last + MARGIN * 2, size))
    named = scope.named_reports(base)
    wanted.update(i for row in store.find(pj.EVENTS, "id", named) if (i := int(row["idx"])) < size)
    moments = (current.start - TICK, current.end - TICK)
    for want in scope.wanted(agreement, moments):
        wanted.update(_deciding(index, want, named, size))
    _add(chosen, read(wanted - chosen.keys()))
    listed = named | {
        e.id
        for e in chosen.values()
        if e.type == events.REPORT_SUBMITTED and current.holds(parse_time(e.time))
    }
    seeds = [s for s in _versions(chosen.values()) if s.report_id in listed]
    _close(chosen, index, read, seeds, size)
    return sorted(chosen.values(), key=lambda e: e.index)


def _add(chosen: dict[int, pj.Entry], entries: Iterable[pj.Entry]) -> None:
    for entry in entries:
        chosen[entry.index] = entry


def _deciding(index: BriefIndex, want: scope.Wanted, named: set[str], size: int) -> list[int]:
    """Allegations in log order up to the ``at_least``-th that surely counts: public, never
    withdrawn nor corrected, in the log by ``want.as_of``, and no case's subject (a case may
    resolve it). Those in doubt are kept too: the fold decides."""
    found: list[int] = []
    sure = 0
    after = -1
    while sure < want.at_least:
        if want.after is None:
            rows = index.allegations_after(want.party, size, after)
        elif after >= 0:
            break  # the dated query gives the whole window at once
        else:
            rows = index.allegations_dated(
                want.party, want.after + timedelta(days=1) - MARGIN, want.until + MARGIN, size
            )
        if not rows:
            break
        for row in rows:
            day = _day(row["start_date"])
            if day is None or not want.counts(row["act"], day):
                continue
            found.append(int(row["idx"]))
            sure += _surely_counts(row, named, want.as_of)
            if sure >= want.at_least:
                break
        after = int(rows[-1]["idx"])
    return found


def _surely_counts(row: Row, named: set[str], as_of: datetime) -> bool:
    return (
        not row["confidential"]
        and row["withdrawn_at"] is None
        and row["superseded_by"] is None
        and row["id"] not in named
        and parse_time(row["time"]) <= as_of
    )


def _day(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _close(
    chosen: dict[int, pj.Entry],
    index: BriefIndex,
    read: Reader,
    seeds: list[Sighting],
    size: int,
) -> None:
    """Add to ``chosen`` the strong-link components of ``seeds``: the versions whose incidents
    the brief lists (the period's reports) or the monitors' decisions name.

    The other versions among ``chosen`` may be placed otherwise than in the whole log, but
    never in these components: a version joins an incident only through a strong link, which
    would make it a member of the component."""
    linked: dict[str, Sighting] = {}
    frontier = seeds
    while frontier:
        linked.update((s.report_id, s) for s in frontier)
        candidates = _candidates(index, read, frontier, linked, chosen, size)
        joined = strong_links(frontier, [sighting for sighting, _ in candidates.values()])
        frontier = [candidates[report][0] for report in sorted(joined)]
        _add(chosen, (entry for report in sorted(joined) for entry in candidates[report][1]))


def _versions(entries: Iterable[pj.Entry]) -> list[Sighting]:
    found = {}
    for entry in entries:
        version = version_of(entry)
        if version is not None:
            found[version[0]] = sighting_from_body(*version)
    return list(found.values())


def _candidates(
    index: BriefIndex,
    read: Reader,
    frontier: Sequence[Sighting],
    linked: Mapping[str, Sighting],
    chosen: Mapping[int, pj.Entry],
    size: int,
) -> dict[str, tuple[Sighting, list[pj.Entry]]]:
    """Report versions not yet linked whose dates meet the frontier's reach: each with the
    entries that make it (the submission, and the disclosure that made it public)."""
    rows: dict[str, Row] = {}
    for first, last in _spans(reach(s) for s in frontier):
        for row in index.dated(first - MARGIN, last + MARGIN, size):
            if row["id"] not in linked:
                rows[row["id"]] = row
    needed = {int(r["idx"]) for r in rows.values()}
    needed |= {int(r["disclosed_at"]) for r in rows.values() if _disclosed(r, size)}
    entries = {e.index: e for e in read(needed - chosen.keys())}
    entries.update((i, chosen[i]) for i in needed & chosen.keys())
    found: dict[str, tuple[Sighting, list[pj.Entry]]] = {}
    for row in rows.values():
        made = [entries[int(row["idx"])]]
        if _disclosed(row, size):
            made.append(entries[int(row["disclosed_at"])])
        for entry in made:
            version = version_of(entry)
            if version is not None and version[0] == row["id"]:
                found[row["id"]] = (sighting_from_body(*version), made)
    return found


def _disclosed(row: Row, size: int) -> bool:
    return row["disclosed_at"] is not None and int(row["disclosed_at"]) < size


def _spans(reaches: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """The reaches merged where they meet: one query per stretch of days."""
    merged: list[tuple[date, date]] = []
    for first, last in sorted(reaches):
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged
