"""How a file from the evidence locker is offered to a browser: shown in place or downloaded.

Never sniffed (``X-Content-Type-Options: nosniff``); shown in place only when it is one of
:data:`INLINE_TYPES` (the photos the pages show), otherwise an attachment, under the name it was
submitted with (RFC 6266). The API's and the pages' downloads both answer with these headers.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final
from urllib.parse import quote

INLINE_TYPES: Final = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff", "image/heic"}
)
"""Shown in place (the incident page's gallery); every other type is a download. Raster images
only, named one by one: a type added to the locker later (SVG runs script) is not inline."""


def content_headers(name: str, media_type: str) -> dict[str, str]:
    """The headers of a file read back from the locker: never sniffed (``nosniff``), shown in
    place only if it is one of :data:`INLINE_TYPES`, else an attachment, under the name it was
    submitted with (RFC 6266: a quoted ASCII ``filename`` and, for any other name, a UTF-8
    ``filename*``)."""
    disposition = "inline" if media_type in INLINE_TYPES else "attachment"
    base = _clean(re.split(r"[/\\]", name)[-1]) or "evidence"
    fallback = _clean(_ascii(base)) or "evidence"
    value = f'{disposition}; filename="{fallback}"'
    if fallback != base:
        value += f"; filename*=UTF-8''{quote(base, safe='')}"
    return {"X-Content-Type-Options": "nosniff", "Content-Disposition": value}


def _clean(name: str) -> str:
    """``name`` without control, format or line-breaking characters (a right-to-left override
    can disguise an extension), its double quotes and backslashes made harmless, stripped of
    surrounding spaces and dots."""
    kept = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    return kept.replace('"', "'").replace("\\", "_").strip(" .")


def _ascii(name: str) -> str:
    """``name`` for a client that reads only ``filename``: accents dropped, any other
    character not in ASCII an underscore."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c if c.isascii() else "_" for c in decomposed if not unicodedata.combining(c))
