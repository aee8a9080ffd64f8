"""The log explorer: the checkpoint and its cosignatures, the entries page by page, and one
entry's inclusion proof, which ``static/logproof.js`` checks in the browser itself against the
checkpoint (RFC 9162 §2.1.3.2), so the reader need not take the server's word for it."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from ceasefire.services import log as log_service
from ceasefire.web.app import render
from ceasefire.web.deps import StoreDep, ViewerDep
from ceasefire.web.witnessed import witnessed

router = APIRouter(include_in_schema=False)
PAGE = 25


@dataclass(frozen=True)
class EntryRow:
    index: int
    type: str
    actor: str
    time: str
    leaf_hash: str
    confidential: bool


@dataclass(frozen=True)
class Note:
    """A signed note split for reading: its body (origin, size, root) and signature lines."""

    text: str
    body: str
    origin: str
    size: int
    root_hash: str
    signatures: list[tuple[str, str]]


def parse_note(text: str) -> Note:
    body, _, signed = text.partition("\n\n")
    lines = body.split("\n")
    signatures = []
    for line in signed.splitlines():
        name, _, signature = line.removeprefix("— ").partition(" ")
        if name:
            signatures.append((name, signature))
    return Note(text, body, lines[0], int(lines[1]), lines[2], signatures)


def entry_rows(store: StoreDep, start: int, end: int) -> list[EntryRow]:
    found = []
    for index, leaf, leaf_hash in store.entry_rows(start, end):
        envelope = json.loads(leaf)
        found.append(
            EntryRow(
                index=index,
                type=str(envelope.get("type")),
                actor=str(envelope.get("actor")),
                time=str(envelope.get("time")),
                leaf_hash=base64.b64encode(leaf_hash).decode(),
                confidential=envelope.get("body") is None,
            )
        )
    return sorted(found, key=lambda e: e.index, reverse=True)


@router.get("/log", response_class=HTMLResponse)
def log_page(
    request: Request,
    store: StoreDep,
    viewer: ViewerDep,
    index: Annotated[int | None, Query(ge=0)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    head = store.head()
    note = parse_note(log_service.checkpoint_note(store))
    end = min(before or note.size, note.size)
    chosen: dict[str, Any] | None = None
    if index is not None and index < head.size:
        _, leaf, leaf_hash = store.entry_rows(index, index + 1)[0]
        chosen = {
            "index": index,
            "envelope": json.dumps(json.loads(leaf), indent=2, ensure_ascii=False),
            "leaf_hash": base64.b64encode(leaf_hash).decode(),
        }
    context: dict[str, Any] = {
        "note": note,
        "log_vkey": head.identity.log_vkey,
        "entries": entry_rows(store, max(0, end - PAGE), end),
        "older": end - PAGE if end > PAGE else None,
        "newer": min(end + PAGE, note.size) if end < note.size else None,
        "chosen": chosen,
        "missing": index if index is not None and chosen is None else None,
        "witnessed": witnessed(store),
    }
    return render(request, "log.html", viewer=viewer, **context)
