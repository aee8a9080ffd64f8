"""The CLI as a client of a ceasefire server: ``ceasefire event post`` and the ``--url`` mode of
``report submit``, ``evidence add`` and ``import`` (rows signed here, posted in batches:
``cli.remote_import``).

The event is signed here with ``--key`` and posted with ``--token``; the receipt is verified
against the log key pinned with ``--log-vkey`` (never one read from the server being held to
account) and saved to ``--receipts`` so the party's witness can later hold the log to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final

import httpx
import typer

from ceasefire.cli import output
from ceasefire.cli.common import JsonOption, KeyOption, now, read_document, unreadable, verifier_key
from ceasefire.errors import InvalidInput, NotFound, StorageError
from ceasefire.log.keys import VerifierKey
from ceasefire.services import client as client_service
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
        return _answer(response)

    def get(
        self, path: str, *, headers: Mapping[str, str], params: Sequence[tuple[str, str]] = ()
    ) -> client_service.Answer:
        try:
            response = self.http.get(path, headers=dict(headers), params=list(params))
        except httpx.HTTPError as exc:
            raise StorageError(f"cannot reach the server at {self.http.base_url}: {exc}") from exc
        return _answer(response)


def _answer(response: httpx.Response) -> client_service.Answer:
    try:
        body = response.json()
    except ValueError:
        body = None
    wait = _retry_after(response) if response.status_code == 429 else None
    return client_service.Answer(response.status_code, body, wait)


def _retry_after(response: httpx.Response) -> float:
    """The seconds a 429 asks to wait (this server sends seconds; a date or none: a minute)."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "60")))
    except ValueError:
        return 60.0


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
    return verifier_key(text, "log_vkey")


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
        raise unreadable(path, exc, "file") from exc
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


_LOG = "/api/v1/log"


class LogApi:
    """The log's public answers from a server (``services.log_check.LogSource``), for
    ``ceasefire log check``."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def checkpoint(self) -> str:
        return self._get("/checkpoint").text

    def entry(self, index: int) -> Mapping[str, Any]:
        return self._json(f"/entries/{index}")

    def inclusion(self, index: int, size: int) -> Mapping[str, Any]:
        return self._json(f"/proof/inclusion?index={index}&size={size}")

    def consistency(self, old: int, new: int) -> Mapping[str, Any]:
        return self._json(f"/proof/consistency?old={old}&new={new}")

    def _json(self, path: str) -> Mapping[str, Any]:
        found = self._get(path).json()
        if not isinstance(found, dict):
            raise InvalidInput(f"the server's answer to {path} is not a JSON object", field="url")
        return found

    def _get(self, path: str) -> httpx.Response:
        try:
            response = self._http.get(_LOG + path)
        except httpx.HTTPError as exc:
            raise StorageError(f"cannot reach the server: {exc}", field="url") from exc
        if response.status_code == 404:
            raise NotFound(f"the server has no {_LOG}{path}", field="url")
        if response.status_code != 200:
            raise client_service.refusal(_answer(response), f"GET {_LOG}{path}")
        return response
