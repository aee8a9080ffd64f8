"""What this witness reads of the witnesses' cosignatures, and how its own are dated.

Every cycle the follower reads cosignatures in two places: the server's latest checkpoint (the
cosignatures the server attached) and each peer's latest cosigned checkpoint. Each line under a
witness key enrolled in the log (the keyring of this witness's own copy, its own key among
them) is judged by what a cosignature states (tlog-cosignature: "as of the time, the
consistent tree head with the largest size the cosigner has observed"; ``log.cosignature``):

1. it verifies under that key, else alarm ``cosigner``: a line in a witness's name that the
   witness did not sign;
2. it is not dated after this witness's clock by more than 5 minutes, else alarm ``cosigner``.
   Such a cosignature is not remembered: kept, it would stay the newest, and every true
   cosignature after it would look older;
3. it can be true together with the cosignature of the largest tree this witness has seen that
   witness make (``LogState.cosigners``): another root for the same size is alarm
   ``witness-fork``; a smaller tree dated later than a larger one is alarm
   ``witness-rollback``. The witness's signatures on both notes are the proof, and the alarm
   keeps both (``details``: ``held``, ``presented``); the one held stays held.
4. a peer's latest cosigned checkpoint is not smaller than one it presented before
   (``LogState.peers``), nor another root for the same size: a witness whose state went back
   would cosign again from there, perhaps another history (alarm ``witness-rollback``, or
   ``witness-fork``; both notes kept).

This witness's own cosignatures are dated by :func:`cosigning_time`: never before its last one,
so a clock set back never makes it cosign a larger tree at an earlier time than a smaller one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ceasefire.errors import CeasefireError
from ceasefire.log.checkpoint import Checkpoint, open_checkpoint
from ceasefire.log.cosignature import (
    CLOCK_SKEW,
    Cosigned,
    Fault,
    contradiction,
    cosigned_by,
    dated_ahead,
    moment,
)
from ceasefire.log.keys import SigningKey, VerifierKey
from ceasefire.log.note import Note
from ceasefire.witness.alarms import Check, Finding
from ceasefire.witness.state import LogState, StateFile

_CHECKS = {Fault.FORK: Check.WITNESS_FORK, Fault.ROLLBACK: Check.WITNESS_ROLLBACK}


@dataclass(frozen=True)
class Read:
    """A checkpoint note as read at ``where``; ``peer``: presented as a peer's latest."""

    where: str
    note: str
    peer: bool = False


def cosigning_time(known: LogState, key: SigningKey, now: datetime) -> int:
    """The timestamp of this witness's next cosignature of ``known``'s log: ``now``, or its
    last cosignature's time if the clock reads earlier (rule of the module docstring)."""
    cosigner = key.cosignature_key()
    last = [known.cosigned_at(cosigner.name, cosigner.key_id) or 0]
    held = known.cosigners.get(cosigner.name)
    if held is not None and held.key_id == cosigner.key_id:
        last.append(held.timestamp)
    return max(int(now.timestamp()), *last)


def check(
    state: StateFile,
    origin: str,
    read: Sequence[Read],
    keys: Mapping[str, VerifierKey],
    log_key: VerifierKey,
    now: datetime,
) -> list[Finding]:
    """Rules 1–4 for each note ``read`` of the log ``origin``; what is to be remembered is
    saved in the state (under its lock) before the findings are returned."""

    def change(current: LogState | None) -> list[Finding]:
        if current is None:
            return []
        updated, findings = current, []
        for item in read:
            updated, found = _check(updated, item, keys, log_key, int(now.timestamp()))
            findings += found
        if updated != current:
            state.put(updated)
        return findings

    return state.update(origin, change)


