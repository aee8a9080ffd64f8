"""Cursor pagination over the log's order: a cursor is an opaque token for "older than this
log index", so pages stay stable while the log grows (new entries only come first). A list
kept oldest first (the cases) pages with a cursor for "newer than this log index" instead: the
log grows at its end, so its pages are as stable.

A cursor's index is a log index, so within ``[0, 2**63)``: both databases keep an index as
a signed 64-bit integer, and a larger number is no cursor this API gave (SQLite would
refuse to bind it)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Final

from fastapi import Query

from ceasefire.domain.moments import quoted
from ceasefire.errors import InvalidInput

MAX_LIMIT: Final = 200
DEFAULT_LIMIT: Final = 50
_PREFIX: Final = "before:"
_AFTER: Final = "after:"
_END: Final = 2**63

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT} per page.")]
Cursor = Annotated[
    str | None, Query(description="The `next_cursor` of the previous page (opaque).")
]


def encode_cursor(index: int) -> str:
    """The cursor of the page after the one whose last item is at log ``index``."""
    return _encode(_PREFIX, index)


def decode_cursor(cursor: str | None) -> int | None:
    """The log index a cursor stands for; a cursor this API did not give is refused."""
    return _decode(_PREFIX, cursor)


def encode_after(index: int) -> str:
    """For a list kept oldest first: the cursor of the page after the one whose last item is
    at log ``index``."""
    return _encode(_AFTER, index)


def decode_after(cursor: str | None) -> int | None:
    """The log index an :func:`encode_after` cursor stands for (the next page's items are
    newer); any other cursor is refused."""
    return _decode(_AFTER, cursor)


def _encode(prefix: str, index: int) -> str:
    return base64.urlsafe_b64encode(f"{prefix}{index}".encode()).decode().rstrip("=")


def _decode(prefix: str, cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    number = text.removeprefix(prefix)
    if not text.startswith(prefix) or not number.isdecimal() or not number.isascii():
        raise InvalidInput(
            f"not a cursor this API gave for this list: {quoted(cursor)}", field="cursor"
        )
    # Measured before ``int``, which refuses a text of over 4,300 digits with a ValueError.
    if len(number) > len(str(_END)) or int(number) >= _END:
        raise InvalidInput(
            f"expected a cursor for a log index from 0 to 2**63 - 1 (the databases' widest "
            f"integer), found {quoted(cursor)}",
            field="cursor",
        )
    return int(number)
