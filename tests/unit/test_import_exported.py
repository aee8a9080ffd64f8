"""Importing a row of our own export: unchanged when it is what exporting the report the record
holds writes (or when its reader saw that report redacted); read and imported as any row when
it differs or the record lacks it."""

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
from ceasefire.interchange.rows import Exported, Reject
from ceasefire.interchange.writers import ExportRow
from ceasefire.log.keys import SigningKey
from ceasefire.services.imports import ImportCounts, Signed, good_rows, sign_changes
from tests.unit.test_interchange_round_trip import WRITE, body

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
    row: Exported, held: dict[str, Any] | None
) -> tuple[ImportCounts, list[Signed], list[Reject]]:
    counts, refused = ImportCounts(), list[Reject]()
    good = good_rows([row], counts, refused.append)
    earlier = {row.origin: held} if held is not None else {}
    signed = sign_changes(good, earlier, KEY, "log", NOW, counts, refused.append)
    return counts, signed, refused


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
