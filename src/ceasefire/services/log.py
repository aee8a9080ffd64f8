"""Appending to the log and reading it back with proofs.

Every envelope is admitted twice before anything is written: by the keyring (known, unrevoked
key of the right actor; valid signature) and by the record (``services.record``: the rules of
the mechanism and its policy). The read models are updated in the same transaction.

An append, whatever its size, is one transaction that writes the leaves, every subtree hash
they complete, the read models' rows and a newly signed checkpoint, so a reader never sees a
tree without its checkpoint, and a crash leaves either all of a batch or none of it. One bad
envelope refuses the whole batch.

Concurrent appends in one process to one store are gathered into one transaction and one
checkpoint (group commit, :class:`_GroupCommit`); each caller's batch is still all or nothing
and refused or accepted exactly as if it had been appended alone.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final
from weakref import WeakKeyDictionary

from ceasefire.errors import CeasefireError, InvalidInput, NotFound, PermissionDenied, StorageError
from ceasefire.log.checkpoint import Checkpoint, sign_checkpoint
from ceasefire.log.envelope import Envelope, Sealed, sign_event
from ceasefire.log.hashing import leaf_hash, leaf_hashes
from ceasefire.log.keyring import Genesis, KeyRecord, Keyring
from ceasefire.log.keys import SigningKey, VerifierKey
from ceasefire.log.merkle import (
    completed_nodes,
    consistency_proof,
    fold,
    inclusion_proof,
    root_at,
    root_ids,
)
from ceasefire.log.note import Note, NoteSignature
from ceasefire.services import gc_window, signature_checks
from ceasefire.services.ports import (
    AppendTransaction,
    AppendWrite,
    Clock,
    LogHead,
    LogIdentity,
    LogReader,
    LogStore,
    SealedRow,
    StoredCheckpoint,
)
from ceasefire.services.record import Admission
from ceasefire.services.signature_checks import Verified


@dataclass(frozen=True)
class Submission:
    """A signed envelope and, for a confidential one, the sealed content behind its commitment.

    ``verified``: whether its signature was found valid before the append lock (set by
    :func:`append`; ``services.signature_checks``)."""

    envelope: Envelope
    sealed: Sealed | None = None
    verified: Verified | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Appended:
    indices: range
    checkpoint: StoredCheckpoint


@dataclass(frozen=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    root_hash: bytes
    proof: list[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    proof: list[bytes]


def initialise(
    store: LogStore, origin: str, log_key: SigningKey, operator_key: SigningKey, now: datetime
) -> Appended:
    """Create the log: its head row and entry 0, the genesis event that names the operator."""
    if log_key.name != origin:
        raise InvalidInput(
            f"the log key is named {log_key.name!r} but a checkpoint key must be named after the "
            f"origin {origin!r}",
            field="origin",
        )
    identity = LogIdentity(origin=origin, log_vkey=log_key.note_key().to_text())
    genesis = _genesis(origin, identity.log_vkey, operator_key, now)
    with store.appending(create=identity) as tx:
        return _admit_and_write(tx, [Submission(genesis)], log_key, now)


def _genesis(origin: str, log_vkey: str, operator_key: SigningKey, now: datetime) -> Envelope:
    envelope, _ = sign_event(
        operator_key,
        log=origin,
        actor=operator_key.name,
        type="log.genesis",
        time=now,
        body={"origin": origin, "log_key": log_vkey, "operator": operator_key.name},
    )
    return envelope


def append(
    store: LogStore, submissions: Sequence[Submission], log_key: SigningKey, clock: Clock
) -> Appended:
    """Append signed envelopes as one all-or-nothing batch and sign the new checkpoint.

    The checkpoint's time is read from ``clock`` once the append lock is held, so checkpoint
    times never go backwards as the tree grows, however many writers race.
    """
    if not submissions:
        raise InvalidInput("nothing to append: the batch is empty", field="batch")
    _check_batch(submissions)  # what needs no lock, before queueing
    checks = signature_checks.check([s.envelope for s in submissions])
    try:
        with gc_window.for_batch(len(submissions)):
            checked = [replace(s, verified=c) for s, c in zip(submissions, checks, strict=True)]
            return _group_of(store).append(store, checked, log_key, clock)
    finally:
        checks.release()


def _append_now(
    store: LogStore, submissions: Sequence[Submission], log_key: SigningKey, clock: Clock
) -> Appended:
    with store.appending() as tx:
        _check_log_key(tx.head, log_key)
        return _admit_and_write(tx, submissions, log_key, clock())


def _check_batch(submissions: Sequence[Submission]) -> None:
    for number, submission in enumerate(submissions):
        _check_submission(submission, number)


# -- group commit ---------------------------------------------------------------------------------


@dataclass
class _Pending:
    """One caller's batch waiting for a group; ``lead`` when it is handed the leadership."""

    submissions: list[Submission]
    log_key: SigningKey
    clock: Clock
    wake: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    result: Appended | None = None
    error: BaseException | None = None

    def outcome(self) -> Appended:
        if self.error is not None:
            raise self.error
        assert self.result is not None, "a pending append was woken without an outcome"
        return self.result


