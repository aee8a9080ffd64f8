"""``ceasefire verify``: walk the whole stored log and check that it agrees with itself.

1. Every entry 0..size-1 is present, hashes to the stored level-0 node, parses as a canonical
   envelope, and (unless ``signatures=False``) was signed by a key the keyring admits at that
   index — the genesis entry must name this log's origin and checkpoint key.
2. Every stored subtree hash at every level equals the hash of its two stored children, and
   no level holds more or fewer nodes than a tree of this size has.
3. Every stored checkpoint is signed by the log key, names this origin, matches its row, has
   the root the verified tree has at that size, and is consistent with the previous checkpoint
   (a consistency proof is built from the stored nodes and verified, RFC 9162 §2.1.4.2); its
   witness cosignatures verify under enrolled witness keys.
4. The cached key table equals the keyring replayed from the log.

Problems are collected, not raised one by one. The *first* problem is the lowest in the tree,
then the leftmost: a changed leaf hash also makes its parent disagree with its children, and
the row actually changed is the lower one. Its index (the first leaf it covers) is reported as
the first bad index, with what was expected and found there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import zip_longest

from ceasefire.errors import CeasefireError
from ceasefire.log.checkpoint import open_checkpoint
from ceasefire.log.cosignature import verify_cosignature
from ceasefire.log.envelope import Envelope
from ceasefire.log.hashing import leaf_hash, node_hash
from ceasefire.log.keyring import Keyring
from ceasefire.log.keys import ED25519_COSIGNATURE, VerifierKey
from ceasefire.log.merkle import consistency_proof, root_at
from ceasefire.log.note import Note, NoteSignature
from ceasefire.log.proofs import verify_consistency
from ceasefire.services.ports import LogHead, LogStore, StoredCheckpoint

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``; the CLI draws it, services never print."""

_MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Problem:
    """One disagreement: where (first leaf index affected), what, expected vs found."""

    index: int | None
    where: str
    message: str
    expected: str = ""
    found: str = ""
    level: int | None = 0
    """Tree level of the disagreement (0 for entries); None for checkpoints and caches."""


@dataclass
class VerifyReport:
    size: int = 0
    origin: str = ""
    entries_checked: int = 0
    nodes_checked: int = 0
    checkpoints_checked: int = 0
    signatures_checked: bool = True
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        ranked = sorted(
            self.problems,
            key=lambda p: (p.level is None, p.level or 0, p.index is None, p.index or 0),
        )
        return ranked[0] if ranked else None

    def add(self, problem: Problem) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(problem)


def _hex(value: bytes | None) -> str:
    return "(missing)" if value is None else value.hex()


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


def verify_store(
    store: LogStore, *, signatures: bool = True, progress: Progress = _no_progress
) -> VerifyReport:
    head = store.head()
    report = VerifyReport(
        size=head.size, origin=head.identity.origin, signatures_checked=signatures
    )
    keyring = _check_entries(store, head, report, signatures, progress)
    _check_levels(store, head.size, report, progress)
    _check_checkpoints(store, head, keyring, report)
    if keyring is not None:
        _check_key_cache(store, keyring, report)
    return report


def _check_entries(
    store: LogStore, head: LogHead, report: VerifyReport, signatures: bool, progress: Progress
) -> Keyring | None:
    size = head.size
    keyring = Keyring.empty() if signatures else None
    pairs = zip_longest(store.entries(0, size), store.level(0, 0, size))
    for expected_index, (stored_entry, stored_leaf) in enumerate(pairs):
        entry_index, leaf = stored_entry if stored_entry else (None, None)
        node_index, node = stored_leaf if stored_leaf else (None, None)
        if entry_index != expected_index or leaf is None:
            report.add(Problem(expected_index, f"entry {expected_index}", "entry missing"))
            break
        if node_index != expected_index or node != leaf_hash(leaf):
            report.add(
                Problem(
                    expected_index,
                    f"entry {expected_index}",
                    "the entry does not hash to the stored leaf hash",
                    expected=leaf_hash(leaf).hex(),
                    found=_hex(node) if node_index == expected_index else "(missing)",
                )
            )
        if keyring is not None:
            _check_envelope(keyring, head, leaf, expected_index, report)
        report.entries_checked += 1
        if expected_index % 4096 == 0:
            progress("entries", expected_index, size)
    progress("entries", size, size)
    extra = store.count_entries() - size
    if extra > 0:
        report.add(Problem(size, "entries", f"{extra} entries stored beyond the log size {size}"))
    return keyring


def _check_envelope(
    keyring: Keyring, head: LogHead, leaf: bytes, index: int, report: VerifyReport
) -> None:
    try:
        envelope = Envelope.from_leaf(leaf)
        keyring.admit(envelope, index)
    except CeasefireError as exc:
        report.add(Problem(index, f"entry {index}", f"envelope refused: {exc}"))
        return
    if index == 0:
        body = envelope.body or {}
        for name, expected in (
            ("origin", head.identity.origin),
            ("log_key", head.identity.log_vkey),
        ):
            if body.get(name) != expected:
                report.add(
                    Problem(
                        0,
                        "entry 0 (genesis)",
                        f"the genesis event's {name} differs from the store's",
                        expected=expected,
                        found=str(body.get(name)),
                    )
                )


