"""``ceasefire meeting``: follow-up meetings — scheduled with an agenda drawn from the record,
attended, and their decisions proposed, signed by everyone they require and recorded."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ceasefire.cli import output
from ceasefire.cli.casework_common import append, done, reading, signing, when
from ceasefire.cli.common import DatabaseOption, DataOption, JsonOption, KeyOption
from ceasefire.domain import casework_events as ce
from ceasefire.domain.agreement_parts import DecisionKind
from ceasefire.domain.documents import plain
from ceasefire.domain.meetings import Decision, Meeting
from ceasefire.errors import InvalidInput, NotFound
from ceasefire.services import casework, ids
from ceasefire.services.ids import IdKind
from ceasefire.services.ports import Store

app = typer.Typer(
    rich_markup_mode=None,
    help="Meetings: agenda, attendance, decisions signed and recorded.",
    no_args_is_help=True,
)

MeetingArgument = Annotated[str, typer.Argument(help="The meeting id, e.g. istanbul-2025-12.")]
DecisionArgument = Annotated[str, typer.Argument(help="The decision id within the meeting.")]


@app.command("schedule")
def schedule(
    meeting: MeetingArgument,
    key: KeyOption,
    date: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
    place: Annotated[str, typer.Option(help="Where it meets.")],
    purpose: Annotated[str, typer.Option(help="What it is for.")],
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Schedule a meeting; its agenda is drawn from the record (open cases, pending replies,
    overdue and breached commitments, penalties awaiting signature) and printed."""
    with signing(key, data, database_url) as (store, signer):
        recorded = casework.schedule_meeting(
            store, signer, meeting, date=date, place=place, purpose=purpose
        )
        agenda = _meeting(store, meeting).scheduled.agenda
    if json:
        done("scheduled", f"meeting {meeting}", recorded, json, agenda=plain(agenda))
        return
    done("scheduled", f"meeting {meeting}", recorded, json)
    if not agenda:
        output.info("the record puts nothing on the agenda")
    for item in agenda:
        output.data(_agenda_line(item))


