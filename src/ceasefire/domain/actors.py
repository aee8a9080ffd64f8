"""Actors: who acts in the mechanism, in which role, and for which party or mediator.

An actor is enrolled by the operator with a ``key.enrolled`` event naming its role and, for a
party liaison or a mediator, its affiliation (a party or mediator id of the agreement). The
keyring keeps the keys; this module gives them a meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ceasefire.errors import InvalidInput


class Role(StrEnum):
    OPERATOR = "operator"
    """The secretariat's log operator: signs the genesis, enrols keys, proposes agreements."""
    SECRETARIAT = "secretariat"
    LIAISON = "liaison"
    """A party's liaison officer: reports, replies, signs agreements for the party."""
    MONITOR = "monitor"
    MEDIATOR = "mediator"
    OBSERVER = "observer"
    WITNESS = "witness"
    IMPORTER = "importer"
    """A program that brings datasets (ACLED, UCDP) in as reports."""


@dataclass(frozen=True)
class Actor:
    id: str
    role: Role
    affiliation: str | None = None

    @property
    def is_staff(self) -> bool:
        """The mediators' side: sees every confidential record."""
        return self.role in (Role.MEDIATOR, Role.MONITOR)

    def party(self) -> str | None:
        """The party this actor speaks for, if it is a party's liaison."""
        return self.affiliation if self.role is Role.LIAISON else None

    def describe(self) -> str:
        suffix = f" for {self.affiliation}" if self.affiliation else ""
        return f"{self.id} ({self.role}{suffix})"


def actor_from(actor: str, role: str, affiliation: str | None) -> Actor:
    """An Actor from a key record's fields; a role the mechanism does not know is refused."""
    try:
        known = Role(role)
    except ValueError:
        allowed = ", ".join(member.value for member in Role)
        raise InvalidInput(
            f"unknown role {role!r}; the roles are {allowed}", field="role"
        ) from None
    return Actor(actor, known, affiliation)


def check_enrolment(
    actor: Actor, party_ids: tuple[str, ...], mediator_ids: tuple[str, ...]
) -> None:
    """A liaison acts for a party of the agreement, a mediator for one of its mediators.

    Before any agreement is proposed there are no parties, so only staff without an
    affiliation (monitors, secretariat, observers, witnesses, importers) can be enrolled.
    """
    if actor.role is Role.LIAISON:
        _require_among(actor, party_ids, "party")
    elif actor.role is Role.MEDIATOR:
        _require_among(actor, mediator_ids, "mediator")
    elif actor.affiliation is not None and actor.affiliation not in (*party_ids, *mediator_ids):
        raise InvalidInput(
            f"unknown affiliation {actor.affiliation!r}; the agreement's parties and mediators "
            f"are {', '.join((*party_ids, *mediator_ids)) or 'not yet known'}",
            field="affiliation",
        )


_PLURAL = {"party": "parties", "mediator": "mediators"}


def _require_among(actor: Actor, ids: tuple[str, ...], what: str) -> None:
    if actor.affiliation is None:
        raise InvalidInput(
            f"a {actor.role} acts for a {what}: give its affiliation "
            f"({', '.join(ids) or 'no agreement proposed yet'})",
            field="affiliation",
        )
    if actor.affiliation not in ids:
        raise InvalidInput(
            f"unknown {what} {actor.affiliation!r}; the agreement's {_PLURAL[what]} are "
            f"{', '.join(ids) or 'not yet known (propose the agreement first)'}",
            field="affiliation",
        )