def _check_levels(store: LogStore, size: int, report: VerifyReport, progress: Progress) -> None:
    level = 1
    while (size >> level) > 0:
        count = size >> level
        children = _pairs(store.level(level - 1, 0, 2 * count))
        parents = store.level(level, 0, count)
        for expected_index, (pair, parent) in enumerate(zip_longest(children, parents)):
            if expected_index >= count:
                break
            problem = _check_node(level, expected_index, pair, parent)
            if problem is not None:
                report.add(problem)
            report.nodes_checked += 1
        extra = store.count_level(level) - count
        if extra > 0:
            report.add(
                Problem(
                    size, f"level {level}", f"{extra} subtree hashes beyond the tree", level=level
                )
            )
        progress("levels", level, size.bit_length())
        level += 1
    extra_leaves = store.count_level(0) - size
    if extra_leaves > 0:
        report.add(Problem(size, "level 0", f"{extra_leaves} leaf hashes stored beyond the tree"))


def _pairs(nodes: Iterator[tuple[int, bytes]]) -> Iterator[tuple[tuple[int, bytes], ...]]:
    while True:
        pair = tuple(item for _, item in zip(range(2), nodes, strict=False))
        if not pair:
            return
        yield pair


def _check_node(
    level: int,
    index: int,
    pair: tuple[tuple[int, bytes], ...] | None,
    parent: tuple[int, bytes] | None,
) -> Problem | None:
    first_leaf, last_leaf = index << level, ((index + 1) << level) - 1
    where = f"node at level {level}, index {index} (leaves {first_leaf}..{last_leaf})"
    wanted = (2 * index, 2 * index + 1)
    if pair is None or len(pair) != 2 or (pair[0][0], pair[1][0]) != wanted:
        return Problem(first_leaf, where, "a child subtree hash is missing", level=level - 1)
    expected = node_hash(pair[0][1], pair[1][1])
    if parent is None or parent[0] != index:
        return Problem(
            first_leaf, where, "subtree hash missing", expected=expected.hex(), level=level
        )
    if parent[1] != expected:
        return Problem(
            first_leaf,
            where,
            "the stored subtree hash is not the hash of its children",
            expected=expected.hex(),
            found=parent[1].hex(),
            level=level,
        )
    return None


def _check_checkpoints(
    store: LogStore, head: LogHead, keyring: Keyring | None, report: VerifyReport
) -> None:
    log_key = VerifierKey.from_text(head.identity.log_vkey)
    previous: StoredCheckpoint | None = None
    latest = 0
    for checkpoint in store.checkpoints():
        problem = _check_checkpoint(store, head, log_key, checkpoint, previous)
        if problem is not None:
            report.add(replace(problem, level=None))
        elif keyring is not None:
            _check_cosignatures(store, checkpoint, keyring, report)
        report.checkpoints_checked += 1
        previous, latest = checkpoint, checkpoint.size
    if latest != head.size:
        report.add(
            Problem(
                min(latest, head.size),
                "checkpoints",
                "the latest signed checkpoint is not at the log's size",
                expected=str(head.size),
                found=str(latest),
                level=None,
            )
        )


def _check_checkpoint(
    store: LogStore,
    head: LogHead,
    log_key: VerifierKey,
    checkpoint: StoredCheckpoint,
    previous: StoredCheckpoint | None,
) -> Problem | None:
    where = f"checkpoint at size {checkpoint.size}"
    index = max(checkpoint.size - 1, 0)
    try:
        opened, _ = open_checkpoint(checkpoint.note, log_key, origin=head.identity.origin)
    except CeasefireError as exc:
        return Problem(index, where, f"the signed note does not verify: {exc}")
    if (opened.size, opened.root_hash) != (checkpoint.size, checkpoint.root):
        return Problem(
            index,
            where,
            "the signed note and its stored row disagree",
            expected=f"{opened.size} {opened.root_hash.hex()}",
            found=f"{checkpoint.size} {checkpoint.root.hex()}",
        )
    if checkpoint.size > head.size:
        return Problem(head.size, where, f"checkpoint beyond the log's size {head.size}")
    try:
        actual = root_at(store, checkpoint.size)
        if actual != checkpoint.root:
            return Problem(
                index,
                where,
                "the signed root is not the root of the stored tree at that size",
                expected=checkpoint.root.hex(),
                found=actual.hex(),
            )
        if previous is not None and 0 < previous.size < checkpoint.size:
            proof = consistency_proof(store, previous.size, checkpoint.size)
            verify_consistency(
                previous.size, checkpoint.size, previous.root, checkpoint.root, proof
            )
    except CeasefireError as exc:
        return Problem(index, where, str(exc))
    return None


def _check_cosignatures(
    store: LogStore, checkpoint: StoredCheckpoint, keyring: Keyring, report: VerifyReport
) -> None:
    witnesses = {
        record.actor: VerifierKey(record.actor, ED25519_COSIGNATURE, record.public_key)
        for record in keyring.rows()
        if record.role == "witness"
    }
    for row in store.cosignatures(checkpoint.size):
        where = f"cosignature by {row.name} of checkpoint {checkpoint.size}"
        key = witnesses.get(row.name)
        try:
            if key is None:
                raise CeasefireError(f"{row.name!r} is not an enrolled witness")
            note = Note.from_text(checkpoint.note).with_signatures(
                NoteSignature.from_line(row.line)
            )
            verify_cosignature(note, key)
        except CeasefireError as exc:
            report.add(Problem(max(checkpoint.size - 1, 0), where, str(exc), level=None))


def _check_key_cache(store: LogStore, keyring: Keyring, report: VerifyReport) -> None:
    replayed = sorted(keyring.rows(), key=lambda r: r.public_key)
    cached = sorted(store.key_records(), key=lambda r: r.public_key)
    if replayed != cached:
        report.add(
            Problem(
                None,
                "key cache",
                "the cached key table differs from the keyring replayed from the log",
                expected=f"{len(replayed)} keys",
                found=f"{len(cached)} keys",
                level=None,
            )
        )
