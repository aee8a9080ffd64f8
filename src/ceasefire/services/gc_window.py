"""While a large batch is appended, full garbage collections walk only the objects made since
it began.

Admitting a batch makes container objects (parsed bodies, row operations, the overlay's rows)
that live until the batch is written, so they outlive young collections, and Python's collector
soon runs a full collection — which walks every object the process holds: in a server, or in
the benchmark's process, a few hundred thousand that the batch never touches. Measured on 1,000
reports an append in the benchmark's process: 135–145 µs a report with the full collections,
95–108 µs with this window (docs/benchmarks.md, the third session of 26 November).

Around a batch of :data:`LARGE` entries or more, the objects that already exist are frozen
(:func:`gc.freeze`: left out of collections) and unfrozen when the batch ends, whatever its
outcome. Nothing is switched off: collections run as usual over what is new, and garbage among
the older objects waits, at most, until the batch ends. Batches that overlap in threads need no
bookkeeping: the first to end unfreezes everything, and the others carry on without the window.
The process must not rely on a freeze of its own (none of ours does).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

LARGE: Final = 128


@contextmanager
def for_batch(size: int) -> Iterator[None]:
    """Freeze the older objects for a batch of ``size`` entries, if it is large."""
    if size < LARGE:
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
