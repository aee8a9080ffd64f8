"""``as of``: the moment a question about the record is asked for, as people write it.

A day means the end of that day in UTC (the status "as of 22 November" counts everything that
day); a time must carry its zone. One reading for the CLI (``--as-of``), the API and the web
(``?as_of=``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from ceasefire.errors import InvalidInput


def parse_as_of(text: str, field: str = "as_of") -> datetime:
    """``YYYY-MM-DD`` (the end of that day, UTC) or an ISO time with its zone, as UTC."""
    try:
        if len(text) == len("YYYY-MM-DD"):
            return datetime.combine(date.fromisoformat(text), time(23, 59, 59), tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, found {text!r}", field=field
        ) from exc
    if moment.utcoffset() is None:
        raise InvalidInput(f"a time needs its zone (Z for UTC), found {text!r}", field=field)
    return moment.astimezone(UTC)
