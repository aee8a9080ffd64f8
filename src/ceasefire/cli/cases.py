"""``ceasefire case`` and ``ceasefire finding``: verification cases worked step by step, and
the findings the mediators sign and issue. Every command that changes a case signs one event
with ``--key``; the case's state machine decides whether the record allows it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from ceasefire.cli import output
from ceasefire.cli.casework_common import (
    EvidenceOption,
    ReportsOption,
    append,
    attached,
    done,
    reading,
    signing,
    when,
)
from ceasefire.cli.common import DatabaseOption, DataOption, JsonOption, KeyOption, now
from ceasefire.domain import casework_events as ce
from ceasefire.domain.cases import Case, CaseState, Proposal, ReplyWindow
from ceasefire.domain.documents import plain
from ceasefire.domain.facts import FindingAttribution
from ceasefire.services import casework, ids
from ceasefire.services.ids import IdKind
from ceasefire.services.ports import Store

app = typer.Typer(
    rich_markup_mode=None,
    help="Verification cases: open, assign, ask, hear the reply, close, reopen.",
    no_args_is_help=True,
)
finding_app = typer.Typer(
    rich_markup_mode=None,
    help="Findings: proposed on a case, signed by the mediators, issued at the quorum.",
    no_args_is_help=True,
)

CaseArgument = Annotated[
    str, typer.Argument(help="The case id (the id of its opening), or its first 8+ characters.")
]


@app.command("open")
def open_(
    reports: Annotated[
        list[str], typer.Argument(help="The reports, by id or prefix (the first says what).")
    ],
    key: KeyOption,
    title: Annotated[str | None, typer.Option(help="[default: from the report]")] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Open a case on reports: its party, act or commitment and day are the first report's."""
    with signing(key, data, database_url) as (store, signer):
        named = ids.resolve_all(store, IdKind.REPORT, reports)
        recorded = casework.open_case(store, signer, named, title=title)
    done("opened", f"case {recorded.id}", recorded, json)


