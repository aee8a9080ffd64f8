"""Which encoding and which delimiter a file uses, and what its header really says.

Files in the wild are UTF-8, UTF-8 with a byte-order mark, or Latin-1 (GTD, the Kaggle drone
and suicide-attack sets); a BOM that went through a Latin-1 round trip arrives as ``ï»¿``, and
R's ``read.csv`` writes it as ``ï..`` (GTD's ``ï..eventid``). Delimiters seen are ``,``, ``;``
(European Excel), tab and ``|``. A header that no delimiter makes sense of is refused with the
columns expected and the line found, never guessed at.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Collection, Iterable
from typing import Final

from ceasefire.errors import InvalidInput

DELIMITERS: Final = (",", ";", "\t", "|")
_BOM_REMNANTS: Final = ("\ufeff", "Ã¯Â»Â¿", "ï»¿", "ï..", "\xef\xbb\xbf")
_NAMES: Final = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def detect_encoding(chunks: Iterable[bytes]) -> str:
    """``utf-8-sig`` when the bytes start with a BOM, ``utf-8`` when every byte decodes as
    UTF-8, else ``latin-1`` (which decodes anything, so the fallback never fails)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = True
    bom = False
    try:
        for chunk in chunks:
            if first:
                bom, first = chunk.startswith(codecs.BOM_UTF8), False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8-sig" if bom else "utf-8"


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
        f"the header is not a {what} header: with the {_NAMES[delimiter]} delimiter it lacks "
        f"the columns {', '.join(missing)} (expected {', '.join(required)}; found "
        f"{header_line[:200]!r})",
        field="header",
    )
