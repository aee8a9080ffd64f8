"""Briefs as a use case: compute one at a checkpoint, render it, publish its digests, list them.

The brief itself is a pure function of the log's first ``size`` entries (``briefs.content``);
this module reads those entries from the store — with the sealed content of confidential
reports only for an edition whose reader the policy lets see it — and the boundary the map is
drawn over. Publishing signs a ``brief.published`` event carrying the SHA-256 of the HTML and
Markdown, so that any party can regenerate the brief and compare.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar

from ceasefire.briefs import render as rd
from ceasefire.briefs.content import compute
from ceasefire.briefs.model import Brief, Checkpoint
from ceasefire.briefs.periods import previous, window
from ceasefire.domain import moments
from ceasefire.domain import projection as pj
from ceasefire.domain.actors import Actor
from ceasefire.domain.brief_events import (
    BRIEF_PUBLISHED,
    BriefPeriod,
    BriefPublished,
    Edition,
    brief_published,
)
from ceasefire.domain.policy import Action, Record, decide
from ceasefire.errors import InvalidInput, PermissionDenied
from ceasefire.linking.fold import IncidentState
from ceasefire.services.brief_scope import scoped_entries
from ceasefire.services.casework import Signer
from ceasefire.services.incidents import IncidentFolds
from ceasefire.services.log import Appended, submit
from ceasefire.services.map_data import boundary
from ceasefire.services.ports import Store
from ceasefire.services.reports import signer_of

Progress = Callable[[str, int, int], None]
"""``(stage, done, total)``: how far reading the log has come (the CLI draws it)."""

E = TypeVar("E", BriefPeriod, Edition)
_CHUNK = 20_000
_SEALED_PROBE = Record(owner="", owner_affiliation=None, confidential=True)
"""A confidential record of no one in particular: who may read it may read every one."""


@dataclass(frozen=True)
class BriefRequest:
    period: BriefPeriod
    day: date
    edition: Edition = Edition.PUBLIC
    checkpoint: int | None = None
    """The log size to compute from (a signed checkpoint's); None: the latest checkpoint."""


@dataclass(frozen=True)
class Published:
    """A brief the log says was published: where, by whom, and what it recorded."""

    index: int
    id: str
    actor: str
    time: str
    brief: BriefPublished


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


def reader_of(edition: Edition, viewer: Actor | None) -> Actor | None:
    """Whom the edition is written for: the public edition reads as the public whoever asks;
    the confidential one as ``viewer``, who must be allowed to read every confidential record."""
    if edition is Edition.PUBLIC:
        return None
    decision = decide(viewer, Action.READ, _SEALED_PROBE)
    if not decision:
        raise PermissionDenied(
            f"the confidential edition is for the mediators' side only: {decision.reason}",
            field="edition",
        )
    return viewer


def checkpoint_of(store: Store, size: int | None) -> Checkpoint:
    stored = store.latest_checkpoint() if size is None else store.checkpoint(size)
    return Checkpoint(stored.size, stored.root.hex())


def entries_until(
    store: Store, size: int, *, sealed: bool, progress: Progress = _no_progress
) -> list[pj.Entry]:
    """The log's first ``size`` entries, as the brief folds them; ``sealed``: with the content
    behind confidential commitments where this store holds it."""
    affiliations = {r.actor: r.affiliation for r in store.key_records()}
    found: list[pj.Entry] = []
    for start in range(0, size, _CHUNK):
        end = min(start + _CHUNK, size)
        bodies = store.sealed_bodies(start, end) if sealed else {}
        for index, leaf in store.entries(start, end):
            found.append(pj.entry_of(index, leaf, affiliations, bodies.get(index), with_text=False))
        progress("reading the log", end, size)
    return found


def compute_brief(
    store: Store,
    request: BriefRequest,
    viewer: Actor | None = None,
    progress: Progress = _no_progress,
    incident_folds: IncidentFolds | None = None,
    *,
    every_entry: bool = False,
) -> Brief:
    """The brief ``request`` asks for, computed from the log at its checkpoint.

    The entries are those the brief reads (``services.brief_scope``): the same brief as from
    every entry, from a part of a large log. ``every_entry``, or read models behind the
    checkpoint: every entry up to the checkpoint is read and folded.
    ``incident_folds``: this process's live incidents (the API keeps one). When they stand at
    exactly the checkpoint's size they are used rather than linking every report again —
    the same state, so the same brief; otherwise the incidents are folded here."""
    reader = reader_of(request.edition, viewer)
    checkpoint = checkpoint_of(store, request.checkpoint)
    sealed = request.edition is Edition.CONFIDENTIAL
    current, before = window(request.period, request.day), previous(request.period, request.day)
    scoped = (
        None
        if every_entry
        else scoped_entries(store, checkpoint.size, current, before, sealed=sealed)
    )
    if scoped is not None:
        progress("computing the brief", 0, 1)
        brief = compute(scoped, checkpoint, request.period, request.day, request.edition, reader)
        progress("computing the brief", 1, 1)
        return brief
    entries = entries_until(store, checkpoint.size, sealed=sealed, progress=progress)
    progress("computing the brief", 0, 1)

    def made(incidents: IncidentState | None) -> Brief:
        return compute(
            entries, checkpoint, request.period, request.day, request.edition, reader, incidents
        )

    if incident_folds is not None and store.head().size == checkpoint.size:
        brief = incident_folds.read(
            store, lambda state: made(state if state.size == checkpoint.size else None)
        )
    else:
        brief = made(None)
    progress("computing the brief", 1, 1)
    return brief


def render_brief(brief: Brief, format: rd.Format) -> rd.Rendered:
    return rd.render(brief, format, boundary())


def brief_document(
    store: Store,
    request: BriefRequest,
    format: rd.Format,
    viewer: Actor | None = None,
    incident_folds: IncidentFolds | None = None,
) -> rd.Rendered:
    """Compute and render in one call (what the API and the web page ask for)."""
    brief = compute_brief(store, request, viewer, incident_folds=incident_folds)
    return render_brief(brief, format)


def publish(
    store: Store, signer: Signer, request: BriefRequest, progress: Progress = _no_progress
) -> tuple[Appended, BriefPublished]:
    """Render the brief as its publisher reads it, and record its digests in the log."""
    publisher = signer_of(store, signer.key.name)
    brief = compute_brief(store, request, publisher, progress)
    html, md = render_brief(brief, rd.Format.HTML), render_brief(brief, rd.Format.MD)
    published = BriefPublished(
        period=brief.period,
        day=brief.day,
        edition=brief.edition,
        checkpoint_size=brief.checkpoint.size,
        checkpoint_root=brief.checkpoint.root,
        agreement_version=brief.agreement_version,
        html_sha256=html.sha256,
        md_sha256=md.sha256,
    )
    appended, _ = submit(
        store,
        signer.key,
        BRIEF_PUBLISHED,
        published.to_body(),
        log_key=signer.log_key,
        clock=signer.clock,
    )
    return appended, published


def published_briefs(store: Store) -> list[Published]:
    """Every ``brief.published`` event in the log, oldest first (found through the events
    table, each read and parsed from the log itself)."""
    rows = store.find(pj.EVENTS, "type", [BRIEF_PUBLISHED])
    found = []
    for row in sorted(rows, key=lambda r: r["idx"]):
        for index, leaf in store.entries(row["idx"], row["idx"] + 1):
            envelope = json.loads(leaf)
            found.append(
                Published(
                    index,
                    envelope["id"],
                    envelope["actor"],
                    envelope["time"],
                    brief_published(envelope["body"]),
                )
            )
    return found


def parse_day(text: str, field: str = "day", now: datetime | None = None) -> date:
    """A brief's day, within the bound every "as of" moment keeps (``domain.moments``) seen
    from ``now`` (None: this machine's clock)."""
    return moments.bounded_day(text, now=now or datetime.now(UTC), field=field)


def parse_format(text: str) -> rd.Format:
    """A brief's format from the edges' text (html, pdf or md), named where wrong."""
    try:
        return rd.Format(text)
    except ValueError as exc:
        raise InvalidInput(f"expected html, pdf or md, found {text!r:.20}", field="format") from exc


def brief_request(
    period: str,
    day: str,
    edition: str = "public",
    checkpoint: int | None = None,
    *,
    day_field: str = "day",
    now: datetime | None = None,
) -> BriefRequest:
    """A request from the edges' text, each value checked and named where wrong (the day as
    ``day_field``, within the bound seen from ``now``, None: this machine's clock)."""
    return BriefRequest(
        _choice(BriefPeriod, period, "period"),
        parse_day(day, day_field, now),
        _choice(Edition, edition, "edition"),
        checkpoint,
    )


def _choice(kind: type[E], text: str, field: str) -> E:
    try:
        return kind(text)
    except ValueError as exc:
        allowed = ", ".join(k.value for k in kind)
        raise InvalidInput(f"expected one of {allowed}, found {text!r:.40}", field=field) from exc
