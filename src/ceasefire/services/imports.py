"""Importing a dataset: every good row becomes a signed ``report.submitted`` observation.

The rows come from a reader of :mod:`ceasefire.interchange` (one Imported or Reject per row).
The import signs one envelope per good row, as the importer, and appends them in chunks of
:data:`CHUNK` rows, each chunk one atomic batch (all of it or none of it). Memory stays bounded
whatever the file's size, and a run that stops half way is resumed by running it again: the
rows already imported are found by their origin (``dataset:id``) and add nothing.

Against the record, a row is:

- **new** when no report has its origin: it is submitted;
- **unchanged** when the active report with its origin has the same body, the release (and
  the source name that carries it) aside: nothing is written (re-importing a file adds
  nothing, and a newer release adds only what it changed; an unchanged report keeps the
  release it came with);
- **changed** when that report's body differs (a newer release of the dataset): a
  ``report.corrected`` event replaces it, so the record says what changed and when;
- **rejected** when the reader refused it, or the body fails the report's own checks, the
  agreement's, or the log's entry size: it goes to ``rejects`` with the reason, and the chunk's
  other rows are imported all the same.

A row of this program's own export (:class:`~ceasefire.interchange.rows.Exported`) is the
dataset row it names: it is unchanged when it is what exporting the active report of that row
writes (``writers.agrees``), or when its reader saw it redacted; else it is read like any row,
and is new, changed or rejected as above. A row of the export that shows a report of the
exporting record's own (:class:`~ceasefire.interchange.rows.Own`, no dataset's row) is
unchanged when the record holds that report and the importer may read it: an import never
writes, corrects or withdraws such a report. Elsewhere it is refused, or read as the row of
the dataset the importer named (``docs/interchange.md``, "Export, then import").
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, Final, TypeVar

from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.actors import Actor
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.policy import Action, may_read, require
from ceasefire.errors import CeasefireError, PermissionDenied
from ceasefire.geo import HOLDS, LookupStatus
from ceasefire.interchange import writers
from ceasefire.interchange.common import ActMap, Context, Geocoded, Grade
from ceasefire.interchange.rows import Exported, Imported, Own, Reject, Row
from ceasefire.log.envelope import sign_event
from ceasefire.log.keys import SigningKey
from ceasefire.services import geography
from ceasefire.services.agreements import require_in_force
from ceasefire.services.log import Submission, append
from ceasefire.services.ports import Row as RecordRow
from ceasefire.services.ports import Store
from ceasefire.services.record import record_of
from ceasefire.services.reports import signer_of

CHUNK: Final = 5_000
_YOUNG_THRESHOLD: Final = 50_000
_BATCH: Final = re.compile(r"batch\[(\d+)\]\.?(.*)")
Progress = Callable[[str, int, int], None]
T = TypeVar("T")


@dataclass
class ImportCounts:
    """What an import did: rows submitted, corrected, found unchanged, refused."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    withdrawn: int = 0
    """Reports of rows the release no longer holds, withdrawn (``services.release_scope``)."""
    indices: list[range] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    """The origins (``dataset:id``) of every good row read."""
    datasets: set[str] = field(default_factory=set)
    release: str = ""
    kept: list[str] = field(default_factory=list)
    """Why reports of rows the release dropped were not withdrawn."""

    @property
    def read(self) -> int:
        return self.new + self.changed + self.unchanged + self.rejected


def context_for(
    store: Store,
    now: datetime,
    *,
    release: str = "",
    dataset: str | None = None,
    grade: Grade | None = None,
) -> Context:
    """What the readers need from the agreement in force: its region and its acts."""
    return context_of(
        require_in_force(store).agreement, now, release=release, dataset=dataset, grade=grade
    )


def context_of(
    agreement: Agreement,
    now: datetime,
    *,
    release: str = "",
    dataset: str | None = None,
    grade: Grade | None = None,
) -> Context:
    """What the readers need from ``agreement`` (an import signed on a client, away from the
    store, takes the agreement the server says is in force)."""
    return Context(
        now=now.date(),
        region=agreement.region.bbox,
        acts=ActMap.from_acts(agreement.acts),
        release=release,
        dataset=dataset,
        grade=grade or Grade(),
        geocode=lambda name, country, admin1: _geocode(agreement, name, country, admin1),
    )


