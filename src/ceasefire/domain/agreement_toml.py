"""Agreement files in TOML: parsed strictly, refused with ``file:line: field: message``.

:func:`parse_agreement` reads the text with :mod:`tomllib` and the document with
:meth:`Agreement.from_document`. A syntax error keeps tomllib's line; a validation error names
a field path (``commitments[2].clock.every_days``), and since tomllib keeps no positions,
:func:`locate` finds that field's line by walking the text once: table headers (``[a]``,
``[[a]]`` counted per enclosing table, ``[a.b]``), ``key =`` lines, dotted keys, inline tables
and arrays spanning lines. A field with no line of its own (a required key that is missing)
falls back to the nearest enclosing table or key that has one, then to line 1.

The agreements shipped with ceasefire are package data: :func:`load_bundled`.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from importlib.resources import files
from typing import Final

from ceasefire.domain.agreements import Agreement
from ceasefire.domain.fields import IDENT, join
from ceasefire.errors import InvalidInput, NotFound

DEFAULT: Final = "istanbul-2025"
_POSITION: Final = re.compile(
    r"^(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$"
)
_END: Final = " (at end of document)"
_LAST_STEP: Final = re.compile(r"(\[\d+\]|\.[^.\[]+)$")
_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END: Final = re.compile(r"[,\]}\n#]")


class AgreementFileError(InvalidInput):
    """An agreement file refused. ``message`` reads ``source:line: field: reason``; ``field``,
    ``source``, ``line`` and ``reason`` are also kept apart for machines."""

    def __init__(self, source: str, line: int, reason: str, field: str | None) -> None:
        where = f"{field}: " if field else ""
        super().__init__(f"{source}:{line}: {where}{reason}", field=field)
        self.source = source
        self.line = line
        self.reason = reason

    def __str__(self) -> str:
        return self.message


def parse_agreement(text: str, source: str) -> Agreement:
    """The agreement in ``text`` (TOML); ``source`` names the file in every error."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(str(exc), text, source) from None
    try:
        return Agreement.from_document(document)
    except InvalidInput as exc:
        raise AgreementFileError(source, locate(text, exc.field), exc.message, exc.field) from None


def _syntax_error(message: str, text: str, source: str) -> AgreementFileError:
    found = _POSITION.match(message)
    if found:
        reason = f"{found['message']} (column {found['column']})"
        return AgreementFileError(source, int(found["line"]), reason, None)
    if message.endswith(_END):
        reason = message.removesuffix(_END) + " (at the end of the file)"
        return AgreementFileError(source, text.count("\n") + 1, reason, None)
    return AgreementFileError(source, 1, message, None)


# --- bundled agreements -----------------------------------------------------------------------


def bundled_names() -> tuple[str, ...]:
    """The agreements shipped with ceasefire, by name."""
    folder = files("ceasefire.agreements")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


def bundled_text(name: str = DEFAULT) -> str:
    """The TOML text of the shipped agreement ``name``."""
    resource = files("ceasefire.agreements").joinpath(f"{name}.toml")
    if not IDENT.fullmatch(name) or not resource.is_file():
        raise NotFound(
            f"no bundled agreement {name!r}; the bundled agreements are "
            f"{', '.join(bundled_names()) or 'none'}"
        )
    return resource.read_text(encoding="utf-8")


def load_bundled(name: str = DEFAULT) -> Agreement:
    """The shipped agreement ``name``, parsed and checked."""
    return parse_agreement(bundled_text(name), f"{name}.toml")


# --- finding a field's line -------------------------------------------------------------------


def locate(text: str, field: str | None) -> int:
    """The line of ``field`` in ``text``, else of its nearest located ancestor, else 1."""
    lines = positions(text)
    path = field or ""
    while path:
        if path in lines:
            return lines[path]
        parent = _LAST_STEP.sub("", path)
        path = "" if parent == path else parent
    return 1


def positions(text: str) -> dict[str, int]:
    """The line on which each table, key and array element of valid TOML ``text`` begins,
    keyed by its field path. Best effort: on text it cannot follow it keeps what it found."""
    walker = _Walker(text)
    with contextlib.suppress(IndexError, ValueError):  # not TOML: keep what was found
        walker.document()
    return walker.found


