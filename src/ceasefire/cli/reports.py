"""``ceasefire report``: allegations and compliance claims — submit, correct, withdraw, disclose,
list and show. A report comes from a JSON or YAML file (``--file``) or from flags."""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from ceasefire import bootstrap
from ceasefire.cli import client, output
from ceasefire.cli.common import (
    AsOption,
    DatabaseOption,
    DataOption,
    JsonOption,
    KeyOption,
    now,
    read_document,
    settings,
)
from ceasefire.domain.actors import Actor
from ceasefire.domain.events import REPORT_SUBMITTED
from ceasefire.domain.reports import what_of
from ceasefire.errors import InvalidInput
from ceasefire.services import evidence as evidence_service
from ceasefire.services import geography, ids
from ceasefire.services import reports as report_service
from ceasefire.services.ids import IdKind
from ceasefire.storage.keyfiles import read_key

app = typer.Typer(
    rich_markup_mode=None,
    help="Allegations of violations and claims of compliance.",
    no_args_is_help=True,
)

FileOption = Annotated[
    Path | None, typer.Option("--file", help="The report as a JSON or YAML object.")
]
ConfidentialOption = Annotated[
    bool,
    typer.Option(
        help="Keep the content off the public log: the log holds a salted commitment, the "
        "content is readable only by the mediators, the monitors and the submitting party's "
        "liaisons, and can be disclosed."
    ),
]


def _source(text: str) -> dict[str, Any]:
    parts = text.split(":")
    if len(parts) != 4:
        raise InvalidInput(
            f"expected NAME:KIND:RELIABILITY:CREDIBILITY (e.g. 'ISPR:party:C:3'), found {text!r}",
            field="source",
        )
    name, kind, reliability, credibility = parts
    if not credibility.isdigit():
        raise InvalidInput(f"credibility is 1-6, found {credibility!r}", field="source")
    return {"name": name, "kind": kind, "reliability": reliability, "credibility": int(credibility)}


DEFAULT_LIMIT: Final = 100
PAGE: Final = 1_000
"""Reports read at a time when every one is asked for (``--limit 0``)."""
_DEFAULT_KIND: Final = ("kind", "allegation")
"""``--kind``'s default, which is no flag given."""


def body_from(
    file: Path | None, flags: dict[str, Any], sources: list[str], clauses: list[str]
) -> dict[str, Any]:
    """The report body from ``--file``, or built from the flags (which then are required).
    The two do not mix: a flag given beside ``--file`` would be silently lost."""
    if file is not None:
        mixed = (
            [k for k, v in flags.items() if v is not None and (k, v) != _DEFAULT_KIND]
            + (["source"] if sources else [])
            + (["clause"] if clauses else [])
        )
        if mixed:
            named = ", ".join(f"--{k.replace('_', '-')}" for k in mixed)
            raise InvalidInput(
                f"--file holds the whole report: {named} cannot be given beside it (put them "
                "in the file, or leave out --file)",
                field="file",
            )
        return read_document(file)
    given = {k: v for k, v in flags.items() if v is not None}
    kind = given.get("kind", "allegation")
    start = given.get("date")
    body: dict[str, Any] = {"kind": kind, "narrative": given.get("narrative"), "language": "en"}
    if start is not None:
        body["dates"] = {"start": start, "end": given.get("end_date", start), "precision": "day"}
    if "lat" in given or "lon" in given:
        body["location"] = {
            "latitude": given.get("lat"),
            "longitude": given.get("lon"),
            "precision": given.get("precision", "near"),
            **({"place": given["place"]} if "place" in given else {}),
            **({"country": given["country"]} if "country" in given else {}),
            **({"sector": given["sector"]} if "sector" in given else {}),
        }
    if kind == "allegation":
        body.update({"act": given.get("act"), "alleged_party": given.get("party")})
        body["sources"] = [_source(s) for s in sources]
        if clauses:
            body["clauses"] = clauses
        if "killed" in given or "injured" in given:
            body["casualties"] = {
                name: {"unknown": given[name]} for name in ("killed", "injured") if name in given
            }
    else:
        body.update({"commitment": given.get("commitment"), "step": given.get("step")})
        if sources:
            body["sources"] = [_source(s) for s in sources]
    return {k: v for k, v in body.items() if v is not None}


