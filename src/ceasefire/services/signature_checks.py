"""Ed25519 signatures checked before the append lock, a large batch in a child process while
the batch is admitted.

Whether an envelope's signature verifies under the key it names depends on the envelope
alone, not on the log, so it can be known before the lock is taken: every other appender waits
while the lock is held, and a signature costs about as much as the rest of an entry's
admission. The keyring still decides at its turn, in log order, whether that key may sign
there (``Keyring.admit``); it takes a signature found valid here as verified, and verifies
again one found invalid, so that the refusal is the one it always was, at the same place in
the batch.

A batch of ``IN_BACKGROUND`` envelopes or more goes to the process's signature worker
(:mod:`ceasefire.log.signature_worker`, a child process started at the first such batch),
which answers in order while the append admits: entry ``k`` waits only for answer ``k``. On
two cores the signatures of an import then cost little more than sending them (a pool of
threads cannot do this: see the worker's module). A smaller batch (an API request) is
verified at once, in the caller's thread, before it queues for the lock; so is a large batch
while the worker is busy with another, and what is left of a batch whose worker died.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable, Sequence
from typing import Final

from ceasefire.log.envelope import Envelope
from ceasefire.log.signature_worker import Worker, verifies

IN_BACKGROUND: Final = 128

Verified = Callable[[], bool]
"""Whether one envelope's signature verified (waiting for the worker's answer if need be)."""


class Checks(Sequence[Verified]):
    """One answer per envelope of a batch, in order; :meth:`release` frees the worker once the
    batch is admitted or refused (answers asked for after that are verified in place)."""

    def __init__(self, envelopes: Sequence[Envelope]) -> None:
        self._envelopes = envelopes
        self._worker: Worker | None = None
        if len(envelopes) >= IN_BACKGROUND:
            self._worker = _WORKERS.send(envelopes, self)
        self._answers = [self._answer(n) for n in range(len(envelopes))]

    def __len__(self) -> int:
        return len(self._answers)

    def __getitem__(self, position: int) -> Verified:  # type: ignore[override]
        return self._answers[position]

    def release(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            try:
                worker.finish(self)
            except OSError:
                _WORKERS.forget(worker)

    def _answer(self, position: int) -> Verified:
        if self._worker is None:
            answer = _verifies(self._envelopes[position])
            return lambda: answer
        return lambda: self._from_worker(position)

    def _from_worker(self, position: int) -> bool:
        worker = self._worker
        if worker is not None:
            try:
                return worker.answer(self, position)
            except OSError:
                _WORKERS.forget(worker)
                self._worker = None
        return _verifies(self._envelopes[position])


def check(envelopes: Sequence[Envelope]) -> Checks:
    """Start verifying every signature of a batch; call ``release()`` on the answer once the
    batch's append is over."""
    return Checks(envelopes)


def _verifies(envelope: Envelope) -> bool:
    return verifies(envelope.key, envelope.signing_message(), envelope.sig)


class _Workers:
    """The process's signature worker: started at the first large batch, again after one
    dies, closed when the process exits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: Worker | None = None
        atexit.register(self.close)
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        """A forked process starts its own worker: the parent's answers are the parent's."""
        self._lock = threading.Lock()
        self.current = None

    def send(self, envelopes: Sequence[Envelope], owner: Checks) -> Worker | None:
        """The worker now verifying ``envelopes`` for ``owner``, or None (busy, or cannot
        start: the caller verifies)."""
        signed = [(e.key, e.signing_message(), e.sig) for e in envelopes]
        with self._lock:
            if self.current is not None and not self.current.alive():
                if not self.current.busy():  # else the batch reading it stops it (``forget``)
                    self.current.kill()  # its pipes closed, its process reaped
                self.current = None
            if self.current is None:
                try:
                    self.current = Worker()
                except OSError:
                    return None
            worker = self.current
        try:
            return worker if worker.start(signed, owner) else None
        except ValueError:  # a key or signature of the wrong length: the keyring will say so
            return None
        except OSError:
            self.forget(worker)
            return None

    def forget(self, worker: Worker) -> None:
        """Drop a worker that failed; the next large batch starts another."""
        with self._lock:
            if self.current is worker:
                self.current = None
        worker.kill()

    def close(self) -> None:
        with self._lock:
            worker, self.current = self.current, None
        if worker is not None:
            worker.close()


_WORKERS: Final = _Workers()
