"""What reading a dataset gives, row by row: a report body to import, a reject, or a row of
this program's own export (read back, it is first recognised, then read only if need be): the
dataset row it shows, or a report of the exporting record's own."""

from __future__ import annotations

from collections.abc import Mapping
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


@dataclass(frozen=True)
class Exported:
    """A row of this program's own export (``format``), naming the dataset row it shows.

    ``columns`` are what the export wrote for the row's report, its system columns
    (``reading.SYSTEM_COLUMNS``) left out; ``read`` is the row read as any row of the format
    (a body, or why none can be made: a ``Reject``). The import compares ``columns`` with what
    exporting the report the record holds would write (``writers.agrees``), and reads the row
    only when they differ or the record holds none. A ``redacted`` row (its reader saw places
    blurred and sources withheld) is never read: its ``read`` is a Reject saying so.
    """

    line: int
    dataset: str
    dataset_id: str
    format: str
    columns: Mapping[str, str]
    read: Imported | Reject
    redacted: bool = False
    report_id: str | None = None
    """The report the row shows (its ``report_id`` column): an export of every status shows a
    dataset row's superseded versions beside the one in force, each its own report."""

    @property
    def origin(self) -> str:
        return origin_key(self.dataset, self.dataset_id)


@dataclass(frozen=True)
class Own:
    """A row of this program's export that shows a report of the exporting record's own (an
    allegation, a monitor's observation, a compliance claim: no dataset's row), named by its
    ``report_id``.

    Into the record that holds that report (and lets the importer read it) the row is
    unchanged: nothing in it is a dataset's to import. Anywhere else it is ``otherwise``: the
    refusal saying what it is, or, when the caller named a dataset (``--dataset NAME``), the
    row of that dataset it is then read as. A row of an ACLED or UCDP export written before
    the system's columns may be either: its id is the report's when it shows one, and
    ``otherwise`` is the row of the format's dataset it then shows.
    """

    line: int
    report_id: str
    otherwise: Exported | Reject


Row = Imported | Reject | Exported | Own
