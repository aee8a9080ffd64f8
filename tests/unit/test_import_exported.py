"""Importing a row of our own export: unchanged when it is what exporting the report the record
holds writes (or when its reader saw that report redacted); read and imported as any row when
it differs or the record lacks it. A row showing a report of the record's own is unchanged
where the record holds that report, refused elsewhere; a row of an export written before the
system's columns is never read as data unless a dataset is named."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any, Final

import pytest

from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.interchange.common import Context
from ceasefire.interchange.formats import Format, read
from ceasefire.interchange.reading import REDACTED
from ceasefire.interchange.rows import Exported, Own, Reject, Row
from ceasefire.interchange.writers import ExportRow
from ceasefire.log.keys import SigningKey
from ceasefire.services.imports import Holds, ImportCounts, Signed, good_rows, sign_changes
from tests.unit.test_interchange_round_trip import WRITE, body, legacy, own, read_text

CTX: Final = Context(now=date(2025, 11, 25))
NOW: Final = datetime(2025, 11, 25, 12, 0, tzinfo=UTC)
KEY: Final = SigningKey.generate("importer-1")


def held(sent: dict[str, Any]) -> dict[str, Any]:
    """The record's active report of the row ``sent`` shows, as the store gives it back."""
    return {"id": "r-held", "body": pj.canonical_text(sent)}


HELD: Final = held(body())


def of(fmt: Format, **changes: Any) -> dict[str, Any]:
    """A body of a dataset the format can say (UCDP's types are its own)."""
    if fmt is Format.UCDP:
        return body("ucdp-ged", event_type="state-based", **changes)
    return body(**changes)


def exported(fmt: Format, sent: dict[str, Any], *, redacted: bool = False) -> Exported:
    out = io.StringIO()
    WRITE[fmt]([ExportRow("r1", sent, "inc-1", redacted)], out)
    (row,) = read(fmt, io.StringIO(out.getvalue(), newline=""), CTX, name="export")
    assert isinstance(row, Exported)
    return row


def imported(
    row: Row, held: dict[str, Any] | None, holds: Holds | None = None
) -> tuple[ImportCounts, list[Signed], list[Reject]]:
    counts, refused = ImportCounts(), list[Reject]()
    good = good_rows([row], counts, refused.append, *([holds] if holds else []))
    earlier = {found.origin: held for found in good} if held is not None else {}
    signed = sign_changes(good, earlier, KEY, "log", NOW, counts, refused.append)
    return counts, signed, refused


def holding(*reports: str) -> Holds:
    """The record's lookup of its own reports, holding ``reports``."""
    return lambda asked: set(asked) & set(reports)


@pytest.mark.parametrize("fmt", list(Format))
def test_the_export_of_a_held_report_is_unchanged(fmt: Format) -> None:
    counts, signed, _ = imported(exported(fmt, body()), HELD)
    assert (counts.unchanged, signed) == (1, [])
    assert counts.seen == {"acled:PAK1"}


@pytest.mark.parametrize("fmt", list(Format))
def test_a_row_the_export_changed_corrects_the_held_report(fmt: Format) -> None:
    counts, signed, _ = imported(exported(fmt, of(fmt, narrative="Later.")), held(of(fmt)))
    ((row, new, submission),) = signed
    assert (counts.unchanged, new, row.dataset_id) == (0, False, "PAK1")
    assert row.body["narrative"] == "Later."
    assert submission.envelope.type == events.REPORT_CORRECTED
    assert (submission.envelope.body or {})["corrects"] == "r-held"


def test_a_row_the_record_lacks_is_new() -> None:
    counts, signed, _ = imported(exported(Format.CSV, body()), None)
    ((row, new, _submission),) = signed
    assert (new, row.origin, counts.unchanged) == (True, "acled:PAK1", 0)


def test_a_redacted_row_changes_nothing_and_is_never_taken_as_data() -> None:
    blurred = body(location=body()["location"] | {"latitude": 31.0, "longitude": 66.4})
    counts, signed, _ = imported(exported(Format.ACLED, blurred, redacted=True), HELD)
    assert (counts.unchanged, signed) == (1, [])
    counts, signed, refused = imported(exported(Format.ACLED, blurred, redacted=True), None)
    assert (counts.rejected, signed) == (1, [])
    assert refused[0].reason == REDACTED


