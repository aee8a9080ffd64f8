"""The web interface mounted on the API's app: pages, static files, templates, languages.

:func:`mount` adds the HTML routes (no ``/api`` prefix, none in the OpenAPI document) and
``/static``. Page modules use :data:`templates` and :func:`render`, which gives every template
the common context: the viewer, the language and its direction, ``_`` (gettext), ``say`` (the
enforcement fold's sentences, :mod:`ceasefire.web.phrases`) and ``fmt`` (Babel's date and number
formatters in that language).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ceasefire.domain import moments
from ceasefire.settings import Settings
from ceasefire.web import deps, i18n, phrases
from ceasefire.web.deps import FoldsDep, IncidentFoldsDep, StoreDep, ViewerDep

__all__ = [
    "FoldsDep",
    "IncidentFoldsDep",
    "StoreDep",
    "ViewerDep",
    "mount",
    "parse_as_of",
    "render",
    "templates",
]

HERE: Final = Path(__file__).parent
LANG_COOKIE: Final = "lang"
YEAR: Final = 365 * 24 * 3600

templates: Final = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the pages and ``/static`` to ``app`` (``settings``: the store the app serves)."""
    # The page modules import this one (``render``): imported here, once it is loaded.
    from ceasefire.web import (
        errors,
        routes_briefs,
        routes_commitments,
        routes_dashboard,
        routes_drafts,
        routes_log,
        routes_map,
        routes_signin,
        routes_submit,
        routes_work,
    )

    del settings  # the pages read the store the app opened (``app.state.context``)
    app.state.error_page = errors.answer
    app.include_router(routes_signin.router)
    app.include_router(routes_dashboard.router)
    app.include_router(routes_log.router)
    app.include_router(routes_map.router)
    app.include_router(routes_commitments.router)
    app.include_router(routes_briefs.router)
    app.include_router(routes_submit.router)
    app.include_router(routes_work.router)
    app.include_router(routes_drafts.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def language(request: Request) -> i18n.Language:
    return i18n.choose(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def render(
    request: Request, template_name: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """The page ``template_name`` with ``context`` and the common context; a ``?lang=`` chosen
    is remembered in a cookie."""
    chosen = language(request)
    fmt = i18n.formatters(chosen)
    common = {
        "request": request,
        "viewer": context.pop("viewer") if "viewer" in context else deps.viewer(request),
        "lang": chosen,
        "dir": chosen.direction,
        "languages": i18n.LANGUAGES,
        "_": fmt.gettext,
        "say": lambda text: phrases.say(text, fmt.gettext),
        "fmt": fmt,
        "url_with": lambda **changes: url_with(request, **changes),
    }
    html = templates.get_template(template_name).render(common | context)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Vary"] = "Cookie, Accept-Language"
    if request.query_params.get("lang") == chosen.code:
        response.set_cookie(LANG_COOKIE, chosen.code, max_age=YEAR, samesite="lax")
    return response


def url_with(request: Request, **changes: object) -> str:
    """This page's path and query with ``changes`` made (None removes a parameter)."""
    query = dict(request.query_params) | {k: str(v) for k, v in changes.items() if v is not None}
    for name in [k for k, v in changes.items() if v is None]:
        query.pop(name, None)
    return request.url.path + ("?" + urlencode(query) if query else "")


def parse_as_of(text: str | None, now: datetime | None = None) -> datetime | None:
    """``?as_of=`` as the API reads it: a day means its end (UTC); a time carries its zone;
    within the bound of ``domain.moments`` seen from ``now`` (None: this server's clock)."""
    return moments.bounded_as_of(text, now=now or datetime.now(UTC)) if text else None
