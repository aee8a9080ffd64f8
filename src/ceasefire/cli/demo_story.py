"""How ``ceasefire demo`` tells its story: one line for each step of the scenario, and rows.

The story itself is data, in ``scenarios/istanbul-2025.yaml`` (read by
:mod:`ceasefire.cli.scenario`, played by :mod:`ceasefire.services.scenario`). What is here turns
what the services return into the demo's lines and table rows; it is pure, so
:mod:`ceasefire.cli.demo` keeps only the calls to the services.

A step's ``says`` gives its line in words: for a report, what it reports ("attacks on border
posts in Kurram"); for any other step, what the persona does ("issues the finding …"). Without
it, the line is made from the step's fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

from ceasefire.domain.evidence import MediaMetadata, format_utc
from ceasefire.domain.reports import what_of
from ceasefire.services.reports import ReportView
from ceasefire.services.scenario import Done, Ref, Scenario, Step

PREFACE: Final = (
    "[bold]ceasefire demo[/]: the Pakistan–Afghanistan ceasefire of October 2025, mediated by "
    "Türkiye and Qatar, played from {file}. Dates and places follow the public record; the "
    "people, reports, figures, photos and the mechanism's decisions are invented. Each numbered "
    "line is a signed event, at that index of the log."
)
MEDIATOR: Final = "tr-mediator-1"
"""Whose eyes the demo shows the confidential record through."""


def narrate(done: Done, scenario: Scenario) -> str:
    """The line for one step done (or one act of opening the log)."""
    step = done.step
    if step is None:
        return _opening(done, scenario)
    fields = {k: _shown(v) for k, v in step.fields.items()}
    if step.do in ("report", "correct"):
        return _reported(step, fields, done)
    if step.says is not None:
        return f"{step.by} {step.says}"
    if step.do == "evidence":
        report = f" to report {fields['report']}" if "report" in fields else ""
        photo = step.fields["photo"]
        meta = f" ({described(done.metadata)})" if done.metadata else ""
        sha = f": sha256 {(done.ref or '')[:12]}…"
        return f"{step.by} adds {photo.file}{meta}{report}{sha}"
    if step.do == "open_case":
        title = f": {fields['title']}" if "title" in fields else ""
        return f"{step.by} opens case {step.label or ''} on report(s) {fields['reports']}{title}"
    told = _TOLD.get(step.do)
    return f"{step.by} {told(fields)}" if told else f"{step.by}: {step.do.replace('_', ' ')}"


def _opening(done: Done, scenario: Scenario) -> str:
    if done.do == "open_log":
        return f"operator opens the log {done.ref}"
    if done.do == "propose_agreement":
        agreement = scenario.agreement
        return f"operator proposes {agreement.title}, version {agreement.version}"
    persona = next(p for p in scenario.personas if p.id == done.ref)
    acting = f" for {persona.affiliation}" if persona.affiliation else ""
    return f"operator enrols {persona.id} ({persona.role}{acting})"


def _reported(step: Step, fields: Mapping[str, Any], done: Done) -> str:
    if step.do == "correct":
        says = f" ({step.says})" if step.says else ""
        return (
            f"{step.by} corrects report {fields['report']}{says}: new report "
            f"{(done.ref or '')[:8]}; the original stays in the log, marked corrected"
        )
    body = step.fields["body"]
    what = what_of(body)
    if step.fields.get("confidential"):
        what += ", confidential"
    says = f" {step.says}:" if step.says else ""
    return (
        f"{step.by} reports{says} {what}, {body['dates']['start']} — report {(done.ref or '')[:8]}"
    )


def _shown(value: Any) -> Any:
    """A field as the story shows it: a label for a reference."""
    if isinstance(value, Ref):
        return value.label
    if isinstance(value, list):
        return ", ".join(str(_shown(v)) for v in value)
    return value


def _finding(f: Mapping[str, Any]) -> str:
    whom = f" to {f['party']}" if f.get("party") else ""
    return f"proposes a finding in case {f['case']}: {f['confidence']}, {f['attribution']}{whom}"


def _signed(what: str) -> Callable[[Mapping[str, Any]], str]:
    def told(f: Mapping[str, Any]) -> str:
        verdict = "concurs" if f.get("concurs", True) else "dissents"
        return f"signs {what} {f.get('case') or f.get('penalty')} ({verdict})"

    return told


_TOLD: Final[Mapping[str, Callable[[Mapping[str, Any]], str]]] = {
    "sign_agreement": lambda f: (
        f"signs version {f['version']}"
        if "version" in f
        else "signs the agreement's latest version"
    ),
    "withdraw": lambda f: f"withdraws report {f['report']}: “{f['reason']}” It stays in the log",
    "disclose": lambda f: f"discloses report {f['report']}",
    "custody": lambda f: (
        f"records custody of {f['evidence']}: {f['action']}"
        + (f" to {f['to']}" if "to" in f else "")
    ),
    "assign": lambda f: f"assigns case {f['case']} to {f['monitor']}",
    "request_information": lambda f: (
        f"asks {f['of']} in case {f['case']}, by {f['due']}: {f['question']}"
    ),
    "provide_information": lambda f: f"answers in case {f['case']}: {f['text']}",
    "request_reply": lambda f: (
        f"puts case {f['case']} to the accused party, with the agreement's reply window"
    ),
    "reply": lambda f: f"replies in case {f['case']} ({f['position']}): {f['text']}",
    "close_case": lambda f: f"closes case {f['case']}: {f['reason']}",
    "reopen_case": lambda f: f"reopens case {f['case']} on new evidence: {f['reason']}",
    "propose_finding": _finding,
    "sign_finding": _signed("the finding in case"),
    "issue_finding": lambda f: f"issues the finding in case {f['case']}, signed by the quorum",
    "propose_penalty": lambda f: f"proposes step {f['level']} of the ladder for {f['party']}",
    "sign_penalty": _signed("penalty"),
    "notify_penalty": lambda f: f"notifies penalty {f['penalty']}: {f['note']}",
    "execute_penalty": lambda f: f"records penalty {f['penalty']} executed: {f['note']}",
    "appeal_penalty": lambda f: f"appeals penalty {f['penalty']}: {f['grounds']}",
    "decide_appeal": lambda f: f"decides the appeal of {f['penalty']}: {f['outcome']}",
    "schedule_meeting": lambda f: (
        f"schedules {f['meeting']} ({f['date']}, {f['place']}), its agenda drawn from the record"
    ),
    "attend_meeting": lambda f: f"records who attends {f['meeting']}: {f['present']}",
    "propose_decision": lambda f: (
        f"puts decision {f['decision']} ({f['kind']}) to the meeting: {f['text']}"
    ),
    "sign_decision": lambda f: f"signs decision {f['decision']}",
    "record_decision": lambda f: (
        f"records decision {f['decision']}: everyone it requires has signed"
    ),
}


def described(meta: MediaMetadata) -> str:
    """A photo's size and what its own metadata says."""
    said = f"{meta.width}×{meta.height}"
    if meta.captured_at is None:
        return f"{said}, no metadata"
    said += f", taken {format_utc(meta.captured_at)}"
    said += f" on a {meta.device}" if meta.device else ""
    return said + (f" at {meta.latitude:.3f}, {meta.longitude:.3f}" if meta.latitude else "")


COLUMNS: Final = ["#", "by", "what", "date", "place", "sources", "status"]


def row(view: ReportView) -> list[str]:
    """A report as one row of the table, under :data:`COLUMNS`."""
    body = view.body or {}
    what = "(confidential)" if view.body is None else what_of(body)
    if view.confidential and view.body is not None:
        what += ", disclosed" if view.disclosed_at is not None else ", confidential"
    location = body.get("location") or {}
    place = location.get("place") or (
        f"blurred to {location['blurred_km']:g} km" if "blurred_km" in location else "—"
    )
    start = (body.get("dates") or {}).get("start")
    return [
        str(view.index),
        view.affiliation or view.actor,
        what.replace("_", " "),  # words, so that a narrow table wraps them rather than cuts
        f"{int(start[8:])} {datetime.fromisoformat(start):%b}" if start else "—",
        str(place),
        ", ".join(_source_cell(s) for s in body.get("sources", [])),
        view.status,
    ]


def _source_cell(source: Mapping[str, Any]) -> str:
    grade = f"{source['reliability']}{source['credibility']}"
    if source["name"] == "withheld":
        return f"withheld {grade}"
    if source.get("withheld"):
        return f"{grade} {source['name']} (withheld)"
    return grade
