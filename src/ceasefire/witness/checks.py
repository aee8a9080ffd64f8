"""The checks of one cycle that need no network: pure functions of what was fetched and held.

Each returns or raises a :class:`~ceasefire.witness.alarms.Finding` that names the check, the
tree size or entry index, and what was expected and found.
"""

from __future__ import annotations

import contextlib

from ceasefire.errors import CeasefireError
from ceasefire.log.checkpoint import Checkpoint, open_checkpoint
from ceasefire.log.hashing import leaf_hash
from ceasefire.log.keys import VerifierKey
from ceasefire.log.note import Note
from ceasefire.log.tiles import Bundle
from ceasefire.witness.alarms import Check, Finding, Refused
from ceasefire.witness.state import LogState


def opened(text: str, log_key: VerifierKey) -> tuple[Checkpoint, Note]:
    """Check 1, the signature: by the pinned key, for its origin."""
    try:
        return open_checkpoint(text, log_key)
    except CeasefireError as exc:
        size = None
        with contextlib.suppress(IndexError, ValueError):
            size = int(text.split("\n")[1])
        raise Refused(
            Finding(
                Check.CHECKPOINT_SIGNATURE,
                f"the checkpoint is not signed by the log's key {log_key.to_text()}: {exc}",
                size=size,
                expected=log_key.to_text(),
                found=" | ".join(line for line in text.split("\n") if line.startswith("\u2014 ")),
            )
        ) from exc


def check_not_behind(checkpoint: Checkpoint, known: LogState, presented: str = "") -> None:
    """Check 1, consistency with the last cosigned tree, as far as sizes and roots tell; the
    alarm keeps both notes, the one cosigned and the one ``presented``."""
    details = {"cosigned": known.note, "presented": presented}
    if checkpoint.size < known.size:
        raise Refused(
            Finding(
                Check.CONSISTENCY,
                f"the log's checkpoint has {checkpoint.size} entries, fewer than the "
                f"{known.size} of the checkpoint this witness cosigned: history was truncated",
                size=checkpoint.size,
                expected=f"size >= {known.size}",
                found=f"size {checkpoint.size}",
                details=details,
            )
        )
    if checkpoint.size == known.size and known.size and checkpoint.root_hash != known.root:
        raise Refused(
            Finding(
                Check.CONSISTENCY,
                f"the log signed another root for size {known.size} than the one this witness "
                "cosigned: history was rewritten",
                size=known.size,
                expected=known.root.hex(),
                found=checkpoint.root_hash.hex(),
                details=details,
            )
        )


def not_prefix(checkpoint: Checkpoint, held: bytes) -> Finding:
    return Finding(
        Check.CONSISTENCY,
        f"the checkpoint of size {checkpoint.size} signs another root than the tree this "
        "witness holds at that size: history was rewritten",
        size=checkpoint.size,
        expected=held.hex(),
        found=checkpoint.root_hash.hex(),
    )


def rewritten(bundle: Bundle, mine: list[bytes], served: list[bytes], size: int) -> list[Finding]:
    findings = []
    for offset, (held, now) in enumerate(zip(mine, served, strict=False)):
        if held != now:
            index = bundle.start + offset
            findings.append(
                Finding(
                    Check.ENTRY_REWRITTEN,
                    f"entry {index} is served with other bytes than those this witness checked "
                    "and cosigned: the operator rewrote it",
                    size=size,
                    index=index,
                    expected=leaf_hash(held).hex(),
                    found=leaf_hash(now).hex(),
                    events=(index,),
                )
            )
    return findings
