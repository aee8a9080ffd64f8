"""Split-view detection: this witness's latest cosigned checkpoint against a peer's.

Each witness serves the latest checkpoint it cosigned (``GET /checkpoint`` of ``--listen``),
or hands it over by any channel the parties choose (a file). Both are signed by the log's key;
if they are not consistent, the log showed two histories — the two notes are the proof of the
fork (tlog-checkpoint: a client "should keep both"). Consistency is decided as a client can:

- same size: the roots must be equal;
- different sizes: the server followed must prove the smaller tree a prefix of the larger
  (RFC 9162 §2.1.4), and the proof must verify against both signed roots.
"""

from __future__ import annotations

from ceasefire.errors import CeasefireError
from ceasefire.log.checkpoint import open_checkpoint
from ceasefire.log.keys import VerifierKey
from ceasefire.log.proofs import verify_consistency
from ceasefire.witness.alarms import Check, Finding
from ceasefire.witness.remote import Server
from ceasefire.witness.state import LogState


def check_peer(
    peer: str, note: str, ours: LogState, log_key: VerifierKey, server: Server
) -> Finding | None:
    """None when the peer's checkpoint ``note`` is consistent with ours."""
    try:
        theirs, _ = open_checkpoint(note, log_key)
    except CeasefireError as exc:
        return Finding(
            Check.UNREACHABLE,
            f"peer {peer} served a checkpoint that is not signed by the log's key: {exc}",
            details={"peer": peer},
        )
    if theirs.size == 0 or ours.size == 0:
        return None
    details = {"peer": peer, "ours": ours.note, "theirs": note}
    if theirs.size == ours.size:
        if theirs.root_hash == ours.root:
            return None
        return Finding(
            Check.SPLIT_VIEW,
            f"peer {peer} was shown another tree of the same size {ours.size}: the log signed "
            "two different histories (both checkpoints kept as proof)",
            size=ours.size,
            expected=ours.root.hex(),
            found=theirs.root_hash.hex(),
            details=details,
        )
    small, large = sorted(
        [(ours.size, ours.root), (theirs.size, theirs.root_hash)], key=lambda item: item[0]
    )
    try:
        proof = server.consistency(small[0], large[0])
        verify_consistency(small[0], large[0], small[1], large[1], proof)
    except CeasefireError as exc:
        return Finding(
            Check.SPLIT_VIEW,
            f"peer {peer} holds a checkpoint of size {theirs.size} that the server cannot prove "
            f"consistent with this witness's of size {ours.size}: {exc}",
            size=theirs.size,
            expected=f"size {ours.size} root {ours.root.hex()} a prefix of size {large[0]}",
            found=f"size {theirs.size} root {theirs.root_hash.hex()}",
            details=details,
        )
    return None
