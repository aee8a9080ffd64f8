"""What a party checks with nothing but the log's verifier key: a light client of the log.

``README.md`` ("How a party verifies the log", steps 1–3), as one call over any source of the
log's public answers (the HTTP API in ``ceasefire log check --url``):

1. the latest checkpoint's signature verifies under the pinned verifier key, and its origin is
   the key's (``log.checkpoint.open_checkpoint``);
2. each entry asked for is in that tree: its leaf hash is recomputed from the envelope the
   source gives (the leaf is the envelope's canonical JSON), and its inclusion proof leads
   from that hash to the checkpoint's root (RFC 9162 §2.1.3.2);
3. the checkpoint accepted last time (if any) is a prefix of this one: the consistency proof
   leads from *its* root — the one kept, never the one the source states — to the new root
   (RFC 9162 §2.1.4.2). A smaller tree, or another root at the same size, is a rewritten log;
4. given the witnesses' keys (pinned out of band, as the log's), each one's cosignature on the
   checkpoint, if it carries one, verifies, and is not dated after ``now`` (the reader's clock)
   by more than the clock skew (``log.cosignature.dated_ahead``): no witness cosigns in the
   future, and a cosignature accepted from the future would stay the newest;
5. each one's cosignature can be true together with its cosignature on the checkpoint accepted
   last time (``log.cosignature.contradiction``): a larger tree dated earlier than the smaller
   one accepted, or a smaller later, says the witness went back. On the same checkpoint, an
   older cosignature than the one accepted (or none) is only a warning — both are true — and
   the note kept for next time keeps the newer.

Nothing the source says is believed unless a proof shows it; every refusal is a
VerificationError naming what failed. A refusal in steps 3 and 5 is :class:`Refused`, which
holds both notes — the one accepted before and the one presented — the proof to keep.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ceasefire.errors import InvalidInput, NotFound, VerificationError
from ceasefire.log.canonical import canonical_json
from ceasefire.log.checkpoint import Checkpoint, open_checkpoint
from ceasefire.log.cosignature import (
    Cosigned,
    contradiction,
    cosigned_by,
    dated_ahead,
    moment,
)
from ceasefire.log.hashing import leaf_hash
from ceasefire.log.keys import ED25519_COSIGNATURE, VerifierKey
from ceasefire.log.note import Note
from ceasefire.log.proofs import verify_consistency, verify_inclusion


class LogSource(Protocol):
    """The log's public answers, as the API gives them (``/api/v1/log/...``)."""

    def checkpoint(self) -> str: ...

    def entry(self, index: int) -> Mapping[str, Any]: ...

    def inclusion(self, index: int, size: int) -> Mapping[str, Any]: ...

    def consistency(self, old: int, new: int) -> Mapping[str, Any]: ...


class Refused(VerificationError):
    """A refusal of steps 3 or 5, with both notes: the proof that the log (or a witness)
    stated two things that cannot both be true."""

    def __init__(self, message: str, *, accepted: str, presented: str) -> None:
        super().__init__(message, field="checkpoint")
        self.accepted = accepted
        self.presented = presented


@dataclass(frozen=True)
class Checked:
    """What was proved: the checkpoint (its note, to keep for next time), the entries found in
    it, the size of the checkpoint accepted before (None: the first check), the given
    witnesses' cosignatures on it, and what is worth a warning."""

    checkpoint: Checkpoint
    note: str
    entries: tuple[int, ...]
    since: int | None
    cosigned: tuple[Cosigned, ...] = ()
    warnings: tuple[str, ...] = ()


def check_quorum(quorum: int | None, witnesses: Sequence[VerifierKey]) -> None:
    """Refuse a quorum larger than the witnesses pinned to meet it."""
    if quorum is not None and quorum > len(witnesses):
        raise InvalidInput(
            f"a quorum of {quorum} needs at least {quorum} --witness-vkey (given {len(witnesses)})",
            field="quorum",
        )


def short_of_quorum(
    quorum: int | None, witnesses: Sequence[VerifierKey], cosigned: Sequence[Cosigned]
) -> str | None:
    """Why the checkpoint is not accepted for want of cosignatures by ``quorum`` of the pinned
    ``witnesses``; None when it has them (or no quorum is asked). No proof of anything: the
    witnesses may not have seen the checkpoint yet."""
    signed = {c.name for c in cosigned}
    have = [key.name for key in witnesses if key.name in signed]
    if quorum is None or len(have) >= quorum:
        return None
    return (
        f"the checkpoint is cosigned by {len(have)} of the {len(witnesses)} pinned witnesses "
        f"({', '.join(have) or 'none'}), short of the quorum of {quorum}: it is not accepted "
        "(the witnesses may not have seen it yet; check again later)"
    )