@app.command("submit")
def submit(
    key: KeyOption,
    file: FileOption = None,
    kind: Annotated[str, typer.Option(help="allegation or compliance_claim.")] = "allegation",
    act: Annotated[str | None, typer.Option(help="Act type id from the agreement.")] = None,
    party: Annotated[str | None, typer.Option(help="The party alleged responsible.")] = None,
    commitment: Annotated[str | None, typer.Option(help="Commitment id (a claim).")] = None,
    step: Annotated[str | None, typer.Option(help="The step taken (a claim).")] = None,
    date: Annotated[str | None, typer.Option(help="Event date, YYYY-MM-DD.")] = None,
    end_date: Annotated[str | None, typer.Option(help="Last day, if several.")] = None,
    lat: Annotated[float | None, typer.Option(help="Latitude (WGS 84).")] = None,
    lon: Annotated[float | None, typer.Option(help="Longitude (WGS 84).")] = None,
    precision: Annotated[
        str | None, typer.Option(help="exact, near, district, province, country.")
    ] = None,
    place: Annotated[str | None, typer.Option(help="Place name.")] = None,
    country: Annotated[
        str | None,
        typer.Option(help="The country the place is in, as the report says it (PK or AF)."),
    ] = None,
    sector: Annotated[str | None, typer.Option(help="Sector id from the agreement.")] = None,
    killed: Annotated[int | None, typer.Option(help="People killed (best estimate).")] = None,
    injured: Annotated[int | None, typer.Option(help="People injured (best estimate).")] = None,
    narrative: Annotated[str | None, typer.Option(help="What happened.")] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(help="NAME:KIND:RELIABILITY:CREDIBILITY, e.g. 'ISPR:party:C:3' (repeat)."),
    ] = None,
    clause: Annotated[list[str] | None, typer.Option(help="Clause engaged (repeat).")] = None,
    confidential: ConfidentialOption = False,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
    url: client.UrlOption = None,
    token: client.TokenOption = None,
    log_vkey: client.LogVkeyOption = None,
    receipts: client.ReceiptsOption = client.DEFAULT_RECEIPTS,
) -> None:
    """Submit an allegation or a compliance claim, signed with --key (with --url: posted to
    that server, its receipt verified and saved)."""
    flags = {
        "kind": kind, "act": act, "party": party, "commitment": commitment, "step": step,
        "date": date, "end_date": end_date, "lat": lat, "lon": lon, "precision": precision,
        "place": place, "country": country, "sector": sector, "killed": killed,
        "injured": injured,
        "narrative": narrative,
    }  # fmt: skip
    body = body_from(file, flags, source or [], clause or [])
    if url is not None:
        remote = client.Remote(url, token, log_vkey, receipts)
        posted = client.post(remote, key, REPORT_SUBMITTED, body, confidential=confidential)
        client.report_posted(posted, receipts, json)
        return
    config = settings(data, database_url)
    with bootstrap.opened(config) as store:
        submitted = report_service.submit_report(
            store,
            body,
            key=read_key(key),
            confidential=confidential,
            log_key=bootstrap.log_key(config),
            clock=now,
        )
        measured = geography.report_place(store, body)
    _done("submitted", submitted.report, submitted.appended.indices.start, json)
    for flag in measured.flags if measured else ():  # recorded as said; the submitter is told
        output.warning("place", flag)


