"""What reading a dataset gives, row by row: a report body to import, or a reject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ceasefire.domain.report_origin import origin_key


@dataclass(frozen=True)
class Imported:
    """A good row: the ``observation`` body it becomes, and where it came from.

    ``line`` is the physical line the row starts on (1 is the header of a CSV file; for
    GeoJSON, the feature's position counting from 1).
    """

    line: int
    dataset: str
    dataset_id: str
    body: dict[str, Any]

    @property
    def origin(self) -> str:
        """``dataset:id``, the key the record finds an earlier import by."""
        return origin_key(self.dataset, self.dataset_id)


@dataclass(frozen=True)
class Reject:
    """A bad row: where it is, the field at fault (None for the row as a whole), the value
    found (None when absent) and why it was refused."""

    line: int
    field: str | None
    value: str | None
    reason: str

    def message(self) -> str:
        where = f"line {self.line}" + (f", field {self.field}" if self.field else "")
        found = "" if self.value is None else f" (found {self.value[:80]!r})"
        return f"{where}: {self.reason}{found}"


Row = Imported | Reject
