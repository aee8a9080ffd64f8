"""How a format's rows become results: an Imported or a Reject per row of a dataset, and for a
row of this program's own export an Exported, recognised by its ``report_id`` and naming the
dataset row it shows (docs/interchange.md, "Export, then import").

A reader says how it reads a row (:class:`RowReader`: its id, its body); :func:`read_rows` does
the rest the same for every format: the ids seen twice, the rows refused, and an export's
system columns (:data:`SYSTEM_COLUMNS`), which are never data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from ceasefire.domain.report_origin import origin_key
from ceasefire.interchange.common import RowError
from ceasefire.interchange.rows import Exported, Imported, Reject, Row


class Seen:
    """The ids read so far in one file: a second occurrence is refused naming the first."""

    def __init__(self) -> None:
        self._lines: dict[str, int] = {}

    def check(self, key: str, line: int, name: str | None) -> None:
        """``key`` is the row's id (or, in an export, its origin); ``name`` None: the id is a
        digest of the row's values (the file has no id)."""
        first = self._lines.setdefault(key, line)
        if first != line:
            what = "id" if name else "values"
            raise RowError(name, key, f"the same {what} as line {first}")


SYSTEM_COLUMNS: Final = frozenset({"report_id", "incident_id", "dataset", "dataset_id", "redacted"})
"""What an export adds to a row (docs/interchange.md, "Export, then import"): which report it
is, its incident, the dataset row it shows, whether its reader saw it redacted. Never data: a
row of an export is recognised by its ``report_id``, and these columns are not kept among its
attributes nor compared."""

REDACTED: Final = (
    "the export's reader saw this report redacted (places blurred, sources withheld): it is "
    "not data to import; export it as a reader who sees it whole"
)

Identify = Callable[[dict[str, str]], str]
Make = Callable[[dict[str, str], str, str], dict[str, Any]]


@dataclass(frozen=True)
class RowReader:
    """How a format reads its rows: ``identify`` gives a row's id ("" when it has none),
    ``make`` its body from ``(columns, dataset, id)``; ``id_field`` is the id's column (None:
    the id is a digest of the values); ``dataset`` is the dataset of the file's rows and
    ``named`` the one the caller gave (``--dataset``), which is all an export row naming no
    dataset may be filed under."""

    format: str
    dataset: str
    named: str | None
    identify: Identify
    make: Make
    id_field: str | None
    exports: bool = True
    """Whether a row with a ``report_id`` is read as a row of this program's export (not when a
    mapping says what the columns are)."""


def read_rows(
    rows: Iterable[tuple[int, dict[str, str]] | Reject], reader: RowReader
) -> Iterator[Row]:
    """Each row read as ``reader`` says: an Imported or a Reject, or for a row of this
    program's own export (it has a ``report_id``), an Exported (or a Reject when it names no
    dataset row)."""
    ids, origins = Seen(), Seen()
    for item in rows:
        if isinstance(item, Reject):
            yield item
            continue
        line, row = item
        try:
            if reader.exports and "report_id" in row:
                yield _exported(line, row, reader, origins)
            else:
                yield _imported(line, row, reader, ids)
        except RowError as exc:
            yield Reject(line, exc.field, exc.value, exc.reason)


def _imported(line: int, row: dict[str, str], reader: RowReader, seen: Seen) -> Imported:
    dataset_id = reader.identify(row)
    if not dataset_id:
        raise RowError(reader.id_field, "", "the row has no id")
    body = reader.make(row, reader.dataset, dataset_id)
    seen.check(dataset_id, line, reader.id_field)
    return Imported(line, reader.dataset, dataset_id, body)


def _exported(line: int, row: dict[str, str], reader: RowReader, seen: Seen) -> Exported:
    """A row of an export: the dataset row it names (its ``dataset``, else the one the caller
    named, else none: a report the exporting record held of its own, refused), its data
    columns, and the row read as data (not when its reader saw it redacted)."""
    dataset = (row.get("dataset") or "").strip() or reader.named
    if not dataset:
        raise RowError(
            "dataset", "", f"report {row['report_id']} is the exporting record's own, no "
            "dataset's row: only dataset rows are imported (--dataset NAME imports such reports "
            "as rows of NAME)",
        )  # fmt: skip
    dataset_id = reader.identify(row)
    if not dataset_id:
        raise RowError(reader.id_field, "", "the row has no id")
    seen.check(origin_key(dataset, dataset_id), line, reader.id_field)
    columns = {name: value for name, value in row.items() if name not in SYSTEM_COLUMNS}
    redacted = (row.get("redacted") or "").strip().lower() == "true"
    read: Imported | Reject
    if redacted:
        read = Reject(line, "redacted", None, REDACTED)
    else:
        try:
            read = Imported(line, dataset, dataset_id, reader.make(columns, dataset, dataset_id))
        except RowError as exc:
            read = Reject(line, exc.field, exc.value, exc.reason)
    return Exported(line, dataset, dataset_id, reader.format, columns, read, redacted)
