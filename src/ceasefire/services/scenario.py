"""Playing a scenario: a dated story of who does what, run through the real services.

A :class:`Scenario` is pure data (the CLI reads it from a file): the agreement, the personas
and numbered :class:`Step` s, each done by one persona at one moment. :func:`run` opens a fresh
log at the scenario's start, proposes the agreement and enrols the personas, then plays the
steps in order, each through the service that a person doing it would call (reports, evidence,
agreements, casework). Nothing is taken as given: a step the record refuses stops the run with
the service's error, prefixed with the step it came from.

Steps name earlier results by label (:class:`Ref`): a report, a file in the evidence locker, a
case, a request for information, a penalty. The scenario's clock is its own: each step happens
at its ``at`` (or a second after the step before, if that is later) and each event within a step
a second after the previous one, so the same scenario tells the same story on every run; only
keys and ids differ.

This module draws no photos and reads no files: the caller passes what draws a photo
(:class:`Tools`), as it passes the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ceasefire.domain.cases import Case
from ceasefire.domain.enforcement import Evaluation
from ceasefire.domain.meetings import Meeting
from ceasefire.domain.penalties import Penalty
from ceasefire.services import casework
from ceasefire.services.ports import Store
from ceasefire.services.scenario_actions import ACTIONS, Player
from ceasefire.services.scenario_model import (
    OPERATOR,
    Camera,
    Done,
    Draw,
    Listener,
    Loaded,
    Persona,
    Photo,
    Progress,
    Ref,
    Scenario,
    Step,
    Tools,
)

__all__ = [
    "ACTIONS",
    "OPERATOR",
    "Camera",
    "Done",
    "Draw",
    "Listener",
    "Loaded",
    "Persona",
    "Photo",
    "Progress",
    "Ref",
    "Scenario",
    "Step",
    "Summary",
    "Tools",
    "run",
    "summarise",
]


def run(
    store: Store,
    scenario: Scenario,
    tools: Tools,
    *,
    progress: Progress | None = None,
    listen: Listener | None = None,
) -> Loaded:
    """Open a log in the empty ``store`` and play ``scenario`` into it; ``listen`` hears each
    step as it is done, ``progress`` how far the run is."""
    player = Player(store, scenario, tools, listen or (lambda done: None))
    player.open()
    total = len(scenario.steps)
    for done, step in enumerate(scenario.steps, 1):
        player.play(step)
        if progress is not None:
            progress("scenario", done, total)
    player.loaded.ended = player.clock.now
    return player.loaded


# --- what the story ends in ------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """The record as of ``as_of``: the status with its explanation (``services.casework``),
    and the cases, penalties and meetings it was computed from."""

    as_of: datetime
    status: Evaluation
    cases: tuple[Case, ...]
    penalties: tuple[Penalty, ...]
    meetings: tuple[Meeting, ...]


def summarise(store: Store, as_of: datetime) -> Summary:
    status = casework.status(store, as_of)
    work, _ = casework.load(store, as_of)
    return Summary(
        as_of,
        status,
        tuple(sorted(work.cases.values(), key=lambda c: c.index)),
        tuple(sorted(work.penalties.values(), key=lambda p: p.index)),
        tuple(sorted(work.meetings.values(), key=lambda m: m.index)),
    )
