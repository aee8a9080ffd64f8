"""The parts a report is built from: how many, and who says so; and the checks parts share.

Each part is a frozen dataclass whose constructor checks its invariants, naming the field at
fault relative to the part (``best``, ``name``). Each part has a ``parse_*`` function that reads
it from a body through :class:`~ceasefire.domain.fields.Fields` and prefixes the body path
(``sources[0].name``), and a ``*_body`` function that writes the canonical body back, so that
``parse(body(x)) == x``. When and where the event happened (dates, location, precision codes
and blurring) are parts too, in :mod:`ceasefire.domain.report_places`.

Sources are graded on the Admiralty (NATO AJP-2.1) scale: the source's reliability (A-F) and the
information's credibility (1-6) are judged separately; "B2" is a usually reliable source
reporting something probably true.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from ceasefire.domain.fields import IDENT, Fields, describe, join
from ceasefire.errors import InvalidInput

MAX_NAME: Final = 200
"""Longest place name, administrative area, actor, target or source name."""
MAX_REFERENCE: Final = 2000
MAX_COUNT: Final = 1_000_000
WITHHELD: Final = "withheld"


@contextmanager
def located(path: str) -> Iterator[None]:
    """Prefix ``path`` to the field of an error a constructor raises inside the block."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(
            exc.message, field=join(path, exc.field) if exc.field else path
        ) from None


def require(ok: bool, field: str, message: str) -> None:
    if not ok:
        raise InvalidInput(message, field=field)


# The checks below run for every part of every report admitted or read: each builds its message
# only when it refuses, since formatting one (a float's repr, above all) costs more than the check.


def check_text(value: str, field: str, max_length: int = MAX_NAME) -> None:
    if not value.strip():
        raise InvalidInput("must not be empty", field=field)
    if len(value) > max_length:
        raise InvalidInput(
            f"expected at most {max_length} characters, found {len(value)}", field=field
        )


def check_ident(value: str, field: str) -> None:
    if not IDENT.fullmatch(value):
        raise InvalidInput(f"expected an id, found {value!r}", field=field)


def check_count_of(values: tuple[object, ...], field: str, max_items: int) -> None:
    if len(values) > max_items:
        raise InvalidInput(f"expected at most {max_items} items, found {len(values)}", field=field)


def check_texts(values: tuple[str, ...], field: str, max_items: int) -> None:
    """At most ``max_items`` names, each a text; a refusal names the item (``field[i]``)."""
    check_count_of(values, field, max_items)
    for i, value in enumerate(values):
        if not value.strip() or len(value) > MAX_NAME:
            check_text(value, f"{field}[{i}]")


def read_texts(f: Fields, name: str, max_items: int) -> tuple[str, ...]:
    """The list ``name`` of strings (absent means empty); the constructor checks each one."""
    values = f.optional(name, lambda n: f.array(n, max_items=max_items)) or []
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise InvalidInput(
                f"expected a string, found {describe(value)}", field=f"{f.where(name)}[{i}]"
            )
    return tuple(values)


# --- casualties ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """A casualty figure as UCDP gives it: a low, a best and a high estimate."""

    low: int
    best: int
    high: int

    def __post_init__(self) -> None:
        if self.low < 0:
            raise InvalidInput(f"expected at least 0, found {self.low}", field="low")
        if self.high > MAX_COUNT:
            raise InvalidInput(f"expected at most {MAX_COUNT}, found {self.high}", field="high")
        if not self.low <= self.best <= self.high:
            raise InvalidInput(
                f"expected low <= best <= high, found low {self.low}, best {self.best}, "
                f"high {self.high}",
                field="best" if self.low > self.best else "high",
            )

    @classmethod
    def exactly(cls, n: int) -> Count:
        return cls(n, n, n)

    @property
    def is_exact(self) -> bool:
        return self.low == self.high


@dataclass(frozen=True)
class CasualtyGroup:
    """Killed or injured, by category; ``None`` means not reported (unlike a count of 0)."""

    military: Count | None = None
    civilian: Count | None = None
    unknown: Count | None = None

    def counts(self) -> tuple[Count, ...]:
        return tuple(c for c in (self.military, self.civilian, self.unknown) if c is not None)

    def best_total(self) -> int:
        return sum(c.best for c in self.counts())


@dataclass(frozen=True)
class Casualties:
    killed: CasualtyGroup = CasualtyGroup()
    injured: CasualtyGroup = CasualtyGroup()

    def killed_best(self) -> int:
        return self.killed.best_total()

    def injured_best(self) -> int:
        return self.injured.best_total()


