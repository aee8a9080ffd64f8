"""Ed25519 signatures verified in a child process, the answers read back as they come.

A thread cannot verify beside a busy interpreter: libsodium lets go of the interpreter while
it verifies, but the thread must take it back after each signature, and a thread that holds it
gives it up only every few milliseconds — measured here, a thread verified one signature per
4–5 ms while the main thread admitted a batch, a hundred times slower than alone. A child
process has an interpreter of its own. It is this module run as ``python -m``: it imports
only PyNaCl (a child that imported the caller's program, as ``multiprocessing`` does, would
cost a second or more and a hundred megabytes), reads a batch from its standard input and
writes one byte per signature (1 valid, 0 not) to its standard output, in order, a few at a
time, so the caller admits the first entries while the child verifies the rest.

The frame: a 4-byte count, then per signature its 32-byte key, its 64-byte signature, the
4-byte length of the message and the message (big-endian lengths). The child answers exactly
what :meth:`VerifyKey.verify` answers (:func:`verifies`); a caller that gets "not valid"
verifies again itself to say why.
"""

from __future__ import annotations

import contextlib
import os
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import IO, BinaryIO, Final

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

Signed = tuple[bytes, bytes, bytes]
"""(public key, signing message, signature)."""

_COUNT: Final = struct.Struct(">I")
_RECORD: Final = struct.Struct(">32s64sI")
_ANSWER_EVERY: Final = 16
"""The child writes its answers in runs of this many (a write per signature costs more)."""


def verifies(key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``key``'s Ed25519 signature of ``message`` (libsodium)."""
    try:
        VerifyKey(key).verify(message, signature)
    except (BadSignatureError, ValueError):
        return False
    return True


def frame(batch: Sequence[Signed]) -> bytes:
    """The request for ``batch``; ValueError for a key or signature of the wrong length
    (an envelope's are checked when it is parsed, so this is a caller's bug)."""
    parts = [_COUNT.pack(len(batch))]
    for key, message, signature in batch:
        if len(key) != 32 or len(signature) != 64:
            raise ValueError("an Ed25519 key is 32 bytes and a signature 64")
        parts.append(_RECORD.pack(key, signature, len(message)))
        parts.append(message)
    return b"".join(parts)


class Worker:
    """One child process and the batch it is answering. One batch at a time: :meth:`start`
    returns None while another batch's answers are still owed, and the caller verifies
    itself. Threads may read a batch's answers in turn (an append's group leader admits
    other threads' entries); ``OSError`` from any call means the child is gone."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        self._lock = threading.Lock()
        self._owner: object | None = None
        self._answers = bytearray()
        self._expected = 0

    def start(self, batch: Sequence[Signed], owner: object) -> bool:
        """Send ``batch`` for ``owner`` unless another batch holds the child."""
        request = frame(batch)
        with self._lock:
            if self._owner is not None:
                return False
            self._owner, self._expected = owner, len(batch)
            self._answers.clear()
        try:
            stdin = self._stdin()
            stdin.write(request)
            stdin.flush()
        except OSError:
            self.finish(owner)
            raise
        return True

    def answer(self, owner: object, position: int) -> bool:
        """The answer for signature ``position`` of ``owner``'s batch, waiting for it."""
        with self._lock:
            if self._owner is not owner:
                raise RuntimeError("the child is answering another batch")
            self._read_until(position + 1)
            return self._answers[position] == 1

    def finish(self, owner: object) -> None:
        """Free the child for the next batch, reading (and dropping) the answers left."""
        with self._lock:
            if self._owner is not owner:
                return
            try:
                self._read_until(self._expected)
            finally:
                self._owner = None

    def alive(self) -> bool:
        return self._process.poll() is None

    def busy(self) -> bool:
        """Whether a batch holds the child (its answers not all read yet)."""
        with self._lock:
            return self._owner is not None

    def close(self) -> None:
        """End the child: it exits when its input ends."""
        self._stop(kill=False)

    def kill(self) -> None:
        """Stop the child at once (one that failed, or a test's child dying half way)."""
        self._stop(kill=True)

    def _stop(self, *, kill: bool) -> None:
        if kill:
            self._process.kill()
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):  # a write the dead child never read
                    pipe.close()
        self._process.wait(timeout=10)

    def _stdin(self) -> IO[bytes]:
        stdin = self._process.stdin
        if stdin is None or stdin.closed:
            raise BrokenPipeError("the signature worker was stopped")
        return stdin

    def _read_until(self, count: int) -> None:
        stdout = self._process.stdout
        if stdout is None or stdout.closed:
            raise BrokenPipeError("the signature worker was stopped")
        descriptor = stdout.fileno()
        while len(self._answers) < count:
            data = os.read(descriptor, self._expected - len(self._answers))
            if not data:
                raise BrokenPipeError("the signature worker exited")
            self._answers += data


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """The child: answer every request on ``requests`` until it ends."""
    while header := requests.read(_COUNT.size):
        if len(header) < _COUNT.size:
            return
        (count,) = _COUNT.unpack(header)
        batch: list[Signed] = []
        for _ in range(count):
            record = requests.read(_RECORD.size)
            if len(record) < _RECORD.size:
                return  # the caller went away in the middle of a request
            key, signature, length = _RECORD.unpack(record)
            batch.append((key, requests.read(length), signature))
        run = bytearray()
        for key, message, signature in batch:
            run.append(verifies(key, message, signature))
            if len(run) == _ANSWER_EVERY:
                answers.write(run)
                answers.flush()
                run.clear()
        answers.write(run)
        answers.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
