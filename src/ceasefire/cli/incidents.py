"""``ceasefire incident``: the reports linked into one event, and the monitors' decisions on
them (confirm, split, merge), each a signed event with ``--key``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Final

import typer

from ceasefire.briefs.summary import plural
from ceasefire.cli import output
from ceasefire.cli.casework_common import done, reading, signing
from ceasefire.cli.common import DatabaseOption, DataOption, JsonOption, KeyOption
from ceasefire.services import ids, incidents
from ceasefire.services.ids import IdKind
from ceasefire.services.incidents import Incident

app = typer.Typer(
    rich_markup_mode=None,
    help="Incidents: the reports that describe one event, as the linker grouped them.",
    no_args_is_help=True,
)

IncidentArgument = Annotated[
    str, typer.Argument(help="The incident id (its first report's), or its first 8+ characters.")
]
ReasonOption = Annotated[str, typer.Option(help="Why (kept in the log).")]
DEFAULT_LIMIT: Final = 50


@app.command("list")
def list_(
    confirmed: Annotated[
        bool | None, typer.Option("--confirmed/--unconfirmed", help="Only these [default: all].")
    ] = None,
    min_reports: Annotated[int, typer.Option(help="Only incidents of this many reports.")] = 1,
    limit: Annotated[
        int, typer.Option(min=0, help="Show the newest this many (0: all).")
    ] = DEFAULT_LIMIT,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """The incidents, newest first (by their newest report): reports, dates, acts, parties."""
    with reading(data, database_url) as store:
        found, total = incidents.newest_incidents(
            store, confirmed=confirmed, min_reports=min_reports, limit=limit or None
        )
    if json:
        for incident in found:
            output.json_line(document(incident))
        return
    output.table(
        "incidents",
        ["id", "reports", "from", "to", "acts", "parties", "confirmed"],
        [
            [
                i.id,
                str(len(i.members)),
                i.start or "—",
                i.end or "—",
                ", ".join(i.acts) or "—",
                ", ".join(i.parties) or "—",
                "yes" if i.confirmed else "no",
            ]
            for i in found
        ],
    )
    if len(found) < total:
        output.info(f"the newest {len(found)} of {total:,} incidents; --limit 0 shows them all")


@app.command("show")
def show(
    incident: IncidentArgument,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """One incident: each report side by side, and why the linker put it there."""
    with reading(data, database_url) as store:
        found = incidents.show_incident(store, ids.resolve(store, IdKind.INCIDENT, incident))
    if json:
        output.json_line(document(found))
        return
    state = "confirmed" if found.confirmed else "not confirmed"
    output.info(f"incident {found.id}: {plural(len(found.members), 'report')}, {state}")
    output.table(
        "reports",
        ["report", "index", "kind", "act", "party", "dates", "source", "linked to", "score"],
        [
            [
                m.report,
                f"#{m.index}",
                m.kind or "—",
                m.act or "—",
                m.party or "—",
                f"{m.start} – {m.end}",
                m.source or "—",
                m.linked_to or "(first)",
                "—" if m.score is None else f"{m.score:.1f}",
            ]
            for m in found.members
        ],
        ids=("report", "linked to"),
    )
    for m in found.members:
        for reason in m.reasons:
            output.info(f"  {m.report[:8]}: {reason}")
    for d in found.decisions:
        outcome = f"refused: {d.refused}" if d.refused else f"→ {d.result}"
        output.info(f"  #{d.index} {d.type} by {d.actor} {outcome}")


@app.command("confirm")
def confirm(
    incident: IncidentArgument,
    key: KeyOption,
    note: Annotated[str | None, typer.Option(help="What was checked.")] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Confirm that the incident's reports describe one event."""
    with signing(key, data, database_url) as (store, signer):
        incident = ids.resolve(store, IdKind.INCIDENT, incident)
        recorded = incidents.confirm(store, signer, incident, note)
    done("confirmed", f"incident {incident}", recorded, json)


@app.command("split")
def split(
    incident: IncidentArgument,
    reports: Annotated[
        list[str], typer.Argument(help="The reports that are another event (ids or prefixes).")
    ],
    key: KeyOption,
    reason: ReasonOption,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Split reports off an incident into one of their own; they are never linked back."""
    with signing(key, data, database_url) as (store, signer):
        incident = ids.resolve(store, IdKind.INCIDENT, incident)
        named = ids.resolve_all(store, IdKind.REPORT, reports)
        recorded = incidents.split(store, signer, incident, named, reason)
    done("split", f"{plural(len(reports), 'report')} off incident {incident}", recorded, json)


@app.command("merge")
def merge(
    incident: IncidentArgument,
    into: Annotated[str, typer.Argument(help="The incident it joins (its id or prefix).")],
    key: KeyOption,
    reason: ReasonOption,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Merge an incident into another: they describe one event."""
    with signing(key, data, database_url) as (store, signer):
        incident = ids.resolve(store, IdKind.INCIDENT, incident)
        into = ids.resolve(store, IdKind.INCIDENT, into)
        recorded = incidents.merge(store, signer, incident, into, reason)
    done("merged", f"incident {incident} into {into}", recorded, json)


def document(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "confirmed": incident.confirmed,
        "start": incident.start,
        "end": incident.end,
        "acts": list(incident.acts),
        "parties": list(incident.parties),
        "reports": [asdict(m) | {"reasons": list(m.reasons)} for m in incident.members],
        "decisions": [asdict(d) for d in incident.decisions],
    }
