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
import re
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Final

from ceasefire.cli import client
from ceasefire.domain import projection as pj
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.report_origin import origin_key
from ceasefire.errors import VerificationError
from ceasefire.interchange.rows import Reject, Row
from ceasefire.log.envelope import Envelope
from ceasefire.services import client as client_service
from ceasefire.services import imports as import_service
from ceasefire.services.ports import Row as RecordRow
from ceasefire.storage.keyfiles import read_key

BATCH: Final = "/api/v1/events/batch"
REPORTS: Final = "/api/v1/reports"
AGREEMENT: Final = "/api/v1/agreement"
BATCH_ROWS: Final = 50
"""Rows per batch: under the server's default body limit (256 KiB; a UCDP row's envelope is
about 3 KB). An importer's default rate, 6,000 events a minute, passes 120 such batches a
minute, the default limit of requests from one address."""
PAGE: Final = 200
"""Reports a page of the origin lookup (the API's largest page, and its most origins)."""
_AT: Final = re.compile(r"batch\[(\d+)\]\.?(.*)")


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
    with client.http_client(remote.url) as http:
        server = remote.server(http)
        for chunk in import_service.chunks(rows, batch_rows):
            good = import_service.good_rows(chunk, counts, rejects)
            held = held_rows(server, [row.origin for row in good])
            signed = import_service.sign_changes(
                good, held, signing_key, server.log_vkey.name, at, counts, rejects
            )
            _post_batch(server, signed, counts, rejects, remote.receipts, sleep)
            progress("import", chunk[-1].line, max(total, chunk[-1].line))
    return counts


def held_rows(
    server: client_service.Server, origins: Sequence[str], page: int = PAGE
) -> dict[str, RecordRow]:
    """The active report the server holds for each of ``origins`` (``dataset:id``), as much
    of it as the import needs: its ``id`` and its ``body``."""
    held: dict[str, RecordRow] = {}
    for start in range(0, len(origins), page):
        params: list[tuple[str, str]] = [("status", pj.ACTIVE), ("limit", str(page))]
        params += [("origin", origin) for origin in origins[start : start + page]]
        cursor: str | None = None
        while True:
            query = params + ([("cursor", cursor)] if cursor else [])
            answer = server.transport.get(REPORTS, headers=server.headers(), params=query)
            if answer.status != 200 or not isinstance(answer.body, dict):
                raise client_service.refusal(answer, "the lookup of rows already imported")
            for item in answer.body.get("items", []):
                body = item.get("body")
                origin = (body or {}).get("origin") or {}
                if body is None or item.get("redacted"):
                    continue  # nothing to compare: the server's admission decides
                found = origin_key(str(origin.get("dataset")), str(origin.get("id")))
                held[found] = {"id": item["id"], "body": body}
            cursor = answer.body.get("next_cursor")
            if not cursor:
                break
    return held


def _post_batch(
    server: client_service.Server,
    signed: list[import_service.Signed],
    counts: import_service.ImportCounts,
    rejects: Callable[[Reject], None],
    receipts: Path,
    sleep: Callable[[float], None],
) -> None:
    """Post one batch until it is in the log or every row of it was refused."""
    while signed:
        envelopes = [s.envelope for _, _, s in signed]
        retry_key = hashlib.sha256("\n".join(e.id for e in envelopes).encode()).hexdigest()
        answer = server.transport.post(
            BATCH,
            headers=server.headers(**{"Idempotency-Key": retry_key}),
            json=[client_service.payload(e, None) for e in envelopes],
        )
        if answer.status in (200, 201):
            _accepted(server, envelopes, answer, receipts, counts)
            counts.new += sum(1 for _, new, _ in signed if new)
            counts.changed += sum(1 for _, new, _ in signed if not new)
            return
        if answer.status == 429:
            sleep(answer.retry_after or 60.0)
            continue
        field = answer.body.get("field") if isinstance(answer.body, dict) else None
        found = _AT.fullmatch(field or "")
        if answer.status not in (404, 409, 422) or found is None:
            raise client_service.refusal(answer, f"a batch of {len(signed)} rows")
        row, _, _ = signed.pop(int(found.group(1)))
        if answer.status == 409 and found.group(2) == "body":
            counts.unchanged += 1  # the same report, submitted since the lookup
        else:
            counts.rejected += 1
            rejects(Reject(row.line, found.group(2) or None, None, str(answer.body["detail"])))


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