def _check(
    known: LogState, read: Read, keys: Mapping[str, VerifierKey], log_key: VerifierKey, now: int
) -> tuple[LogState, list[Finding]]:
    try:
        checkpoint, note = open_checkpoint(read.note, log_key)
    except CeasefireError:
        return known, []  # not the log's checkpoint: the peer check raises that alarm
    findings: list[Finding] = []
    held = dict(known.cosigners)
    for key in keys.values():
        try:
            found = cosigned_by(note, [key])
        except CeasefireError as exc:
            findings.append(_invalid(read, key, checkpoint, exc))
            continue
        for cosigned in found:
            finding = _judge(replace(cosigned, note=read.note), held.get(key.name), read, now)
            if finding is not None:
                findings.append(finding)
            elif _newer(cosigned, held.get(key.name)):
                held[key.name] = replace(cosigned, note=read.note)
    known = replace(known, cosigners=held)
    if read.peer:
        known, finding = _peer(known, read, checkpoint)
        findings += [finding] if finding is not None else []
    return known, findings


def _judge(cosigned: Cosigned, held: Cosigned | None, read: Read, now: int) -> Finding | None:
    """Rules 2 and 3 for one verified cosignature."""
    ahead = dated_ahead(cosigned, now)
    details = {"witness": cosigned.name, "source": read.where, "presented": read.note}
    if ahead is not None:
        return Finding(
            Check.COSIGNER,
            f"{read.where} shows {ahead}",
            size=cosigned.size,
            expected=f"at most {moment(now + CLOCK_SKEW)}",
            found=str(cosigned.timestamp),
            details=details,
        )
    clash = None if held is None else contradiction(held, cosigned)
    if clash is None:
        return None
    return Finding(
        _CHECKS[clash.fault],
        f"{read.where} shows a cosignature that contradicts one seen before: {clash.message}",
        size=cosigned.size,
        expected=clash.expected,
        found=clash.found,
        details={**details, "held": clash.held.note},
    )


def _newer(cosigned: Cosigned, held: Cosigned | None) -> bool:
    """Whether ``cosigned`` replaces ``held`` as the witness's cosignature of the largest tree."""
    if held is None or held.key_id != cosigned.key_id:
        return True  # a witness's new key starts a new history
    if cosigned.size != held.size:
        return cosigned.size > held.size
    return cosigned.timestamp > held.timestamp


def _invalid(read: Read, key: VerifierKey, checkpoint: Checkpoint, exc: CeasefireError) -> Finding:
    return Finding(
        Check.COSIGNER,
        f"{read.where} shows a cosignature under witness {key.name}'s enrolled key that does "
        f"not verify: {exc.message}",
        size=checkpoint.size,
        expected=f"a cosignature by {key.to_text()}",
        details={"witness": key.name, "source": read.where, "presented": read.note},
    )


def _peer(known: LogState, read: Read, checkpoint: Checkpoint) -> tuple[LogState, Finding | None]:
    """Rule 4: the peer's latest cosigned checkpoint against the largest it presented before."""
    before = known.peers.get(read.where)
    if before is None:
        return replace(known, peers={**known.peers, read.where: read.note}), None
    held = Checkpoint.from_text(Note.from_text(before).text)
    details = {"peer": read.where, "held": before, "presented": read.note}
    if checkpoint.size < held.size:
        return known, Finding(
            Check.WITNESS_ROLLBACK,
            f"peer {read.where} presents the tree of {checkpoint.size} entries as the latest it "
            f"cosigned, after it presented the tree of {held.size} entries: its state went "
            "back, and it would cosign again from there (both checkpoints kept)",
            size=checkpoint.size,
            expected=f"size >= {held.size}",
            found=f"size {checkpoint.size}",
            details=details,
        )
    if checkpoint.size == held.size and checkpoint.root_hash != held.root_hash:
        return known, Finding(
            Check.WITNESS_FORK,
            f"peer {read.where} presents another root for the tree of {held.size} entries than "
            "it presented before: it cosigned two histories (both checkpoints kept)",
            size=held.size,
            expected=held.root_hash.hex(),
            found=checkpoint.root_hash.hex(),
            details=details,
        )
    if checkpoint.size > held.size:
        known = replace(known, peers={**known.peers, read.where: read.note})
    return known, None
