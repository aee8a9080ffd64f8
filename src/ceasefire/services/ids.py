"""Ids as people type them: a whole id, or the first characters of one.

Reports, cases, findings, requests for information, penalties and incidents are named by the id
of the event that made them (an incident by its first report's): 32 lowercase hex characters.
Lists and the demo show them whole or cut to 8 characters, so a command line may name one by a
prefix of at least :data:`MIN_PREFIX` characters that only one id of that kind begins with. The
prefix is resolved here, before anything is signed: a signed body always holds the whole id.

The ids are those of the log's entries, public even for a confidential report (its entry shows
the id, not the content), so naming the candidates of an ambiguous prefix tells a reader
nothing the log does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Final

from ceasefire.domain import casework_events as ce
from ceasefire.domain import events
from ceasefire.domain.incident_events import INCIDENT_MERGED
from ceasefire.errors import InvalidInput, NotFound
from ceasefire.linking.fold import IncidentState
from ceasefire.services.incidents import IncidentFolds
from ceasefire.services.ports import Store

MIN_PREFIX: Final = 8
ID_LENGTH: Final = 32
SHOWN: Final = 10
"""The candidates an ambiguous prefix names (the others are counted)."""
_HEX: Final = re.compile(r"[0-9a-f]+")
_MOST: Final = 10_000
"""The candidates read at most: past that, a prefix is no way to name one."""


class IdKind(StrEnum):
    REPORT = "report"
    CASE = "case"
    FINDING = "finding"
    REQUEST = "request"
    PENALTY = "penalty"
    INCIDENT = "incident"


_MADE_BY: Final[dict[IdKind, tuple[str, ...]]] = {
    IdKind.REPORT: (events.REPORT_SUBMITTED, events.REPORT_CORRECTED),
    IdKind.CASE: (ce.CASE_OPENED,),
    IdKind.FINDING: (ce.FINDING_PROPOSED,),
    IdKind.REQUEST: (ce.INFORMATION_REQUESTED,),
    IdKind.PENALTY: (ce.PENALTY_PROPOSED,),
}
"""The event types whose ids name things of each kind (an incident: see :func:`_candidates`)."""

BODY_IDS: Final[dict[str, IdKind]] = {
    "case": IdKind.CASE,
    "cases": IdKind.CASE,
    "finding": IdKind.FINDING,
    "request": IdKind.REQUEST,
    "penalty": IdKind.PENALTY,
    "reports": IdKind.REPORT,
    "incident": IdKind.INCIDENT,
    "into": IdKind.INCIDENT,
}
"""The members of a casework or incident event's body that name an id (a text or a list)."""


def resolve(store: Store, kind: IdKind, text: str, incidents: IncidentFolds | None = None) -> str:
    """The id ``text`` names. A whole id, or a text that is no hex prefix (a meeting's name),
    is given back as it is: whether it exists is for the command's own lookup to say. A hex
    prefix shorter than :data:`MIN_PREFIX` is refused; a longer one must begin exactly one id
    of ``kind`` (NotFound when none does, InvalidInput naming them when several do).
    ``incidents``: a server's kept fold, rather than a fold of the whole log for one lookup."""
    lowered = text.lower()
    if _HEX.fullmatch(lowered) is None or len(lowered) > ID_LENGTH:
        return text
    if len(lowered) == ID_LENGTH:
        return lowered
    if len(lowered) < MIN_PREFIX:
        raise InvalidInput(
            f"{text!r} is too short to name {_a(kind)}: give its whole id or its first "
            f"{MIN_PREFIX} characters or more",
            field=kind.value,
        )
    found = _candidates(store, kind, lowered, incidents)
    if not found:
        raise NotFound(f"no {kind} id begins with {lowered}", field=kind.value)
    if len(found) > 1:
        named = ", ".join(found[:SHOWN])
        more = f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
        raise InvalidInput(
            f"{lowered} is the beginning of {len(found)} {kind} ids: {named}{more}; give more "
            "characters",
            field=kind.value,
        )
    return found[0]


def resolve_all(store: Store, kind: IdKind, texts: Iterable[str]) -> list[str]:
    return [resolve(store, kind, text) for text in texts]


def resolve_body(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with each id it names (:data:`BODY_IDS`) resolved, ready to be signed."""
    resolved = dict(body)
    for name, kind in BODY_IDS.items():
        value = body.get(name)
        if isinstance(value, str):
            resolved[name] = resolve(store, kind, value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            resolved[name] = resolve_all(store, kind, value)
    return resolved


def _candidates(
    store: Store, kind: IdKind, prefix: str, incidents: IncidentFolds | None = None
) -> list[str]:
    """The ids of ``kind`` that begin with ``prefix``, in order: a range of the events' id
    index, not a scan of every event (a million reports would take seconds)."""
    if kind is IdKind.INCIDENT:  # those listed, and those merged away (a lookup says where)
        held = (incidents or IncidentFolds()).read(store, _incident_ids)
        return sorted(i for i in held if i.startswith(prefix))
    return store.ids_beginning(prefix, _MADE_BY[kind], _MOST)


def _incident_ids(state: IncidentState) -> set[str]:
    merged = (o.incident for o in state.overrides if o.type == INCIDENT_MERGED and not o.refused)
    return {*state.incidents(), *merged}


def _a(kind: IdKind) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
