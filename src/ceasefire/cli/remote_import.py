"""``ceasefire import --url``: a dataset's rows signed on the importer's machine, posted in batches.

The importer's key never leaves its machine. For each batch of rows the client first asks the
server which of them the record holds already (``GET /api/v1/reports?origin=dataset:id``), as
the local import asks its store (``services.imports``):

- a row the record does not hold is signed as a new ``report.submitted``;
- a row it holds with the same body, the release aside, is unchanged: nothing is posted
  (``services.imports.unchanged``);
- a row it holds with another body (a newer release of the dataset) is signed as the
  ``report.corrected`` of the report that holds it, so the record says what changed.

The signed envelopes of a batch go to ``POST /api/v1/events/batch``, all or none; a row the
server refuses is dropped (a report it already holds counts as unchanged, any other refusal as
rejected) and the rest posted again; a 429 waits its ``Retry-After``. Every receipt is checked
against the pinned log key and saved.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from ceasefire.cli import client
from ceasefire.domain import projection as pj
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.report_origin import origin_key
from ceasefire.errors import VerificationError
from ceasefire.interchange.rows import Reject, Row
from ceasefire.log.envelope import Envelope
from ceasefire.services import client as client_service
from ceasefire.services import imports as import_service
from ceasefire.services import release_scope
from ceasefire.services.ports import Row as RecordRow
from ceasefire.storage.keyfiles import read_key

BATCH: Final = "/api/v1/events/batch"
REPORTS: Final = "/api/v1/reports"
AGREEMENT: Final = "/api/v1/agreement"
BATCH_ROWS: Final = 50
"""Rows per batch: under the server's default body limit (256 KiB; a UCDP row's envelope is
about 3.6 KB, an ACLED row's 1.8 KB); a batch the server finds too large goes in halves. An
importer's default rate, 6,000 events a minute, passes 120 such batches a minute, the default
limit of requests from one address."""
PAGE: Final = 200
"""Reports a page of the origin lookup (the API's largest page, and its most origins)."""


def remote_agreement(remote: client.Remote) -> Agreement:
    """The agreement the server has in force, which the readers check rows against."""
    with client.http_client(remote.url) as http:
        answer = client.HttpTransport(http).get(AGREEMENT, headers={})
    if answer.status != 200 or not isinstance(answer.body, dict):
        raise client_service.refusal(answer, "the request for the agreement in force")
    return Agreement.from_document(answer.body["agreement"], where="the server's agreement")


def import_rows(
    remote: client.Remote,
    key: Path,
    rows: Iterable[Row],
    *,
    at: datetime,
    rejects: Callable[[Reject], None],
    progress: Callable[[str, int, int], None],
    total: int,
    batch_rows: int = BATCH_ROWS,
    sleep: Callable[[float], None] = time.sleep,
) -> import_service.ImportCounts:
    """Import ``rows`` through the server as ``key``'s actor (module docstring)."""
    signing_key, counts = read_key(key), import_service.ImportCounts()
    with client.http_client(remote.url) as http, import_service.fewer_collections():
        server = remote.server(http)
        for chunk in import_service.chunks(rows, batch_rows):
            good = import_service.good_rows(chunk, counts, rejects, own_reports(server))
            held = held_rows(server, [row.origin for row in good])
            signed = import_service.sign_changes(
                good, held, signing_key, server.log_vkey.name, at, counts, rejects
            )
            _post_batch(server, signed, counts, rejects, remote.receipts, sleep)
            progress("import", chunk[-1].line, max(total, chunk[-1].line))
    return counts


def own_reports(server: client_service.Server) -> import_service.Holds:
    """``import_service.Holds`` over HTTP: which of these report ids the server shows this
    importer as reports of its own (no dataset's rows), one ``GET /api/v1/reports/{id}`` each.
    A report the importer may not read answers 404, as one the server lacks."""

    def holds(reports: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for report in reports:
            answer = server.transport.get(f"{REPORTS}/{report}", headers=server.headers())
            if answer.status == 404:
                continue
            if answer.status != 200 or not isinstance(answer.body, dict):
                raise client_service.refusal(answer, f"the lookup of report {report}")
            body = answer.body.get("body")
            if isinstance(body, dict) and "origin" not in body:
                found.add(report)
        return found

    return holds


def held_rows(
    server: client_service.Server, origins: Sequence[str], page: int = PAGE
) -> dict[str, RecordRow]:
    """The active report the server holds for each of ``origins`` (``dataset:id``), as much
    of it as the import needs: its ``id`` and its ``body``."""
    held: dict[str, RecordRow] = {}
    for start in range(0, len(origins), page):
        params: list[tuple[str, str]] = [("status", pj.ACTIVE), ("limit", str(page))]
        params += [("origin", origin) for origin in origins[start : start + page]]
        for item in _pages(server, params, "the lookup of rows already imported"):
            body = item.get("body")
            origin = (body or {}).get("origin") or {}
            if body is None or item.get("redacted"):
                continue  # nothing to compare: the server's admission decides
            found = origin_key(str(origin.get("dataset")), str(origin.get("id")))
            held[found] = {"id": item["id"], "body": body}
    return held


@dataclass(frozen=True)
class _Refused:
    """The one entry of a batch the server refused, and why."""

    position: int
    field: str | None
    status: int
    detail: str


class _TooLarge(Exception):
    """The server's body limit (413) refused a batch of several rows: it goes in halves."""


def _post_batch(
    server: client_service.Server,
    signed: list[import_service.Signed],
    counts: import_service.ImportCounts,
    rejects: Callable[[Reject], None],
    receipts: Path,
    sleep: Callable[[float], None],
) -> None:
    """Post one batch of rows until it is in the log or every row of it was refused; a batch
    over the server's body limit is posted in halves (a single row over it is refused)."""
    while signed:
        try:
            refused = _post(server, [s.envelope for _, _, s in signed], counts, receipts, sleep)
        except _TooLarge:
            half = len(signed) // 2
            _post_batch(server, signed[:half], counts, rejects, receipts, sleep)
            _post_batch(server, signed[half:], counts, rejects, receipts, sleep)
            return
        if refused is None:
            counts.new += sum(1 for _, new, _ in signed if new)
            counts.changed += sum(1 for _, new, _ in signed if not new)
            return
        row, _, _ = signed.pop(refused.position)
        if refused.status == 409 and refused.field == "body":
            counts.unchanged += 1  # the same report, submitted since the lookup
        else:
            counts.rejected += 1
            rejects(Reject(row.line, refused.field, None, refused.detail))


def _post(
    server: client_service.Server,
    envelopes: list[Envelope],
    counts: import_service.ImportCounts,
    receipts: Path,
    sleep: Callable[[float], None],
) -> _Refused | None:
    """Post ``envelopes`` as one batch: None once they are in the log (receipts checked and
    saved), or the entry the server refused (it took none of them); a 429 waits."""
    retry_key = hashlib.sha256("\n".join(e.id for e in envelopes).encode()).hexdigest()
    while True:
        answer = server.transport.post(
            BATCH,
            headers=server.headers(**{"Idempotency-Key": retry_key}),
            json=[client_service.payload(e, None) for e in envelopes],
        )
        if answer.status in (200, 201):
            _accepted(server, envelopes, answer, receipts, counts)
            return None
        if answer.status == 429:
            sleep(answer.retry_after or 60.0)
            continue
        if answer.status == 413 and len(envelopes) > 1:
            raise _TooLarge
        if answer.status == 413:
            return _Refused(0, None, 413, client_service.refusal(answer, "the row").message)
        field = answer.body.get("field") if isinstance(answer.body, dict) else None
        found = import_service.refused_at(field)
        if answer.status not in (404, 409, 422) or found is None:
            raise client_service.refusal(answer, f"a batch of {len(envelopes)} events")
        return _Refused(found[0], found[1], answer.status, str(answer.body["detail"]))


def withdraw_missing(
    remote: client.Remote,
    key: Path,
    counts: import_service.ImportCounts,
    *,
    at: datetime,
    batch_rows: int = BATCH_ROWS,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """After an import of a whole release through the server: withdraw the reports of the
    rows it dropped (``services.release_scope``), the server's held reports read by dataset."""
    reason = release_scope.why_not(counts)
    if reason is not None:
        counts.kept.append(reason)
        return
    signing_key = read_key(key)
    with client.http_client(remote.url) as http:
        server = remote.server(http)
        held = dataset_reports(server, counts.datasets)
        gone = release_scope.missing(held, counts.datasets, counts.seen)
        log = server.log_vkey.name
        for start in range(0, len(gone), batch_rows):
            signed = [
                (m, release_scope.sign_withdrawal(m, counts.release, signing_key, log=log, now=at))
                for m in gone[start : start + batch_rows]
            ]
            while signed:
                envelopes = [s.envelope for _, s in signed]
                refused = _post(server, envelopes, counts, remote.receipts, sleep)
                if refused is None:
                    counts.withdrawn += len(signed)
                    break
                dropped, _ = signed.pop(refused.position)
                counts.kept.append(release_scope.kept_message(dropped, refused.detail))


def dataset_reports(
    server: client_service.Server, datasets: Iterable[str], page: int = PAGE
) -> list[release_scope.Held]:
    """The active reports of ``datasets`` the server lets this importer read."""
    found: list[release_scope.Held] = []
    for dataset in sorted(set(datasets)):
        params = [("status", pj.ACTIVE), ("dataset", dataset), ("limit", str(page))]
        for item in _pages(server, params, "the list of the dataset's reports"):
            found.append(
                release_scope.Held(int(item["index"]), str(item["id"]), pj.ACTIVE, item.get("body"))
            )
    return found


def _pages(
    server: client_service.Server, params: list[tuple[str, str]], what: str
) -> Iterator[dict[str, Any]]:
    """Every item of a paged ``GET /api/v1/reports``."""
    cursor: str | None = None
    while True:
        query = params + ([("cursor", cursor)] if cursor else [])
        answer = server.transport.get(REPORTS, headers=server.headers(), params=query)
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise client_service.refusal(answer, what)
        yield from answer.body.get("items", [])
        cursor = answer.body.get("next_cursor")
        if not cursor:
            return


def _accepted(
    server: client_service.Server,
    envelopes: list[Envelope],
    answer: client_service.Answer,
    receipts: Path,
    counts: import_service.ImportCounts,
) -> None:
    """Believe the batch only once each receipt verifies for its own envelope; save them."""
    notes = answer.body.get("receipts") if isinstance(answer.body, dict) else None
    if not isinstance(notes, list) or len(notes) != len(envelopes):
        raise VerificationError(
            f"expected {len(envelopes)} receipts for the batch, the server answered "
            f"{len(notes) if isinstance(notes, list) else 'none'}",
            field="receipts",
        )
    indices = []
    for envelope, found in zip(envelopes, notes, strict=True):
        note = str(found.get("receipt", "")) if isinstance(found, dict) else ""
        receipt = client_service.check_receipt(note, envelope, server.log_vkey)
        client.save_receipt(receipts, client_service.Posted(envelope, receipt, note, created=True))
        indices.append(receipt.index)
    counts.indices.append(range(min(indices), max(indices) + 1))
