"""The CLI as a client of a ceasefire server: ``ceasefire event post`` and the ``--url`` mode of
``report submit``, ``evidence add`` and ``import`` (rows signed here, posted in batches).

The event is signed here with ``--key`` and posted with ``--token``; the receipt is verified
against the log key pinned with ``--log-vkey`` (never one read from the server being held to
account) and saved to ``--receipts`` so the party's witness can later hold the log to it.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Annotated, Any, Final

import httpx
import typer

from ceasefire.cli import output
from ceasefire.cli.common import JsonOption, KeyOption, now, read_document
from ceasefire.domain.agreements import Agreement
from ceasefire.errors import CeasefireError, InvalidInput, StorageError, VerificationError
from ceasefire.interchange.rows import Imported, Reject, Row
from ceasefire.log.envelope import Envelope
from ceasefire.log.keys import VerifierKey
from ceasefire.services import client as client_service
from ceasefire.services import imports as import_service
from ceasefire.services.log import Submission
from ceasefire.storage.keyfiles import read_key

TIMEOUT: Final = httpx.Timeout(30.0, write=300.0)
CHUNK: Final = 1024 * 1024

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Post to this ceasefire server instead of the local store, e.g. "
        "https://mechanism.example [env CEASEFIRE_URL].",
        envvar="CEASEFIRE_URL",
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        help="Your API token, with --url [env CEASEFIRE_TOKEN].",
        envvar="CEASEFIRE_TOKEN",
    ),
]
LogVkeyOption = Annotated[
    str | None,
    typer.Option(
        "--log-vkey",
        help="The log's verifier key, or a file holding it, pinned out of band (`ceasefire "
        "log vkey` on the server prints it); receipts must verify with it "
        "[env CEASEFIRE_LOG_VKEY].",
        envvar="CEASEFIRE_LOG_VKEY",
    ),
]
ReceiptsOption = Annotated[
    Path,
    typer.Option(
        "--receipts",
        help="Folder to save each receipt in, for your witness [env CEASEFIRE_RECEIPTS].",
        envvar="CEASEFIRE_RECEIPTS",
    ),
]
DEFAULT_RECEIPTS: Final = Path("receipts")

app = typer.Typer(
    rich_markup_mode=None,
    help="Events signed here and posted to a ceasefire server, their receipts verified.",
    no_args_is_help=True,
)


class HttpTransport:
    """``services.client.Transport`` over an httpx client (one per command)."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def post(
        self,
        path: str,
        *,
        headers: Mapping[str, str],
        json: Any = None,
        content: Iterable[bytes] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> client_service.Answer:
        try:
            response = self.http.post(
                path, headers=dict(headers), json=json, content=content, params=params
            )
        except httpx.HTTPError as exc:
            raise StorageError(f"cannot reach the server at {self.http.base_url}: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        return client_service.Answer(response.status_code, body)


def http_client(url: str) -> httpx.Client:
    """The HTTP client for ``url``; tests replace it with one over the app in process."""
    return httpx.Client(base_url=url, timeout=TIMEOUT)


def pinned_vkey(text: str | None) -> VerifierKey:
    """The log's verifier key from ``--log-vkey``: the key itself or a file holding it."""
    if text is None:
        raise InvalidInput(
            "--url needs --log-vkey: the log's verifier key, obtained out of band (the "
            "operator's `ceasefire log vkey`), so that receipts are checked against a key "
            "you trust rather than one the server hands you",
            field="log_vkey",
        )
    if "+" not in text:
        try:
            text = Path(text).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InvalidInput(
                f"cannot read the log vkey file {text}: {exc}", field="log_vkey"
            ) from exc
    return VerifierKey.from_text(text)


@dataclass(frozen=True)
class Remote:
    """The ``--url`` options of a command, as given."""

    url: str
    token: str | None
    log_vkey: str | None
    receipts: Path

    def server(self, http: httpx.Client) -> client_service.Server:
        if self.token is None:
            raise InvalidInput("--url needs --token (env CEASEFIRE_TOKEN)", field="token")
        return client_service.Server(HttpTransport(http), self.token, pinned_vkey(self.log_vkey))


def post(
    remote: Remote,
    key: Path,
    event_type: str,
    body: Mapping[str, Any],
    *,
    confidential: bool,
) -> client_service.Posted:
    """Sign, post, verify and save: what every command's ``--url`` mode does for one event."""
    signing_key = read_key(key)
    with http_client(remote.url) as http:
        posted = client_service.post_event(
            remote.server(http),
            signing_key,
            event_type,
            body,
            clock=now,
            confidential=confidential,
        )
    save_receipt(remote.receipts, posted)
    return posted


def add_evidence(
    remote: Remote, key: Path, file: Path, *, name: str, report: str | None
) -> tuple[dict[str, Any], client_service.Posted]:
    """Upload ``file``, then sign and post the body the server read from it."""
    signing_key = read_key(key)
    if not file.is_file():
        raise InvalidInput(f"no file at {file}", field="file")
    with http_client(remote.url) as http:
        uploaded, posted = client_service.submit_evidence(
            remote.server(http),
            signing_key,
            _read_chunks(file),
            name=name,
            report=report,
            clock=now,
        )
    save_receipt(remote.receipts, posted)
    return uploaded, posted


def save_receipt(folder: Path, posted: client_service.Posted) -> Path:
    """``<folder>/<index>-<event id>.receipt``: the signed note, as the log issued it."""
    receipt = posted.receipt
    path = folder / f"{receipt.index:08d}-{receipt.event_id}.receipt"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(posted.note, encoding="utf-8")
    except OSError as exc:
        raise StorageError(
            f"the event is in the log, but its receipt cannot be saved: {exc}"
        ) from exc
    return path


def report_posted(posted: client_service.Posted, receipts: Path, json: bool) -> None:
    """Print what the log promised: the receipt, verified, and where it was saved."""
    receipt = posted.receipt
    saved = receipts / f"{receipt.index:08d}-{receipt.event_id}.receipt"
    if json:
        output.json_line(
            {
                "event_id": receipt.event_id,
                "index": receipt.index,
                "accepted": receipt.accepted.isoformat(),
                "include_by": receipt.include_by.isoformat(),
                "receipt": posted.note,
                "saved": str(saved),
                "created": posted.created,
            }
        )
        return
    verb = "accepted" if posted.created else "already accepted (the original receipt)"
    output.info(
        f"[green]{verb}[/] {posted.envelope.type} at index {receipt.index}; receipt verified "
        f"with the pinned log key, included by {receipt.include_by.isoformat()}; saved to {saved}"
    )
    output.data(posted.note)


def _read_chunks(path: Path) -> Iterator[bytes]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", field="file") from exc
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


@app.command("post")
def post_command(
    event_type: Annotated[str, typer.Argument(help="The event type, e.g. case.reply_submitted.")],
    body: Annotated[Path, typer.Option("--body", help="The event body, a JSON or YAML object.")],
    key: KeyOption,
    url: UrlOption = None,
    token: TokenOption = None,
    log_vkey: LogVkeyOption = None,
    confidential: Annotated[
        bool, typer.Option(help="Seal the body: the log holds only its commitment.")
    ] = False,
    receipts: ReceiptsOption = DEFAULT_RECEIPTS,
    json: JsonOption = False,
) -> None:
    """Sign any event with --key, post it to --url and verify and save its receipt."""
    if url is None:
        raise InvalidInput("event post needs --url (env CEASEFIRE_URL)", field="url")
    remote = Remote(url, token, log_vkey, receipts)
    posted = post(remote, key, event_type, read_document(body), confidential=confidential)
    report_posted(posted, receipts, json)


# --- imports: rows signed here, posted in batches ----------------------------------------------

BATCH: Final = "/api/v1/events/batch"
AGREEMENT: Final = "/api/v1/agreement"
BATCH_ROWS: Final = 50
"""Rows per batch: under the server's default write rate (60 a minute) and body limit."""
_AT: Final = re.compile(r"batch\[(\d+)\]\.?(.*)")


def remote_agreement(remote: Remote) -> Agreement:
    """The agreement the server has in force, which the readers check rows against."""
    with http_client(remote.url) as http:
        try:
            response = http.get(AGREEMENT)
        except httpx.HTTPError as exc:
            raise StorageError(f"cannot reach the server at {remote.url}: {exc}") from exc
    answer = client_service.Answer(response.status_code, _json(response))
    if answer.status != 200 or not isinstance(answer.body, dict):
        raise client_service.refusal(answer, "the request for the agreement in force")
    return Agreement.from_document(answer.body["agreement"], where="the server's agreement")


def import_rows(
    remote: Remote,
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
    """Sign each good row here as ``key``'s actor and post them in batches, all of a batch or
    none: a row the server refuses is dropped (a report it already holds counts as unchanged,
    any other as rejected) and the rest posted again; a 429 waits its ``Retry-After``. Every
    receipt is checked against the pinned log key and saved."""
    signing_key, counts = read_key(key), import_service.ImportCounts()
    with http_client(remote.url) as http:
        server = remote.server(http)
        for chunk in _chunks(rows, batch_rows):
            signed: list[tuple[Imported, Submission]] = []
            for row in chunk:
                try:
                    if isinstance(row, Reject):
                        raise _Rejected(row)
                    submission = import_service.sign_row(
                        row, signing_key, log=server.log_vkey.name, now=at
                    )
                    signed.append((row, submission))
                except _Rejected as refused:
                    counts.rejected += 1
                    rejects(refused.reject)
                except CeasefireError as exc:
                    counts.rejected += 1
                    rejects(Reject(row.line, exc.field, None, exc.message))
            _post_batch(http, server, signed, counts, rejects, remote.receipts, sleep)
            progress("import", chunk[-1].line, max(total, chunk[-1].line))
    return counts


class _Rejected(Exception):
    def __init__(self, reject: Reject) -> None:
        super().__init__(reject.reason)
        self.reject = reject


def _post_batch(
    http: httpx.Client,
    server: client_service.Server,
    signed: list[tuple[Imported, Submission]],
    counts: import_service.ImportCounts,
    rejects: Callable[[Reject], None],
    receipts: Path,
    sleep: Callable[[float], None],
) -> None:
    """Post one batch until it is in the log or every row of it was refused."""
    while signed:
        envelopes = [s.envelope for _, s in signed]
        retry_key = hashlib.sha256("\n".join(e.id for e in envelopes).encode()).hexdigest()
        try:
            response = http.post(
                BATCH,
                headers=server.headers(**{"Idempotency-Key": retry_key}),
                json=[client_service.payload(e, None) for e in envelopes],
            )
        except httpx.HTTPError as exc:
            raise StorageError(f"cannot reach the server at {http.base_url}: {exc}") from exc
        answer = client_service.Answer(response.status_code, _json(response))
        if answer.status in (200, 201):
            _accepted(server, envelopes, answer, receipts, counts)
            return
        if answer.status == 429:
            sleep(float(response.headers.get("Retry-After", "60")))
            continue
        field = answer.body.get("field") if isinstance(answer.body, dict) else None
        found = _AT.fullmatch(field or "")
        if answer.status not in (404, 409, 422) or found is None:
            raise client_service.refusal(answer, f"a batch of {len(signed)} rows")
        row, _ = signed.pop(int(found.group(1)))
        if answer.status == 409:  # the record holds this report already: re-imported
            counts.unchanged += 1
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
        save_receipt(receipts, client_service.Posted(envelope, receipt, note, created=True))
        indices.append(receipt.index)
    counts.new += len(envelopes)
    counts.indices.append(range(min(indices), max(indices) + 1))


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