@app.command("correct")
def correct(
    report: Annotated[str, typer.Argument(help="The report to correct (its id or prefix).")],
    key: KeyOption,
    file: Annotated[Path, typer.Option("--file", help="The corrected report (JSON or YAML).")],
    reason: Annotated[str, typer.Option(help="Why, recorded in the log.")],
    confidential: ConfidentialOption = False,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Replace a report with a corrected one (a new report pointing to the old)."""
    config = settings(data, database_url)
    with bootstrap.opened(config) as store:
        submitted = report_service.correct_report(
            store,
            ids.resolve(store, IdKind.REPORT, report),
            read_document(file),
            reason=reason,
            key=read_key(key),
            confidential=confidential,
            log_key=bootstrap.log_key(config),
            clock=now,
        )
    _done("corrected", submitted.report, submitted.appended.indices.start, json)


@app.command("withdraw")
def withdraw(
    report: Annotated[str, typer.Argument(help="The report to withdraw (its id or prefix).")],
    key: KeyOption,
    reason: Annotated[str, typer.Option(help="Why, recorded in the log.")],
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Withdraw a report (it stays in the log, marked withdrawn)."""
    config = settings(data, database_url)
    with bootstrap.opened(config) as store:
        report = ids.resolve(store, IdKind.REPORT, report)
        appended = report_service.withdraw_report(
            store,
            report,
            reason=reason,
            key=read_key(key),
            log_key=bootstrap.log_key(config),
            clock=now,
        )
    _done("withdrawn", report, appended.indices.start, json)


@app.command("disclose")
def disclose(
    report: Annotated[
        str, typer.Argument(help="The confidential report to make public (its id or prefix).")
    ],
    key: KeyOption,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Publish a confidential report's content and salt: provably what was committed."""
    config = settings(data, database_url)
    with bootstrap.opened(config) as store:
        report = ids.resolve(store, IdKind.REPORT, report)
        appended = report_service.disclose_report(
            store,
            report,
            key=read_key(key),
            log_key=bootstrap.log_key(config),
            clock=now,
        )
    _done("disclosed", report, appended.indices.start, json)


@app.command("list")
def list_(
    reader: AsOption = None,
    kind: Annotated[str | None, typer.Option(help="allegation or compliance_claim.")] = None,
    status: Annotated[str | None, typer.Option(help="active, corrected or withdrawn.")] = None,
    act: Annotated[str | None, typer.Option(help="Act type id.")] = None,
    party: Annotated[str | None, typer.Option(help="Alleged or submitting party.")] = None,
    sector: Annotated[
        str | None,
        typer.Option(
            help="Sector id: the one a report names, or the one its point lies in (as the "
            "reader sees it) when it names none."
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option(min=0, help="Show the newest this many (0: all).")
    ] = DEFAULT_LIMIT,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """The reports the reader may see, newest first; says how many more there are."""
    query = report_service.ReportFilter(kind, status, act, party, sector=sector)
    with bootstrap.opened(settings(data, database_url)) as store:
        viewer = report_service.viewer_of(store, reader)
        found, total = _newest(store, viewer, query, limit or None)
    if json:
        for view in found:
            output.json_line(asdict(view))
    else:
        output.table(
            "reports",
            ["id", "index", "kind", "by", "act / step", "date", "place", "status"],
            [_row(view) for view in found],
        )
    if len(found) < total:
        output.info(f"the newest {len(found):,} of {total:,} reports; --limit 0 shows them all")


def _newest(
    store: report_service.ReportQueries,
    viewer: Actor | None,
    query: report_service.ReportFilter,
    limit: int | None,
) -> tuple[list[report_service.ReportView], int]:
    """The ``limit`` newest reports matching ``query`` that ``viewer`` may see (None: all, a
    page at a time), and how many match."""
    found: list[report_service.ReportView] = []
    before: int | None = None
    while True:
        size = PAGE if limit is None else limit
        page = report_service.page_reports(store, viewer, replace(query, limit=size, before=before))
        found.extend(page.reports)
        if limit is not None or not page.more or not page.reports:
            return found, page.total
        before = page.reports[-1].index


@app.command("show")
def show(
    report: Annotated[str, typer.Argument(help="The report id, or its first 8+ characters.")],
    reader: AsOption = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """One report as the reader may see it, with its evidence, flags and custody."""
    with bootstrap.opened(settings(data, database_url)) as store:
        viewer = report_service.viewer_of(store, reader)
        report = ids.resolve(store, IdKind.REPORT, report)
        view = report_service.show_report(store, viewer, report)
        files = evidence_service.evidence_for_report(store, viewer, report)
        note = report_service.status_note(store, view)
        place = geography.report_place(store, view.body)
    result = asdict(view) | {"evidence": [asdict(f) for f in files]}
    if json:
        output.json_line(
            result | {"status_note": note, "place": place.to_json() if place else None}
        )
        return
    lines = describe(view, note)
    hint = lines.pop() if lines[-1] == JSON_HINT else None
    if place is not None:
        sector = place.position.sector or "— (outside every sector)"
        lines.append(f"border: {place.position.reason} Sector: {sector}.")
        lines += [f"⚠ place: {flag}" for flag in place.flags]
    for item in files:  # the whole hash: `evidence show` and `custody` take it
        flags = "; ".join(flag.message for flag in item.flags) or "no flags"
        lines.append(f"evidence {item.sha256} {item.name} ({item.metadata.media_type}): {flags}")
    for line in [*lines, *([hint] if hint else [])]:
        output.data(line)


JSON_HINT: Final = "(--json for the whole report)"


def describe(view: report_service.ReportView, note: str | None) -> list[str]:
    """A report in a few lines for a person (``--json`` gives all of it)."""
    by = view.actor + (f" ({view.affiliation})" if view.affiliation else "")
    lines = [
        f"report {view.id}: {view.kind or 'confidential'} by {by}, log index {view.index}, "
        f"{view.time}",
        f"status: {note or view.status}",
    ]
    body = view.body
    if body is None:
        return [*lines, "content: confidential (not readable by this reader)"]
    dates, where = body.get("dates") or {}, body.get("location") or {}
    start, end = dates.get("start", "—"), dates.get("end")
    when = start + (f" – {end}" if end and end != start else "")
    place = ", ".join(str(where[k]) for k in ("place", "admin1", "country") if where.get(k))
    lines += [f"what: {what_of(body)}", f"when: {when} ({dates.get('precision', '?')})"]
    if where:
        blurred = f", blurred to {where['blurred_km']:g} km" if where.get("blurred_km") else ""
        lines.append(
            f"where: {place or '—'} ({where.get('precision', '?')}{blurred}) "
            f"{where.get('latitude')}, {where.get('longitude')}"
        )
    sources = [
        f"{s.get('name')} ({s.get('kind')}, {s.get('reliability', '?')}{s.get('credibility', '')})"
        for s in body.get("sources") or []
    ]
    lines.append("sources: " + ("; ".join(sources) or "—"))
    origin = body.get("origin")
    if origin:
        release = f", release {origin['release']}" if origin.get("release") else ""
        kept = len(origin.get("attributes") or {})
        lines.append(f"origin: {origin['dataset']}:{origin['id']}{release}, {kept} columns kept")
    narrative = str(body.get("narrative", ""))
    lines.append("narrative: " + (narrative[:300] + "…" if len(narrative) > 300 else narrative))
    return [*lines, JSON_HINT]


def _row(view: report_service.ReportView) -> list[str]:
    body = view.body or {}
    dates = body.get("dates") or {}
    location = body.get("location") or {}
    what = "(confidential)" if view.body is None else what_of(body)
    return [
        view.id,
        str(view.index),
        view.kind or "—",
        f"{view.actor}" + (f" ({view.affiliation})" if view.affiliation else ""),
        str(what),
        str(dates.get("start", "—")),
        str(location.get("place", "—")),
        view.status,
    ]


def _done(verb: str, report: str, index: int, json: bool) -> None:
    if json:
        output.json_line({"report": report, "index": index, "status": verb})
    else:
        output.info(f"[green]{verb}[/] report {report} at index {index}")
        output.data(report)
