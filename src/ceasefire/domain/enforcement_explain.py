"""How enforcement explains itself: a tree of plain statements, each citing log indices.

Every figure enforcement computes (a status, a penalty step, a missed deadline) carries an
:class:`Explanation` (design idea 4): a statement, whether it holds, the log indices it rests
on, and the statements it was derived from. A sceptical party follows the tree down to the
entries and checks each one's inclusion proof. Texts are deterministic English built from the
facts alone, so two witnesses computing the same figure get the same bytes.

:class:`Counted` is the unit every figure counts: one dated item (a finding, an allegation, a
missed deadline, a missed reply) with its own explanation, and the act or commitment ids that
let a condition narrow what it counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any, Final

from ceasefire.log.envelope import format_time


@dataclass(frozen=True)
class Explanation:
    """One statement of an explanation tree. ``holds`` is None for a statement of fact that is
    neither true nor false (a count, a standing); ``indices`` are the log entries it cites."""

    text: str
    holds: bool | None = None
    indices: tuple[int, ...] = ()
    children: tuple[Explanation, ...] = ()

    def all_indices(self) -> tuple[int, ...]:
        """Every index cited anywhere in the tree, ascending, each once. Kept once worked out:
        the tree is immutable, and a count cites the same items' indices in every tally."""
        kept: tuple[int, ...] | None = self.__dict__.get("_all_indices")
        if kept is None:
            if not self.children:
                kept = (
                    self.indices if _ascending(self.indices) else tuple(sorted(set(self.indices)))
                )
            else:
                found: set[int] = set(self.indices)
                for child in self.children:
                    found.update(child.all_indices())
                kept = tuple(sorted(found))
            object.__setattr__(self, "_all_indices", kept)
        return kept

    def to_document(self) -> dict[str, Any]:
        """The tree as JSON-able data; an unknown ``holds``, no indices, no children are left
        out, so a leaf stays one short object."""
        doc: dict[str, Any] = {"text": self.text}
        if self.holds is not None:
            doc["holds"] = self.holds
        if self.indices:
            doc["indices"] = list(self.indices)
        if self.children:
            doc["children"] = [child.to_document() for child in self.children]
        return doc

    def to_json(self) -> str:
        """:meth:`to_document` written by :func:`json_text`, character for character. Kept once
        written, as its indices are: an open allegation's node is shared by every evaluation
        (``enforcement_counts._open``), so a status after one new report writes only the nodes
        that are new, and joins the others' kept text."""
        kept: str | None = self.__dict__.get("_json")
        if kept is None:
            parts = ['{"text":', json_text(self.text)]
            if self.holds is not None:
                parts.append(',"holds":true' if self.holds else ',"holds":false')
            if self.indices:
                parts += [',"indices":', json_text(self.indices)]
            if self.children:
                run: Run | None = self.__dict__.get("_run")
                written = run.json() if run is not None else _joined(self.children)
                parts += [',"children":[', written, "]"]
            parts.append("}")
            kept = "".join(parts)
            object.__setattr__(self, "_json", kept)
        return kept

    @classmethod
    def over(cls, text: str, holds: bool | None, run: Run) -> Explanation:
        """A statement resting on the explanations of ``run``, citing every index they cite:
        what a count says of the items it counts. The run's indices and JSON, kept with it,
        are this statement's."""
        node = cls(text, holds, run.indices(), run.nodes)
        object.__setattr__(node, "_run", run)
        object.__setattr__(node, "_all_indices", node.indices)
        return node


