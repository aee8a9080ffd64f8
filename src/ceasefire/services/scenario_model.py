"""What a scenario is, as data: personas, photos, numbered steps; and what playing one gives.

The CLI reads these from a scenario file (:mod:`ceasefire.cli.scenario`);
:mod:`ceasefire.services.scenario` plays them. A step's fields name earlier results by
:class:`Ref`, never by id: ids exist only once the record has been written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ceasefire.domain.agreements import Agreement
from ceasefire.domain.evidence import Limits, MediaMetadata
from ceasefire.log.keys import SigningKey
from ceasefire.services.ports import Analyser, BlobStore

OPERATOR = "operator"
"""The persona that opens the log, proposes the agreement and enrols everyone else."""


@dataclass(frozen=True)
class Ref:
    """A label naming the result of an earlier step (a report, file, case, request, penalty)."""

    label: str


@dataclass(frozen=True)
class Persona:
    id: str
    role: str
    affiliation: str | None = None


@dataclass(frozen=True)
class Camera:
    """What a phone writes into a photo: ``taken`` in the phone's own local time."""

    make: str | None = None
    model: str | None = None
    taken: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Photo:
    """A sample photo drawn from ``seed`` with ``camera``'s metadata, or a re-encoded copy of
    the photo of the evidence step labelled ``copy_of`` (as a messaging app passes it on)."""

    file: str
    seed: int | None = None
    camera: Camera | None = None
    copy_of: str | None = None


@dataclass(frozen=True)
class Step:
    """One thing one persona does: ``do`` names it, ``fields`` are its arguments (with
    :class:`Ref` for labels), ``label`` names its result for later steps. ``chapter`` and
    ``says`` are for the telling."""

    number: int
    at: datetime
    by: str
    do: str
    fields: Mapping[str, Any]
    label: str | None = None
    chapter: str | None = None
    says: str | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    origin: str
    start: datetime
    agreement: Agreement
    personas: tuple[Persona, ...]
    steps: tuple[Step, ...]


Draw = Callable[[Photo, Photo | None], Path]
"""Writes a photo (and, for a copy, given its original) to a file; returns its path."""


@dataclass(frozen=True)
class Tools:
    """What the run needs besides the store: the evidence locker and how to read and draw
    photos."""

    blobs: BlobStore
    analyse: Analyser
    limits: Limits
    draw: Draw


@dataclass(frozen=True)
class Done:
    """What one step (or, numbered 0, one act of opening the log) appended: ``ref`` is the id
    it produced (a report's, a case's, a file's SHA-256), ``metadata`` a photo's."""

    number: int
    at: datetime
    by: str
    do: str
    indices: range
    label: str | None = None
    ref: str | None = None
    metadata: MediaMetadata | None = None
    step: Step | None = None


@dataclass
class Loaded:
    """A scenario played: the keys of the log and of every persona, what each label names,
    and the moments the story started, adopted its agreement and ended."""

    log_key: SigningKey
    operator_key: SigningKey
    keys: dict[str, SigningKey] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    adopted_size: int = 0
    ended: datetime | None = None

    def names(self) -> dict[str, str]:
        """Labels by the ids they name."""
        return {id_: label for label, id_ in self.labels.items()}


Progress = Callable[[str, int, int], None]
Listener = Callable[[Done], None]