@app.command("attend")
def attend(
    meeting: MeetingArgument,
    key: KeyOption,
    present: Annotated[list[str], typer.Option(help="A party or mediator present (repeat).")],
    note: Annotated[str | None, typer.Option(help="A note on the attendance.")] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Record who attended."""
    body: dict[str, Any] = {"meeting": meeting, "present": present}
    if note:
        body["note"] = note
    recorded = append(key, data, database_url, ce.MEETING_ATTENDED, body)
    done("recorded", f"attendance at {meeting}", recorded, json)


@app.command("propose-decision")
def propose_decision(
    meeting: MeetingArgument,
    decision: DecisionArgument,
    key: KeyOption,
    text: Annotated[str, typer.Option(help="The decision's text.")],
    kind: Annotated[DecisionKind, typer.Option(help="The kind of decision.")],
    amend_version: Annotated[
        int | None, typer.Option(help="Effect: adopt this proposed agreement version.")
    ] = None,
    impose: Annotated[str | None, typer.Option(help="Effect: PARTY:LEVEL imposed.")] = None,
    lift: Annotated[
        str | None, typer.Option(help="Effect: this penalty lifted (its id or prefix).")
    ] = None,
    deadline: Annotated[
        str | None, typer.Option(help="Effect: COMMITMENT:YYYY-MM-DD, its next deadline.")
    ] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Propose a decision, with at most one effect (amend, impose, lift or deadline)."""
    with signing(key, data, database_url) as (store, signer):
        lifted = None if lift is None else ids.resolve(store, IdKind.PENALTY, lift)
        effect = _effect(amend_version, impose, lifted, deadline)
        body: dict[str, Any] = {
            "meeting": meeting, "decision": decision, "text": text, "kind": kind.value,
        }  # fmt: skip
        if effect is not None:
            body["effect"] = effect
        recorded = casework.propose_decision(store, signer, body)
    done("proposed", f"decision {decision} of {meeting}", recorded, json)


@app.command("sign")
def sign(
    meeting: MeetingArgument,
    decision: DecisionArgument,
    key: KeyOption,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Sign a decision for the party or mediator the key acts for."""
    with signing(key, data, database_url) as (store, signer):
        recorded = casework.sign_decision(store, signer, meeting, decision)
    signatory = recorded.body["signatory"]
    done("signed", f"decision {decision} of {meeting} for {signatory}", recorded, json)


@app.command("record")
def record(
    meeting: MeetingArgument,
    decision: DecisionArgument,
    key: KeyOption,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Record a decision: refused until everyone it requires has signed; then it takes effect."""
    body = {"meeting": meeting, "decision": decision}
    recorded = append(key, data, database_url, ce.DECISION_RECORDED, body)
    done("recorded", f"decision {decision} of {meeting}", recorded, json)


@app.command("list")
def list_(
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """The meetings scheduled, oldest first."""
    with reading(data, database_url) as store:
        found = sorted(casework.load(store, None)[0].meetings.values(), key=lambda m: m.index)
    if json:
        for meeting in found:
            output.json_line(meeting_document(meeting))
        return
    output.table(
        "meetings",
        ["id", "index", "date", "place", "agenda items", "decisions recorded"],
        [
            [m.id, str(m.index), m.scheduled.date.isoformat(), m.scheduled.place,
             str(len(m.scheduled.agenda)),
             f"{sum(d.recorded_at is not None for d in m.decisions)} of {len(m.decisions)}"]
            for m in found
        ],
    )  # fmt: skip


@app.command("show")
def show(
    meeting: MeetingArgument,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """One meeting: agenda, attendance, and each decision's signatures and effect."""
    with reading(data, database_url) as store:
        found = _meeting(store, meeting)
    document = meeting_document(found)
    if json:
        output.json_line(document)
        return
    scheduled = found.scheduled
    output.data(f"meeting {found.id}, {scheduled.date} in {scheduled.place}: {scheduled.purpose}")
    output.data(f"  scheduled at #{found.index} by {found.actor}")
    for item in scheduled.agenda:
        output.data(f"  agenda {_agenda_line(item)}")
    for index, present in found.attendance:
        output.data(f"  present (#{index}): {', '.join(present)}")
    for decision in document["decisions"]:
        _print_decision(decision)


# --- helpers -------------------------------------------------------------------------------------


def _meeting(store: Store, meeting: str) -> Meeting:
    found = casework.load(store, None)[0].meetings.get(meeting)
    if found is None:
        raise NotFound(f"no meeting {meeting!r} in the record", field="meeting")
    return found


def _effect(
    amend_version: int | None,
    impose: str | None,
    lift: str | None,
    deadline: str | None,
) -> dict[str, Any] | None:
    """The ``effect`` object of a decision from the one effect option given."""
    given = {
        name: value
        for name, value in (
            ("amend", amend_version), ("impose", impose), ("lift", lift), ("deadline", deadline)
        )
        if value is not None
    }  # fmt: skip
    if len(given) > 1:
        raise InvalidInput(f"a decision has one effect, found {', '.join(given)}", field="effect")
    if amend_version is not None:
        return {"amend": {"version": amend_version}}  # the service adds the version's digest
    if impose is not None:
        party, level = _pair(impose, "impose", "PARTY:LEVEL")
        if not level.isdigit():
            raise InvalidInput(f"the level is a number, found {level!r}", field="impose")
        return {"impose": {"party": party, "level": int(level)}}
    if lift is not None:
        return {"lift": {"penalty": lift}}
    if deadline is not None:
        commitment, due = _pair(deadline, "deadline", "COMMITMENT:YYYY-MM-DD")
        return {"deadline": {"commitment": commitment, "due": due}}
    return None


def _agenda_line(item: ce.AgendaItem) -> str:
    return f"- {item.kind}{f' {item.ref}' if item.ref else ''}: {item.text}"


def _pair(text: str, option: str, shape: str) -> tuple[str, str]:
    first, sep, second = text.partition(":")
    if not sep or not first or not second:
        raise InvalidInput(f"expected {shape}, found {text!r}", field=option)
    return first, second


def meeting_document(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.id,
        "index": meeting.index,
        "scheduled_by": meeting.actor,
        **{k: v for k, v in plain(meeting.scheduled).items() if k != "meeting"},
        "attendance": [{"index": i, "present": list(p)} for i, p in meeting.attendance],
        "decisions": [_decision(d) for d in meeting.decisions],
    }


def _decision(decision: Decision) -> dict[str, Any]:
    return {
        "id": decision.id,
        "index": decision.index,
        "proposed_by": decision.actor,
        "proposed_at": when(decision.time),
        "text": decision.proposed.text,
        "kind": decision.proposed.kind.value,
        "effect": _effect_document(decision.proposed.effect),
        "required": list(decision.required),
        "signatures": [{"signatory": s, "index": i} for s, i in decision.signatures],
        "missing": decision.missing(),
        "recorded_at": decision.recorded_at,
    }


def _effect_document(effect: ce.Effect | None) -> dict[str, Any] | None:
    match effect:
        case ce.Amend():
            return {"amend": plain(effect)}
        case ce.Impose():
            return {"impose": plain(effect)}
        case ce.Lift():
            return {"lift": plain(effect)}
        case ce.SetDeadline():
            return {"deadline": plain(effect)}
    return None


def _print_decision(decision: dict[str, Any]) -> None:
    recorded = decision["recorded_at"]
    state = f"recorded at #{recorded}" if recorded is not None else "not recorded"
    output.data(f"  decision {decision['id']} ({decision['kind']}, #{decision['index']}): {state}")
    output.data(f"    {decision['text']}")
    if decision["effect"] is not None:
        ((name, fields),) = decision["effect"].items()
        output.data(f"    effect: {name} " + ", ".join(f"{k} {v}" for k, v in fields.items()))
    signed = ", ".join(f"{s['signatory']} #{s['index']}" for s in decision["signatures"])
    output.data(f"    requires {', '.join(decision['required'])}; signed: {signed or 'none'}")
    if decision["missing"]:
        output.data(f"    missing: {', '.join(decision['missing'])}")
