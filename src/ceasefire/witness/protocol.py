"""The witness side of C2SP tlog-witness: ``POST <prefix>/add-checkpoint``.

The request body (tlog-witness §add-checkpoint)::

    old <size>\\n
    <base64 consistency proof hash>\\n     0 to 63 lines
    \\n
    <signed checkpoint note>

The answer, checked in this order, each with the status code the spec gives:

1. a body that does not parse: 400;
2. a checkpoint of an origin this witness does not know: 404;
3. no valid signature by the log's key: 403;
4. ``old`` larger than the checkpoint's size: 400;
5. ``old`` that is not this witness's latest size for the log: 409, the body the latest size,
   ``Content-Type: text/x.tlog.size``;
6. a proof that does not verify: 422 — also a non-empty proof from size 0, and the same size
   with another root;
7. otherwise the new state is persisted (atomically, before replying) and the answer is 200
   with the cosignature line(s). The cosignature is dated now, or at the time of the last one
   this witness made of the log if its clock reads earlier (``cosigners.cosigning_time``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from ceasefire.errors import CeasefireError
from ceasefire.log.checkpoint import Checkpoint, open_checkpoint
from ceasefire.log.cosignature import cosign
from ceasefire.log.keys import SigningKey, VerifierKey
from ceasefire.log.note import Note
from ceasefire.log.proofs import verify_consistency
from ceasefire.witness.cosigners import cosigning_time
from ceasefire.witness.state import LogState, StateFile

MAX_PROOF_LINES: Final = 63
SIZE_TYPE: Final = "text/x.tlog.size"
TEXT_TYPE: Final = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    content_type: str = TEXT_TYPE


@dataclass(frozen=True)
class Request:
    old: int
    proof: tuple[bytes, ...]
    checkpoint: str


class BadRequest(ValueError):
    """The body is not an add-checkpoint request."""


def parse_request(body: bytes) -> Request:
    """Split the body into ``old``, the proof lines and the note (step 1)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not UTF-8: {exc}") from exc
    head, separator, note = text.partition("\n\n")
    if not separator:
        raise BadRequest("no blank line after the old size and the proof")
    lines = head.split("\n")
    first = lines[0]
    if not first.startswith("old ") or not _is_decimal(first[4:]):
        raise BadRequest(f"line 1: expected 'old <size>', found {first[:40]!r}")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise BadRequest(f"{len(lines) - 1} proof lines, at most {MAX_PROOF_LINES} are allowed")
    proof = []
    for number, line in enumerate(lines[1:], start=2):
        try:
            proof.append(base64.b64decode(line, validate=True))
        except (binascii.Error, ValueError) as exc:
            raise BadRequest(f"line {number}: not a base64 hash: {line[:60]!r}") from exc
    return Request(int(first[4:]), tuple(proof), note)


def _is_decimal(text: str) -> bool:
    return text == "0" or (text.isascii() and text.isdigit() and not text.startswith("0"))


def add_checkpoint(
    body: bytes,
    state: StateFile,
    witness: SigningKey,
    now: Callable[[], datetime],
    origins: Collection[str],
) -> Reply:
    """Answer one add-checkpoint request (module docstring, steps 1–7) for the logs of
    ``origins``. The log the witness follows is not among them: it is cosigned only by the
    follower, once its entries and figures are checked, never on a push."""
    try:
        request = parse_request(body)
        origin = request.checkpoint.split("\n", 1)[0]
        Note.from_text(request.checkpoint)
    except (BadRequest, CeasefireError) as exc:
        return Reply(400, f"malformed add-checkpoint request: {exc}\n")
    if origin not in origins:
        return Reply(404, f"unknown log origin {origin!r}\n")
    return state.update(origin, lambda known: _add(request, known, state, witness, now))


def _add(
    request: Request,
    known: LogState | None,
    state: StateFile,
    witness: SigningKey,
    now: Callable[[], datetime],
) -> Reply:
    origin = request.checkpoint.split("\n", 1)[0]
    if known is None:
        return Reply(404, f"unknown log origin {origin!r}\n")
    try:
        checkpoint, note = open_checkpoint(request.checkpoint, VerifierKey.from_text(known.vkey))
    except CeasefireError as exc:
        return Reply(403, f"no valid signature by the log key {known.vkey}: {exc}\n")
    if request.old > checkpoint.size:
        return Reply(400, f"old size {request.old} exceeds the checkpoint's {checkpoint.size}\n")
    if request.old != known.size:
        return Reply(409, f"{known.size}\n", SIZE_TYPE)
    problem = _consistency_problem(request, known, checkpoint)
    if problem is not None:
        return Reply(422, problem + "\n")
    signature = cosign(note, witness, cosigning_time(known, witness, now()))
    cosigned = Note(note.text, note.signatures).with_signatures(signature)
    state.put(known.advanced(checkpoint.size, checkpoint.root_hash, cosigned.to_text()))
    return Reply(200, signature.to_line())


def _consistency_problem(request: Request, known: LogState, checkpoint: Checkpoint) -> str | None:
    """Step 6: None when the proof shows the witness's tree is a prefix of the new one."""
    if request.old == 0:
        return "a consistency proof from size 0 must be empty" if request.proof else None
    try:
        verify_consistency(
            known.size, checkpoint.size, known.root, checkpoint.root_hash, list(request.proof)
        )
    except CeasefireError as exc:
        return f"the consistency proof does not verify: {exc}"
    return None
