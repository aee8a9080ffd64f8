"""The witness's own copy of the log: a ceasefire store in its data folder.

Entries are appended only once checked (check 2): each leaf hashes to the leaf hash the
server's tiles hold, each envelope is admitted by the keyring replayed from the witness's own
copy (a known, unrevoked key of the right actor at that index, a valid signature; the genesis
names the pinned log key), and the tree they make has exactly the root the server's checkpoint
signs. A leaf that fails stops the append: nothing after it is kept. The read models are
projected in the same transaction (``domain.projection``), so the store answers every question
the server's does — ``ceasefire status --data <witness folder>`` works on the copy — except
what needs the content of confidential entries, which a witness never sees (their envelopes
and commitments are all the log holds).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ceasefire.domain import projection as pj
from ceasefire.errors import CeasefireError, NotFound
from ceasefire.log.checkpoint import Checkpoint
from ceasefire.log.envelope import Envelope
from ceasefire.log.hashing import leaf_hashes
from ceasefire.log.keyring import Genesis, KeyRecord, Keyring
from ceasefire.log.keys import VerifierKey
from ceasefire.log.merkle import completed_nodes, fold, root_at, root_ids
from ceasefire.services.ports import AppendWrite, LogIdentity, Store, StoredCheckpoint
from ceasefire.witness.alarms import Check, Finding, Refused


class Mirror:
    """Appends checked entries to the witness's store and reads them back."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def size(self) -> int:
        try:
            return self.store.head().size
        except NotFound:
            return 0

    def leaves(self, start: int, end: int) -> list[bytes]:
        return [leaf for _, leaf in self.store.entries(start, end)]

    def root(self, size: int) -> bytes:
        return root_at(self.store, size)

    def extend(
        self,
        identity: LogIdentity,
        leaves: Sequence[bytes],
        checkpoint: Checkpoint,
        note: str,
        now: datetime,
    ) -> None:
        """Append ``leaves`` (the entries after the copy's last) as the tree ``checkpoint``
        signs, or raise :class:`Refused` naming the first entry that fails."""
        start = self.size()
        create = identity if start == 0 else None
        with self.store.appending(create=create) as tx:
            keyring = _keyring(identity, tx.key_records())
            before = {row.public_key: row for row in keyring.rows()}
            for offset, leaf in enumerate(leaves):
                _admit(keyring, identity, leaf, start + offset)
            edge = tx.read_nodes(root_ids(start))
            nodes, new_edge = completed_nodes(
                start, [edge[n] for n in root_ids(start)], leaf_hashes(leaves)
            )
            root = fold(new_edge)
            if root != checkpoint.root_hash:
                raise Refused(
                    Finding(
                        Check.CONSISTENCY,
                        "the signed checkpoint's tree is not the tree this witness holds with "
                        f"the entries {start}..{checkpoint.size - 1} appended: the history was "
                        "rewritten or the checkpoint signs a tree the tiles do not hold",
                        size=checkpoint.size,
                        expected=root.hex(),
                        found=checkpoint.root_hash.hex(),
                    )
                )
            changed = [r for r in keyring.rows() if before.get(r.public_key) != r]
            stored = StoredCheckpoint(checkpoint.size, checkpoint.root_hash, note, now)
            record = tx.record()
            affiliations = {r.actor: r.affiliation for r in keyring.rows()}
            ops = [
                op
                for offset, leaf in enumerate(leaves)
                for op in pj.project(_entry(start + offset, leaf, affiliations))
            ]
            record.apply(ops, start + len(leaves))
            tx.write(AppendWrite(start, list(leaves), nodes, stored, changed))


def _keyring(identity: LogIdentity, records: Sequence[KeyRecord]) -> Keyring:
    if not records:
        return Keyring.empty()
    operator = next(r.actor for r in records if r.enrolled_at == 0)
    genesis = Genesis(identity.origin, VerifierKey.from_text(identity.log_vkey), operator)
    return Keyring.from_rows(records, genesis=genesis)


def _admit(keyring: Keyring, identity: LogIdentity, leaf: bytes, index: int) -> None:
    """Check 2 for one entry: a canonical envelope, signed by a key valid at ``index``."""
    try:
        envelope = Envelope.from_leaf(leaf)
        keyring.admit(envelope, index)
    except CeasefireError as exc:
        raise Refused(
            Finding(
                Check.ENTRY_SIGNATURE,
                f"entry {index} is not signed by a key valid at that point in the log: {exc}",
                index=index,
            )
        ) from exc
    if index == 0:
        found = (envelope.body or {}).get("log_key")
        if found != identity.log_vkey:
            raise Refused(
                Finding(
                    Check.ENTRY_SIGNATURE,
                    "the genesis entry names another log key than the one pinned",
                    index=0,
                    expected=identity.log_vkey,
                    found=str(found),
                )
            )


def _entry(index: int, leaf: bytes, affiliations: dict[str, str | None]) -> pj.Entry:
    """The entry as the projection sees it; a confidential one as its commitment only."""
    return pj.entry_of(index, leaf, affiliations)