def test_a_held_report_the_format_cannot_say_is_unchanged_and_otherwise_refused() -> None:
    placeless = {k: v for k, v in body().items() if k != "location"}
    counts, signed, _ = imported(exported(Format.ACLED, placeless), held(placeless))
    assert (counts.unchanged, signed) == (1, [])
    counts, signed, refused = imported(exported(Format.ACLED, placeless), None)
    assert (counts.rejected, refused[0].field) == (1, "latitude")


# --- a report of the record's own -------------------------------------------------------------


def own_row(fmt: Format, ctx: Context = CTX) -> Own:
    out = io.StringIO()
    WRITE[fmt]([ExportRow("r1", own(of(fmt)), "inc-1", verification="unconfirmed")], out)
    (row,) = read(fmt, io.StringIO(out.getvalue(), newline=""), ctx, name="export")
    assert isinstance(row, Own)
    return row


@pytest.mark.parametrize("fmt", list(Format))
def test_a_report_the_record_holds_of_its_own_is_unchanged_and_names_no_dataset_row(
    fmt: Format,
) -> None:
    counts, signed, refused = imported(own_row(fmt), None, holding("r1"))
    assert (counts.unchanged, counts.rejected, signed, refused) == (1, 0, [], [])
    assert (counts.seen, counts.datasets) == (set(), set())  # nothing for --withdraw-missing


@pytest.mark.parametrize("fmt", list(Format))
def test_a_report_the_record_lacks_is_refused_or_with_a_dataset_named_is_its_row(
    fmt: Format,
) -> None:
    counts, signed, refused = imported(own_row(fmt), None, holding("r2"))
    assert (counts.unchanged, counts.rejected, signed) == (0, 1, [])
    assert refused[0].reason.startswith("report r1 is the exporting record's own")
    named = Context(now=CTX.now, dataset="csv:elsewhere")
    counts, signed, refused = imported(own_row(fmt, named), None)  # the import's default: none
    ((row, new, _submission),) = signed
    assert (new, row.origin, counts.datasets, refused) == (True, "csv:elsewhere:r1",
                                                            {"csv:elsewhere"}, [])  # fmt: skip


def test_rows_keep_the_file_s_order_whatever_the_record_holds_of_its_own() -> None:
    named = Context(now=CTX.now, dataset="csv:elsewhere")
    rows = [ExportRow("r1", own(body())), ExportRow("r2", body()), ExportRow("r3", own(body()))]
    out = io.StringIO()
    WRITE[Format.CSV](rows, out)
    found = list(read(Format.CSV, io.StringIO(out.getvalue(), newline=""), named))
    counts, refused = ImportCounts(), list[Reject]()
    good = good_rows(found, counts, refused.append, holding("r3"))
    assert [row.origin for row in good] == ["csv:elsewhere:r1", "acled:PAK1"]
    assert counts.unchanged == 1


# --- an export written before the system's columns -----------------------------------------------


def test_an_old_export_changes_nothing_the_record_holds_and_refuses_what_it_cannot_place() -> None:
    text = legacy(Format.ACLED, [ExportRow("r1", body(), "inc-1"),
                                 ExportRow("r2", own(body()), "inc-2")])  # fmt: skip
    shown, mine = read_text(Format.ACLED, text)
    counts, signed, _ = imported(shown, HELD, holding("r2"))
    assert (counts.unchanged, signed) == (1, [])  # what exporting the held report writes
    counts, signed, _ = imported(mine, None, holding("r2"))
    assert (counts.unchanged, signed, counts.seen) == (1, [], set())  # the record's own report
    for row, held_now in ((shown, held(body(narrative="Since corrected."))), (shown, None),
                          (mine, None)):  # fmt: skip
        counts, signed, refused = imported(row, held_now, holding())
        assert (counts.rejected, signed) == (1, [])
        assert "written before exports named each row's dataset" in refused[0].reason
