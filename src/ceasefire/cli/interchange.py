"""``ceasefire import`` and ``ceasefire export``: datasets in and out (ACLED, UCDP GED,
GeoJSON, CSV). See docs/interchange.md for the column mappings and the reject reasons."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Final

import typer

from ceasefire import bootstrap
from ceasefire.cli import client, output, remote_import
from ceasefire.cli.common import (
    AsOption,
    DatabaseOption,
    DataOption,
    JsonOption,
    KeyOption,
    must_exist,
    now,
    settings,
    unreadable,
    writable,
)
from ceasefire.errors import InvalidInput
from ceasefire.interchange import files
from ceasefire.interchange.common import Context
from ceasefire.interchange.formats import Format, read, sniff
from ceasefire.interchange.generic_csv import ColumnMapping, parse_mapping
from ceasefire.interchange.rows import Reject, Row
from ceasefire.services import exports as export_service
from ceasefire.services import imports as import_service
from ceasefire.services import map_data, release_scope
from ceasefire.services.reports import viewer_of
from ceasefire.storage.keyfiles import read_key

_SHOWN_REJECTS = 20

FormatOption = Annotated[
    Format | None,
    typer.Option("--format", help="acled, ucdp, geojson or csv [default: told from the file]."),
]


def import_(
    file: Annotated[Path, typer.Argument(help="The dataset file (CSV or GeoJSON).")],
    key: KeyOption,
    fmt: FormatOption = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="Column mapping (TOML) for csv/geojson.")
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="Write refused rows here (CSV: line, field, value, reason)."
        ),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(help="The dataset's name (e.g. ucdp-candidate) [default: from the format]."),
    ] = None,
    release: Annotated[str, typer.Option(help="The dataset's release, e.g. 22.1.")] = "",
    withdraw_missing: Annotated[
        bool,
        typer.Option(
            "--withdraw-missing",
            help="The file is the dataset's whole release: withdraw the reports of rows it no "
            "longer holds (only when no row was refused).",
        ),
    ] = False,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    url: client.UrlOption = None,
    token: client.TokenOption = None,
    log_vkey: client.LogVkeyOption = None,
    receipts: client.ReceiptsOption = client.DEFAULT_RECEIPTS,
    json: JsonOption = False,
) -> None:
    """Import a dataset: each good row becomes an observation signed with --key (an importer);
    rows already imported add nothing, changed rows are corrected, bad rows are listed. With
    --url the rows are signed here and posted to the server in batches, each receipt verified
    with --log-vkey; the server is asked which rows it holds already."""
    must_exist(file, "file")
    writable(rejects, "rejects")
    column_mapping = _mapping(mapping)
    grade = column_mapping.grade if column_mapping else None
    refused: list[Reject] = []
    with files.open_text(file) as stream, output.progress_bar() as bar:
        chosen = fmt or sniff(file.name, stream.readline())
        stream.seek(0)
        if column_mapping is not None and chosen not in MAPPED:
            raise InvalidInput(
                f"--mapping applies to CSV and GeoJSON files; {file} is read as "
                f"{chosen.value.upper()}, whose columns the importer knows: drop --mapping, "
                "or give --format csv to read it through the mapping",
                field="mapping",
            )
        at, total = now(), files.count_lines(file)

        def rows(ctx: Context) -> Iterator[Row]:
            return read(chosen, stream, ctx, column_mapping, name=file.stem)

        if url is not None:
            remote = client.Remote(url, token, log_vkey, receipts)
            agreement = remote_import.remote_agreement(remote)
            ctx = import_service.context_of(
                agreement, at, release=release, dataset=dataset, grade=grade
            )
            counts = remote_import.import_rows(
                remote, key, rows(ctx), at=at, rejects=refused.append, progress=bar, total=total
            )
            if withdraw_missing:
                remote_import.withdraw_missing(remote, key, counts, at=at)
        else:
            config = settings(data, database_url)
            with bootstrap.opened(config) as store:
                ctx = import_service.context_for(
                    store, at, release=release, dataset=dataset, grade=grade
                )
                signing_key, log_key = read_key(key), bootstrap.log_key(config)
                counts = import_service.import_rows(
                    store,
                    rows(ctx),
                    key=signing_key,
                    log_key=log_key,
                    now=at,
                    rejects=refused.append,
                    progress=bar,
                    total=total,
                )
                if withdraw_missing:
                    release_scope.withdraw_missing(store, counts, signing_key, log_key, at)
    if rejects is not None:
        _write_rejects(rejects, refused)
    _report(counts, refused, json, shown=rejects is None, withdrawing=withdraw_missing)
    if counts.read and counts.rejected == counts.read:
        raise InvalidInput(f"every row of {file} was rejected", field="file")


MAPPED: Final = frozenset({Format.CSV, Format.GEOJSON})
"""The formats a column mapping reads (ACLED's and UCDP's columns are the importer's own)."""


def _mapping(path: Path | None) -> ColumnMapping | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise unreadable(path, exc, "mapping") from exc
    return parse_mapping(text, where=str(path))


def _write_rejects(path: Path, refused: list[Reject]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["line", "field", "value", "reason"])
        for r in refused:
            writer.writerow([r.line, r.field or "", r.value or "", r.reason])


def _report(
    counts: import_service.ImportCounts,
    refused: list[Reject],
    json: bool,
    *,
    shown: bool,
    withdrawing: bool,
) -> None:
    summary = {
        "read": counts.read,
        "new": counts.new,
        "changed": counts.changed,
        "unchanged": counts.unchanged,
        "rejected": counts.rejected,
        "withdrawn": counts.withdrawn,
    }
    if json:
        shown_rejects = [r.message() for r in refused[:_SHOWN_REJECTS]]
        output.json_line(summary | {"rejects": shown_rejects, "not_withdrawn": counts.kept})
        return
    if shown:
        for r in refused[:_SHOWN_REJECTS]:
            output.info(f"[yellow]rejected[/] {r.message()}")
        if len(refused) > _SHOWN_REJECTS:
            output.info(f"… and {len(refused) - _SHOWN_REJECTS} more (use --rejects FILE)")
    for why in counts.kept:
        output.info(f"[yellow]not withdrawn:[/] {why}")
    if not withdrawing:
        del summary["withdrawn"]
    output.data(" ".join(f"{k}={v}" for k, v in summary.items()))


def export(
    fmt: Annotated[Format, typer.Option("--format", help="acled, ucdp, geojson or csv.")],
    reader: AsOption = None,
    since: Annotated[str | None, typer.Option("--from", help="From this day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--to", help="To this day, YYYY-MM-DD.")] = None,
    bbox: Annotated[
        str | None, typer.Option(help="MIN_LON,MIN_LAT,MAX_LON,MAX_LAT (WGS 84).")
    ] = None,
    act: Annotated[str | None, typer.Option(help="An act id of the agreement.")] = None,
    event_type: Annotated[
        str | None, typer.Option("--type", help="A dataset event type (prefix), e.g. Battles.")
    ] = None,
    party: Annotated[str | None, typer.Option(help="Alleged or submitting party.")] = None,
    status: Annotated[
        str, typer.Option(help="Report status: active, corrected, withdrawn or all.")
    ] = "active",
    verification: Annotated[
        str | None,
        typer.Option(
            help="Verification status of the report's incident: unconfirmed, confirmed, "
            "case, dismissed or verified."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write here [default: stdout].")] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Export the reports the reader may see (redacted as it sees them), filtered; every row
    carries its incident_id and that incident's verification status."""
    writable(out, "out")
    query = export_service.ExportFilter(
        since=_day(since, "from"),
        until=_day(until, "to"),
        bbox=_bbox(bbox),
        act=act,
        event_type=event_type,
        party=party,
        status=status,
        verification=_verification(verification),
    )
    with bootstrap.opened(settings(data, database_url)) as store:
        viewer = viewer_of(store, reader)
        if out is None:
            count = export_service.export_reports(store, viewer, fmt, sys.stdout, query)
        else:
            with out.open("w", encoding="utf-8", newline="") as stream:
                count = export_service.export_reports(store, viewer, fmt, stream, query)
    output.info(f"exported {count} reports as {fmt.value}")


def _verification(text: str | None) -> map_data.MapStatus | None:
    if text is None:
        return None
    try:
        return map_data.MapStatus(text)
    except ValueError:
        known = ", ".join(s.value for s in map_data.MapStatus)
        raise InvalidInput(
            f"expected one of {known}, found {text!r}", field="verification"
        ) from None


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"expected YYYY-MM-DD, found {text!r}", field=name) from None


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4:
        raise InvalidInput(
            f"expected MIN_LON,MIN_LAT,MAX_LON,MAX_LAT, found {text!r}", field="bbox"
        )
    return values[0], values[1], values[2], values[3]
