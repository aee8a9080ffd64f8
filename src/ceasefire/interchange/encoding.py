"""Which encoding and which delimiter a file uses, and what its header really says.

Files in the wild are UTF-8, UTF-8 with a byte-order mark, Latin-1 (the Kaggle drone and
suicide-attack sets), or UTF-8 but for a few stray bytes (GTD: its text is UTF-8, its header a
byte-order mark that R's ``read.csv`` mangled into the bytes ``\xef..``, which are not UTF-8).
A BOM that went through a Latin-1 round trip arrives as ``ï»¿``, and R writes it as ``ï..``
(GTD's ``ï..eventid``). Delimiters seen are ``,``, ``;``
(European Excel), tab and ``|``. A header that no delimiter makes sense of is refused with the
columns expected and the line found, never guessed at.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Collection, Iterable
from typing import Final

from ceasefire.errors import InvalidInput

MIXED: Final = "utf-8, stray bytes latin-1"
"""The encoding of a file that is UTF-8 but for a few bytes: those are read as Latin-1."""
STRAY_BYTES: Final = "ceasefire.latin-1"
"""The decoding error handler :data:`MIXED` reads with (registered below)."""
DELIMITERS: Final = (",", ";", "\t", "|")
_BOM_REMNANTS: Final = ("\ufeff", "Ã¯Â»Â¿", "ï»¿", "ï..", "\xef\xbb\xbf")
_NAMES: Final = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def detect_encoding(chunks: Iterable[bytes]) -> str:
    """``utf-8-sig`` when the bytes start with a BOM, ``utf-8`` when every byte decodes as
    UTF-8; otherwise :data:`MIXED` when the UTF-8 sequences outnumber the bytes that belong to
    none (GTD: a thousand curly quotes and accents, three stray bytes in the header), else
    ``latin-1`` (which decodes anything, so the fallback never fails). Latin-1 text has its
    accented letters as stray bytes and almost never a valid UTF-8 sequence, so the two are
    told apart by the count, not guessed from one byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = True
    bom = valid = False
    sequences = high = 0
    for chunk in chunks:
        if first:
            bom, first, valid = chunk.startswith(codecs.BOM_UTF8), False, True
        found = _SEQUENCE.findall(chunk)
        sequences += len(found)
        high += len(chunk) - len(chunk.translate(None, _HIGH)) - sum(map(len, found))
        if valid:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                valid = False
    if valid or first:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            valid = False
    if valid or first:
        return "utf-8-sig" if bom else "utf-8"
    return MIXED if sequences > high else "latin-1"


_SEQUENCE: Final = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
"""A UTF-8 encoded character beyond ASCII (a sequence split between chunks is not counted)."""
_HIGH: Final = bytes(range(0x80, 0x100))


def _as_latin1(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error(STRAY_BYTES, _as_latin1)


def clean_name(name: str) -> str:
    """A column name without a byte-order mark or its mangled remnants."""
    for remnant in _BOM_REMNANTS:
        if name.startswith(remnant):
            return name[len(remnant) :]
    return name


def clean_header(names: Iterable[str]) -> list[str]:
    return [clean_name(name) for name in names]


def sniff_delimiter(header_line: str, required: Collection[str], what: str) -> str:
    """The delimiter that splits ``header_line`` into names including every ``required`` one.

    Raises InvalidInput (field ``header``) naming the missing columns, for the delimiter that
    came closest, when none does.
    """
    best: tuple[int, str, list[str]] | None = None
    for delimiter in DELIMITERS:
        names = clean_header(next(csv.reader([header_line], delimiter=delimiter), []))
        found = sum(1 for name in required if name in names)
        if (found == len(required) and len(names) > 1) or (not required and len(names) > 1):
            return delimiter
        if best is None or found > best[0]:
            best = (found, delimiter, names)
    assert best is not None
    _, delimiter, names = best
    missing = [name for name in required if name not in names]
    raise InvalidInput(
        f"the header is not {_article(what)} {what} header: with the {_NAMES[delimiter]} "
        f"delimiter it lacks the columns {', '.join(missing)} (expected "
        f"{', '.join(required)}; found {header_line[:200]!r})",
        field="header",
    )


def _article(word: str) -> str:
    """``a`` or ``an`` before ``word`` as it is read aloud: a capital is read as its letter's
    name (an ACLED, a UCDP, a GTD, a CSV), a lower-case word by its first vowel."""
    first = word[:1]
    if first.isupper():
        return "an" if first in "AEFHILMNORSX" else "a"
    return "an" if first in "aeiou" else "a"
