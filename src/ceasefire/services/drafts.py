"""Events to be signed: parsed from JSON (a ``--body`` or an NDJSON batch), then signed.

The parser checks everything it can before anything is signed or appended, and names the line
and field at fault, so that a bad batch appends nothing and says exactly why.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ceasefire.errors import InvalidInput
from ceasefire.log.envelope import sign_event
from ceasefire.log.keys import SigningKey
from ceasefire.services.log import Submission

_LINE_FIELDS = frozenset({"type", "body", "confidential"})


@dataclass(frozen=True)
class EventDraft:
    type: str
    body: Mapping[str, Any]
    confidential: bool = False
    line: int = 1


def parse_body(text: str, *, where: str = "body") -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not valid JSON: {exc.msg} at column {exc.colno}", field=where) from exc
    if not isinstance(value, dict):
        raise InvalidInput(f"must be a JSON object, found {type(value).__name__}", field=where)
    return value


def parse_batch(lines: Iterable[str], default_type: str | None = None) -> list[EventDraft]:
    """Parse NDJSON lines ``{"type": …, "body": {…}, "confidential": false}``, skipping blanks."""
    drafts: list[EventDraft] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            drafts.append(_parse_line(line, number, default_type))
    if not drafts:
        raise InvalidInput("the batch holds no events", field="batch")
    return drafts


def _parse_line(line: str, number: int, default_type: str | None) -> EventDraft:
    where = f"batch line {number}"
    value = parse_body(line, where=where)
    unknown = set(value) - _LINE_FIELDS
    if unknown:
        raise InvalidInput(
            f"unknown field(s) {sorted(unknown)}; a line holds type, body and confidential",
            field=where,
        )
    event_type = value.get("type", default_type)
    if not isinstance(event_type, str):
        raise InvalidInput("needs a string 'type' (or pass --type)", field=f"{where}.type")
    body = value.get("body")
    if not isinstance(body, dict):
        raise InvalidInput("needs 'body', a JSON object", field=f"{where}.body")
    confidential = value.get("confidential", False)
    if not isinstance(confidential, bool):
        raise InvalidInput("'confidential' must be true or false", field=f"{where}.confidential")
    return EventDraft(event_type, body, confidential, number)


def sign_drafts(
    key: SigningKey,
    log: str,
    drafts: Sequence[EventDraft],
    now: datetime,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Submission]:
    """Sign each draft as ``key.name`` for the log ``log`` (its origin).

    Errors name the draft's line in its batch.
    """
    submissions: list[Submission] = []
    for number, draft in enumerate(drafts, start=1):
        try:
            envelope, sealed = sign_event(
                key,
                log=log,
                actor=key.name,
                type=draft.type,
                time=now,
                body=draft.body,
                confidential=draft.confidential,
            )
        except InvalidInput as exc:
            field = f"batch line {draft.line}" + (f".{exc.field}" if exc.field else "")
            raise InvalidInput(exc.message, field=field) from exc
        submissions.append(Submission(envelope, sealed))
        if progress is not None and number % 1000 == 0:
            progress("signing", number, len(drafts))
    return submissions
