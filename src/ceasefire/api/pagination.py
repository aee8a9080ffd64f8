"""Cursor pagination over the log's order: a cursor is an opaque token for "older than this
log index", so pages stay stable while the log grows (new entries only come first).

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
_END: Final = 2**63

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT} per page.")]
Cursor = Annotated[
    str | None, Query(description="The `next_cursor` of the previous page (opaque).")
]


def encode_cursor(index: int) -> str:
    """The cursor of the page after the one whose last item is at log ``index``."""
    return base64.urlsafe_b64encode(f"{_PREFIX}{index}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The log index a cursor stands for; a cursor this API did not give is refused."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    number = text.removeprefix(_PREFIX)
    if not text.startswith(_PREFIX) or not number.isdecimal() or not number.isascii():
        raise InvalidInput(f"not a cursor this API gave: {quoted(cursor)}", field="cursor")
    # Measured before ``int``, which refuses a text of over 4,300 digits with a ValueError.
    if len(number) > len(str(_END)) or int(number) >= _END:
        raise InvalidInput(
            f"expected a cursor for a log index from 0 to 2**63 - 1 (the databases' widest "
            f"integer), found {quoted(cursor)}",
            field="cursor",
        )
    return int(number)
