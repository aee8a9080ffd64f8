"""Playing a scenario from the command line, and showing what it ends in.

:func:`play` runs :func:`ceasefire.services.scenario.run` with what only an edge has: sample
photos drawn with Pillow into a scratch folder, a progress bar, and key files written into the
data folder so that every persona can go on acting with the CLI. :func:`show` prints the status
with its explanation and a short summary: cases by state, the findings issued, the penalties and
the meetings' decisions.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ceasefire import bootstrap
from ceasefire.cli import output
from ceasefire.domain.cases import Case, CaseState, Proposal
from ceasefire.domain.casework_events import CASE_REOPENED, Amend, Impose, Lift, SetDeadline
from ceasefire.domain.enforcement import Explanation
from ceasefire.domain.meetings import Meeting
from ceasefire.domain.penalties import Penalty
from ceasefire.errors import Conflict, NotFound
from ceasefire.media import samples
from ceasefire.media.images import analyse
from ceasefire.services import scenario as scenario_service
from ceasefire.services.ports import Store
from ceasefire.services.scenario import Done, Loaded, Photo, Scenario, Summary, Tools
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import write_key


def play(
    store: Store,
    settings: Settings,
    scenario: Scenario,
    listen: Callable[[Done], None] | None = None,
) -> Loaded:
    """Play ``scenario`` into the empty ``store``; write the log's and every persona's keys."""
    for path in (settings.log_key_path, settings.operator_key_path):
        if path.exists():
            raise Conflict(f"{path} already exists: a scenario is played into a new data folder")
    with tempfile.TemporaryDirectory(prefix="ceasefire-scenario-") as scratch:
        tools = Tools(
            bootstrap.blob_store(settings),
            analyse,
            bootstrap.evidence_limits(settings),
            lambda photo, original: draw(photo, original, Path(scratch)),
        )
        with output.progress_bar() as bar:
            loaded = scenario_service.run(store, scenario, tools, progress=bar, listen=listen)
    write_key(settings.log_key_path, loaded.log_key)
    write_key(settings.operator_key_path, loaded.operator_key)
    for actor, key in loaded.keys.items():
        write_key(settings.keys_dir / f"{actor}.key", key)
    return loaded


def draw(photo: Photo, original: Photo | None, folder: Path) -> Path:
    """Write ``photo`` into ``folder``; the same photo gives the same bytes on every run."""
    path = folder / photo.file
    path.write_bytes(photo_bytes(photo, original))
    return path


def photo_bytes(photo: Photo, original: Photo | None) -> bytes:
    if photo.seed is not None:
        camera = photo.camera
        exif = None if camera is None else samples.Camera(**vars(camera))
        return samples.sample(photo.seed, camera=exif)
    if original is None or original.seed is None:
        raise NotFound(f"{photo.file} is a copy of a photo not drawn yet")
    # Half the size, a little brighter, its metadata gone: a messaging app's copy.
    return samples.derived(photo_bytes(original, None), scale=0.5, brightness=1.1)


def summarise(store: Store, loaded: Loaded) -> Summary:
    """The record as the story leaves it: as of its last event."""
    assert loaded.ended is not None
    return scenario_service.summarise(store, loaded.ended)


# --- showing it --------------------------------------------------------------------------------


def show(summary: Summary, names: dict[str, str] | None = None) -> None:
    """The status and its explanation, then the summary; ``names`` are labels by id."""
    named = names or {}
    status = summary.status
    said = f"[bold]status as of {_time(summary)}: {status.status.value}[/]"
    if status.status_party:
        said += f" — {status.status_party}"
        said += f", as declared by {status.declared_by}" if status.declared_by else ""
        said += f" (status_rules[{status.rule}])"
    output.info(f"\n{said}")
    output.tree(_branch(status.explanation))
    rows = [_party_row(summary, p.party) for p in status.parties]
    output.table("Parties: status, penalty step, and what the rules count", _PARTY_COLUMNS, rows)
    commitments = [
        [c.id, c.status.value, str(c.next_deadline or "—"), ", ".join(map(str, c.missed)) or "—"]
        for c in status.commitments
        if c.kind.value == "positive"
    ]
    output.table("Commitments with deadlines", ["id", "status", "next", "missed"], commitments)
    for line in summary_lines(summary, named):
        output.data(line)


def summary_lines(summary: Summary, names: dict[str, str]) -> list[str]:
    """Cases by state, findings issued, penalties, meeting decisions: one line each."""

    def name(id_: str) -> str:
        return names.get(id_, id_[:8])

    return [
        "cases by state:",
        *_case_lines(summary.cases, name),
        "findings issued:",
        *(_finding_line(c, f, name) for c in summary.cases for f in c.issued),
        "penalties:",
        *(_penalty_line(p, name) for p in summary.penalties),
        *(line for m in summary.meetings for line in _meeting_lines(m)),
    ]


def _case_lines(cases: tuple[Case, ...], name: Callable[[str], str]) -> list[str]:
    counts = Counter(case.state for case in cases)
    lines = []
    for state in CaseState:
        listed = ", ".join(
            name(c.id) + (" (reopened)" if _reopened(c) else "") for c in cases if c.state is state
        )
        lines.append(f"  {state.value:<17} {counts[state]}  {listed}")
    return lines


def _finding_line(case: Case, finding: Proposal, name: Callable[[str], str]) -> str:
    found = finding.finding
    whom = f"{found.attribution.value} to {found.party}" if found.party else "no party"
    acts = f", {', '.join(found.acts)} (clauses {', '.join(found.clauses)})" if found.acts else ""
    signed = ", ".join(f"{s.signatory} ({s.actor})" for s in finding.concurring())
    return (
        f"  {name(case.id)}: {found.confidence}, {whom}{acts}; signed by {signed}; "
        f"issued at index {finding.issued_at}"
    )


def _penalty_line(penalty: Penalty, name: Callable[[str], str]) -> str:
    signed = ", ".join(s.signatory for s in penalty.signatures if s.concurs)
    imposed = f"imposed at index {penalty.imposed_at}" if penalty.imposed_at else "proposed"
    outcome = f", appeal {penalty.outcome.value}" if penalty.outcome else ""
    return (
        f"  {name(penalty.id)}: step {penalty.level} on {penalty.party}, {imposed} "
        f"(signed by {signed or 'no one yet'}); {penalty.stage}{outcome}"
    )


def _meeting_lines(meeting: Meeting) -> list[str]:
    present = ", ".join(p for _, group in meeting.attendance for p in group)
    scheduled = meeting.scheduled
    lines = [
        f"meeting {meeting.id} ({scheduled.date}, {scheduled.place}): present {present or '—'}"
    ]
    for decision in meeting.decisions:
        signed = ", ".join(s for s, _ in decision.signatures)
        where = f"recorded at index {decision.recorded_at}" if decision.recorded_at else "open"
        what = _effect(decision.proposed.effect) or decision.proposed.kind
        lines.append(f"  {decision.id} ({what}): {where}; signed by {signed or 'no one yet'}")
    return lines


def document(summary: Summary, names: dict[str, str] | None = None) -> dict[str, Any]:
    """The summary as JSON-able data: what each label names, the status document, cases by
    state (by label), penalties."""
    named = names or {}
    return {
        "labels": {label: id_ for id_, label in named.items()},
        "as_of": _time(summary),
        "status": summary.status.to_document(),
        "cases": {
            state.value: [named.get(c.id, c.id) for c in summary.cases if c.state is state]
            for state in CaseState
        },
        "reopened": [named.get(c.id, c.id) for c in summary.cases if _reopened(c)],
        "penalties": [
            {"id": p.id, "party": p.party, "level": p.level, "stage": p.stage}
            for p in summary.penalties
        ],
    }


def _reopened(case: Case) -> bool:
    return any(step.type == CASE_REOPENED for step in case.steps)


def _effect(effect: Amend | Impose | SetDeadline | Lift | None) -> str | None:
    match effect:
        case Amend(version, _):
            return f"adopts agreement version {version}"
        case Impose(party, level):
            return f"imposes step {level} on {party}"
        case SetDeadline(commitment, due):
            return f"{commitment} due {due}"
        case Lift(penalty):
            return f"lifts penalty {penalty[:8]}"
    return None


_PARTY_COLUMNS = [
    "party",
    "status",
    "ladder",
    "imposed",
    "verified",
    "alleged",
    "unreplied",
    "overdue",
]
"""Ladder: the step the rules put the party on; imposed: the step the mediators signed;
verified violations; allegations still open; replies missed; deadlines missed."""


def _party_row(summary: Summary, party: str) -> list[str]:
    standing, status = summary.status.party(party), summary.status.party_status(party)
    rule = f" (rule {status.rule})" if status.rule is not None else ""
    return [
        party,
        status.status.value + rule,
        _step(standing.step, standing.step_name),
        _step(standing.imposed, standing.imposed_name),
        str(standing.verified_violations),
        str(standing.alleged_violations),
        str(standing.replies_missed),
        str(standing.commitments_overdue),
    ]


def _step(level: int, name: str | None) -> str:
    return f"{level} ({name})" if name else str(level)


def _branch(node: Explanation) -> output.Branch:
    cited = f" [log {', '.join(map(str, node.indices))}]" if node.indices else ""
    return output.Branch(node.text + cited, node.holds, tuple(_branch(c) for c in node.children))


def _time(summary: Summary) -> str:
    return summary.as_of.strftime("%Y-%m-%dT%H:%M:%SZ")
