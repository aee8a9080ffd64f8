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
   (RFC 9162 §2.1.4.2). A smaller tree, or another root at the same size, is a rewritten log.

Nothing the source says is believed unless a proof shows it; every refusal is a
VerificationError naming what failed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ceasefire.errors import InvalidInput, VerificationError
from ceasefire.log.canonical import canonical_json
from ceasefire.log.checkpoint import Checkpoint, open_checkpoint
from ceasefire.log.hashing import leaf_hash
from ceasefire.log.keys import VerifierKey
from ceasefire.log.proofs import verify_consistency, verify_inclusion


class LogSource(Protocol):
    """The log's public answers, as the API gives them (``/api/v1/log/...``)."""

    def checkpoint(self) -> str: ...

    def entry(self, index: int) -> Mapping[str, Any]: ...

    def inclusion(self, index: int, size: int) -> Mapping[str, Any]: ...

    def consistency(self, old: int, new: int) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Checked:
    """What was proved: the checkpoint (its note, to keep for next time), the entries found in
    it, and the size of the checkpoint accepted before (None: the first check)."""

    checkpoint: Checkpoint
    note: str
    entries: tuple[int, ...]
    since: int | None


def check(
    source: LogSource, vkey: VerifierKey, entries: Sequence[int], accepted: str | None = None
) -> Checked:
    """Steps 1–3 of the module docstring; ``accepted``: the note of the checkpoint accepted
    last time, opened with the same key."""
    note = source.checkpoint()
    checkpoint, _ = open_checkpoint(note, vkey)
    size, root = checkpoint.size, checkpoint.root_hash
    for index in entries:
        _check_entry(source, index, size, root)
    since = None
    if accepted is not None:
        before, _ = open_checkpoint(accepted, vkey)
        _check_prefix(source, before, checkpoint)
        since = before.size
    return Checked(checkpoint, note, tuple(entries), since)


def _check_entry(source: LogSource, index: int, size: int, root: bytes) -> None:
    if not 0 <= index < size:
        raise InvalidInput(
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


def _check_prefix(source: LogSource, before: Checkpoint, now: Checkpoint) -> None:
    if now.size < before.size:
        raise VerificationError(
            f"the log shrank: {now.size} entries now, {before.size} in the checkpoint accepted "
            "before: its history was rewritten",
            field="checkpoint",
        )
    if now.size == before.size:
        if now.root_hash != before.root_hash:
            raise VerificationError(
                f"two roots for the tree of {now.size} entries: the log forked",
                field="checkpoint",
            )
        return
    answer = source.consistency(before.size, now.size)
    proof = _hashes(answer.get("proof"), "consistency proof")
    try:
        verify_consistency(before.size, now.size, before.root_hash, now.root_hash, proof)
    except VerificationError as exc:
        raise VerificationError(
            f"the tree of {before.size} entries accepted before is not a prefix of the tree "
            f"of {now.size}: {exc.message}",
            field="checkpoint",
        ) from exc


def _hashes(found: object, what: str) -> list[bytes]:
    if not isinstance(found, list) or not all(isinstance(h, str) for h in found):
        raise VerificationError(f"the source's {what} is not a list of hashes", field="proof")
    try:
        return [base64.b64decode(h, validate=True) for h in found]
    except (binascii.Error, ValueError) as exc:
        raise VerificationError(f"the source's {what} holds a hash that is not base64",
                                field="proof") from exc  # fmt: skip
