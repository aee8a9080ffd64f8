"""``ceasefire verify``: walk the whole stored log and check that it agrees with itself.

1. Every entry 0..size-1 is present, hashes to the stored level-0 node, parses as a canonical
   envelope, and (unless ``signatures=False``) was signed by a key the keyring admits at that
   index — the genesis entry must name this log's origin and checkpoint key.
2. Every stored subtree hash at every level equals the hash of its two stored children, and
   no level holds more or fewer nodes than a tree of this size has.
3. Every stored checkpoint is signed by the log key, names this origin, matches its row, has
   the root the verified tree has at that size, and is consistent with the previous checkpoint
   (a consistency proof is built from the stored nodes and verified, RFC 9162 §2.1.4.2); its
   witness cosignatures verify under enrolled witness keys, and what they state can all be
   true (``log.cosignature``): no witness key cosigned a larger tree at an earlier time than a
   smaller one (its cosignatures are compared, checkpoint after checkpoint, with the latest
   time it cosigned any smaller tree), and, given the reader's clock ``now``, none is dated
   after it by more than the clock skew.
4. The cached key table equals the keyring replayed from the log.

Problems are collected, not raised one by one. The *first* problem is the lowest in the tree,
then the leftmost: a changed leaf hash also makes its parent disagree with its children, and
the row actually changed is the lower one. Its index (the first leaf it covers) is reported as
the first bad index, with what was expected and found there.

Steps 1 and 3 read only what a :class:`LogSource` gives, so they run alike on a stored log
(:func:`verify_store`) and on an offline bundle (``services.bundle``); steps 2 and 4 and the read
models are checks of a database's caches, which a bundle does not have. Step 3 is
``services.verify_checkpoints``; the report and the source are ``services.verify_report``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from ceasefire.domain import projection as pj
from ceasefire.errors import CeasefireError
from ceasefire.log.envelope import Envelope
from ceasefire.log.hashing import leaf_hashes, parent_hashes
from ceasefire.log.keyring import Keyring
from ceasefire.services import signature_checks
from ceasefire.services.ports import (
    LogHead,
    LogStore,
    Store,
)
from ceasefire.services.readmodels import compare
from ceasefire.services.verify_checkpoints import check_checkpoints
from ceasefire.services.verify_report import LogSource, Problem, VerifyReport

__all__ = ["LogSource", "Problem", "Progress", "VerifyReport", "verify_log", "verify_store"]

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``; the CLI draws it, services never print."""

_CHUNK = 8192


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


def verify_log(
    source: LogSource,
    *,
    signatures: bool = True,
    progress: Progress = _no_progress,
    now: datetime | None = None,
) -> tuple[VerifyReport, Keyring | None]:
    """Steps 1 and 3 (and 4's comparison of key records): the checks any copy of the log gets.

    ``now``: the reader's clock, to refuse cosignatures dated after it (None: not judged).
    Returns the report and the keyring replayed from the entries (None without signatures),
    which callers use to judge cosigners and key records."""
    head = source.head()
    report = VerifyReport(
        size=head.size, origin=head.identity.origin, signatures_checked=signatures
    )
    keyring = _check_entries(source, head, report, signatures, progress)
    check_checkpoints(source, head, keyring, report, now)
    if keyring is not None:
        _check_key_cache(source, keyring, report)
    return report, keyring


def verify_store(
    store: LogStore,
    *,
    signatures: bool = True,
    progress: Progress = _no_progress,
    records: Store | None = None,
    now: datetime | None = None,
) -> VerifyReport:
    """Recompute the log (and, given ``records``, the read models) and list every problem;
    ``now`` as for :func:`verify_log`."""
    report, _ = verify_log(store, signatures=signatures, progress=progress, now=now)
    _check_levels(store, report.size, report, progress)
    if records is not None and report.ok:
        progress("read models", 0, 1)
        for difference in compare(records):
            remedy = "ceasefire rebuild" + (" --entries" if difference.table == pj.EVENTS else "")
            what = "entry index" if difference.table == pj.EVENTS else "read model"
            report.add(
                Problem(
                    None,
                    f"{what} {difference.table} {difference.key}",
                    f"{difference.message} (run `{remedy}`)",
                    level=None,
                )
            )
        progress("read models", 1, 1)
    return report


def _check_entries(
    store: LogSource, head: LogHead, report: VerifyReport, signatures: bool, progress: Progress
) -> Keyring | None:
    """Chunk by chunk: hash the leaves in bulk and compare with the stored leaf hashes; look
    row by row only where a chunk disagrees. With signatures, a chunk's envelopes are parsed
    while the signature worker checks the chunk before, and then admitted in log order."""
    size = head.size
    keyring = Keyring.empty() if signatures else None
    pending: _Parsed | None = None
    missing: int | None = None
    try:
        for start in range(0, size, _CHUNK):
            rows = store.entry_rows(start, min(start + _CHUNK, size))
            missing = _first_gap([i for i, _, _ in rows], start, min(start + _CHUNK, size))
            if missing is not None:
                report.add(Problem(missing, f"entry {missing}", "entry missing"))
                break
            leaves = [leaf for _, leaf, _ in rows]
            computed, stored = leaf_hashes(leaves), [node for _, _, node in rows]
            if computed != stored:
                _report_leaf_mismatches(start, computed, stored, report)
            if keyring is not None:
                parsed = _Parsed.of(start, leaves)
                if pending is not None:
                    pending.admit(keyring, head, report)
                pending = parsed.checking()
            report.entries_checked += len(rows)
            progress("entries", start + len(rows), size)
        if pending is not None and keyring is not None:
            pending.admit(keyring, head, report)
    finally:
        if pending is not None:
            pending.release()
    extra = store.count_entries() - size
    if missing is None and extra > 0:
        report.add(Problem(size, "entries", f"{extra} entries stored beyond the log size {size}"))
    return keyring