def check(
    source: LogSource,
    vkey: VerifierKey,
    entries: Sequence[int],
    accepted: str | None = None,
    *,
    witnesses: Sequence[VerifierKey] = (),
    now: datetime | None = None,
) -> Checked:
    """Steps 1–5 of the module docstring; ``accepted``: the note of the checkpoint accepted
    last time, opened with the same key; ``witnesses``: their cosignature keys (type 0x04);
    ``now``: the reader's clock (None: timestamps are not judged against it)."""
    for key in witnesses:
        if key.key_type != ED25519_COSIGNATURE:
            raise InvalidInput(
                f"a witness key is a cosignature/v1 key (type 0x04), found type "
                f"0x{key.key_type:02x} for {key.name}",
                field="witness_vkey",
            )
    note = source.checkpoint()
    checkpoint, opened = open_checkpoint(note, vkey)
    size, root = checkpoint.size, checkpoint.root_hash
    for index in entries:
        _check_entry(source, index, size, root)
    cosigned = _check_cosigned(opened, witnesses, now)
    if accepted is None:
        return Checked(checkpoint, note, tuple(entries), None, cosigned)
    before, kept = open_checkpoint(accepted, vkey)
    _check_prefix(source, before, checkpoint, accepted, note)
    try:
        held = cosigned_by(kept, witnesses)
    except VerificationError as exc:
        raise VerificationError(
            f"the checkpoint accepted before carries a witness's cosignature that does not "
            f"verify (it was kept unchecked, before that witness's key was given): {exc.message}",
            field="state",
        ) from exc
    _check_witnesses(held, cosigned, accepted, note)
    if before != checkpoint:
        return Checked(checkpoint, note, tuple(entries), before.size, cosigned)
    note, warnings = _newest(opened, held, cosigned)
    return Checked(checkpoint, note, tuple(entries), before.size, cosigned, warnings)


def _check_cosigned(
    note: Note, witnesses: Sequence[VerifierKey], now: datetime | None
) -> tuple[Cosigned, ...]:
    """Step 4: the given witnesses' cosignatures verify, and none is dated in the future."""
    found = tuple(cosigned_by(note, witnesses))
    if now is None:
        return found
    for cosigned in found:
        ahead = dated_ahead(cosigned, int(now.timestamp()))
        if ahead is not None:
            raise VerificationError(ahead, field="cosignature.timestamp")
    return found


def _check_witnesses(
    held: Sequence[Cosigned], cosigned: Sequence[Cosigned], accepted: str, presented: str
) -> None:
    """Step 5: each witness's cosignature against its cosignature accepted last time."""
    for before in held:
        for current in cosigned:
            clash = contradiction(before, current)
            if clash is not None:
                raise Refused(
                    f"{clash.message}; accepted before: {clash.expected}, now: {clash.found}",
                    accepted=accepted,
                    presented=presented,
                )


def _newest(
    note: Note, held: Sequence[Cosigned], cosigned: Sequence[Cosigned]
) -> tuple[str, tuple[str, ...]]:
    """Step 5 on the same checkpoint: the note to keep, with each witness's newer cosignature,
    and a warning for each witness whose cosignature is older than the one accepted, or gone."""
    served = {(c.name, c.key_id): c for c in cosigned}
    kept = note
    warnings: list[str] = []
    for before in held:
        current = served.get((before.name, before.key_id))
        if current is not None and current.timestamp >= before.timestamp:
            continue
        what = (
            "no cosignature"
            if current is None
            else f"a cosignature dated {moment(current.timestamp)}"
        )
        warnings.append(
            f"the server serves {what} by witness {before.name} of the tree of {before.size} "
            f"entries, where one dated {moment(before.timestamp)} was accepted before: the "
            "newer is kept"
        )
        line = next(
            s
            for s in Note.from_text(before.note).signatures
            if (s.name, s.key_id) == (before.name, before.key_id)
        )
        kept = kept.with_signatures(line)
    return kept.to_text(), tuple(warnings)


def _check_entry(source: LogSource, index: int, size: int, root: bytes) -> None:
    if not 0 <= index < size:
        raise NotFound(  # as the log's own proofs answer an entry beyond the tree
            f"entry {index} is not in the checkpoint's tree of {size} entries", field="entry"
        )
    envelope = source.entry(index).get("envelope")
    if not isinstance(envelope, dict):
        raise VerificationError(f"the source gave no envelope for entry {index}", field="entry")
    hashed = leaf_hash(canonical_json(envelope, what=f"entry {index}"))
    proof = _hashes(source.inclusion(index, size).get("proof"), f"inclusion proof of {index}")
    try:
        verify_inclusion(hashed, index, size, proof, root)
    except VerificationError as exc:
        raise VerificationError(
            f"entry {index} is not in the checkpoint's tree of {size} entries as the source "
            f"gave it: {exc.message}",
            field="entry",
        ) from exc


def _check_prefix(
    source: LogSource, before: Checkpoint, now: Checkpoint, accepted: str, presented: str
) -> None:
    if now.size < before.size:
        raise Refused(
            f"the log shrank: {now.size} entries now, {before.size} in the checkpoint accepted "
            "before: its history was rewritten",
            accepted=accepted,
            presented=presented,
        )
    if now.size == before.size:
        if now.root_hash != before.root_hash:
            raise Refused(
                f"two roots for the tree of {now.size} entries: the log forked",
                accepted=accepted,
                presented=presented,
            )
        return
    answer = source.consistency(before.size, now.size)
    proof = _hashes(answer.get("proof"), "consistency proof")
    try:
        verify_consistency(before.size, now.size, before.root_hash, now.root_hash, proof)
    except VerificationError as exc:
        raise Refused(
            f"the tree of {before.size} entries accepted before is not a prefix of the tree "
            f"of {now.size}: {exc.message}",
            accepted=accepted,
            presented=presented,
        ) from exc


def _hashes(found: object, what: str) -> list[bytes]:
    if not isinstance(found, list) or not all(isinstance(h, str) for h in found):
        raise VerificationError(f"the source's {what} is not a list of hashes", field="proof")
    try:
        return [base64.b64decode(h, validate=True) for h in found]
    except (binascii.Error, ValueError) as exc:
        raise VerificationError(f"the source's {what} holds a hash that is not base64",
                                field="proof") from exc  # fmt: skip
