"""Languages of the interface: gettext catalogues read straight from their ``.po`` files.

``locale/<lang>/LC_MESSAGES/messages.po`` holds each language's strings; a message left
untranslated (empty ``msgstr``) falls back to English. The language is chosen by ``?lang=``,
then the ``lang`` cookie, then the browser's ``Accept-Language``. Dates and numbers are
written by Babel in the chosen language's manner.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import Final

from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.numbers import format_decimal
from babel.support import Translations

LOCALE_DIR: Final = Path(__file__).parent / "locale"
DEFAULT: Final = "en"


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    """The language's name in itself, as the switch shows it."""
    rtl: bool = False

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


LANGUAGES: Final = (
    Language("en", "English"),
    Language("ur", "اردو", rtl=True),
    Language("ps", "پښتو", rtl=True),
    Language("fa", "دری", rtl=True),
    Language("tr", "Türkçe"),
    Language("ar", "العربية", rtl=True),
)
BY_CODE: Final = {language.code: language for language in LANGUAGES}


@functools.cache
def translations(code: str) -> Translations:
    """The catalogue of ``code``, compiled in memory from its ``.po`` (read once)."""
    with (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=code)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain="messages")


def choose(query: str | None, cookie: str | None, accept: str | None) -> Language:
    """``?lang=``, then the cookie, then the first known language ``Accept-Language`` names."""
    for code in (query, cookie):
        if code in BY_CODE:
            return BY_CODE[code]
    return _accepted(accept or "")


def _accepted(header: str) -> Language:
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        ranked.append((-weight, position, tag.strip().lower().split("-")[0]))
    for weight, _, code in sorted(ranked):
        if weight < 0 and code in BY_CODE:
            return BY_CODE[code]
    return BY_CODE[DEFAULT]


@dataclass(frozen=True)
class Formatters:
    """The gettext function and Babel's formatters, bound to one language."""

    gettext: Callable[[str], str]
    date: Callable[[date], str]
    datetime: Callable[[datetime], str]
    number: Callable[[float], str]


def formatters(language: Language) -> Formatters:
    code = language.code
    return Formatters(
        gettext=translations(code).gettext,
        date=lambda day: format_date(day, "medium", locale=code),
        datetime=lambda moment: format_datetime(moment, "medium", tzinfo=UTC, locale=code),
        number=lambda value: format_decimal(value, locale=code),
    )


# --- the catalogues' upkeep ---------------------------------------------------------------------

_MESSAGE = re.compile(r"""\b_\(\s*(?:"([^"]+)"|'([^']+)')\s*\)""")


def sources() -> list[Path]:
    """The files the messages are taken from: the templates and the page modules."""
    here = LOCALE_DIR.parent
    return [*sorted((here / "templates").glob("*.html")), *sorted(here.glob("*.py"))]


def messages(paths: Iterable[Path] | None = None) -> list[str]:
    """Every message the interface asks to translate: each ``_`` called on a literal in
    ``paths`` (default: :func:`sources`), in order of first appearance."""
    found: dict[str, None] = {}
    for path in sources() if paths is None else paths:
        for match in _MESSAGE.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(1) or match.group(2))
    return list(found)


def update_catalogue(code: str) -> Path:
    """Write ``code``'s catalogue with every current message, keeping the translations it has
    (a new language starts with none: it shows English until they are written)."""
    path = LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    known: dict[str, str] = {}
    if path.exists():
        with path.open("rb") as po:
            known = {str(m.id): str(m.string) for m in read_po(po, locale=code) if m.id}
    catalog = Catalog(locale=code, project="ceasefire", fuzzy=False)
    for message in messages():
        catalog.add(message, known.get(message, message if code == DEFAULT else ""))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po:
        write_po(po, catalog, width=0, omit_header=False, sort_output=True)
    return path


if __name__ == "__main__":  # python -m ceasefire.web.i18n ur ps …
    for argument in sys.argv[1:]:
        print(update_catalogue(argument))
