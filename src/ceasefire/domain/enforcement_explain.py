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

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any


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


@dataclass(frozen=True)
class Counted:
    """One item a figure counts, dated ``day``; ``keys`` are the act ids (violations,
    allegations) or commitment id (missed deadlines, breaches) a condition may narrow by."""

    day: date
    keys: tuple[str, ...]
    explanation: Explanation


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
    """``YYYY-MM-DDTHH:MM:SSZ``: the one way a time is written in an evaluation."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")
