"""A file that is a dataset's whole release: the rows it no longer holds are withdrawn.

Datasets drop rows between releases (UCDP's candidate events that a later release does not
confirm, events found to be duplicates, rows reclassified away). Re-importing only adds and
corrects, so a dropped row would stay active in the record. With ``--withdraw-missing`` the
importer says the file is the dataset's whole release: once its rows are imported, each active
report of the same dataset whose row the file no longer holds is withdrawn (``report.withdrawn``
signed by the importer, the reason naming the release), so the record says it was dropped.

Nothing is withdrawn when the import refused a row (the refused row may be one the release
still holds: fix it and import again) or read no row at all (an empty or wrong file must not
empty the record). A report the importer may not withdraw (another actor imported it) is
kept, and the import says which and why. Both the local import and ``import --url`` use this;
each lists the held reports of the dataset its own way (the store, or
``GET /api/v1/reports?dataset=``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.report_origin import origin_key
from ceasefire.log.envelope import sign_event
from ceasefire.log.keys import SigningKey
from ceasefire.services.imports import ImportCounts, append_refusing
from ceasefire.services.log import Submission
from ceasefire.services.ports import Store
from ceasefire.services.reports import ReportFilter, ReportQueries, page_reports, viewer_of

PAGE: Final = 1_000
"""Held reports read a page at a time (the local store; the API pages by 200)."""


@dataclass(frozen=True)
class Missing:
    """An active report whose row the release no longer holds."""

    report: str
    dataset: str
    row: str

    @property
    def origin(self) -> str:
        return origin_key(self.dataset, self.row)


def why_not(counts: ImportCounts) -> str | None:
    """Why nothing may be withdrawn after this import, or None when the file can be trusted
    to be the whole release."""
    if counts.rejected:
        return (
            f"{_rows(counts.rejected)} refused, and a refused row may be one the release "
            "still holds: nothing was withdrawn (fix the rows and import again)"
        )
    if not counts.seen:
        return "the file held no row: nothing was withdrawn"
    return None


def _rows(count: int) -> str:
    return "1 row was" if count == 1 else f"{count:,} rows were"


@dataclass(frozen=True)
class Held:
    """A report the record holds, as much as this needs: a ``ReportView`` or an API item."""

    index: int
    report: str
    status: str
    body: Mapping[str, Any] | None


def missing(held: Iterable[Held], datasets: Iterable[str], seen: set[str]) -> list[Missing]:
    """The active reports in ``held`` of one of ``datasets`` whose row is not in ``seen``
    (origins, ``dataset:id``), oldest first. The dataset is read from each report's own
    origin, so a dataset whose name begins another's (``csv`` and ``csv:x``) is told apart."""
    wanted = set(datasets)
    found = []
    for report in held:
        origin = (report.body or {}).get("origin")
        if report.status != pj.ACTIVE or not isinstance(origin, Mapping):
            continue
        dataset, row = str(origin.get("dataset")), str(origin.get("id"))
        if dataset in wanted and origin_key(dataset, row) not in seen:
            found.append((report.index, Missing(report.report, dataset, row)))
    return [m for _, m in sorted(found, key=lambda pair: pair[0])]


def sign_withdrawal(
    gone: Missing, release: str, key: SigningKey, *, log: str, now: datetime
) -> Submission:
    """The withdrawal ``key``'s actor signs for a row the release dropped."""
    named = f"{gone.dataset} {release}".strip()
    body = {"report": gone.report, "reason": f"{named}: row {gone.row} is no longer in the release"}
    envelope, _ = sign_event(
        key, log=log, actor=key.name, type=events.REPORT_WITHDRAWN, time=now, body=body
    )
    return Submission(envelope)


class ScopedStore(Store, ReportQueries, Protocol):
    """A store that appends and lists reports by dataset (the SQL store is both)."""


def held_reports(store: ScopedStore, actor: str, datasets: Iterable[str]) -> list[Held]:
    """The active reports of ``datasets`` that ``actor`` may read, from the store."""
    viewer = viewer_of(store, actor)
    found: list[Held] = []
    for dataset in sorted(set(datasets)):
        before: int | None = None
        while True:
            query = ReportFilter(status=pj.ACTIVE, dataset=dataset, limit=PAGE, before=before)
            page = page_reports(store, viewer, query)
            found += [Held(v.index, v.id, v.status, v.body) for v in page.reports]
            if not page.more:
                break
            before = page.reports[-1].index
    return found


def withdraw_missing(
    store: ScopedStore, counts: ImportCounts, key: SigningKey, log_key: SigningKey, now: datetime
) -> None:
    """After a local import of a whole release: withdraw the reports of rows it dropped."""
    reason = why_not(counts)
    if reason is not None:
        counts.kept.append(reason)
        return

    def kept(refused: Missing, _field: str | None, why: str) -> None:
        counts.kept.append(kept_message(refused, why))

    gone = missing(held_reports(store, key.name, counts.datasets), counts.datasets, counts.seen)
    log = store.head().identity.origin
    for start in range(0, len(gone), PAGE):
        signed = [
            (m, sign_withdrawal(m, counts.release, key, log=log, now=now))
            for m in gone[start : start + PAGE]
        ]
        withdrawn, _ = append_refusing(store, signed, log_key, now, kept)
        counts.withdrawn += len(withdrawn)


def kept_message(gone: Missing, why: str) -> str:
    return f"report {gone.report} (row {gone.origin}) was not withdrawn: {why}"