def _geocode(agreement: Agreement, name: str, country: str | None, admin1: str | None) -> Geocoded:
    """The gazetteer's answer for a row that names its place only (``interchange.Geocoder``)."""
    found = geography.lookup(agreement, name, country=country, admin1=admin1)
    place = found.place
    if place is not None:
        return Geocoded(
            place.latitude,
            place.longitude,
            place.precision.value,
            place.name,
            place.admin1 or "",
            place.country,
        )
    if found.status is LookupStatus.AMBIGUOUS:
        options = "; ".join(
            f"{p.name} ({p.kind.value}, {p.admin1 or '?'}, {p.country})" for p in found.candidates
        )
        return Geocoded(refusal=f"the place name is ambiguous: {options}; give the coordinates, "
                        "the country or the province")  # fmt: skip
    hint = f"; did you mean {', '.join(found.suggestions)}?" if found.suggestions else ""
    return Geocoded(refusal=f"no place of that name in the gazetteer{hint} ({HOLDS}: give the "
                    "coordinates)")  # fmt: skip


def _ignore(_reject: Reject) -> None:
    return None


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


def import_rows(
    store: Store,
    rows: Iterable[Row],
    *,
    key: SigningKey,
    log_key: SigningKey,
    now: datetime,
    rejects: Callable[[Reject], None] = _ignore,
    progress: Progress = _no_progress,
    total: int = 0,
    chunk: int = CHUNK,
) -> ImportCounts:
    """Import ``rows`` as ``key``'s actor (an importer); ``total`` is the expected number of
    lines, for ``progress("import", line, total)``."""
    counts = ImportCounts()
    require_in_force(store)
    holds = own_reports(store, _check_importer(store, key))
    now = now.replace(microsecond=0)
    origin_log = store.head().identity.origin
    with fewer_collections():
        for batch in chunks(rows, chunk):
            good = good_rows(batch, counts, rejects, holds)
            earlier = _earlier(store, [row.origin for row in good])
            past = _superseded(store, good, earlier)
            signed = sign_changes(good, earlier, key, origin_log, now, counts, rejects, past)
            _append(store, signed, log_key, now, counts, rejects)
            last = batch[-1].line
            progress("import", last, max(total, last))
    return counts


def _check_importer(store: Store, key: SigningKey) -> Actor | None:
    """The importer, once its key is known to be one whose actor may import; a key that may
    not (not enrolled, or of a role that may not submit observations) is refused at once,
    rather than row by row."""
    importer = signer_of(store, key.name)
    try:
        require(importer, Action.SUBMIT_OBSERVATION)
    except PermissionDenied as exc:
        raise PermissionDenied(
            f"{key.name} may not import: {exc.message} (an importer's key is needed)", field="key"
        ) from exc
    return importer


Holds = Callable[[Sequence[str]], set[str]]
"""Which of these report ids the record holds as reports of its own (no dataset's rows) that
the importer may read."""


def holds_none(_reports: Sequence[str]) -> set[str]:
    return set()


