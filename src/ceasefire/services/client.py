"""A party's side of the HTTP API: sign an event on its own machine, post it, check the receipt.

The actor's key never leaves the client. An event is signed here (``log.envelope.sign_event``)
for the log the pinned verifier key names, posted to ``POST /api/v1/events`` with its own id as
``Idempotency-Key`` (so a retry after a lost answer gets the original receipt and appends
nothing), and the answer is believed only once the receipt verifies against the log's verifier
key *and* names this very envelope: its event id and leaf hash. The verifier key is pinned out of
band (``ceasefire init`` and ``ceasefire log vkey`` print it on the server): a key read from the
server it is meant to hold to account would prove nothing.

Evidence takes two steps (``api.routes_evidence``): the file is uploaded and read by the
server, which answers the ``evidence.submitted`` body to sign; that body is then signed and
posted as any event, and the server holds it against the stored file.

No I/O here but through the :class:`Transport` the caller gives (``cli.client`` gives httpx).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from ceasefire.domain.events import EVIDENCE_SUBMITTED
from ceasefire.errors import (
    CeasefireError,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StorageError,
    VerificationError,
)
from ceasefire.log.envelope import Envelope, Sealed, b64encode, sign_event
from ceasefire.log.hashing import leaf_hash
from ceasefire.log.keys import SigningKey, VerifierKey
from ceasefire.log.receipt import Receipt, verify_receipt
from ceasefire.services.ports import Clock

EVENTS: Final = "/api/v1/events"
FILES: Final = "/api/v1/evidence/files"
_REFUSALS: Final[dict[int, type[CeasefireError]]] = {
    401: PermissionDenied,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    413: InvalidInput,
    415: InvalidInput,
    422: InvalidInput,
    429: StorageError,
    503: StorageError,
}


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: its status, its JSON body (None when it is not JSON) and, on a 429, the
    seconds its ``Retry-After`` asks to wait."""

    status: int
    body: Any
    retry_after: float | None = None


class Transport(Protocol):
    """Sends one request to the server the client was made for."""

    def post(
        self,
        path: str,
        *,
        headers: Mapping[str, str],
        json: Any = None,
        content: Iterable[bytes] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Answer: ...

    def get(
        self,
        path: str,
        *,
        headers: Mapping[str, str],
        params: Sequence[tuple[str, str]] = (),
    ) -> Answer: ...


@dataclass(frozen=True)
class Server:
    """Where events go, who the caller is, and the log key its receipts must verify with."""

    transport: Transport
    token: str
    log_vkey: VerifierKey

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}


@dataclass(frozen=True)
class Posted:
    """An event the log accepted, with its verified receipt and the signed note itself."""

    envelope: Envelope
    receipt: Receipt
    note: str
    created: bool


def post_event(
    server: Server,
    key: SigningKey,
    event_type: str,
    body: Mapping[str, Any],
    *,
    clock: Clock,
    confidential: bool = False,
) -> Posted:
    """Sign ``body`` as ``key``'s actor, post it, and verify the receipt that answers it."""
    envelope, sealed = sign_event(
        key,
        log=server.log_vkey.name,
        actor=key.name,
        type=event_type,
        time=clock(),
        body=body,
        confidential=confidential,
    )
    answer = server.transport.post(
        EVENTS,
        headers=server.headers(**{"Idempotency-Key": envelope.id}),
        json=payload(envelope, sealed),
    )
    if answer.status not in (200, 201):
        raise refusal(answer, "the event")
    note = _member(answer, "receipt")
    receipt = check_receipt(note, envelope, server.log_vkey)
    return Posted(envelope, receipt, note, created=answer.status == 201)


def upload_evidence(
    server: Server,
    content: Iterable[bytes],
    *,
    name: str,
    report: str | None,
    media_type: str = "application/octet-stream",
) -> dict[str, Any]:
    """Step one of evidence: the server stores and reads the file and answers what to sign."""
    params = {"name": name} | ({"report": report} if report is not None else {})
    answer = server.transport.post(
        FILES,
        headers=server.headers(**{"Content-Type": media_type}),
        content=content,
        params=params,
    )
    if answer.status != 201:
        raise refusal(answer, f"the file {name}")
    event = _member(answer, "event")
    if not isinstance(event, dict) or event.get("type") != EVIDENCE_SUBMITTED:
        raise VerificationError(f"the upload did not answer an {EVIDENCE_SUBMITTED} body")
    return dict(answer.body)


def submit_evidence(
    server: Server,
    key: SigningKey,
    content: Iterable[bytes],
    *,
    name: str,
    report: str | None,
    clock: Clock,
) -> tuple[dict[str, Any], Posted]:
    """Both steps: upload, then sign and post the body the server read from the file (sealed
    when the server says the report it supports is protected)."""
    uploaded = upload_evidence(server, content, name=name, report=report)
    posted = post_event(
        server,
        key,
        EVIDENCE_SUBMITTED,
        uploaded["event"]["body"],
        clock=clock,
        confidential=bool(uploaded.get("confidential")),
    )
    return uploaded, posted


def check_receipt(note: str, envelope: Envelope, log_vkey: VerifierKey) -> Receipt:
    """A receipt for ``envelope``: 1. signed by the pinned log key for its origin
    (``log.receipt.verify_receipt``); 2. naming the envelope's id; 3. and its leaf hash."""
    receipt = verify_receipt(note, log_vkey)
    if receipt.event_id != envelope.id:
        raise VerificationError(
            f"the receipt is for event {receipt.event_id}, expected {envelope.id}",
            field="receipt",
        )
    expected = leaf_hash(envelope.to_leaf())
    if receipt.leaf_hash != expected:
        raise VerificationError(
            f"the receipt's leaf hash is {b64encode(receipt.leaf_hash)}, the envelope's is "
            f"{b64encode(expected)}",
            field="receipt",
        )
    return receipt


def payload(envelope: Envelope, sealed: Sealed | None) -> dict[str, Any]:
    """The body of ``POST /api/v1/events``: the envelope as the JSON object its leaf is."""
    document: dict[str, Any] = {"envelope": envelope.unsigned() | {"sig": b64encode(envelope.sig)}}
    if sealed is not None:
        document["sealed"] = {"salt": b64encode(sealed.salt), "body": sealed.body}
    return document


def refusal(answer: Answer, what: str) -> CeasefireError:
    """The server's problem document as the error it stands for."""
    problem = answer.body if isinstance(answer.body, dict) else {}
    code, detail = problem.get("code", "error"), problem.get("detail", "no detail given")
    field = problem.get("field")
    cls = VerificationError if code == "verification_failed" else _REFUSALS.get(answer.status)
    if cls is None and answer.status >= 500:  # the server failed: as a store that failed
        cls = StorageError
    message = f"the server refused {what} ({answer.status} {code}): {detail}"
    if cls is None:
        return CeasefireError(message, field=field if isinstance(field, str) else None)
    return cls(message, field=field if isinstance(field, str) else None)


def _member(answer: Answer, name: str) -> Any:
    if not isinstance(answer.body, dict) or name not in answer.body:
        raise VerificationError(f"the server's answer has no {name!r}", field=name)
    return answer.body[name]
