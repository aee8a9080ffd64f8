"""Step 3 of ``ceasefire verify`` (``services.verify``): every stored checkpoint is signed by
the log key, names this origin, matches its row, has the root the verified tree has at that
size and is consistent with the previous checkpoint; its witness cosignatures verify under
enrolled witness keys, and what they state can all be true (``log.cosignature``): no witness
key cosigned a larger tree at an earlier time than a smaller one, and, given the reader's clock
``now``, none is dated after it by more than the clock skew."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from ceasefire.errors import CeasefireError
from ceasefire.log.checkpoint import open_checkpoint
from ceasefire.log.cosignature import (
    CLOCK_SKEW,
    Cosigned,
    contradiction,
    dated_ahead,
    moment,
    verify_cosignature,
)
from ceasefire.log.keyring import Keyring
from ceasefire.log.keys import ED25519_COSIGNATURE, VerifierKey
from ceasefire.log.merkle import consistency_proof, root_at
from ceasefire.log.note import Note, NoteSignature
from ceasefire.log.proofs import verify_consistency
from ceasefire.services.ports import LogHead, StoredCheckpoint
from ceasefire.services.verify_report import LogSource, Problem, VerifyReport


def check_checkpoints(
    store: LogSource,
    head: LogHead,
    keyring: Keyring | None,
    report: VerifyReport,
    now: datetime | None,
) -> None:
    log_key = VerifierKey.from_text(head.identity.log_vkey)
    previous: StoredCheckpoint | None = None
    latest = 0
    cosigners = _Cosigners(head.identity.origin, now)
    for checkpoint in store.checkpoints():
        problem = _check_checkpoint(store, head, log_key, checkpoint, previous)
        if problem is not None:
            report.add(replace(problem, level=None))
        elif keyring is not None:
            _check_cosignatures(store, checkpoint, keyring, report, cosigners)
        report.checkpoints_checked += 1
        previous, latest = checkpoint, checkpoint.size
    if latest != head.size:
        report.add(
            Problem(
                min(latest, head.size),
                "checkpoints",
                "the latest signed checkpoint is not at the log's size",
                expected=str(head.size),
                found=str(latest),
                level=None,
            )
        )


def _check_checkpoint(
    store: LogSource,
    head: LogHead,
    log_key: VerifierKey,
    checkpoint: StoredCheckpoint,
    previous: StoredCheckpoint | None,
) -> Problem | None:
    where = f"checkpoint at size {checkpoint.size}"
    index = max(checkpoint.size - 1, 0)
    try:
        opened, _ = open_checkpoint(checkpoint.note, log_key, origin=head.identity.origin)
    except CeasefireError as exc:
        return Problem(index, where, f"the signed note does not verify: {exc}")
    if (opened.size, opened.root_hash) != (checkpoint.size, checkpoint.root):
        return Problem(
            index,
            where,
            "the signed note and its stored row disagree",
            expected=f"{opened.size} {opened.root_hash.hex()}",
            found=f"{checkpoint.size} {checkpoint.root.hex()}",
        )
    if checkpoint.size > head.size:
        return Problem(head.size, where, f"checkpoint beyond the log's size {head.size}")
    try:
        actual = root_at(store, checkpoint.size)
        if actual != checkpoint.root:
            return Problem(
                index,
                where,
                "the signed root is not the root of the stored tree at that size",
                expected=checkpoint.root.hex(),
                found=actual.hex(),
            )
        if previous is not None and 0 < previous.size < checkpoint.size:
            proof = consistency_proof(store, previous.size, checkpoint.size)
            verify_consistency(
                previous.size, checkpoint.size, previous.root, checkpoint.root, proof
            )
    except CeasefireError as exc:
        return Problem(index, where, str(exc))
    return None


def _check_cosignatures(
    store: LogSource,
    checkpoint: StoredCheckpoint,
    keyring: Keyring,
    report: VerifyReport,
    cosigners: _Cosigners,
) -> None:
    witnesses = {
        record.actor: VerifierKey(record.actor, ED25519_COSIGNATURE, record.public_key)
        for record in keyring.rows()
        if record.role == "witness"
    }
    for row in store.cosignatures(checkpoint.size):
        where = f"cosignature by {row.name} of checkpoint {checkpoint.size}"
        key = witnesses.get(row.name)
        try:
            if key is None:
                raise CeasefireError(f"{row.name!r} is not an enrolled witness")
            note = Note.from_text(checkpoint.note).with_signatures(
                NoteSignature.from_line(row.line)
            )
            timestamp = verify_cosignature(note, key)
        except CeasefireError as exc:
            report.add(Problem(max(checkpoint.size - 1, 0), where, str(exc), level=None))
            continue
        found = Cosigned(
            row.name, key.key_id, timestamp, cosigners.origin, checkpoint.size, checkpoint.root
        )
        for problem in cosigners.judge(found):
            report.add(Problem(max(checkpoint.size - 1, 0), where, *problem, level=None))


@dataclass
class _Cosigners:
    """What the checkpoints verified so far had each witness key state: the cosignature of a
    smaller tree dated latest, to which each cosignature of a larger tree is compared."""

    origin: str
    now: datetime | None
    latest: dict[tuple[str, int], Cosigned] = field(default_factory=dict)

    def judge(self, found: Cosigned) -> list[tuple[str, str, str]]:
        """``(message, expected, found)`` for each problem with ``found``, a cosignature of a
        tree no smaller than any judged before."""
        problems: list[tuple[str, str, str]] = []
        if self.now is not None:
            now = int(self.now.timestamp())
            ahead = dated_ahead(found, now)
            if ahead is not None:
                problems.append((ahead, f"at most {moment(now + CLOCK_SKEW)}", found.describe()))
        pair = (found.name, found.key_id)
        held = self.latest.get(pair)
        clash = None if held is None else contradiction(held, found)
        if clash is not None:
            problems.append((clash.message, clash.expected, clash.found))
        if held is None or found.timestamp > held.timestamp:
            self.latest[pair] = found
        return problems