def own_reports(store: Store, importer: Actor | None) -> Holds:
    """:data:`Holds` from ``store``: a report the importer may not read (a confidential one) is
    not named, so that a row's fate cannot tell it exists."""

    def holds(reports: Sequence[str]) -> set[str]:
        return {
            row["id"]
            for row in store.find(pj.REPORTS, "id", reports)
            if row["origin"] is None and may_read(importer, record_of(row))
        }

    return holds


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector's young generation less often while a bulk import
    runs: a chunk's bodies are thousands of live containers, and the default (a pass every
    700 allocations, each walking the young ones) took 13 % of an import (docs/benchmarks.md,
    "Ninth session"). An import makes no reference cycles to speak of; the setting is put
    back when it ends. Only the CLI imports this way, never inside the server."""
    saved = gc.get_threshold()
    gc.set_threshold(_YOUNG_THRESHOLD, *saved[1:])
    try:
        yield
    finally:
        gc.set_threshold(*saved)


Signed = tuple[Imported, bool, Submission]
"""A row that changes the record, whether it is new (else it corrects a report), its envelope."""


def chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


Good = Imported | Exported
"""A row that names a dataset row, for the record to be asked about."""


def good_rows(
    batch: Sequence[Row],
    counts: ImportCounts,
    rejects: Callable[[Reject], None],
    holds: Holds = holds_none,
) -> list[Good]:
    """The rows that name a dataset row, for the record to be asked about; the others counted
    and, when refused, handed to ``rejects``. A row showing a report of the exporting record's
    own is unchanged when ``holds`` names it: an import leaves the record's own reports alone,
    and, no row of the file's datasets, such a report is never one ``--withdraw-missing``
    withdraws. Else the row is taken as its ``otherwise`` (a refusal, or a dataset's row)."""
    own = [row.report_id for row in batch if isinstance(row, Own)]
    held = holds(own) if own else set()
    good: list[Good] = []
    for found in batch:
        row = found.otherwise if isinstance(found, Own) else found
        if isinstance(found, Own) and found.report_id in held:
            counts.unchanged += 1
        elif isinstance(row, Reject):
            counts.rejected += 1
            rejects(row)
        else:
            good.append(row)
            counts.seen.add(row.origin)
            counts.datasets.add(row.dataset)
            read = row.read if isinstance(row, Exported) else row
            if not counts.release and isinstance(read, Imported):
                counts.release = str(read.body.get("origin", {}).get("release", ""))
    return good


def sign_changes(
    good: Sequence[Good],
    earlier: Mapping[str, RecordRow],
    key: SigningKey,
    log: str,
    now: datetime,
    counts: ImportCounts,
    rejects: Callable[[Reject], None],
    past: Collection[str] = (),
) -> list[Signed]:
    """Each row that changes the record, signed for ``log``: new where ``earlier`` (the active
    report of each origin the record holds: its ``id``, and its ``body`` or ``digest``) has
    none, the correction of that report where the row changed; unchanged rows are counted, and
    so are the rows of an export that show a version of their dataset row the record holds as
    superseded (``past``, by report id): history, not news, which read as data would correct
    the record back to it."""
    signed: list[Signed] = []
    for found in good:
        if isinstance(found, Exported) and found.report_id in past:
            counts.unchanged += 1
            continue
        previous = earlier.get(found.origin)
        row = found if isinstance(found, Imported) else _read(found, previous)
        if isinstance(row, Reject):
            counts.rejected += 1
            rejects(row)
            continue
        if row is None or (previous is not None and unchanged(row, previous)):
            counts.unchanged += 1
            continue
        try:
            submission = sign_row(row, key, log=log, now=now, previous=previous)
        except CeasefireError as exc:
            counts.rejected += 1
            rejects(Reject(row.line, exc.field, None, exc.message))
            continue
        signed.append((row, previous is None, submission))
    return signed


def _read(row: Exported, previous: RecordRow | None) -> Imported | Reject | None:
    """A row of our own export as a row to import, or None when it shows the report the record
    holds for it: what exporting that report writes, or that report redacted (nothing to take
    from it). Only a row that differs, or that the record lacks, is read."""
    if previous is not None:
        held = previous.get("body")
        if row.redacted:
            return None
        if held is not None:
            body = json.loads(held) if isinstance(held, str) else held
            if writers.agrees(row.format, row.columns, body):
                return None
    return row.read


def unchanged(row: Imported, previous: RecordRow) -> bool:
    """Whether ``row`` says what the report ``previous`` (its ``body``, or else its
    ``digest``) holds, but for the release that brought it: a newer release that leaves a row
    as it was changes nothing in the record, and the report keeps the release it came with.
    The release is in ``origin.release`` and in the name of the dataset as a source (``UCDP GED
    26.0.2``): both are left out of the comparison, and nothing else (a source's grade, say,
    is compared)."""
    held = previous.get("body")
    if held is None:
        return bool(previous["digest"] == pj.content_digest(row.body))
    before = json.loads(held) if isinstance(held, str) else dict(held)
    return pj.canonical_text(_row_content(row.body)) == pj.canonical_text(_row_content(before))


def _row_content(body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` without what its release adds: the sources' names, ``origin.release``."""
    content = dict(body)
    sources = body.get("sources")
    if isinstance(sources, list):
        content["sources"] = [
            {k: v for k, v in source.items() if k != "name"} if isinstance(source, Mapping)
            else source
            for source in sources
        ]  # fmt: skip
    origin = body.get("origin")
    if isinstance(origin, Mapping):
        content["origin"] = {k: v for k, v in origin.items() if k != "release"}
    return content


def sign_row(
    row: Imported,
    key: SigningKey,
    *,
    log: str,
    now: datetime,
    previous: RecordRow | None = None,
) -> Submission:
    """The envelope ``key``'s actor signs for ``row`` in ``log``: a new report, or the
    correction of ``previous``. Signing needs no store, so a client signs its rows itself."""
    event_type, body = _event(row, previous)
    envelope, _ = sign_event(key, log=log, actor=key.name, type=event_type, time=now, body=body)
    envelope.to_leaf()  # refuses a row too large for one log entry
    return Submission(envelope)


def _append(
    store: Store,
    signed: list[Signed],
    log_key: SigningKey,
    now: datetime,
    counts: ImportCounts,
    rejects: Callable[[Reject], None],
) -> None:
    """Append the chunk as one batch. Admission checks every body (the report's own rules, the
    agreement's, the policy) and refuses the whole batch naming the first bad entry: that row
    is rejected and the rest appended again. The readers check rows as admission does, so this
    is rare, and it spares checking every body twice."""

    def rejected(row: tuple[Imported, bool], field: str | None, why: str) -> None:
        counts.rejected += 1
        rejects(Reject(row[0].line, field, None, why))

    batch = [((row, new), submission) for row, new, submission in signed]
    appended, indices = append_refusing(store, batch, log_key, now, rejected)
    if indices is not None:
        counts.indices.append(indices)
    counts.new += sum(1 for _, new in appended if new)
    counts.changed += sum(1 for _, new in appended if not new)


def append_refusing(
    store: Store,
    batch: list[tuple[T, Submission]],
    log_key: SigningKey,
    now: datetime,
    refused: Callable[[T, str | None, str], None],
) -> tuple[list[T], range | None]:
    """Append ``batch`` as one, all or nothing; when admission refuses an entry, hand its item
    to ``refused`` (with the field at fault within it, and why) and append the rest again.
    Returns the items appended and their log indices (None: every entry was refused)."""
    while batch:
        try:
            appended = append(store, [s for _, s in batch], log_key, lambda: now)
        except CeasefireError as exc:
            found = refused_at(exc.field)
            if found is None:
                raise
            item, _ = batch.pop(found[0])
            refused(item, found[1], exc.message)
            continue
        return [item for item, _ in batch], appended.indices
    return [], None


def refused_at(field: str | None) -> tuple[int, str | None] | None:
    """The entry a refused batch names, and the field within it: ``batch[3].body.report`` →
    ``(3, "body.report")``; None when the refusal names no entry."""
    found = _BATCH.fullmatch(field or "")
    return None if found is None else (int(found.group(1)), found.group(2) or None)


def _event(row: Imported, previous: RecordRow | None) -> tuple[str, dict[str, Any]]:
    if previous is None:
        return events.REPORT_SUBMITTED, row.body
    release = row.body.get("origin", {}).get("release", "")
    reason = f"{row.dataset} {release}".strip() + f": row {row.dataset_id} changed"
    return events.REPORT_CORRECTED, {
        "corrects": previous["id"],
        "reason": reason,
        "report": row.body,
    }


def _superseded(store: Store, good: Sequence[Good], earlier: Mapping[str, RecordRow]) -> set[str]:
    """The reports that rows of an export show which the record holds as superseded versions
    of the same dataset row (corrected or withdrawn, not the one ``earlier`` has in force)."""
    shown = {
        row.report_id: row.origin
        for row in good
        if isinstance(row, Exported)
        and row.report_id is not None
        and row.report_id != (earlier.get(row.origin) or {}).get("id")
    }
    if not shown:
        return set()
    found = store.find(pj.REPORTS, "id", list(shown))
    return {r["id"] for r in found if r["origin"] == shown[r["id"]] and r["status"] != pj.ACTIVE}


def _earlier(store: Store, origins: Sequence[str]) -> dict[str, RecordRow]:
    """The active report for each origin already in the record."""
    if not origins:
        return {}
    return {
        row["origin"]: row
        for row in store.find(pj.REPORTS, "origin", origins)
        if row["status"] == pj.ACTIVE
    }
