"""``ceasefire verify``: recompute the whole stored log (or an offline bundle) and report the
first bad index."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ceasefire import bootstrap
from ceasefire.cli import output
from ceasefire.cli.common import (
    EXIT_VERIFICATION_FAILED,
    DatabaseOption,
    DataOption,
    JsonOption,
    now,
    settings,
    verifier_key,
)
from ceasefire.domain import moments
from ceasefire.errors import InvalidInput
from ceasefire.services.bundle import BundleReport, verify_bundle
from ceasefire.services.confirmation import Confirmation, confirmation
from ceasefire.services.verify import VerifyReport, verify_store

BundleOption = Annotated[
    Path | None,
    typer.Option(
        "--bundle",
        help="Verify this offline bundle (`ceasefire bundle export`) instead of a data folder: "
        "no network, no database.",
    ),
]
LogKeyOption = Annotated[
    str | None,
    typer.Option(
        "--log-vkey",
        "--log-key",
        help="With --bundle: the log's verifier key (C2SP vkey) you trust, or a file holding "
        "it; the bundle must use it [default: the bundle's own, printed for you to compare].",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="With --bundle: the moment (ISO 8601, with a zone) the status is computed for "
        "[default: the last entry's time].",
    ),
]


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
    bundle: BundleOption = None,
    log_key: LogKeyOption = None,
    as_of: AsOfOption = None,
    json: JsonOption = False,
) -> None:
    """Recompute every leaf and node hash, check every signature and checkpoint, and compare
    the stored read models with a replay of the log (or, with --bundle, check a bundle)."""
    if bundle is not None:
        _verify_bundle(bundle, log_key, _moment(as_of), json)
        return
    with bootstrap.opened(settings(data, database_url)) as store, output.progress_bar() as bar:
        report = verify_store(store, signatures=signatures, progress=bar, records=store, now=now())
        found = confirmation(store) if report.ok else None
    if json:
        output.json_line({**_as_json(report), "confirmation": _confirmation_json(found)})
    else:
        _print(report)
        _print_confirmation(found)
    if not report.ok:
        raise typer.Exit(EXIT_VERIFICATION_FAILED)


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"not an ISO 8601 time: {moments.quoted(text)}", field="as_of") from None
    if moment.utcoffset() is None:
        raise InvalidInput(
            f"expected a time with a zone, found {moments.quoted(text)}", field="as_of"
        )
    return moments.within(moment, now=now())


def _verify_bundle(path: Path, log_key: str | None, as_of: datetime | None, json: bool) -> None:
    with output.progress_bar() as bar:
        trusted = None if log_key is None else verifier_key(log_key, "log_vkey").to_text()
        result = verify_bundle(path, log_key=trusted, as_of=as_of, progress=bar, now=now())
    if json:
        output.json_line(_bundle_json(result))
    else:
        _print(result.verify, nodes=False)
        _print_bundle(result)
    if not result.ok:
        raise typer.Exit(EXIT_VERIFICATION_FAILED)


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


def _bundle_json(result: BundleReport) -> dict[str, object]:
    evaluation = result.evaluation
    return {
        **_as_json(result.verify),
        "bundle": str(result.path),
        "log_key": result.log_vkey,
        "agreement": None
        if result.agreement is None
        else {"id": result.agreement.id, "version": result.agreement.version},
        "status": None
        if evaluation is None
        else {
            "as_of": evaluation.as_of.isoformat(),
            "status": evaluation.status.value,
            "party": evaluation.status_party,
            "steps": {s.party: s.step for s in evaluation.parties},
        },
        "confirmation": _confirmation_json(result.confirmation),
    }


def _confirmation_json(found: Confirmation | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "checkpoint_size": found.size,
        "cosigners": list(found.cosigners),
        "quorum_met": found.quorum_met,
        "latest_confirmed_size": found.latest_confirmed,
        "problem": found.problem,
    }


def _print(report: VerifyReport, *, nodes: bool = True) -> None:
    """``nodes``: whether there were stored subtree hashes to check (a bundle has none: its
    tree is rebuilt from the entries)."""
    checked = (
        f"{report.entries_checked:,} entries, "
        + (f"{report.nodes_checked:,} subtree hashes, " if nodes else "")
        + f"{report.checkpoints_checked:,} checkpoints"
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


def _print_bundle(result: BundleReport) -> None:
    output.data(f"log key: {result.log_vkey} (compare it with the one you trust)")
    if result.agreement is not None and result.evaluation is not None:
        evaluation = result.evaluation
        party = f" by {evaluation.status_party}" if evaluation.status_party else ""
        steps = ", ".join(f"{s.party} step {s.step}" for s in evaluation.parties)
        output.data(
            f"state rebuilt from the entries: agreement {result.agreement.id} "
            f"v{result.agreement.version}; as of {evaluation.as_of.isoformat()} the ceasefire "
            f"is {evaluation.status.value}{party} ({steps})"
        )
    _print_confirmation(result.confirmation)


def _print_confirmation(found: Confirmation | None) -> None:
    """Whether the latest checkpoint's cosignatures meet the agreement's witness policy."""
    if found is None:
        return
    if found.problem is not None:
        output.data(f"checkpoint {found.size:,}: NOT confirmed: {found.problem}")
        return
    cosigned = ", ".join(found.cosigners) or "no witness"
    verdict = "confirmed" if found.quorum_met else "NOT confirmed"
    latest = "none" if found.latest_confirmed is None else f"size {found.latest_confirmed:,}"
    output.data(
        f"checkpoint {found.size:,}: {verdict} under the agreement's witness policy "
        f"(cosigned by {cosigned}); latest confirmed checkpoint: {latest}"
    )
