"""What the parties' witnesses have confirmed, as the pages show it.

The figures a page shows are computed from the whole log the server holds; a party that does
not trust the server trusts them as far as its own witness has checked and cosigned the log
(``ceasefire witness``). Every page that shows figures says so: the latest checkpoint, which
witnesses cosigned it, and the latest checkpoint whose cosignatures meet the agreement's
witness policy (``services.confirmation``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ceasefire.services import confirmation
from ceasefire.services.ports import Store


@dataclass(frozen=True)
class Witnessed:
    size: int
    """Entries in the log the figures were computed from."""
    cosigners: tuple[tuple[str, str | None], ...]
    """The policy's witnesses that cosigned the latest checkpoint, with whom each acts for."""
    quorum_met: bool
    latest_confirmed: int | None
    problem: str | None
    policy: str | None
    """The policy's text (C2SP tlog-policy)."""


def witnessed(store: Store) -> Witnessed:
    found = confirmation.confirmation(store)
    acts_for = {k.actor: k.affiliation for k in store.key_records()}
    return Witnessed(
        size=store.head().size,
        cosigners=tuple((name, acts_for.get(name)) for name in found.cosigners),
        quorum_met=found.quorum_met,
        latest_confirmed=found.latest_confirmed,
        problem=found.problem,
        policy=found.policy.to_text() if found.policy is not None else None,
    )
