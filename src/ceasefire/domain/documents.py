"""Domain values as JSON-able documents, the one way the CLI's ``--json`` and the API write
them: dataclasses as objects, times as ``YYYY-MM-DDTHH:MM:SSZ``, days as YYYY-MM-DD, enums as
their values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from ceasefire.domain.enforcement_explain import iso_time


def plain(value: Any) -> Any:
    """``value`` as JSON-able data (see the module doc)."""
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value
