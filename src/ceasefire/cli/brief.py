"""``ceasefire brief``: a daily, weekly or monthly brief, computed from the log at a
checkpoint and rendered to HTML, PDF or Markdown; ``--publish`` records its digests in the log,
``--published`` lists the briefs the log says were published."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ceasefire.cli import output
from ceasefire.cli.casework_common import reading, signing
from ceasefire.cli.common import AsOption, DatabaseOption, DataOption, JsonOption, now
from ceasefire.errors import InvalidInput
from ceasefire.services import briefs
from ceasefire.services.reports import viewer_of


def brief(
    period: Annotated[
        str | None, typer.Option(help="daily, weekly (the 7 days ending --date) or monthly.")
    ] = None,
    day: Annotated[str | None, typer.Option("--date", help="The brief's date, YYYY-MM-DD.")] = None,
    edition: Annotated[
        str, typer.Option(help="public, or confidential (for the mediators' side: use --as).")
    ] = "public",
    format: Annotated[str, typer.Option("--format", help="html, pdf or md.")] = "html",
    out: Annotated[
        Path | None, typer.Option(help="Write the brief here [default: standard output].")
    ] = None,
    checkpoint: Annotated[
        int | None,
        typer.Option(help="Compute from the checkpoint of this log size [default: the latest]."),
    ] = None,
    publish: Annotated[
        bool, typer.Option("--publish", help="Record the brief's digests in the log (--key).")
    ] = False,
    published: Annotated[
        bool, typer.Option("--published", help="List the briefs published in the log, and stop.")
    ] = False,
    key: Annotated[
        Path | None,
        typer.Option(
            help="The publishing actor's private key (secretariat or operator) "
            "[env CEASEFIRE_KEY].",
            envvar="CEASEFIRE_KEY",
        ),
    ] = None,
    every_entry: Annotated[
        bool,
        typer.Option(
            "--every-entry",
            help="Fold every entry up to the checkpoint, not only those the read models find "
            "the brief needs (slower on a large log; the same brief).",
        ),
    ] = False,
    reader: AsOption = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """A monitoring brief anyone can regenerate from the log and compare by digest."""
    if published:
        _list(data, database_url, json)
        return
    if period is None or day is None:
        raise InvalidInput("name the brief: --period and --date", field="period")
    request = briefs.brief_request(period, day, edition, checkpoint, day_field="date", now=now())
    kind = briefs.parse_format(format)
    if publish:
        _publish(request, key, data, database_url, json)
        return
    with reading(data, database_url) as store, output.progress_bar() as bar:
        viewer = viewer_of(store, reader)
        found = briefs.compute_brief(store, request, viewer, progress=bar, every_entry=every_entry)
        rendered = briefs.render_brief(found, kind)
    where = _write(rendered.content, out)
    if json:
        output.json_line(
            {
                "sha256": rendered.sha256,
                "format": kind.value,
                "checkpoint": {"size": found.checkpoint.size, "root": found.checkpoint.root},
                "agreement_version": found.agreement_version,
                "out": where,
            }
        )
    else:
        output.info(
            f"[green]brief[/] {found.title} ({request.edition.value}, {kind.value}) from "
            f"checkpoint {found.checkpoint.size}: sha256 {rendered.sha256}"
            + (f" → {where}" if where else "")
        )


def _write(content: bytes, out: Path | None) -> str | None:
    if out is None:
        stream = typer.get_binary_stream("stdout")
        stream.write(content)
        stream.flush()
        return None
    out.write_bytes(content)
    return str(out)


def _publish(
    request: briefs.BriefRequest,
    key: Path | None,
    data: Path | None,
    database_url: str | None,
    json: bool,
) -> None:
    if key is None:
        raise InvalidInput("publishing signs an event: give --key (secretariat)", field="key")
    with signing(key, data, database_url) as (store, signer), output.progress_bar() as bar:
        appended, published = briefs.publish(store, signer, request, progress=bar)
    index = appended.indices.start
    if json:
        output.json_line({"index": index, **published.to_body()})
        return
    output.info(
        f"[green]published[/] the {published.period.value} brief of {published.day} "
        f"({published.edition.value}) at index {index}"
    )
    output.data(f"html {published.html_sha256}\nmd   {published.md_sha256}")


def _list(data: Path | None, database_url: str | None, json: bool) -> None:
    with reading(data, database_url) as store:
        found = briefs.published_briefs(store)
    if json:
        for item in found:
            output.json_line({"index": item.index, "actor": item.actor, **item.brief.to_body()})
        return
    output.table(
        "published briefs",
        ["index", "period", "date", "edition", "checkpoint", "html sha256", "md sha256"],
        [
            [
                str(p.index),
                p.brief.period.value,
                p.brief.day.isoformat(),
                p.brief.edition.value,
                str(p.brief.checkpoint_size),
                p.brief.html_sha256,
                p.brief.md_sha256,
            ]
            for p in found
        ],
    )