@dataclass
class _Parsed:
    """A chunk's entries as envelopes (or why one does not parse), and their signatures'
    answers once :meth:`checking` has sent them to be verified."""

    start: int
    envelopes: list[Envelope | CeasefireError]
    checks: signature_checks.Checks | None = None

    @classmethod
    def of(cls, start: int, leaves: list[bytes]) -> _Parsed:
        envelopes: list[Envelope | CeasefireError] = []
        for leaf in leaves:
            try:
                envelopes.append(Envelope.from_leaf(leaf))
            except CeasefireError as exc:
                envelopes.append(exc)
        return cls(start, envelopes)

    def checking(self) -> _Parsed:
        good = [e for e in self.envelopes if isinstance(e, Envelope)]
        return replace(self, checks=signature_checks.check(good))

    def admit(self, keyring: Keyring, head: LogHead, report: VerifyReport) -> None:
        answers = iter(self.checks or ())
        for offset, envelope in enumerate(self.envelopes):
            index = self.start + offset
            if isinstance(envelope, CeasefireError):
                report.add(Problem(index, f"entry {index}", f"envelope refused: {envelope}"))
                continue
            verified = next(answers, None)
            _check_envelope(keyring, head, envelope, index, report, verified)
        self.release()

    def release(self) -> None:
        if self.checks is not None:
            self.checks.release()


def _first_gap(indices: list[int], start: int, end: int) -> int | None:
    """The first index of ``[start, end)`` absent from the ordered ``indices``, if any."""
    if indices == list(range(start, end)):
        return None
    return next(
        (i for i, found in zip(range(start, end), indices, strict=False) if i != found),
        start + len(indices),
    )


def _report_leaf_mismatches(
    start: int, computed: list[bytes], stored: list[bytes], report: VerifyReport
) -> None:
    for offset, (expected, found) in enumerate(zip(computed, stored, strict=True)):
        if expected != found:
            index = start + offset
            report.add(
                Problem(
                    index,
                    f"entry {index}",
                    "the entry does not hash to the stored leaf hash",
                    expected=expected.hex(),
                    found=found.hex(),
                )
            )


def _check_envelope(
    keyring: Keyring,
    head: LogHead,
    envelope: Envelope,
    index: int,
    report: VerifyReport,
    verified: signature_checks.Verified | None,
) -> None:
    try:
        keyring.admit(envelope, index, verified=verified is not None and verified())
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
    """Every stored subtree hash at level ``l`` is the hash of its two stored children at level
    ``l - 1``, computed a chunk at a time."""
    level = 1
    while (size >> level) > 0:
        count = size >> level
        for start in range(0, count, _CHUNK):
            end = min(start + _CHUNK, count)
            _check_node_chunk(store, level, start, end, report)
        extra = store.count_level(level) - count
        if extra > 0:
            report.add(
                Problem(
                    size, f"level {level}", f"{extra} subtree hashes beyond the tree", level=level
                )
            )
        progress("levels", level, size.bit_length())
        level += 1


def _check_node_chunk(
    store: LogStore, level: int, start: int, end: int, report: VerifyReport
) -> None:
    children = store.level_rows(level - 1, 2 * start, 2 * end)
    parents = store.level_rows(level, start, end)
    gap = _first_gap([index for index, _ in children], 2 * start, 2 * end)
    if gap is not None:
        report.add(_node_problem(level - 1, gap, "subtree hash missing"))
        return
    gap = _first_gap([index for index, _ in parents], start, end)
    if gap is not None:
        report.add(_node_problem(level, gap, "subtree hash missing"))
        return
    computed = parent_hashes([node for _, node in children])
    stored = [node for _, node in parents]
    if computed == stored:
        report.nodes_checked += len(parents)
        return
    for offset, (expected, found) in enumerate(zip(computed, stored, strict=True)):
        if expected != found:
            report.add(
                _node_problem(
                    level,
                    start + offset,
                    "the stored subtree hash is not the hash of its children",
                    expected=expected.hex(),
                    found=found.hex(),
                )
            )
    report.nodes_checked += len(parents)


def _node_problem(
    level: int, index: int, message: str, *, expected: str = "", found: str = ""
) -> Problem:
    first_leaf, last_leaf = index << level, ((index + 1) << level) - 1
    where = (
        f"entry {index}"
        if level == 0
        else f"node at level {level}, index {index} (leaves {first_leaf}..{last_leaf})"
    )
    return Problem(first_leaf, where, message, expected=expected, found=found, level=level)


def _check_key_cache(store: LogSource, keyring: Keyring, report: VerifyReport) -> None:
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
