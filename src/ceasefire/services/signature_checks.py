"""Ed25519 signatures checked before the append lock, a large batch on the machine's other
cores while the append goes on.

Whether an envelope's signature verifies under the key it names depends on the envelope
alone, not on the log, so it can be known before the lock is taken: every other appender waits
while the lock is held, and a signature costs about as much as the rest of an entry's
admission. The keyring still decides at its turn, in log order, whether that key may sign
there (``Keyring.admit``); it takes a signature found valid here as verified, and verifies
again one found invalid, so that the refusal is the one it always was, at the same place in
the batch.

A batch of ``IN_BACKGROUND`` envelopes or more is verified in slices by a pool of threads
(libsodium lets go of the interpreter while it verifies), and the append admits entry ``k``
once the slice holding ``k`` is done: on two cores the signatures of an import cost almost
nothing more than its admission. A smaller batch (an API request) is verified at once, in the
caller's thread, before it queues for the lock.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Final

from ceasefire.errors import VerificationError
from ceasefire.log.envelope import Envelope

IN_BACKGROUND: Final = 128
SLICE: Final = 64
_POOL: Final = ThreadPoolExecutor(
    max_workers=max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="ceasefire-signatures"
)

Verified = Callable[[], bool]
"""Whether one envelope's signature verified (waiting for its slice if need be)."""


def check(envelopes: Sequence[Envelope]) -> list[Verified]:
    """Start verifying every signature of a batch; one answer per envelope, in order."""
    if len(envelopes) < IN_BACKGROUND:
        return [_known(_verifies(e)) for e in envelopes]
    slices = [
        _POOL.submit(_verify_all, envelopes[start : start + SLICE])
        for start in range(0, len(envelopes), SLICE)
    ]
    return [_waiting(slices[n // SLICE], n % SLICE) for n in range(len(envelopes))]


def _verifies(envelope: Envelope) -> bool:
    try:
        envelope.verify_signature()
    except VerificationError:
        return False
    return True


def _verify_all(envelopes: Sequence[Envelope]) -> list[bool]:
    return [_verifies(e) for e in envelopes]


def _known(answer: bool) -> Verified:
    return lambda: answer


def _waiting(slice_: Future[list[bool]], position: int) -> Verified:
    return lambda: slice_.result()[position]
