"""Which checkpoints are "confirmed": their witnesses' cosignatures satisfy the agreement's policy.

The policy is C2SP ``tlog-policy`` text (:mod:`ceasefire.log.policy`), written from two things
the log itself holds: the agreement version in force (its ``[witnessing]`` rules: how many
parties and mediators must have a witness cosign) and the keyring (which witness keys are
enrolled, and for whom: a witness's ``affiliation``). :func:`policy_for` writes it as:

- ``log <the log's vkey>``;
- ``witness <actor> <vkey>`` for every witness key still valid (a rotated-away key no longer
  counts: name, key id and key are those of the actor's current key);
- ``group party/<id> any <witnesses of that party>`` (and ``mediator/<id>``): one witness of a
  signatory speaks for it;
- ``group group/parties <k> party/...`` and ``group group/mediators <k> mediator/...`` with the
  agreement's counts, and ``group group/confirmed all`` of those two when both are needed;
- ``quorum`` the group that must hold.

Group names hold a ``/``, which no actor id may, so they never clash with a witness's name.
When the agreement needs more parties or mediators than have a witness enrolled, no policy can
be met: :func:`policy_for` refuses (fail closed) and names who has no witness.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

from ceasefire.domain.agreements import Agreement
from ceasefire.errors import CeasefireError, Conflict
from ceasefire.log.keyring import KeyRecord
from ceasefire.log.keys import ED25519_COSIGNATURE, VerifierKey
from ceasefire.log.note import Note, NoteSignature
from ceasefire.log.policy import Group, Policy, Witness, group
from ceasefire.services.agreements import require_in_force
from ceasefire.services.ports import CosignatureRow, LogIdentity, Store, StoredCheckpoint

WITNESS_ROLE = "witness"


@dataclass(frozen=True)
class Confirmation:
    """The state of one checkpoint under the policy, and the latest checkpoint confirmed."""

    size: int
    cosigners: tuple[str, ...]
    """The policy's witnesses whose cosignature of this checkpoint verifies, sorted."""
    quorum_met: bool
    latest_confirmed: int | None
    """The size of the latest checkpoint (at or below ``size``) whose cosigners meet the
    quorum; None when none does."""
    policy: Policy | None
    problem: str | None = None
    """Why no policy could be written (``policy`` is then None and nothing is confirmed)."""


def policy_for(agreement: Agreement, identity: LogIdentity, keys: Iterable[KeyRecord]) -> Policy:
    """The tlog-policy of the module docstring, for ``agreement`` and the enrolled ``keys``."""
    witnesses = sorted(
        (k for k in keys if k.role == WITNESS_ROLE and k.revoked_at is None),
        key=lambda k: k.actor,
    )
    rules = agreement.witness_rules
    groups: list[Group] = []
    needed: list[str] = []
    for kind, prefix, members in (
        ("parties", "party", [p.id for p in agreement.parties]),
        ("mediators", "mediator", [m.id for m in agreement.mediators]),
    ):
        count = rules.needed(kind, len(members))
        if count == 0:
            continue
        mine = [
            group(
                f"{prefix}/{member}", "any", [w.actor for w in witnesses if w.affiliation == member]
            )
            for member in members
            if any(w.affiliation == member for w in witnesses)
        ]
        if len(mine) < count:
            without = [m for m in members if f"{prefix}/{m}" not in {g.name for g in mine}]
            raise Conflict(
                f"the agreement needs a witness of {count} of its {kind} ({', '.join(members)}); "
                f"{', '.join(without)} has no witness enrolled, so no checkpoint can be confirmed",
                field="witnessing",
            )
        groups += mine
        groups.append(group(f"group/{kind}", count, [g.name for g in mine]))
        needed.append(f"group/{kind}")
    if len(needed) > 1:
        groups.append(group("group/confirmed", "all", needed))
    quorum = groups[-1].name if groups else None
    return Policy(
        logs=(VerifierKey.from_text(identity.log_vkey),),
        witnesses=tuple(
            Witness(w.actor, VerifierKey(w.actor, ED25519_COSIGNATURE, w.public_key))
            for w in witnesses
        ),
        groups=tuple(groups),
        quorum=quorum,
    )


def cosigners(
    policy: Policy, checkpoint: StoredCheckpoint, rows: Sequence[CosignatureRow]
) -> dict[str, int]:
    """The policy's witnesses whose stored cosignature of ``checkpoint`` verifies, with its
    timestamp. A cosignature that does not verify is left out (``verify`` reports it)."""
    found: dict[str, int] = {}
    for row in rows:
        try:
            note = Note.from_text(checkpoint.note).with_signatures(
                NoteSignature.from_line(row.line)
            )
            for name, timestamp in policy.cosigners(note).items():
                found[name] = timestamp
        except CeasefireError:
            continue
    return found


def confirm_latest(
    policy: Policy | None,
    checkpoints: Iterable[StoredCheckpoint],
    cosignatures: Callable[[int], Sequence[CosignatureRow]],
    *,
    problem: str | None = None,
    ordered: bool = False,
) -> Confirmation:
    """The latest of ``checkpoints`` (any order; ``ordered``: newest first already, read only
    as far as needed), its cosigners, and the latest one whose cosigners meet ``policy``'s
    quorum, looked for from the newest down (so a log whose witnesses keep up answers after
    one or two checkpoints)."""
    newest_first = iter(
        checkpoints if ordered else sorted(checkpoints, key=lambda c: c.size, reverse=True)
    )
    latest = next(newest_first, None)
    if latest is None:
        return Confirmation(0, (), False, None, policy, problem)
    found = _cosigners(policy, latest, cosignatures)
    names, met = tuple(sorted(found)), policy is not None and policy.satisfied(found)
    confirmed = latest.size if met else None
    if policy is not None and not met:
        for checkpoint in newest_first:
            if policy.satisfied(_cosigners(policy, checkpoint, cosignatures)):
                confirmed = checkpoint.size
                break
    return Confirmation(latest.size, names, met, confirmed, policy, problem)


def _cosigners(
    policy: Policy | None,
    checkpoint: StoredCheckpoint,
    cosignatures: Callable[[int], Sequence[CosignatureRow]],
) -> dict[str, int]:
    if policy is None:
        return {}
    rows = cosignatures(checkpoint.size)
    return cosigners(policy, checkpoint, rows) if rows else {}


# --- over a store ------------------------------------------------------------------------------


def store_policy(store: Store) -> Policy:
    """The policy of the agreement in force, over the witness keys enrolled now."""
    adoption = require_in_force(store)
    return policy_for(adoption.agreement, store.head().identity, store.key_records())


def confirmation(store: Store, size: int | None = None) -> Confirmation:
    """The checkpoint at ``size`` (default: the latest): who cosigned it, whether the quorum is
    met, and the latest confirmed checkpoint up to it."""
    try:
        policy, problem = store_policy(store), None
    except Conflict as exc:
        policy, problem = None, exc.message
    latest = store.latest_checkpoint() if size is None else store.checkpoint(size)
    # Only the latest checkpoint and the cosigned ones can be confirmed: the others are never
    # read (a page asks this on every view; a long log has a checkpoint per append).
    cosigned = (store.checkpoint(s) for s in store.cosigned_sizes(latest.size) if s != latest.size)
    checkpoints = chain([latest], cosigned)
    return confirm_latest(policy, checkpoints, store.cosignatures, problem=problem, ordered=True)