NO_CASUALTIES: Final = Casualties()
_CATEGORIES: Final = ("military", "civilian", "unknown")


def parse_casualties(f: Fields) -> Casualties:
    killed = f.optional("killed", lambda n: _parse_group(f.object(n)))
    injured = f.optional("injured", lambda n: _parse_group(f.object(n)))
    f.done()
    return Casualties(killed or CasualtyGroup(), injured or CasualtyGroup())


def _parse_group(f: Fields) -> CasualtyGroup:
    military, civilian, unknown = (
        f.optional(name, lambda n: _parse_count(f, n)) for name in _CATEGORIES
    )
    f.done()
    return CasualtyGroup(military, civilian, unknown)


def _parse_count(f: Fields, name: str) -> Count:
    value = f.raw(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return Count.exactly(f.integer(name, minimum=0, maximum=MAX_COUNT))
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f"expected a count (an integer, or an object with low, best and high), "
            f"found {describe(value)}",
            field=f.where(name),
        )
    c = f.object(name)
    low, best, high = (c.integer(k, minimum=0, maximum=MAX_COUNT) for k in ("low", "best", "high"))
    c.done()
    with located(c.path):
        return Count(low, best, high)


def casualties_body(casualties: Casualties) -> dict[str, Any]:
    """The canonical body; empty groups and unreported categories are left out."""
    groups = {"killed": casualties.killed, "injured": casualties.injured}
    return {name: _group_body(group) for name, group in groups.items() if group.counts()}


def _group_body(group: CasualtyGroup) -> dict[str, Any]:
    counts = {"military": group.military, "civilian": group.civilian, "unknown": group.unknown}
    return {name: _count_body(c) for name, c in counts.items() if c is not None}


def _count_body(count: Count) -> int | dict[str, int]:
    if count.is_exact:
        return count.best
    return {"low": count.low, "best": count.best, "high": count.high}


# --- sources ---------------------------------------------------------------------------------


class Reliability(StrEnum):
    """How reliable the source has been: A completely reliable, B usually reliable, C fairly
    reliable, D not usually reliable, E unreliable, F reliability cannot be judged."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


class Credibility(StrEnum):
    """How credible this information is, judged apart from the source: 1 confirmed by other
    sources, 2 probably true, 3 possibly true, 4 doubtful, 5 improbable, 6 cannot be judged.
    Bodies write it as the integer 1-6."""

    CONFIRMED = "1"
    PROBABLY_TRUE = "2"
    POSSIBLY_TRUE = "3"
    DOUBTFUL = "4"
    IMPROBABLE = "5"
    CANNOT_BE_JUDGED = "6"


class SourceKind(StrEnum):
    PARTY = "party"
    MONITOR = "monitor"
    MEDIA = "media"
    WITNESS = "witness"
    DATASET = "dataset"
    OTHER = "other"


@dataclass(frozen=True)
class Source:
    """Who says so. A ``withheld`` source's name and reference never reach a public view."""

    name: str
    kind: SourceKind
    reliability: Reliability
    credibility: Credibility
    withheld: bool = False
    reference: str | None = None

    def __post_init__(self) -> None:
        check_text(self.name, "name")
        if self.reference is not None:
            check_text(self.reference, "reference", MAX_REFERENCE)

    @property
    def grade(self) -> str:
        """The Admiralty grade, such as ``B2``."""
        return f"{self.reliability.value}{self.credibility.value}"


def parse_source(f: Fields) -> Source:
    name = f.text("name", max_length=MAX_NAME)
    kind = f.enum("kind", SourceKind)
    reliability = f.enum("reliability", Reliability)
    credibility = Credibility(str(f.integer("credibility", minimum=1, maximum=6)))
    withheld = f.optional("withheld", f.flag) or False
    reference = f.optional("reference", lambda n: f.text(n, max_length=MAX_REFERENCE))
    f.done()
    with located(f.path):
        return Source(name, kind, reliability, credibility, withheld, reference)


def source_body(source: Source) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": source.name,
        "kind": source.kind.value,
        "reliability": source.reliability.value,
        "credibility": int(source.credibility.value),
    }
    if source.withheld:
        body["withheld"] = True
    if source.reference is not None:
        body["reference"] = source.reference
    return body


def public_source(source: Source, scrub: Callable[[str], str]) -> dict[str, Any]:
    """The source as an observer sees it: a withheld one keeps only its kind and grades."""
    body = source_body(source)
    if source.withheld:
        body.pop("reference", None)
        return body | {"name": WITHHELD}
    if source.reference is not None:
        body["reference"] = scrub(source.reference)
    return body | {"name": scrub(source.name)}
