"""What an append reads under the log head's lock, read in fewer round trips, is what the
plain queries read: the tree's right edge (on PostgreSQL read with the lock, and found from
the locked size in SQL) and admission's first lookups (the batch's event ids and the reports
its reports might duplicate, read together)."""

from __future__ import annotations

from ceasefire.domain import projection as pj
from ceasefire.log.merkle import root_ids
from ceasefire.storage import tree_rows
from ceasefire.storage.log_store import SqlLogStore
from tests.record_factories import Mechanism
from tests.report_bodies import allegation_body


def _edge_read_with_the_lock(store: SqlLogStore) -> tuple[int, dict[tuple[int, int], bytes]]:
    with store.appending() as tx:
        tx.record()  # SQLite reads the state when the record is first asked for
        assert tx._state is not None
        return tx.head.size, dict(tx._state.edge)


def test_the_edge_read_with_the_lock_is_the_trees_right_edge(mechanism: Mechanism) -> None:
    store = mechanism.store
    assert isinstance(store, SqlLogStore)
    sizes = set()
    for number in range(17):  # every low bit pattern of the size, odd and even
        size, edge = _edge_read_with_the_lock(store)
        sizes.add(size % 8)
        with store.engine.connect() as connection:
            expected = tree_rows.read_nodes(connection, root_ids(size))
        assert edge == dict(expected), f"at size {size}"
        assert set(edge) == set(root_ids(size))
        mechanism.submit("af_liaison", allegation_body(narrative=f"Report {number}."))
    assert sizes == set(range(8))


def test_the_first_lookups_read_together_are_the_lookups_made_apart(
    mechanism: Mechanism,
) -> None:
    store = mechanism.store
    assert isinstance(store, SqlLogStore)
    for number in range(3):
        mechanism.submit("af_liaison", allegation_body(narrative=f"Report {number}."))
    events, reports = store.table(pj.EVENTS), store.table(pj.REPORTS)
    ids = [str(row["id"]) for row in events[-4:]] + ["0" * 32]
    digests = [str(row["digest"]) for row in reports if row["digest"]] + ["sha256:none"]
    with store.appending() as tx:
        view = tx.record()
        together = view.lookup(ids, digests)
        apart = (view.event_indices(ids), view.rows(pj.REPORTS, "digest", digests))
        nothing = view.lookup([], [])
    assert together == apart
    assert set(together[0]) == set(ids[:-1])
    assert len(together[1]) == len(digests) - 1
    assert nothing == ({}, [])
