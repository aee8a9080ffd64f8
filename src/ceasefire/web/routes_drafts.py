"""``POST /web/drafts/{action}``: the body a page's form describes, for the browser to sign.

The server never signs for a user (``static/sign.js`` signs in the browser with the user's own
key), but some bodies need the record to write: a report placed on the map and checked
against the agreement, a case's subject worked out from its report, a reply's deadline from
the agreement's window, the finding on a case's table. The page posts its form's fields here
as JSON; the answer is ``{"type", "body", "time", "notes"}`` to sign, or a problem naming the
form's field at fault, shown beside it. ``notes`` are what the record will say of a report's
place (``geography.check_place``: a country, a sector or a town the report names that its point
contradicts), in the page's language, which the page shows with the receipt: the report is
recorded as it was said, as ``ceasefire report submit`` does.
Every body is parsed as admission will parse it, so a mistake is caught before anything is
signed; admission still decides (the policy, the case's state).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Request
from starlette.concurrency import run_in_threadpool

from ceasefire.domain import casework_events as ce
from ceasefire.domain.actors import Actor
from ceasefire.domain.events import REPORT_SUBMITTED
from ceasefire.errors import InvalidInput, NotFound, PermissionDenied
from ceasefire.log.envelope import format_time
from ceasefire.services import casework, geography, report_forms
from ceasefire.web import i18n, phrases
from ceasefire.web.app import language
from ceasefire.web.deps import StoreDep, ViewerDep, WebStore

router = APIRouter(include_in_schema=False)

Fields = Mapping[str, Any]
DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
Draft = tuple[str, dict[str, Any]]
Maker = Callable[[WebStore, Actor, Fields, datetime], Draft]
"""Drafts an event from a form's fields at a moment (whole seconds), which the browser then
signs as the event's time: a body worked out from the time (a reply's deadline) agrees with
the envelope's."""


def _report(store: WebStore, author: Actor, fields: Fields, now: datetime) -> Draft:
    text = {k: v if isinstance(v, str) else str(v) for k, v in fields.items()}
    return REPORT_SUBMITTED, report_forms.report_body(store, author, text, today=now.date())


def _open_case(store: WebStore, _: Actor, fields: Fields, __: datetime) -> Draft:
    reports = [_text(fields, "report")]
    title = str(fields.get("title") or "").strip() or None
    return ce.CASE_OPENED, casework.case_opening(store, reports, title=title)


def _request_reply(store: WebStore, _: Actor, fields: Fields, now: datetime) -> Draft:
    return ce.REPLY_REQUESTED, casework.reply_request(store, _text(fields, "case"), now)


def _on_finding(event_type: str) -> Maker:
    """A mediator's signature (or the issue) of the finding on a case's table."""

    def draft(store: WebStore, _: Actor, fields: Fields, __: datetime) -> Draft:
        case = _text(fields, "case")
        body = _filled(fields) | {"finding": casework.current_finding(store, case)}
        ce.PARSERS[event_type](body)
        return event_type, body

    return draft


def _as_is(event_type: str) -> Maker:
    """A casework event whose body is the form's fields, parsed strictly."""

    def draft(_: WebStore, __: Actor, fields: Fields, ___: datetime) -> Draft:
        body = _filled(fields)
        if isinstance(body.get("due"), str) and DAY.fullmatch(body["due"]):
            body["due"] += "T23:59:59Z"  # a day picked in a form: the end of that day, UTC
        ce.PARSERS[event_type](body)
        return event_type, body

    return draft


def _filled(fields: Fields) -> dict[str, Any]:
    """The fields given: a field left empty in the form is left out of the body."""
    return {k: v for k, v in fields.items() if v is not None and v not in ("", [])}


ACTIONS: Final[Mapping[str, Maker]] = {
    "report": _report,
    "open_case": _open_case,
    "assign": _as_is(ce.CASE_ASSIGNED),
    "request_information": _as_is(ce.INFORMATION_REQUESTED),
    "provide_information": _as_is(ce.INFORMATION_PROVIDED),
    "request_reply": _request_reply,
    "reply": _as_is(ce.CASE_REPLIED),
    "close_case": _as_is(ce.CASE_CLOSED),
    "propose_finding": _as_is(ce.FINDING_PROPOSED),
    "sign_finding": _on_finding(ce.FINDING_SIGNED),
    "issue_finding": _on_finding(ce.FINDING_ISSUED),
}


@router.post("/web/drafts/{action}")
async def draft(
    request: Request,
    store: StoreDep,
    viewer: ViewerDep,
    action: str,
    fields: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """The event to sign for ``action`` with ``fields``; a problem names the field at fault.
    The notes on a report's place are in the page's language."""
    if viewer is None:
        raise PermissionDenied("sign in to submit", field="token")
    make = ACTIONS.get(action)
    if make is None:
        raise NotFound(f"no form {action!r}: expected one of {', '.join(ACTIONS)}", field="action")
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        event_type, body = await run_in_threadpool(make, store, viewer, fields, now)
    except InvalidInput as exc:  # the parsers name a body's field "body.<name>": the form's
        if exc.field and exc.field.startswith("body."):
            exc.field = exc.field.removeprefix("body.")
        raise
    notes: list[str] = []
    if event_type == REPORT_SUBMITTED:
        checked = await run_in_threadpool(geography.report_place, store, body)
        gettext = i18n.formatters(language(request)).gettext
        notes = (
            [phrases.say(flag, gettext) for flag in checked.flags] if checked is not None else []
        )
    return {"type": event_type, "body": body, "time": format_time(now), "notes": notes}


def _text(fields: Fields, name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("this is required", field=name)
    return value.strip()
