"""A brief rendered: Markdown and HTML through the package's Jinja2 templates, PDF from the
HTML through WeasyPrint.

Rendering adds nothing the brief does not hold (no clock, no host name), so the same brief
gives the same bytes. WeasyPrint stamps no date unless the HTML asks for one; its PDF file
identifier is fixed here from the HTML's digest, so the PDF bytes are reproducible too.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

import jinja2

from ceasefire.briefs.charts import STATUS_COLOURS, map_svg, timeline_svg
from ceasefire.briefs.model import Brief

_EPOCH = threading.Lock()
_SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"


class Format(StrEnum):
    HTML = "html"
    MD = "md"
    PDF = "pdf"


MEDIA_TYPES = {
    Format.HTML: "text/html; charset=utf-8",
    Format.MD: "text/markdown; charset=utf-8",
    Format.PDF: "application/pdf",
}


@dataclass(frozen=True)
class Rendered:
    format: Format
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


@cache
def _environment(markdown: bool) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("ceasefire.briefs", "templates"),
        autoescape=not markdown,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["signed"] = lambda n: f"+{n}" if n > 0 else str(n)
    environment.filters["cell"] = lambda v: str(v).replace("|", "\\|").replace("\n", " ")
    return environment


def markdown(brief: Brief) -> Rendered:
    text = _environment(True).get_template("brief.md.j2").render(brief=brief)
    return Rendered(Format.MD, text.encode())


def html(brief: Brief, boundary: Mapping[str, Any]) -> Rendered:
    text = (
        _environment(False)
        .get_template("brief.html.j2")
        .render(
            brief=brief,
            timeline=timeline_svg(brief),
            map=map_svg(brief, boundary),
            colours=STATUS_COLOURS,
        )
    )
    return Rendered(Format.HTML, text.encode())


def pdf(page: Rendered, moment: datetime) -> Rendered:
    """The PDF of a rendered HTML brief, its embedded fonts stamped with ``moment``.

    WeasyPrint subsets the fonts it embeds with fontTools, which stamps each subset's ``head``
    table with the time of saving unless ``SOURCE_DATE_EPOCH`` says otherwise (the
    reproducible-builds convention). It is set for the duration, under a lock, to the brief's
    own moment; the file identifier is derived from the HTML. Then the PDF bytes are a function
    of the HTML (and of the fonts installed, as for any PDF engine)."""
    import weasyprint  # type: ignore[import-untyped]  # imported when asked: loading Pango takes a moment

    identifier = hashlib.sha256(page.content).hexdigest()[:32].encode()
    document = weasyprint.HTML(string=page.content.decode(), base_url=".")
    with _EPOCH:
        saved = os.environ.get(_SOURCE_DATE_EPOCH)
        os.environ[_SOURCE_DATE_EPOCH] = str(int(moment.timestamp()))
        try:
            content = document.write_pdf(pdf_identifier=identifier)
        finally:
            if saved is None:
                del os.environ[_SOURCE_DATE_EPOCH]
            else:
                os.environ[_SOURCE_DATE_EPOCH] = saved
    assert content is not None  # write_pdf returns the bytes when given no target
    return Rendered(Format.PDF, content)


def render(brief: Brief, format: Format, boundary: Mapping[str, Any]) -> Rendered:
    match format:
        case Format.MD:
            return markdown(brief)
        case Format.HTML:
            return html(brief, boundary)
        case Format.PDF:
            return pdf(html(brief, boundary), brief.current.end)
