"""Verification and enforcement as a client of the log: the commands that work cases, sign
findings and penalties and run meetings, and the questions asked of the result.

Each command signs one event and appends it; the admission (``services.casework_admission``)
decides whether the record allows it. What a command can work out for its user it does: a case
states what its report says, a reply request carries the deadline the agreement gives, a
signature names the case's current proposal, a meeting's agenda is drawn from the record.

Every question (status, commitments, cases, penalties, meetings) is answered by the pure fold
of the log's entries up to a moment (``domain.casework``), so the answer given here is the one
any party recomputes from its own copy of the log.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ceasefire.domain import casework_events as ce
from ceasefire.domain import meetings as mt
from ceasefire.domain import penalties as pn
from ceasefire.domain import projection as pj
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.cases import Case, CaseState, reply_due
from ceasefire.domain.casework import Casework, agenda, fold, parse_time
from ceasefire.domain.enforcement import Evaluation, assess
from ceasefire.domain.enforcement_explain import to_millisecond
from ceasefire.domain.facts import CaseKind
from ceasefire.domain.sectors import Sectors
from ceasefire.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ceasefire.log.envelope import format_time
from ceasefire.log.keys import SigningKey
from ceasefire.services.agreements import check_terms, in_force_at, require_in_force, versions
from ceasefire.services.entries import public_entries
from ceasefire.services.log import Appended, submit
from ceasefire.services.ports import Clock, Store
from ceasefire.services.reports import signer_of, view_of

_RELEVANT = ("agreement.", "report.", *ce.CASEWORK_NAMESPACES)


@dataclass(frozen=True)
class Recorded:
    """An appended casework event: its id (a new case's, finding's or penalty's id) and where
    it went."""

    id: str
    appended: Appended
    body: Mapping[str, Any]
    """The body signed, with what the command worked out (a reply's deadline, an agenda)."""


@dataclass(frozen=True)
class Signer:
    """Who signs, with what, against which log and clock: what every command needs."""

    key: SigningKey
    log_key: SigningKey
    clock: Clock


def record(store: Store, signer: Signer, event_type: str, body: Mapping[str, Any]) -> Recorded:
    """Sign and append one casework event, after parsing its body (so errors name its fields
    before anything is signed)."""
    ce.PARSERS[event_type](body)
    now = signer.clock().replace(microsecond=0)
    appended, envelope = submit(
        store, signer.key, event_type, body, log_key=signer.log_key, clock=lambda: now
    )
    return Recorded(envelope.id, appended, body)


# --- commands that work something out for their user -------------------------------------------


def open_case(
    store: Store, signer: Signer, reports: list[str], *, title: str | None = None
) -> Recorded:
    """Open a case on reports (the first one says what the case is about)."""
    return record(store, signer, ce.CASE_OPENED, case_opening(store, reports, title=title))


def case_opening(store: Store, reports: list[str], *, title: str | None = None) -> dict[str, Any]:
    """The body of a ``case.opened`` event on ``reports``, worked out from the first one: what
    the command above signs, and what the web interface hands the browser to sign. Its sector
    is the one the report is in as the public sees it (``domain.sectors``: the one it names,
    else the one its point, blurred if it is, lies in): casework events are public."""
    if not reports:
        raise NotFound("a case is opened on at least one report", field="reports")
    rows = store.find(pj.REPORTS, "id", [reports[0]])
    if not rows or rows[0]["kind"] is None:
        raise NotFound(f"no report {reports[0]} in the record", field="reports[0]")
    row = rows[0]
    allegation = row["kind"] in ("allegation", "observation")
    if row["kind"] == "observation" and not (row["act"] and row["alleged_party"]):
        raise Conflict(
            f"report {reports[0]} is an observation that names no act or no party: a case is "
            "about an act of a party (open it on an allegation, or link the observation to one)",
            field="reports[0]",
        )
    sector = _public_sector(store, row)
    body: dict[str, Any] = {
        "kind": CaseKind.ALLEGATION.value if allegation else CaseKind.COMPLIANCE_CLAIM.value,
        "reports": reports,
        "party": row["alleged_party"] if allegation else row["affiliation"],
        "day": row["start_date"][:10],
        "title": title or _title(row, sector),
    }
    body["act" if allegation else "commitment"] = row["act"] if allegation else row["commitment"]
    if sector:
        body["sector"] = sector
    ce.PARSERS[ce.CASE_OPENED](body)
    return body


def _public_sector(store: Store, row: Mapping[str, Any]) -> str | None:
    seen = view_of(row, None).body or {}
    return Sectors.of(require_in_force(store).agreement.sectors).of_place(seen.get("location"))


def _title(row: Mapping[str, Any], sector: str | None) -> str:
    if row["kind"] in ("allegation", "observation"):
        where = f" in {sector}" if sector else ""
        return f"{row['act']} alleged against {row['alleged_party']}{where}, {row['start_date']}"
    return f"{row['affiliation']}: {row['step']} toward {row['commitment']}, {row['start_date']}"


def request_reply(store: Store, signer: Signer, case: str) -> Recorded:
    """Put the allegation to the accused party, with the deadline the agreement gives."""
    now = signer.clock().replace(microsecond=0)
    fixed = Signer(signer.key, signer.log_key, lambda: now)
    return record(store, fixed, ce.REPLY_REQUESTED, reply_request(store, case, now))


def reply_request(store: Store, case: str, now: datetime) -> dict[str, Any]:
    """The body of a ``case.reply_requested`` event made at ``now``: the deadline is the
    agreement's reply window from then."""
    due = reply_due(now.replace(microsecond=0), require_in_force(store).agreement)
    return {"case": case, "due": _time(due)}


def current_finding(store: Store, case_id: str) -> str:
    """The id of the finding a case has on the table, for signing or issuing it."""
    case = show_case(store, case_id)
    if case.proposal is None:
        raise Conflict(f"case {case_id} is {case.state}: no finding is proposed", field="case")
    return case.proposal.id


def schedule_meeting(
    store: Store,
    signer: Signer,
    meeting: str,
    *,
    date: str,
    place: str,
    purpose: str,
) -> Recorded:
    """Schedule a meeting whose agenda is drawn from the record as it stands."""
    now = signer.clock()
    casework, agreement = load(store, None)
    items = agenda(casework, assess(agreement, casework.facts(), now))
    body = {
        "meeting": meeting,
        "date": date,
        "place": place,
        "purpose": purpose,
        "agenda": [
            {"kind": i.kind, "text": i.text, **({"ref": i.ref} if i.ref else {})} for i in items
        ],
    }
    return record(store, signer, ce.MEETING_SCHEDULED, body)


def propose_decision(store: Store, signer: Signer, body: Mapping[str, Any]) -> Recorded:
    """Put a decision to a meeting. An amending decision may name only the version: its digest
    is the one the log holds for it."""
    amend = (body.get("effect") or {}).get("amend")
    if isinstance(amend, Mapping) and "digest" not in amend:
        version = amend.get("version")
        found = [v for v in versions(store) if v.proposal.version == version]
        if not found:
            raise NotFound(
                f"no version {version!r} of the agreement was proposed",
                field="effect.amend.version",
            )
        body = {**body, "effect": {"amend": {**amend, "digest": found[0].proposal.digest}}}
    return record(store, signer, ce.DECISION_PROPOSED, body)


def sign_decision(store: Store, signer: Signer, meeting: str, decision: str) -> Recorded:
    """Sign a meeting's decision for the party or mediator the signer's actor acts for."""
    actor = signer_of(store, signer.key.name)
    if actor.affiliation is None:
        raise PermissionDenied(
            f"actor {signer.key.name!r} signs for no party or mediator", field="key"
        )
    body = {"meeting": meeting, "decision": decision, "signatory": actor.affiliation}
    return record(store, signer, ce.DECISION_SIGNED, body)


# --- questions ---------------------------------------------------------------------------------


def record_entries(store: Store, as_of: datetime | None = None) -> Iterator[pj.Entry]:
    """The public entries the casework fold reads, up to ``as_of``, from the log itself."""
    entries = _entries(store, 0, store.head().size)
    return iter(entries if as_of is None else _until(entries, as_of))


def _entries(store: Store, start: int, end: int) -> list[pj.Entry]:
    return public_entries(store, start, end, _RELEVANT)


def _until(entries: Sequence[pj.Entry], as_of: datetime) -> list[pj.Entry]:
    return [e for e in entries if parse_time(e.time) <= as_of]


@dataclass(frozen=True)
class _Folded:
    """The fold of the log's first ``size`` entries, ``count`` of them casework entries. It is
    never changed once made, so any number of requests may read it while the next is made
    from a copy."""

    size: int
    count: int
    result: tuple[Casework, Agreement]


_AGREEMENT = "agreement."
"""New entries of these types may change the version in force: the casework is folded afresh."""


class Folds:
    """One process's memory of the casework fold, keyed by the log's size.

    The fold is a pure function of the log's prefix (and of the agreement in force, itself
    decided by that prefix), so ``(size, as_of is None)`` names it exactly: the size is read
    from the database on every call, the entries of a grown log are read incrementally (the
    log only grows; an actor keeps its affiliation), and a fold made for a smaller size is
    never served again. Several workers each keep their own; none can be stale, since each
    asks the database for the size. The evaluation also depends on the time: "now" is taken
    to the second (an evaluation states its ``as_of`` to the millisecond). The latest
    evaluation is kept with its ``(size, second)``, which it states, and answers every request
    that saw the log no longer, no later (``evaluation``). An explicit ``as_of`` reuses the
    fold when every entry is before it, and folds afresh otherwise.

    When the log grows, the fold of the longer log is the kept one with the new entries
    applied (``Casework.apply`` is the fold's step), to a copy, so the kept one is never
    changed under a request reading it. New ``agreement.…`` entries may change the version in
    force, which every case and penalty is judged by: then the whole log is folded afresh.
    One fold is made at a time (``_making``); a request that waited for it finds it made.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._making = threading.Lock()
        self.evaluating = threading.Lock()
        """Held while an evaluation is made (``status``)."""
        self._size = -1
        self._entries: tuple[pj.Entry, ...] = ()
        self._latest: datetime | None = None
        self._folds: dict[bool, _Folded] = {}
        self._evaluation: tuple[int, datetime, Evaluation] | None = None
        self.refolds = 0
        """How many folds were made from scratch rather than from the kept one (for tests)."""

    def prefix(self, store: Store) -> tuple[int, tuple[pj.Entry, ...], datetime | None]:
        """The log's size now, its casework entries, and the latest time among them."""
        size = store.head().size
        with self._lock:
            if size == self._size:
                return size, self._entries, self._latest
            grows = 0 <= self._size < size
            start, kept, latest = (
                (self._size, self._entries, self._latest) if grows else (0, (), None)
            )
        new = _entries(store, start, size)
        grown = (*kept, *new)
        times = [parse_time(e.time) for e in new] + ([latest] if latest is not None else [])
        latest = max(times, default=None)
        with self._lock:
            if size > self._size:
                self._size, self._entries, self._latest = size, grown, latest
        return size, grown, latest

    def fold(
        self,
        size: int,
        now: bool,
        entries: tuple[pj.Entry, ...],
        make: Callable[[], tuple[Casework, Agreement]],
    ) -> tuple[Casework, Agreement]:
        """The fold of ``entries`` (the log's first ``size``); ``make`` folds them afresh."""
        found = self._kept(size, now)
        if found is None:
            with self._making:
                found = self._kept(size, now) or self._made(size, now, entries, make)
        return found.result

    def _kept(self, size: int, now: bool) -> _Folded | None:
        with self._lock:
            found = self._folds.get(now)
        return found if found is not None and found.size == size else None

    def _made(
        self,
        size: int,
        now: bool,
        entries: tuple[pj.Entry, ...],
        make: Callable[[], tuple[Casework, Agreement]],
    ) -> _Folded:
        with self._lock:
            base = self._folds.get(now)
        new = entries[base.count :] if base is not None and base.size < size else None
        if base is not None and new is not None and not _changes_agreement(new):
            casework, agreement = base.result
            casework = casework.copy()
            for entry in new:
                casework.apply(entry)
            found = _Folded(size, len(entries), (casework, agreement))
        else:
            self.refolds += 1
            found = _Folded(size, len(entries), make())
        with self._lock:
            if size == self._size:
                self._folds[now] = found
        return found

    def evaluation(self, size: int, moment: datetime) -> Evaluation | None:
        """The kept evaluation if it is of a log at least ``size`` long and for ``moment`` or
        a later second: what a request that saw the log at ``size`` at ``moment`` may be
        answered with (the state as it was when the request arrived, or later)."""
        with self._lock:
            kept = self._evaluation
        if kept is None or kept[0] < size or kept[1] < moment:
            return None
        return kept[2]

    def keep(self, size: int, moment: datetime, evaluation: Evaluation) -> None:
        """Keep the evaluation of the log's first ``size`` entries at ``moment``, unless the
        kept one is newer."""
        with self._lock:
            kept = self._evaluation
            if kept is None or (kept[0] <= size and kept[1] <= moment):
                self._evaluation = (size, moment, evaluation)


def _changes_agreement(entries: Sequence[pj.Entry]) -> bool:
    return any(entry.type.startswith(_AGREEMENT) for entry in entries)


def load(
    store: Store, as_of: datetime | None, folds: Folds | None = None
) -> tuple[Casework, Agreement]:
    """The casework of the log up to ``as_of``, judged by the version of the agreement in
    force then (None: now). ``folds``: this process's memory of earlier folds, if any."""
    if folds is None:
        return _load(store, list(record_entries(store)), as_of)
    return _load_with(store, as_of, folds)[1]


def _load_with(
    store: Store, as_of: datetime | None, folds: Folds
) -> tuple[int, tuple[Casework, Agreement]]:
    """:func:`load` through ``folds``, and the size of the log it folded."""
    size, entries, latest = folds.prefix(store)
    if as_of is not None and (latest is None or latest > as_of):
        return size, _load(store, _until(entries, as_of), as_of)
    made = folds.fold(size, as_of is None, entries, lambda: _load(store, list(entries), as_of))
    return size, made


def _load(
    store: Store, entries: list[pj.Entry], as_of: datetime | None
) -> tuple[Casework, Agreement]:
    if as_of is not None:
        entries = _until(entries, as_of)
    adoption = require_in_force(store)
    if as_of is not None:
        adoption = in_force_at(store, max((e.index for e in entries), default=0)) or adoption
    return fold(adoption.agreement, entries), adoption.agreement


def status(store: Store, as_of: datetime | None = None, folds: Folds | None = None) -> Evaluation:
    """The ceasefire's status, standings and commitments as of ``as_of`` (None: now, to the
    millisecond, as an entry's time; with ``folds``, now to the second, which the kept
    evaluation is keyed by)."""
    if folds is None or as_of is not None:
        moment = to_millisecond(as_of or datetime.now(UTC))
        casework, agreement = load(store, moment, folds)
        return assess(agreement, casework.facts(), moment)
    moment = _now()
    size = store.head().size
    found = folds.evaluation(size, moment)
    if found is None:
        # One evaluation at a time, of the newest log: the requests that arrive while it is
        # made wait for it, and it answers all of them (each saw the log at most that long),
        # so evaluations never queue up one per new entry, however fast entries arrive.
        with folds.evaluating:
            found = folds.evaluation(size, moment)
            if found is None:
                moment = _now()
                size, (casework, agreement) = _load_with(store, moment, folds)
                found = assess(agreement, casework.facts(), moment)
                folds.keep(size, moment, found)
    return found


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def list_cases(
    store: Store,
    *,
    state: str | None = None,
    party: str | None = None,
    folds: Folds | None = None,
) -> list[Case]:
    if state is not None and state not in set(CaseState):
        raise InvalidInput(
            f"no case state {state!r}; the states are {', '.join(CaseState)}", field="state"
        )
    check_terms(store, party=party)
    casework, _ = load(store, None, folds)
    return [
        case
        for case in sorted(casework.cases.values(), key=lambda c: c.index)
        if (state is None or case.state == state) and (party is None or case.opened.party == party)
    ]


def show_case(store: Store, case_id: str, folds: Folds | None = None) -> Case:
    casework, _ = load(store, None, folds)
    case = casework.cases.get(case_id)
    if case is None:
        raise NotFound(f"no case {case_id} in the record", field="case")
    return case


def list_penalties(store: Store, folds: Folds | None = None) -> list[pn.Penalty]:
    """The penalty ledger, oldest proposal first."""
    casework, _ = load(store, None, folds)
    return sorted(casework.penalties.values(), key=lambda p: p.index)


def list_meetings(store: Store, folds: Folds | None = None) -> list[mt.Meeting]:
    casework, _ = load(store, None, folds)
    return sorted(casework.meetings.values(), key=lambda m: m.index)


def show_meeting(store: Store, meeting_id: str, folds: Folds | None = None) -> mt.Meeting:
    casework, _ = load(store, None, folds)
    meeting = casework.meetings.get(meeting_id)
    if meeting is None:
        raise NotFound(f"no meeting {meeting_id!r} in the record", field="meeting")
    return meeting


def _time(moment: datetime) -> str:
    return format_time(moment.replace(microsecond=0))
