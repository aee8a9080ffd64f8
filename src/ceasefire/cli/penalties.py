"""``ceasefire penalty``: the penalty ledger — a step proposed, signed by the mediators (imposed
at the quorum), notified, executed, appealed and decided on appeal."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ceasefire.cli import output
from ceasefire.cli.casework_common import append, done, reading, when
from ceasefire.cli.common import DatabaseOption, DataOption, JsonOption, KeyOption
from ceasefire.domain import casework_events as ce
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.documents import plain
from ceasefire.domain.penalties import Penalty
from ceasefire.services import casework

app = typer.Typer(
    rich_markup_mode=None,
    help="Penalties: proposed, signed by the mediators' quorum, notified, executed, appealed.",
    no_args_is_help=True,
)

PenaltyArgument = Annotated[
    str,
    typer.Argument(help="The penalty id (the id of its proposal), or its first 8+ characters."),
]
NoteOption = Annotated[str, typer.Option(help="What was done, recorded in the log.")]


@app.command("propose")
def propose(
    party: Annotated[str, typer.Argument(help="The party penalised.")],
    level: Annotated[int, typer.Argument(help="The step of the agreement's penalty ladder.")],
    key: KeyOption,
    reasons: Annotated[str, typer.Option(help="Why, recorded in the log.")],
    case: Annotated[
        list[str] | None, typer.Option(help="A case it rests on, by id or prefix (repeat).")
    ] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Propose a step of the ladder for a party: refused unless the ladder puts it there."""
    body: dict[str, Any] = {"party": party, "level": level, "reasons": reasons}
    if case:
        body["cases"] = case
    recorded = append(key, data, database_url, ce.PENALTY_PROPOSED, body)
    done("proposed", f"step {level} for {party}, penalty {recorded.id},", recorded, json)


@app.command("sign")
def sign(
    penalty: PenaltyArgument,
    key: KeyOption,
    dissent: Annotated[bool, typer.Option("--dissent", help="Sign without concurring.")] = False,
    note: Annotated[str | None, typer.Option(help="A note with the signature.")] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Sign a proposed penalty for the mediator the key acts for (imposed at the quorum)."""
    body: dict[str, Any] = {"penalty": penalty, "concurs": not dissent}
    if note:
        body["note"] = note
    recorded = append(key, data, database_url, ce.PENALTY_SIGNED, body)
    verb = "dissented from" if dissent else "signed"
    done(verb, f"penalty {_penalty(recorded)}", recorded, json)


@app.command("notify")
def notify(
    penalty: PenaltyArgument,
    key: KeyOption,
    note: NoteOption,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Record that the party was notified of an imposed penalty."""
    body = {"penalty": penalty, "note": note}
    recorded = append(key, data, database_url, ce.PENALTY_NOTIFIED, body)
    done("notified", f"penalty {_penalty(recorded)}", recorded, json)


@app.command("execute")
def execute(
    penalty: PenaltyArgument,
    key: KeyOption,
    note: NoteOption,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Record that an imposed penalty was carried out."""
    body = {"penalty": penalty, "note": note}
    recorded = append(key, data, database_url, ce.PENALTY_EXECUTED, body)
    done("executed", f"penalty {_penalty(recorded)}", recorded, json)


@app.command("appeal")
def appeal(
    penalty: PenaltyArgument,
    key: KeyOption,
    grounds: Annotated[str, typer.Option(help="The grounds of the appeal.")],
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """The penalised party appeals (once)."""
    body = {"penalty": penalty, "grounds": grounds}
    recorded = append(key, data, database_url, ce.PENALTY_APPEALED, body)
    done("appealed", f"penalty {_penalty(recorded)}", recorded, json)


@app.command("decide-appeal")
def decide_appeal(
    penalty: PenaltyArgument,
    key: KeyOption,
    outcome: Annotated[ce.AppealOutcome, typer.Option(help="The mediator's vote.")],
    reasons: Annotated[str, typer.Option(help="Why, recorded in the log.")],
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """One mediator's vote on an appeal; the quorum voting alike decides it."""
    body = {"penalty": penalty, "outcome": outcome.value, "reasons": reasons}
    recorded = append(key, data, database_url, ce.APPEAL_DECIDED, body)
    done("voted", f"{outcome.value} on penalty {_penalty(recorded)}", recorded, json)


@app.command("list")
def list_(
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """The ledger: every penalty proposed, oldest first, and where it stands."""
    with reading(data, database_url) as store:
        record, agreement = casework.load(store, None)
    ledger = [penalty_document(p, agreement) for p in sorted(record.penalties.values(), key=_index)]
    if json:
        for entry in ledger:
            output.json_line(entry)
        return
    output.table(
        "penalties",
        ["id", "party", "step", "stage", "imposed at", "notices", "executions", "appeal",
         "lifted at"],
        [_row(entry) for entry in ledger],
    )  # fmt: skip


def _penalty(recorded: casework.Recorded) -> str:
    """The penalty an appended event names, as signed (whole, whatever prefix was typed)."""
    return str(recorded.body["penalty"])


def _index(penalty: Penalty) -> int:
    return penalty.index


def penalty_document(penalty: Penalty, agreement: Agreement) -> dict[str, Any]:
    names = {step.level: step.name for step in agreement.penalties}
    return {
        "id": penalty.id,
        "index": penalty.index,
        "proposed_by": penalty.actor,
        "proposed_at": when(penalty.time),
        "party": penalty.party,
        "level": penalty.level,
        "name": names.get(penalty.level),
        "reasons": penalty.proposed.reasons,
        "cases": list(penalty.proposed.cases),
        "stage": penalty.stage,
        "signatures": plain(penalty.signatures),
        "imposed_at": penalty.imposed_at,
        "notices": plain(penalty.notices),
        "executions": plain(penalty.executions),
        "appeal": plain(penalty.appeal),
        "votes": plain(penalty.votes),
        "outcome": penalty.outcome.value if penalty.outcome else None,
        "lifted_at": penalty.lifted_at,
    }


def _row(entry: dict[str, Any]) -> list[str]:
    appeal = entry["appeal"]
    return [
        entry["id"],
        entry["party"],
        f"{entry['level']} ({entry['name']})",
        entry["stage"],
        _at(entry["imposed_at"]),
        ", ".join(f"#{n['index']}" for n in entry["notices"]) or "—",
        ", ".join(f"#{n['index']}" for n in entry["executions"]) or "—",
        f"#{appeal['index']}" + (f", {entry['outcome']}" if entry["outcome"] else "")
        if appeal
        else "—",
        _at(entry["lifted_at"]),
    ]


def _at(index: int | None) -> str:
    return f"#{index}" if index is not None else "—"