@app.command("assign")
def assign(
    case: CaseArgument,
    monitor: Annotated[str, typer.Argument(help="The enrolled monitor.")],
    key: KeyOption,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Assign a monitor to a case (an opened case is then under investigation)."""
    body = {"case": case, "monitor": monitor}
    recorded = append(key, data, database_url, ce.CASE_ASSIGNED, body)
    done("assigned", f"{monitor} to case {_case(recorded)}", recorded, json)


@app.command("request-info")
def request_info(
    case: CaseArgument,
    key: KeyOption,
    of: Annotated[str, typer.Option("--of", help="The party, mediator or actor asked.")],
    question: Annotated[str, typer.Option(help="What is asked.")],
    due: Annotated[str, typer.Option(help="Answer due by, YYYY-MM-DDTHH:MM:SSZ.")],
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Ask a party, mediator or actor for information in a case."""
    body = {"case": case, "of": of, "question": question, "due": due}
    recorded = append(key, data, database_url, ce.INFORMATION_REQUESTED, body)
    done("requested", f"information from {of} in case {_case(recorded)}", recorded, json)


@app.command("provide-info")
def provide_info(
    case: CaseArgument,
    request: Annotated[str, typer.Argument(help="The request answered (its id or prefix).")],
    key: KeyOption,
    text: Annotated[str, typer.Option(help="The answer.")],
    evidence: EvidenceOption = None,
    report: ReportsOption = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Answer a request for information."""
    body = {"case": case, "request": request, "text": text, **attached(evidence, report)}
    recorded = append(key, data, database_url, ce.INFORMATION_PROVIDED, body)
    done("provided", f"information in case {_case(recorded)}", recorded, json)


@app.command("request-reply")
def request_reply(
    case: CaseArgument,
    key: KeyOption,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Put the allegation to the accused party, with the reply window the agreement gives."""
    with signing(key, data, database_url) as (store, signer):
        case = ids.resolve(store, IdKind.CASE, case)
        recorded = casework.request_reply(store, signer, case)
        window = casework.show_case(store, case).window
    due = when(window.due if window else None)
    done("requested", f"the reply in case {case}, due {due},", recorded, json, due=due)


@app.command("reply")
def reply(
    case: CaseArgument,
    key: KeyOption,
    position: Annotated[ce.Position, typer.Option(help="The accused party's position.")],
    text: Annotated[str, typer.Option(help="The reply.")],
    evidence: EvidenceOption = None,
    report: ReportsOption = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """The accused party's reply, within its window."""
    body = {"case": case, "position": position.value, "text": text, **attached(evidence, report)}
    recorded = append(key, data, database_url, ce.CASE_REPLIED, body)
    done("replied", f"in case {_case(recorded)}", recorded, json)


@app.command("close")
def close(
    case: CaseArgument,
    key: KeyOption,
    reason: Annotated[str, typer.Option(help="Why, recorded in the log.")],
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Close a case once its finding is issued, or dismiss it before one is proposed."""
    body = {"case": case, "reason": reason}
    recorded = append(key, data, database_url, ce.CASE_CLOSED, body)
    done("closed", f"case {_case(recorded)}", recorded, json)


@app.command("reopen")
def reopen(
    case: CaseArgument,
    key: KeyOption,
    reason: Annotated[str, typer.Option(help="Why, recorded in the log.")],
    evidence: EvidenceOption = None,
    report: ReportsOption = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Reopen an issued or closed case on new evidence (files or reports)."""
    body = {"case": case, "reason": reason, **attached(evidence, report)}
    recorded = append(key, data, database_url, ce.CASE_REOPENED, body)
    done("reopened", f"case {_case(recorded)}", recorded, json)


@app.command("list")
def list_(
    state: Annotated[CaseState | None, typer.Option(help="Only cases in this state.")] = None,
    party: Annotated[str | None, typer.Option(help="Only cases about this party.")] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """The cases, oldest first."""
    with reading(data, database_url) as store:
        found = casework.list_cases(store, state=state, party=party)
    if json:
        for case in found:
            output.json_line(_summary(case))
        return
    output.table(
        "cases",
        ["id", "state", "kind", "party", "act / commitment", "day", "title"],
        [
            [c.id, c.state, c.kind, c.opened.party, c.opened.act or c.opened.commitment or "—",
             c.opened.day.isoformat(), c.opened.title]
            for c in found
        ],
    )  # fmt: skip


@app.command("show")
def show(
    case: CaseArgument,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """One case: reply windows, requests, the proposal on the table and its signatures, the
    findings issued, and every step with its log index."""
    with reading(data, database_url) as store:
        found = casework.show_case(store, ids.resolve(store, IdKind.CASE, case))
    document = case_document(found, now())
    if json:
        output.json_line(document)
        return
    _print_case(found, document)


# --- findings ----------------------------------------------------------------------------------


@finding_app.command("propose")
def propose(
    case: CaseArgument,
    key: KeyOption,
    confidence: Annotated[str, typer.Option(help="A standard of the agreement, e.g. established.")],
    attribution: Annotated[FindingAttribution, typer.Option(help="How far it is attributed.")],
    reasons: Annotated[str, typer.Option(help="The reasons for the finding.")],
    party: Annotated[str | None, typer.Option(help="The party it attributes the act to.")] = None,
    act: Annotated[list[str] | None, typer.Option(help="Act found (repeat).")] = None,
    clause: Annotated[list[str] | None, typer.Option(help="Clause violated (repeat).")] = None,
    evidence: EvidenceOption = None,
    report: ReportsOption = None,
    dissent: Annotated[str | None, typer.Option(help="A dissenting view, on record.")] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Propose a finding on a case (it replaces a proposal before it, whose signatures lapse)."""
    body: dict[str, Any] = {
        "case": case, "confidence": confidence, "attribution": attribution.value,
        "reasons": reasons, **attached(evidence, report),
    }  # fmt: skip
    optional = {"party": party, "acts": act, "clauses": clause, "dissent": dissent}
    body.update({k: v for k, v in optional.items() if v})
    recorded = append(key, data, database_url, ce.FINDING_PROPOSED, body)
    done("proposed", f"finding {recorded.id} in case {_case(recorded)}", recorded, json)


@finding_app.command("sign")
def sign(
    case: CaseArgument,
    key: KeyOption,
    finding: Annotated[
        str | None,
        typer.Option(help="The proposal, by id or prefix [default: the case's current one]."),
    ] = None,
    dissent: Annotated[bool, typer.Option("--dissent", help="Sign without concurring.")] = False,
    note: Annotated[str | None, typer.Option(help="A note with the signature.")] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Sign the finding on the table for the mediator the key acts for."""
    with signing(key, data, database_url) as (store, signer):
        case, target = _finding(store, case, finding)
        body: dict[str, Any] = {"case": case, "finding": target, "concurs": not dissent}
        if note:
            body["note"] = note
        recorded = casework.record(store, signer, ce.FINDING_SIGNED, body)
    verb = "dissented from" if dissent else "signed"
    done(verb, f"finding {target}", recorded, json)


@finding_app.command("issue")
def issue(
    case: CaseArgument,
    key: KeyOption,
    finding: Annotated[
        str | None,
        typer.Option(help="The proposal, by id or prefix [default: the case's current one]."),
    ] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Issue the finding on the table: refused short of the mediators' quorum."""
    with signing(key, data, database_url) as (store, signer):
        case, target = _finding(store, case, finding)
        body = {"case": case, "finding": target}
        recorded = casework.record(store, signer, ce.FINDING_ISSUED, body)
    done("issued", f"finding {target}", recorded, json)


def _finding(store: Store, case: str, finding: str | None) -> tuple[str, str]:
    """The case and the finding a command names (by id or prefix), the case's current
    proposal when it names none."""
    case = ids.resolve(store, IdKind.CASE, case)
    if finding is None:
        return case, casework.current_finding(store, case)
    return case, ids.resolve(store, IdKind.FINDING, finding)


def _case(recorded: casework.Recorded) -> str:
    """The case an appended event names, as signed (whole, whatever prefix was typed)."""
    return str(recorded.body["case"])


# --- showing a case -----------------------------------------------------------------------------


def _summary(case: Case) -> dict[str, Any]:
    opened = case.opened
    return {
        "id": case.id, "index": case.index, "state": case.state.value, "kind": case.kind.value,
        "party": opened.party, "act": opened.act, "commitment": opened.commitment,
        "day": opened.day.isoformat(), "sector": opened.sector, "title": opened.title,
    }  # fmt: skip


def case_document(case: Case, moment: datetime) -> dict[str, Any]:
    """The case as data: what it is, its windows (missed when due before ``moment`` with no
    reply), requests, proposal, issued findings and timeline."""
    return _summary(case) | {
        "opened_by": case.actor,
        "opened_at": when(case.time),
        "reports": list(case.opened.reports),
        "monitors": list(case.monitors),
        "reply_windows": [_window(w, moment) for w in case.windows],
        "requests": [
            {"id": r.id, "index": r.index, **plain(r.request), "answered_at": r.answered}
            for r in case.requests
        ],
        "proposal": _proposal(case.proposal) if case.proposal else None,
        "findings": [_proposal(p) for p in case.issued],
        "timeline": [plain(step) for step in case.steps],
    }


def _window(window: ReplyWindow, moment: datetime) -> dict[str, Any]:
    return {
        "asked_at": window.index,
        "due": when(window.due),
        "replied_at": window.replied,
        "position": window.position.value if window.position else None,
        "missed": window.replied is None and window.due < moment,
    }


def _proposal(proposal: Proposal) -> dict[str, Any]:
    finding = plain(proposal.finding)
    del finding["case"]
    return {
        "id": proposal.id,
        "index": proposal.index,
        "proposed_by": proposal.actor,
        "proposed_at": when(proposal.time),
        **finding,
        "signatures": plain(proposal.signatures),
        "issued_at": proposal.issued_at,
    }


def _print_case(case: Case, document: dict[str, Any]) -> None:
    what = case.opened.act or case.opened.commitment
    output.data(f"case {case.id}: {case.opened.title}")
    output.data(
        f"  {case.kind} about {case.opened.party} ({what}, {case.opened.day}), {case.state}; "
        f"opened at #{case.index} by {case.actor}; monitors: {', '.join(case.monitors) or '—'}"
    )
    for window in document["reply_windows"]:
        replied = (
            f"replied at #{window['replied_at']} ({window['position']})"
            if window["replied_at"] is not None
            else ("missed" if window["missed"] else "open")
        )
        output.data(f"  reply asked at #{window['asked_at']}, due {window['due']}: {replied}")
    for request in document["requests"]:
        answered = request["answered_at"]
        state = f"answered at #{answered}" if answered is not None else "unanswered"
        output.data(
            f"  request #{request['index']} to {request['of']}, due {request['due']}: "
            f"{request['question']} ({state})"
        )
    for proposal in [document["proposal"], *document["findings"]]:
        if proposal is not None:
            _print_proposal(proposal)
    output.table(
        "timeline",
        ["index", "type", "actor", "time", "state after"],
        [[str(s.index), s.type, s.actor, when(s.time), s.state] for s in case.steps],
    )


def _print_proposal(proposal: dict[str, Any]) -> None:
    issued = proposal["issued_at"]
    state = f"issued at #{issued}" if issued is not None else "on the table"
    output.data(
        f"  finding {proposal['id']} proposed at #{proposal['index']}, {state}: "
        f"{proposal['confidence']}, {proposal['attribution']}"
        + (f" to {proposal['party']}" if proposal["party"] else "")
        + (f"; clauses {', '.join(proposal['clauses'])}" if proposal["clauses"] else "")
    )
    for s in proposal["signatures"]:
        verdict = "concurs" if s["concurs"] else "dissents"
        output.data(f"    {s['signatory']} ({s['actor']}) {verdict} at #{s['index']}")
