"""The log's entries as the folds read them: public envelopes of the namespaces they care for.

The casework and the incidents are folded from the log itself (not from the read models), so
that any party folds the same entries to the same state. A sealed entry comes as its envelope:
its ``body`` is None and only the commitment shows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ceasefire.domain import projection as pj
from ceasefire.services.ports import LogStore


def public_entries(
    store: LogStore, start: int, end: int, namespaces: Sequence[str]
) -> list[pj.Entry]:
    """Entries ``start <= index < end`` whose type is in one of ``namespaces`` (prefixes such
    as ``"report."``), with their actor's affiliation."""
    affiliations = {r.actor: r.affiliation for r in store.key_records()}
    prefixes = tuple(namespaces)
    found = []
    for index, leaf in store.entries(start, end):
        envelope = json.loads(leaf)
        if not str(envelope["type"]).startswith(prefixes):
            continue
        found.append(
            pj.Entry(
                index=index,
                id=envelope["id"],
                type=envelope["type"],
                actor=envelope["actor"],
                affiliation=affiliations.get(envelope["actor"]),
                time=envelope["time"],
                body=envelope.get("body"),
                commitment=envelope.get("commitment"),
            )
        )
    return found
