"""A file's chain of custody: who holds it, and who may hand it on.

The chain starts with the ``evidence.submitted`` event (its ``submitted`` step) and goes on with
``custody.recorded`` events. A file is held by whoever submitted it, until they transfer it, and
by whoever it is transferred to; a file submitted for two reports, by two actors, has two
holders, each with their own copy. Only a holder hands the file on or seals it — a chain in
which someone who never had the file passes it to someone else proves nothing. Viewing, copying
and analysing move nothing: anyone the policy lets see the file may record them (the policy is
the admission's, in ``services.record``).

This module is pure, as the rest of the domain: the admission hands it the chain as the record
holds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from ceasefire.domain.events import CustodyAction
from ceasefire.errors import Conflict, PermissionDenied

HOLDER_ACTIONS: Final = frozenset({CustodyAction.TRANSFERRED, CustodyAction.SEALED})
"""What only a holder of the file does: hand it on, or seal it."""


@dataclass(frozen=True)
class Handling:
    """One step of a file's chain of custody, as the record keeps it (``to``: whom a transfer
    goes to)."""

    index: int
    action: CustodyAction
    actor: str
    to: str | None = None


def holders(chain: Iterable[Handling]) -> dict[str, int]:
    """Who holds the file after ``chain`` (its steps in log order), each with the index at
    which they took it: its submitters, and for each transfer the recipient in place of the
    actor who handed it on."""
    held: dict[str, int] = {}
    for step in chain:
        if step.action is CustodyAction.SUBMITTED:
            held.setdefault(step.actor, step.index)
        elif step.action is CustodyAction.TRANSFERRED and step.to is not None:
            held.pop(step.actor, None)
            held.setdefault(step.to, step.index)
    return held


def check_handling(
    sha256: str, chain: Iterable[Handling], actor: str, action: CustodyAction, to: str | None
) -> None:
    """Refuse a transfer or a seal by an actor who does not hold the file (naming who does),
    and a transfer to the actor who holds it already, which would move nothing.

    A holder may seal the file again: it is unsealed to be viewed and sealed once more, and
    each seal is a fact of the chain."""
    if action not in HOLDER_ACTIONS:
        return
    held = holders(chain)
    if actor not in held:
        named = ", ".join(f"{who} (since index {index})" for who, index in held.items())
        verb = "transfer" if action is CustodyAction.TRANSFERRED else "seal"
        raise PermissionDenied(
            f"file {sha256} is held by {named or 'no one'}; {actor} does not hold it and may "
            f"not {verb} it",
            field="actor",
        )
    if action is CustodyAction.TRANSFERRED and to == actor:
        raise Conflict(
            f"{actor} holds file {sha256} already (since index {held[actor]}): a transfer "
            "names the actor the file goes to",
            field="body.to",
        )