class _GroupCommit:
    """Appends that arrive while another is being written wait, and go in together.

    The first caller leads: it takes the append lock at once (no caller ever waits for a
    timer). Callers arriving meanwhile queue; when the leader holds the lock it takes every
    queued batch that shares its log key and clock (up to ``MAX_GROUP`` entries, its own
    first) and writes them as one transaction with one checkpoint, then hands the lead to the
    oldest batch still queued. The group is taken once the lock is held, not before: with
    several processes appending, the lock is often held by another, and what arrives while
    the leader waits for it goes in with the leader's batch instead of waiting for the next
    turn. Each caller's batch stays all or nothing
    and is judged as if appended alone, in arrival order: when a group is refused at
    ``batch[k]``, the batches before the one holding ``k`` are written together, that one alone
    (so its error is exactly what it would be alone), and the rest as a group again. Each
    caller gets its own indices and the group's checkpoint, which holds them: a receipt's
    "accepted" time is that checkpoint's, so the entry is published when it is promised.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[_Pending] = deque()
        self._busy = False

    def append(
        self, store: LogStore, submissions: list[Submission], log_key: SigningKey, clock: Clock
    ) -> Appended:
        mine = _Pending(submissions, log_key, clock)
        with self._lock:
            self._queue.append(mine)
            mine.lead = not self._busy
            self._busy = True
        if not mine.lead:
            mine.wake.wait()
            if not mine.lead:
                return mine.outcome()
        group: list[_Pending] = []

        def take() -> list[_Pending]:  # kept in ``group``, so whatever happens all are woken
            with self._lock:
                group.extend(self._take())
            return group

        try:
            _commit_gathering(store, take)
        finally:
            with self._lock:
                if self._queue:
                    self._queue[0].lead = True
                    self._queue[0].wake.set()
                else:
                    self._busy = False
            for pending in group:
                if pending is not mine:
                    pending.wake.set()
        return mine.outcome()

    def _take(self) -> list[_Pending]:
        """The oldest queued batches that can share a checkpoint (the leader's first)."""
        head = self._queue.popleft()
        group, size = [head], len(head.submissions)
        while self._queue and size + len(self._queue[0].submissions) <= MAX_GROUP:
            follower = self._queue[0]
            if follower.log_key is not head.log_key or follower.clock is not head.clock:
                break
            group.append(self._queue.popleft())
            size += len(follower.submissions)
        return group


MAX_GROUP: Final = 256
"""The most entries written in one group commit (a caller's own batch may be larger)."""
_GROUPS: WeakKeyDictionary[LogStore, _GroupCommit] = WeakKeyDictionary()
_GROUPS_LOCK: Final = threading.Lock()


def _group_of(store: LogStore) -> _GroupCommit:
    """The group commit of this process for ``store`` (one per store object)."""
    with _GROUPS_LOCK:
        try:
            found = _GROUPS.get(store)
            if found is None:
                found = _GROUPS[store] = _GroupCommit()
        except TypeError:  # a store that cannot be remembered (unhashable) appends alone
            return _GroupCommit()
        return found


def _commit_gathering(store: LogStore, take: Callable[[], list[_Pending]]) -> None:
    """Take the append lock, then the group (``take``), and write it; a refused group is
    split as :func:`_commit` splits it."""
    group: list[_Pending] = []
    try:
        with store.appending() as tx:
            group = take()
            head = group[0]
            _check_log_key(tx.head, head.log_key)
            subs = [s for p in group for s in p.submissions]
            appended = _admit_and_write(tx, subs, head.log_key, head.clock())
    except BaseException as exc:
        if not group:  # the lock was never held (the database refused): as if taken first
            group = take()
            _commit(store, group)
        else:
            _refused(store, group, exc)
        return
    _hand_out(group, appended)


def _commit(store: LogStore, group: list[_Pending]) -> None:
    """Write ``group`` as one append, or as the pieces its refusal shows (see _GroupCommit)."""
    head = group[0]
    try:
        appended = _append_now(
            store, [s for p in group for s in p.submissions], head.log_key, head.clock
        )
    except BaseException as exc:
        _refused(store, group, exc)
        return
    _hand_out(group, appended)


def _refused(store: LogStore, group: list[_Pending], exc: BaseException) -> None:
    """``group`` was refused with ``exc``: each batch's outcome is what it gets alone, or in
    the pieces before and after the one the refusal names."""
    if len(group) == 1:
        group[0].error = exc
        return
    culprit = _culprit(group, exc)
    if culprit is None:  # not one batch's fault (the database, a crash): each alone
        for pending in group:
            _commit(store, [pending])
        return
    if culprit > 0:
        _commit(store, group[:culprit])
    _commit(store, [group[culprit]])
    if culprit + 1 < len(group):
        _commit(store, group[culprit + 1 :])


def _hand_out(group: list[_Pending], appended: Appended) -> None:
    start = appended.indices.start
    for pending in group:
        end = start + len(pending.submissions)
        pending.result = Appended(range(start, end), appended.checkpoint)
        start = end


def _culprit(group: list[_Pending], exc: BaseException) -> int | None:
    """Which batch of ``group`` holds the entry a refusal names (``batch[k]…``), if any."""
    if not isinstance(exc, CeasefireError) or exc.field is None:
        return None
    found = _POSITION.match(exc.field)
    if found is None:
        return None
    position = int(found.group(1))
    for number, pending in enumerate(group):
        position -= len(pending.submissions)
        if position < 0:
            return number
    return None


_POSITION: Final = re.compile(r"batch\[(\d+)\]")


def _check_submission(submission: Submission, number: int) -> None:
    envelope, sealed = submission.envelope, submission.sealed
    envelope.to_leaf()  # refuses an entry over the size limit before taking the lock
    if (envelope.commitment is None) != (sealed is None):
        raise InvalidInput(
            "a confidential envelope needs its sealed content, and only a confidential one",
            field=f"batch[{number}]",
        )
    if sealed is not None and sealed.commitment() != envelope.commitment:
        raise InvalidInput(
            f"the sealed content hashes to {sealed.commitment()}, but the envelope commits to "
            f"{envelope.commitment}",
            field=f"batch[{number}].commitment",
        )


def _check_log_key(head: LogHead, log_key: SigningKey) -> None:
    offered = log_key.note_key().to_text()
    if offered != head.identity.log_vkey:
        raise PermissionDenied(
            f"this key cannot sign the log's checkpoints: the log's key is "
            f"{head.identity.log_vkey}, the key given is {offered}",
            field="log_key",
        )


def _admit_and_write(
    tx: AppendTransaction, submissions: Sequence[Submission], log_key: SigningKey, now: datetime
) -> Appended:
    start = tx.head.size
    record = tx.record()
    applied = record.applied()
    if applied != start:
        raise StorageError(
            f"the read models reflect {applied} of the log's {start} entries: run "
            "`ceasefire rebuild` before appending"
        )
    keyring = _keyring(tx.head, tx.key_records())
    before = {row.public_key: row for row in keyring.rows()}
    admission = Admission(record, keyring)
    admission.prefetch((s.envelope, s.sealed) for s in submissions)
    for offset, submission in enumerate(submissions):
        try:
            verified = submission.verified is not None and submission.verified()
            keyring.admit(submission.envelope, start + offset, verified=verified)
            admission.admit(submission.envelope, submission.sealed, start + offset)
        except CeasefireError as exc:
            where = f"batch[{offset}]" + (f".{exc.field}" if exc.field else "")
            raise type(exc)(exc.message, field=where) from exc
    changed = [r for r in keyring.rows() if before.get(r.public_key) != r]
    sealed = [
        SealedRow(
            commitment=s.sealed.commitment(),
            index=start + offset,
            salt=s.sealed.salt,
            body=s.sealed.canonical_body().decode(),
        )
        for offset, s in enumerate(submissions)
        if s.sealed is not None
    ]
    leaves = [s.envelope.to_leaf() for s in submissions]
    record.apply(admission.ops, start + len(submissions))
    return append_leaves(tx, leaves, log_key, now, keys=changed, sealed=sealed)


def _keyring(head: LogHead, records: Sequence[KeyRecord]) -> Keyring:
    """The keyring as cached in the store; its genesis is the store's identity."""
    if not records:
        return Keyring.empty()
    operator = next((r.actor for r in records if r.enrolled_at == 0), None)
    if operator is None:
        raise StorageError("the key cache has no key enrolled by the genesis entry: run verify")
    genesis = Genesis(
        origin=head.identity.origin,
        log_key=VerifierKey.from_text(head.identity.log_vkey),
        operator=operator,
    )
    return Keyring.from_rows(records, genesis=genesis)


def submit(
    store: LogStore,
    key: SigningKey,
    event_type: str,
    body: Mapping[str, Any],
    *,
    log_key: SigningKey,
    clock: Clock,
    confidential: bool = False,
) -> tuple[Appended, Envelope]:
    """Sign one event as ``key``'s actor and append it: what a client of the mechanism does."""
    envelope, sealed = sign_event(
        key,
        log=store.head().identity.origin,
        actor=key.name,
        type=event_type,
        time=clock(),
        body=body,
        confidential=confidential,
    )
    try:
        return append(store, [Submission(envelope, sealed)], log_key, clock), envelope
    except CeasefireError as exc:  # one event: its fields need no batch position
        field = exc.field.removeprefix("batch[0]").lstrip(".") if exc.field else None
        raise type(exc)(exc.message, field=field or None) from exc


def append_leaves(
    tx: AppendTransaction,
    leaves: Sequence[bytes],
    log_key: SigningKey,
    now: datetime,
    *,
    keys: Sequence[KeyRecord] = (),
    sealed: Sequence[SealedRow] = (),
) -> Appended:
    """Write already-admitted leaves, the subtrees they complete, and a signed checkpoint."""
    size = tx.head.size
    stored = tx.read_nodes(root_ids(size))
    edge = [stored[node] for node in root_ids(size)]
    nodes, new_edge = completed_nodes(size, edge, leaf_hashes(leaves))
    new_size = size + len(leaves)
    checkpoint = Checkpoint(origin=tx.head.identity.origin, size=new_size, root_hash=fold(new_edge))
    stored_checkpoint = StoredCheckpoint(
        size=new_size,
        root=checkpoint.root_hash,
        note=sign_checkpoint(checkpoint, log_key).to_text(),
        created_at=now,
    )
    tx.write(AppendWrite(size, leaves, nodes, stored_checkpoint, keys, sealed))
    return Appended(range(size, new_size), stored_checkpoint)


def checkpoint_note(store: LogStore, size: int | None = None) -> str:
    """The signed checkpoint (latest, or at ``size``) with every cosignature attached."""
    checkpoint = store.latest_checkpoint() if size is None else store.checkpoint(size)
    note = Note.from_text(checkpoint.note)
    cosignatures = [
        NoteSignature.from_line(row.line) for row in store.cosignatures(checkpoint.size)
    ]
    return note.with_signatures(*cosignatures).to_text()


def prove_inclusion(store: LogStore, index: int, size: int | None = None) -> InclusionProof:
    """Entry ``index``'s inclusion proof in the tree of ``size`` (default: the current tree)."""
    with store.reading() as reader:
        tree_size = _tree_size(reader, size)
        if not 0 <= index < tree_size:
            raise NotFound(f"index {index} is not in a tree of size {tree_size}", field="index")
        return InclusionProof(
            index=index,
            tree_size=tree_size,
            leaf_hash=leaf_hash(reader.entry(index)),
            root_hash=root_at(reader, tree_size),
            proof=inclusion_proof(reader, index, tree_size),
        )


def prove_consistency(store: LogStore, old: int, new: int | None = None) -> ConsistencyProof:
    """The proof that the tree of ``old`` leaves is a prefix of the tree of ``new``."""
    with store.reading() as reader:
        new_size = _tree_size(reader, new, field="new")
        if not 0 <= old <= new_size:
            raise InvalidInput(
                f"old size {old} must be between 0 and the new size {new_size}", field="old"
            )
        return ConsistencyProof(
            old_size=old,
            new_size=new_size,
            old_root=root_at(reader, old),
            new_root=root_at(reader, new_size),
            proof=consistency_proof(reader, old, new_size),
        )


def _tree_size(reader: LogReader, size: int | None, field: str = "size") -> int:
    """``size`` (None: the log's), which must be a size the log has had; a refusal names
    ``field``, the caller's name for it."""
    current = reader.head().size
    if size is None:
        return current
    if not 0 <= size <= current:
        raise NotFound(f"tree size {size} is beyond the log's size {current}", field=field)
    return size
