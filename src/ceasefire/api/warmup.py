"""Folding the record once when the server starts, in the background.

The incidents (every report linked) and the casework are folds of the whole log that each
server process keeps and carries forward; the first request to need one used to build it
(2.5 s for the map on a store of 8,000 reports, and growing with the log). ``ceasefire serve``
starts this thread with the app, so that a visitor who arrives after it finds them built; one
who arrives sooner waits for the same fold, under its lock, as before. The gazetteer of the
agreement in force is loaded next (3 s: GeoNames' places, every spelling indexed), for the
first place name typed. A failure only costs the warm start: it is logged, and the first
request does the work as it always did.
"""

from __future__ import annotations

import logging
import threading
from typing import Final

from ceasefire.api.deps import Context
from ceasefire.services import agreements, geography
from ceasefire.services.casework import list_cases

_LOG = logging.getLogger(__name__)
_FINISH_SECONDS: Final = 10.0


def start(context: Context, stopping: threading.Event) -> threading.Thread:
    """Fold ``context``'s incidents and casework in a daemon thread; returns it."""
    thread = threading.Thread(
        target=_warm, args=(context, stopping), name="ceasefire-warm-up", daemon=True
    )
    thread.start()
    return thread


def finish(thread: threading.Thread | None, timeout: float = _FINISH_SECONDS) -> None:
    """At shutdown, once ``stopping`` is set: let the step in progress end before the store
    closes under it (a query cut short left its connection to be collected later, and
    warned), waiting no longer than ``timeout``."""
    if thread is not None:
        thread.join(timeout)


def _warm(context: Context, stopping: threading.Event) -> None:
    try:
        context.incidents.listed(context.store)
        if not stopping.is_set():
            list_cases(context.store, folds=context.folds)
        if not stopping.is_set():  # the place names of the submit form and /geo/places (3 s)
            agreement = agreements.in_force_now(context.store)
            if agreement is not None:
                geography.gazetteer(agreement.agreement)
    except Exception:  # the first request folds instead
        if not stopping.is_set():  # at shutdown the store closes under it: not an error
            _LOG.exception("folding the record at start failed; the first request will")
