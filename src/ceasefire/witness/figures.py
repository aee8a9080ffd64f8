"""Check 3: the figures the server publishes, against the witness's own recomputation.

The witness folds its own copy of the log with the same services the server uses
(``services.casework``, ``services.incidents``) and compares document by document: the
ceasefire's status with each party's standing, the commitments, the penalty ledger, the cases
and the incidents. Status and commitments depend on the moment, so both sides are asked for
the same ``as_of``. Every difference is reported with its path in the document, the value the
log supports and the one published, and the log indices of the events the figure rests on (each
figure carries them, design idea 4).

The published briefs are checked next to these figures, by ``witness.briefs``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from ceasefire.domain.documents import plain
from ceasefire.errors import CeasefireError
from ceasefire.log.envelope import format_time
from ceasefire.services import casework as casework_service
from ceasefire.services import incidents as incident_service
from ceasefire.services.ports import Store
from ceasefire.witness.alarms import Check, Finding
from ceasefire.witness.remote import Server, Unreachable

MAX_DIFFERENCES: Final = 20
PAGE: Final = 200
MAX_EVENTS: Final = 50
_INCIDENT_KEYS: Final = ("id", "confirmed", "start", "end", "acts", "parties")
_MEMBER_KEYS: Final = (
    "report",
    "index",
    "kind",
    "act",
    "party",
    "start",
    "end",
    "latitude",
    "longitude",
    "source",
    "origin",
    "linked_to",
)


@dataclass(frozen=True)
class Figure:
    """One published document: how to read it from the server and how to recompute it."""

    name: str
    published: Callable[[Server, str], Any]
    recomputed: Callable[[Store, datetime], Any]


def _status_published(server: Server, as_of: str) -> Any:
    return server.document("/status", {"as_of": as_of})


def _status_recomputed(store: Store, as_of: datetime) -> Any:
    return casework_service.status(store, as_of).to_document()


def _commitments_published(server: Server, as_of: str) -> Any:
    return server.document("/commitments", {"as_of": as_of})["items"]


def _commitments_recomputed(store: Store, as_of: datetime) -> Any:
    return [c.to_document() for c in casework_service.status(store, as_of).commitments]


def _all_items(server: Server, path: str) -> list[Any]:
    """Every item of a paged list, :data:`PAGE` at a time, following ``next_cursor``: one
    request does not grow with the record."""
    items: list[Any] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": PAGE} | ({"cursor": cursor} if cursor else {})
        page = server.document(path, params)
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def _incidents_published(server: Server, _as_of: str) -> Any:
    return [_incident_figures(i) for i in _all_items(server, "/incidents")]


def _incidents_recomputed(store: Store, _as_of: datetime) -> Any:
    found = []
    for incident in incident_service.list_incidents(store):
        document = plain(incident)  # its fields; start, end, acts, parties are properties
        document.update({key: plain(getattr(incident, key)) for key in _INCIDENT_KEYS})
        found.append(_incident_figures(document))
    return found


def _incident_figures(incident: Mapping[str, Any]) -> dict[str, Any]:
    """What an incident states: its figures and its members (not the linker's prose)."""
    figures = {key: incident.get(key) for key in _INCIDENT_KEYS}
    figures["members"] = [{k: m.get(k) for k in _MEMBER_KEYS} for m in incident["members"]]
    return figures


FIGURES: Final = (
    Figure("status", _status_published, _status_recomputed),
    Figure("commitments", _commitments_published, _commitments_recomputed),
    Figure(
        "penalties",
        lambda server, _: server.document("/penalties")["items"],
        lambda store, _: plain(casework_service.list_penalties(store)),
    ),
    Figure(
        "cases",
        lambda server, _: _all_items(server, "/cases"),
        lambda store, _: plain(casework_service.list_cases(store)),
    ),
    Figure("incidents", _incidents_published, _incidents_recomputed),
)


def compare(server: Server, store: Store, as_of: datetime, size: int) -> list[Finding]:
    """Every published figure that differs from the recomputation (at most 20)."""
    moment = format_time(as_of.replace(microsecond=0))
    findings: list[Finding] = []
    for figure in FIGURES:
        expected, found = _both(figure, server, store, as_of.replace(microsecond=0), moment)
        for path, want, have in differences(expected, found, figure.name):
            if len(findings) >= MAX_DIFFERENCES:
                return findings
            findings.append(
                Finding(
                    Check.FIGURES,
                    f"the server publishes {path} = {short(have)}, but its log (size {size}) "
                    f"gives {short(want)}",
                    size=size,
                    expected=short(want),
                    found=short(have),
                    events=events_of(expected, path.split("/")[1:]),
                    details={"figure": figure.name, "path": path, "as_of": moment},
                )
            )
    return findings


def _both(
    figure: Figure, server: Server, store: Store, as_of: datetime, moment: str
) -> tuple[Any, Any]:
    """The recomputed and the published document; a refusal on either side is compared as
    ``{"refused": <status or error code>}`` (no agreement in force yet refuses both)."""
    try:
        expected = _normal(figure.recomputed(store, as_of))
    except CeasefireError as exc:
        expected = {"refused": exc.code}
    try:
        found = _normal(figure.published(server, moment))
    except Unreachable as exc:
        if exc.status is None or exc.status >= 500:
            raise
        found = {"refused": exc.status}
    if "refused" in expected and "refused" in found:
        return expected, expected
    return expected, found


def _normal(value: Any) -> Any:
    """JSON as both sides send it (tuples as lists, times as text)."""
    return json.loads(json.dumps(plain(value), default=str))


def short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 200 else text[:197] + "..."


def differences(expected: Any, found: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """``(path, expected, found)`` for each place the two documents part ways."""
    if isinstance(expected, dict) and isinstance(found, dict):
        for key in sorted(expected.keys() | found.keys()):
            yield from differences(expected.get(key), found.get(key), f"{path}/{key}")
    elif isinstance(expected, list) and isinstance(found, list) and len(expected) == len(found):
        for number, (want, have) in enumerate(zip(expected, found, strict=True)):
            yield from differences(want, have, f"{path}/{number}")
    elif expected != found:
        yield path, expected, found


def events_of(document: Any, steps: list[str]) -> tuple[int, ...]:
    """The log indices the innermost object on ``steps`` names (its ``index``, ``indices``,
    ``…_index`` and ``…_at`` fields); if it names none, those of the objects inside it (an
    incident's members)."""
    found: tuple[int, ...] = ()
    node, last = document, document
    for step in steps:
        if isinstance(node, dict):
            found, last = _indices(node) or found, node
            node = node.get(step)
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            break
    if isinstance(node, dict):
        found, last = _indices(node) or found, node
    return found or tuple(sorted(set(_nested(last))))[:MAX_EVENTS]


def _nested(node: Any) -> Iterator[int]:
    if isinstance(node, dict):
        yield from _indices(node)
        for value in node.values():
            yield from _nested(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nested(value)


def _indices(node: Mapping[str, Any]) -> tuple[int, ...]:
    found: list[int] = []
    for key, value in node.items():
        if key == "indices" and isinstance(value, list):
            found.extend(v for v in value if isinstance(v, int))
        elif (
            (key == "index" or key.endswith(("_index", "_at")))
            and isinstance(value, int)
            and not isinstance(value, bool)
        ):
            found.append(value)
    return tuple(sorted(set(found)))