class _Walker:
    """A single pass over TOML that tracks paths and lines, not values."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line = 1
        self.found: dict[str, int] = {}
        self.counts: dict[str, int] = {}  # array-of-tables path -> tables so far

    def document(self) -> None:
        table = ""
        while self._skip(newlines=True) < len(self.text):
            if self.text.startswith("[", self.i):
                table = self._header()
            else:
                self._keyval(table)

    def _header(self) -> str:
        array = self.text.startswith("[[", self.i)
        self.i += 2 if array else 1
        keys = self._keys()
        self.i += 2 if array else 1
        path = ""
        for key in keys[:-1]:
            path = join(path, key)
            if path in self.counts:
                path = f"{path}[{self.counts[path] - 1}]"
        path = join(path, keys[-1])
        self.found.setdefault(path, self.line)
        if array:
            self.counts[path] = self.counts.get(path, 0) + 1
            path = f"{path}[{self.counts[path] - 1}]"
            self.found[path] = self.line
        return path

    def _keyval(self, base: str) -> None:
        path = base
        for key in self._keys():
            path = join(path, key)
            self.found.setdefault(path, self.line)
        self._skip()
        self.i += 1  # "="
        self._skip()
        self._value(path)

    def _keys(self) -> list[str]:
        keys: list[str] = []
        while True:
            self._skip()
            if self.text[self.i] in "\"'":
                start = self.i
                self._string()
                keys.append(self.text[start + 1 : self.i - 1])
            else:
                bare = _BARE_KEY.match(self.text, self.i)
                if bare is None:
                    raise ValueError(f"no key at offset {self.i}")
                keys.append(bare.group())
                self.i = bare.end()
            self._skip()
            if not self.text.startswith(".", self.i):
                return keys
            self.i += 1

    def _value(self, path: str) -> None:
        char = self.text[self.i]
        if char in "\"'":
            self._string()
        elif char == "[":
            self._array(path)
        elif char == "{":
            self._inline_table(path)
        else:
            end = _SCALAR_END.search(self.text, self.i)
            self.i = end.start() if end else len(self.text)

    def _array(self, path: str) -> None:
        self.i += 1
        index = 0
        while self._skip(newlines=True) < len(self.text) and self.text[self.i] != "]":
            if self.text[self.i] == ",":
                self.i += 1
                index += 1
                continue
            element, start = f"{path}[{index}]", self.i
            self.found.setdefault(element, self.line)
            self._value(element)
            self._progressed(start)
        self.i += 1

    def _inline_table(self, path: str) -> None:
        self.i += 1
        while self._skip(newlines=True) < len(self.text) and self.text[self.i] != "}":
            if self.text[self.i] == ",":
                self.i += 1
                continue
            start = self.i
            self._keyval(path)
            self._progressed(start)
        self.i += 1

    def _string(self) -> None:
        quote = self.text[self.i]
        delimiter = quote * 3 if self.text.startswith(quote * 3, self.i) else quote
        self.i += len(delimiter)
        while not self.text.startswith(delimiter, self.i):
            if quote == '"' and self.text[self.i] == "\\":
                self._advance()
            self._advance()
        self.i += len(delimiter)
        while self.text.startswith(quote, self.i):  # """a"""" ends with extra quotes
            self.i += 1

    def _progressed(self, start: int) -> None:
        if self.i == start:
            raise ValueError(f"cannot follow the text at offset {start}")

    def _advance(self) -> None:
        if self.text[self.i] == "\n":
            self.line += 1
        self.i += 1

    def _skip(self, *, newlines: bool = False) -> int:
        """Skip blanks and comments (and newlines if asked); return the new offset."""
        while self.i < len(self.text):
            char = self.text[self.i]
            if char == "#":
                end = self.text.find("\n", self.i)
                self.i = len(self.text) if end < 0 else end
            elif char in " \t\r" or (newlines and char == "\n"):
                self._advance()
            else:
                break
        return self.i
