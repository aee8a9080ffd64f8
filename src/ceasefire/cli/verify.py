"""``ceasefire verify``: recompute the whole stored log and report the first bad index."""

from __future__ import annotations

from typing import Annotated

import typer

from ceasefire import bootstrap
from ceasefire.cli import output
from ceasefire.cli.common import EXIT_CODES, DatabaseOption, DataOption, JsonOption, settings
from ceasefire.errors import VerificationError
from ceasefire.services.verify import VerifyReport, verify_store


def verify(
    data: DataOption = None,
    database_url: DatabaseOption = None,
    signatures: Annotated[
        bool,
        typer.Option(
            "--signatures/--no-signatures",
            help="Also parse every envelope and check its signature against the keyring.",
        ),
    ] = True,
    json: JsonOption = False,
) -> None:
    """Recompute every leaf and node hash, check every signature and checkpoint, and compare
    the stored read models with a replay of the log."""
    with bootstrap.opened(settings(data, database_url)) as store, output.progress_bar() as bar:
        report = verify_store(store, signatures=signatures, progress=bar, records=store)
    if json:
        output.json_line(_as_json(report))
    else:
        _print(report)
    if not report.ok:
        raise typer.Exit(EXIT_CODES[VerificationError])


def _as_json(report: VerifyReport) -> dict[str, object]:
    first = report.first_problem
    return {
        "ok": report.ok,
        "origin": report.origin,
        "tree_size": report.size,
        "entries_checked": report.entries_checked,
        "nodes_checked": report.nodes_checked,
        "checkpoints_checked": report.checkpoints_checked,
        "signatures_checked": report.signatures_checked,
        "first_bad_index": None if first is None else first.index,
        "problems": [problem.__dict__ for problem in report.problems],
    }


def _print(report: VerifyReport) -> None:
    checked = (
        f"{report.entries_checked:,} entries, {report.nodes_checked:,} subtree hashes, "
        f"{report.checkpoints_checked:,} checkpoints"
        + ("" if report.signatures_checked else " (signatures not checked)")
    )
    if report.ok:
        output.data(f"ok: {report.origin} at size {report.size:,} verifies ({checked})")
        return
    first = report.first_problem
    assert first is not None
    where = (
        f"first bad index: {first.index}" if first.index is not None else f"first: {first.where}"
    )
    output.data(f"FAILED: {len(report.problems)} problem(s); {where}")
    for problem in report.problems:
        line = f"  {problem.where}: {problem.message}"
        if problem.expected or problem.found:
            line += f" (expected {problem.expected or '-'}, found {problem.found or '-'})"
        output.data(line)
    output.info(f"checked {checked}")