@dataclass(frozen=True)
class Run:
    """Explanations in a row — the items one count counts — with the indices they cite and
    their JSON, each worked out once and kept. A longer run made from a shorter one
    (:meth:`extended`) works out only what the new explanations add: the open allegations of a
    party grow by one with each report, and are counted in every evaluation."""

    nodes: tuple[Explanation, ...]

    def indices(self) -> tuple[int, ...]:
        """Every index the explanations cite, however deep, ascending, each once."""
        kept: tuple[int, ...] | None = self.__dict__.get("_indices")
        if kept is None:
            kept = cite(*(n.all_indices() for n in self.nodes))
            object.__setattr__(self, "_indices", kept)
        return kept

    def json(self) -> str:
        """The explanations written as the items of a JSON array, comma-separated."""
        kept: str | None = self.__dict__.get("_json")
        if kept is None:
            kept = _joined(self.nodes)
            object.__setattr__(self, "_json", kept)
        return kept

    def extended(self, more: tuple[Explanation, ...]) -> Run:
        """This run followed by ``more``; what this one has kept is kept for the longer one,
        with only ``more``'s part worked out."""
        if not more:
            return self
        longer, added = Run(self.nodes + more), Run(more)
        mine: tuple[int, ...] | None = self.__dict__.get("_indices")
        if mine is not None:
            theirs = added.indices()
            joined = not mine or not theirs or mine[-1] < theirs[0]
            object.__setattr__(longer, "_indices", mine + theirs if joined else cite(mine, theirs))
        written: str | None = self.__dict__.get("_json")
        if written is not None:
            object.__setattr__(
                longer, "_json", f"{written},{added.json()}" if written else added.json()
            )
        return longer


def _joined(nodes: tuple[Explanation, ...]) -> str:
    return ",".join([node.to_json() for node in nodes])


@dataclass(frozen=True)
class Counted:
    """One item a figure counts, dated ``day``; ``keys`` are the act ids (violations,
    allegations) or commitment id (missed deadlines, breaches) a condition may narrow by."""

    day: date
    keys: tuple[str, ...]
    explanation: Explanation


_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def json_text(value: Any) -> str:
    """``value`` as compact JSON with non-ASCII kept: how an evaluation is written for the API
    (the text FastAPI's ``JSONResponse`` writes for the same value)."""
    return _ENCODER.encode(value)


def write_json(value: Any) -> str:
    """``value`` — dicts with string keys, lists, tuples and plain values, with explanations
    anywhere inside — as :func:`json_text` writes it once each explanation is replaced by its
    :meth:`Explanation.to_document`; an explanation is written by its kept
    :meth:`Explanation.to_json`."""
    if isinstance(value, Explanation):
        return value.to_json()
    if isinstance(value, dict):
        return "{" + ",".join(f"{json_text(k)}:{write_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(write_json(v) for v in value) + "]"
    return json_text(value)


def document(value: Any) -> Any:
    """``value`` with each explanation inside it replaced by its :meth:`Explanation.to_document`:
    the plain data :func:`write_json` writes."""
    if isinstance(value, Explanation):
        return value.to_document()
    if isinstance(value, dict):
        return {k: document(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [document(v) for v in value]
    return value


def _ascending(indices: tuple[int, ...]) -> bool:
    return all(a < b for a, b in pairwise(indices))


def cite(*groups: Iterable[int | None]) -> tuple[int, ...]:
    """The indices of ``groups``, ascending, each once; None (no entry) is skipped."""
    return tuple(sorted({i for group in groups for i in group if i is not None}))


def listing(ids: Iterable[str]) -> str:
    """Ids in a sentence: ``a, b, c``."""
    return ", ".join(ids)


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive time is taken to be UTC already (the log's times are)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_day(moment: datetime) -> date:
    """The UTC calendar day of ``moment``: what deadlines and windows are counted in."""
    return utc(moment).date()


def iso_time(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``: how a time is written in an evaluation (but its ``as_of``)."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_millisecond(moment: datetime) -> datetime:
    """``moment`` in UTC, to the millisecond: what an evaluation is taken as of."""
    moment = utc(moment)
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)


def as_of_time(moment: datetime) -> str:
    """An evaluation's ``as_of`` as written: to the millisecond, as the log writes an entry's
    time (``…T12:00:00Z``, ``…T12:00:00.250Z``). An entry's time has milliseconds, so a time
    stated only to the second would leave out, when recomputed, the entries of its last
    second that the evaluation counted: recomputed as of what it states, an evaluation is the
    same, byte for byte."""
    return format_time(to_millisecond(moment))
