"""How a format's rows become results: an Imported or a Reject per row of a dataset, and for a
row of this program's own export, recognised by its ``report_id``, an Exported naming the
dataset row it shows or an Own naming the exporting record's own report (docs/interchange.md,
"Export, then import").

A reader says how it reads a row (:class:`RowReader`: its id, its body); :func:`read_rows` does
the rest the same for every format: the ids seen twice, the rows refused, and an export's
system columns (:data:`SYSTEM_COLUMNS`), which are never data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ceasefire.domain.report_origin import origin_key
from ceasefire.interchange.common import RowError
from ceasefire.interchange.rows import Exported, Imported, Own, Reject, Row


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


SYSTEM_COLUMNS: Final = frozenset(
    {"report_id", "incident_id", "verification", "dataset", "dataset_id", "redacted"}
)
"""What an export adds to a row (docs/interchange.md, "Export, then import"): which report it
is, its incident and that incident's verification status, the dataset row it shows, whether
its reader saw it redacted. Never data: a row of an export is recognised by its
``report_id``, and these columns are not kept among its attributes nor compared."""

REDACTED: Final = (
    "the export's reader saw this report redacted (places blurred, sources withheld): it is "
    "not data to import; export it as a reader who sees it whole"
)


def own_refusal(report_id: str) -> str:
    """Why a row showing a report of the exporting record's own is refused where that record's
    report is not held (or not readable by the importer)."""
    return (
        f"report {report_id} is the exporting record's own, no dataset's row: only dataset "
        "rows are imported (--dataset NAME imports such reports as rows of NAME)"
    )


def legacy_refusal(dataset: str, dataset_id: str) -> str:
    """Why a row of an ACLED or UCDP export written before the system's columns is refused
    when it is not what exporting the record's report of ``dataset:dataset_id`` writes."""
    return (
        "a row of an export written before exports named each row's dataset (only "
        f"incident_id follows the standard columns): the record holds no {dataset} row "
        f"{dataset_id} that it shows, and the file does not say which dataset's row it is "
        "(export again, give --dataset NAME if every row is NAME's, or drop the incident_id "
        "column to import the rows as data)"
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
    legacy: bool = False
    """Whether the file is an ACLED or UCDP export written before the system's columns: its
    header is the format's standard columns and ``incident_id``, exactly as those exports
    wrote it (:func:`is_legacy`)."""


def is_legacy(header: Sequence[str], standard: Sequence[str]) -> bool:
    """Whether ``header`` is what the ACLED or UCDP export (``standard``, its columns) wrote
    before it named each row's report and dataset: the standard columns, then ``incident_id``,
    nothing else. Only that exact header is taken for an export: ``incident_id`` alone is a
    name other files use for a column of their own."""
    return tuple(header) == (*standard, "incident_id")


def read_rows(
    rows: Iterable[tuple[int, dict[str, str]] | Reject], reader: RowReader
) -> Iterator[Row]:
    """Each row read as ``reader`` says: an Imported or a Reject; for a row of this program's
    own export (it has a ``report_id``), an Exported naming the dataset row it shows, or an
    Own naming the exporting record's own report it shows; for a row of an ACLED or UCDP
    export written before the system's columns (``reader.legacy``), an Own whose id may be
    such a report's, else the Exported of the format's dataset."""
    ids, origins, reports = Seen(), Seen(), Seen()
    for item in rows:
        if isinstance(item, Reject):
            yield item
            continue
        line, row = item
        try:
            if reader.exports and "report_id" in row:
                yield _exported(line, row, reader, origins, reports)
            elif reader.legacy:
                yield _legacy(line, row, reader, origins)
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


def _exported(
    line: int, row: dict[str, str], reader: RowReader, origins: Seen, reports: Seen
) -> Exported | Own:
    """A row of an export: the dataset row it names in its ``dataset`` column, or, when that
    is empty, a report the exporting record held of its own (an Own, which is the dataset row
    of the dataset the caller named, if any, where the record lacks that report)."""
    dataset = (row.get("dataset") or "").strip()
    if dataset:
        return _dataset_row(line, row, dataset, reader, origins)
    report_id = row["report_id"].strip()
    if not report_id:
        raise RowError("report_id", "", "the row names neither a dataset nor a report")
    reports.check(report_id, line, "report_id")
    otherwise: Exported | Reject
    if reader.named is None:
        otherwise = Reject(line, "dataset", "", own_refusal(report_id))
    else:
        try:
            otherwise = _dataset_row(line, row, reader.named, reader, origins)
        except RowError as exc:
            otherwise = Reject(line, exc.field, exc.value, exc.reason)
    return Own(line, report_id, otherwise)


def _dataset_row(
    line: int, row: dict[str, str], dataset: str, reader: RowReader, seen: Seen
) -> Exported:
    """The row of ``dataset`` an export's row shows: its data columns, and the row read as
    data (not when its reader saw it redacted)."""
    dataset_id = reader.identify(row)
    if not dataset_id:
        raise RowError(reader.id_field, "", "the row has no id")
    report_id = (row.get("report_id") or "").strip() or None
    # one row per report: a dataset row's versions (corrected, in force) are rows of their own
    seen.check(origin_key(dataset, dataset_id) + f"#{report_id or ''}", line, reader.id_field)
    columns = {name: value for name, value in row.items() if name not in SYSTEM_COLUMNS}
    redacted = (row.get("redacted") or "").strip().lower() == "true"
    read: Imported | Reject
    if redacted:
        read = Reject(line, "redacted", None, REDACTED)
    else:
        read = _made(line, columns, dataset, dataset_id, reader)
    return Exported(line, dataset, dataset_id, reader.format, columns, read, redacted, report_id)


def _legacy(line: int, row: dict[str, str], reader: RowReader, seen: Seen) -> Own:
    """A row of an ACLED or UCDP export written before the system's columns, its
    ``incident_id`` not data. It does not say what it shows: a report of the exporting
    record's own (whose id the export wrote as the row's), or the row of a dataset, taken to be
    the format's (or the one the caller named). Unless the caller named the dataset it is never
    read as data: where it is not what exporting the record's report of that row writes, it
    is refused."""
    dataset_id = reader.identify(row)
    if not dataset_id:
        raise RowError(reader.id_field, "", "the row has no id")
    seen.check(origin_key(reader.dataset, dataset_id), line, reader.id_field)
    columns = {name: value for name, value in row.items() if name != "incident_id"}
    read: Imported | Reject
    if reader.named is None:
        read = Reject(line, "dataset", None, legacy_refusal(reader.dataset, dataset_id))
    else:
        read = _made(line, columns, reader.dataset, dataset_id, reader)
    shown = Exported(line, reader.dataset, dataset_id, reader.format, columns, read)
    return Own(line, dataset_id, shown)


def _made(
    line: int, columns: dict[str, str], dataset: str, dataset_id: str, reader: RowReader
) -> Imported | Reject:
    try:
        return Imported(line, dataset, dataset_id, reader.make(columns, dataset, dataset_id))
    except RowError as exc:
        return Reject(line, exc.field, exc.value, exc.reason)
