"""Offline verification bundles: one file that proves the whole record, checked with no network.

:func:`export_bundle` writes a stored log as a ``ceasefire-bundle/v1`` file
(:mod:`ceasefire.log.bundle_format` documents it), streaming entries a chunk at a time.
:func:`verify_bundle` checks one with nothing but this code, in three steps:

1. Read the file (:class:`BundleLog`): refuse at once what is not a whole bundle (a foreign
   file, a bad line, an entry missing, a truncated end), naming the line.
2. Run the same checks ``ceasefire verify`` runs on a database (``services.verify.verify_log``):
   every entry's envelope signature against the keys valid at its index (replayed from the log
   itself), the Merkle root recomputed from the entries against every checkpoint (signed by the
   log key, consistent with the one before), every cosignature, and the bundle's key records
   against the replayed keyring.
3. Replay the entries into the mechanism's state: the agreement versions (compared with the
   bundle's agreement records), the version in force and the ceasefire's status as of the last
   entry (or ``as_of``); and judge the latest checkpoint's cosignatures by the witness policy
   written from that agreement (``services.confirmation``).

The file is read twice (once to build the tree, once to check the entries), never held whole.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

from ceasefire.domain import casework_events as ce
from ceasefire.domain import projection as pj
from ceasefire.domain.adoption import Proposal, Signature, adoptions, in_force
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.casework import evaluate
from ceasefire.domain.enforcement import Evaluation
from ceasefire.errors import CeasefireError, InvalidInput, NotFound
from ceasefire.log import bundle_format as bf
from ceasefire.log.checkpoint import Checkpoint
from ceasefire.log.cosignature import cosignature_timestamp
from ceasefire.log.envelope import parse_time
from ceasefire.log.keyring import KeyRecord, Keyring
from ceasefire.log.merkle import MemoryTree, NodeId
from ceasefire.log.note import Note, NoteSignature
from ceasefire.services import confirmation
from ceasefire.services.ports import (
    CosignatureRow,
    LogHead,
    LogIdentity,
    Store,
    StoredCheckpoint,
)
from ceasefire.services.verify import Problem, Progress, VerifyReport, verify_log

_CHUNK: Final = 4096
_CASEWORK: Final = ("agreement.", "report.", *ce.CASEWORK_NAMESPACES)
_UNKNOWN_TIME: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


# --- export ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    size: int
    checkpoints: int
    cosignatures: int
    agreements: int
    keys: int
    bytes: int


def export_bundle(
    store: Store, out: IO[bytes], *, size: int | None = None, progress: Progress = _no_progress
) -> Exported:
    """Write the log's first ``size`` entries (default: all) and everything that proves them.

    ``size`` must be a size the log signed a checkpoint at: a bundle ends on a signed root.
    """
    head = store.head()
    size = head.size if size is None else size
    if not 0 < size <= head.size:
        raise InvalidInput(f"expected a size of 1 to {head.size}, found {size}", field="size")
    store.checkpoint(size)  # NotFound names the size when no checkpoint was signed there
    written = out.write(bf.header(head.identity.origin, head.identity.log_vkey, size))
    for start in range(0, size, _CHUNK):
        for index, leaf in store.entries(start, min(start + _CHUNK, size)):
            written += out.write(bf.entry(index, leaf))
        progress("entries", min(start + _CHUNK, size), size)
    checkpoints = cosignatures = 0
    for checkpoint in store.checkpoints():
        if checkpoint.size > size:
            break
        lines = [row.line for row in store.cosignatures(checkpoint.size)]
        written += out.write(bf.encode(_checkpoint_record(checkpoint, lines)))
        checkpoints, cosignatures = checkpoints + 1, cosignatures + len(lines)
    agreements = [row for row in store.table(pj.AGREEMENTS) if row["idx"] < size]
    for row in agreements:
        written += out.write(bf.encode(_agreement_record(row)))
    keys = [_key_at(record, size) for record in store.key_records() if record.enrolled_at < size]
    for record in sorted(keys, key=lambda r: (r.enrolled_at, r.actor)):
        written += out.write(bf.encode(_key_record(record)))
    counts = {"entries": size, "checkpoints": checkpoints, "agreements": len(agreements)}
    written += out.write(bf.encode({"kind": "end", **counts, "keys": len(keys)}))
    return Exported(size, checkpoints, cosignatures, len(agreements), len(keys), written)


def _checkpoint_record(checkpoint: StoredCheckpoint, lines: list[str]) -> dict[str, Any]:
    return {
        "kind": "checkpoint",
        "size": checkpoint.size,
        "note": checkpoint.note,
        "created_at": checkpoint.created_at.astimezone(UTC).isoformat(),
        "cosignatures": lines,
    }


def _agreement_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": "agreement",
        "version": row["version"],
        "digest": row["digest"],
        "index": row["idx"],
        "document": row["document"],
    }


def _key_at(record: KeyRecord, size: int) -> KeyRecord:
    """The record as a replay of the first ``size`` entries knows it (a later revocation is
    not yet known)."""
    if record.revoked_at is not None and record.revoked_at >= size:
        return replace(record, revoked_at=None)
    return record


def _key_record(record: KeyRecord) -> dict[str, Any]:
    return {
        "kind": "key",
        "actor": record.actor,
        "public_key": base64.b64encode(record.public_key).decode(),
        "role": record.role,
        "affiliation": record.affiliation,
        "enrolled_at": record.enrolled_at,
        "revoked_at": record.revoked_at,
    }


# --- reading -----------------------------------------------------------------------------------


@dataclass
class _Contents:
    """What the first pass keeps: everything but the entries' bytes."""

    header: bf.Header
    tree: MemoryTree = field(default_factory=MemoryTree)
    checkpoints: list[StoredCheckpoint] = field(default_factory=list)
    cosignatures: dict[int, list[CosignatureRow]] = field(default_factory=dict)
    agreements: list[dict[str, Any]] = field(default_factory=list)
    keys: list[KeyRecord] = field(default_factory=list)
    last_time: str | None = None


class BundleLog:
    """A bundle as a ``services.verify.LogSource``: the tree is rebuilt from the entries (a
    bundle holds no hashes to trust), the rest is read as written."""

    def __init__(self, path: Path, contents: _Contents) -> None:
        self.path = path
        self._contents = contents
        self._cursor: Iterator[tuple[int, bytes]] | None = None
        self._next = 0

    @classmethod
    def open(cls, path: Path, progress: Progress = _no_progress) -> BundleLog:
        """Read the bundle once, refusing with :class:`bf.BundleError` what is not whole."""
        try:
            with path.open("rb") as stream:
                return cls(path, _first_pass(stream, progress))
        except OSError as exc:
            raise NotFound(f"cannot read the bundle {path}: {exc.strerror}") from None

    def head(self) -> LogHead:
        header = self._contents.header
        return LogHead(LogIdentity(header.origin, header.log_key), header.size)

    def count_entries(self) -> int:
        return self._contents.tree.size

    def read_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        return self._contents.tree.read_nodes(ids)

    def entry_rows(self, start: int, end: int) -> list[tuple[int, bytes, bytes]]:
        tree = self._contents.tree
        return [(index, leaf, tree.leaf_hash(index)) for index, leaf in self.entries(start, end)]

    def entries(self, start: int, end: int) -> Iterator[tuple[int, bytes]]:
        """Entries ``start <= index < end``, read forward from the file (re-opened when asked
        for an earlier range)."""
        if self._cursor is None or start < self._next:
            self._cursor, self._next = _entries(self.path), 0
        while self._next < end:
            index, leaf = next(self._cursor, (-1, b""))
            if index < 0:
                return
            self._next = index + 1
            if index >= start:
                yield index, leaf

    def checkpoints(self) -> Iterator[StoredCheckpoint]:
        return iter(self._contents.checkpoints)

    def cosignatures(self, size: int) -> list[CosignatureRow]:
        return list(self._contents.cosignatures.get(size, ()))

    def key_records(self) -> list[KeyRecord]:
        return list(self._contents.keys)

    def agreements(self) -> list[dict[str, Any]]:
        return list(self._contents.agreements)

    def last_time(self) -> datetime | None:
        last = self._contents.last_time
        return None if last is None else parse_time(last)


def _entries(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as stream:
        bf.read_header(stream)
        for record in bf.records(stream):
            if record.kind != "entry":
                return
            yield bf.integer(record, "index"), bf.leaf_of(record)


def _first_pass(stream: IO[bytes], progress: Progress) -> _Contents:
    contents = _Contents(bf.read_header(stream))
    size = contents.header.size
    end: bf.Record | None = None
    for record in bf.records(stream):
        if record.kind == "entry":
            _read_entry(contents, record)
            if contents.tree.size % _CHUNK == 0 or contents.tree.size == size:
                progress("reading", contents.tree.size, size)
        elif record.kind == "checkpoint":
            _read_checkpoint(contents, record)
        elif record.kind == "agreement":
            contents.agreements.append(_read_agreement(record))
        elif record.kind == "key":
            contents.keys.append(_read_key(record))
        else:
            end = record
    assert end is not None  # bf.records ends on the end record or raises
    _check_counts(contents, end)
    return contents


def _read_entry(contents: _Contents, record: bf.Record) -> None:
    index, expected = bf.integer(record, "index"), contents.tree.size
    if index != expected:
        what = "missing" if index > expected else "out of order"
        raise bf.BundleError(record.line, f"entry {expected} is {what}: found entry {index}")
    if index >= contents.header.size:
        raise bf.BundleError(
            record.line, f"entry {index} is beyond the header's size {contents.header.size}"
        )
    leaf = bf.leaf_of(record)
    contents.tree.append(leaf)
    with contextlib.suppress(ValueError, AttributeError):  # not an envelope: refused later
        contents.last_time = json.loads(leaf).get("time", contents.last_time)


def _read_checkpoint(contents: _Contents, record: bf.Record) -> None:
    size, note = bf.integer(record, "size"), bf.string(record, "note")
    previous = contents.checkpoints[-1].size if contents.checkpoints else -1
    if size <= previous:
        raise bf.BundleError(
            record.line, f"checkpoint at size {size} after one at size {previous}: out of order"
        )
    created = bf.optional(record, "created_at", str)
    rows = [_cosignature(record, size, line) for line in bf.strings(record, "cosignatures")]
    contents.checkpoints.append(
        StoredCheckpoint(size, _claimed_root(note), note, _time(record, created))
    )
    contents.cosignatures[size] = rows


def _claimed_root(note: str) -> bytes:
    """The root the note's text states; 32 zero bytes when it states none (the signature check
    then names what is wrong with the note)."""
    try:
        return Checkpoint.from_text(Note.from_text(note).text).root_hash
    except CeasefireError:
        return bytes(32)


def _cosignature(record: bf.Record, size: int, line: str) -> CosignatureRow:
    try:
        signature = NoteSignature.from_line(line)
        timestamp = cosignature_timestamp(signature)
    except CeasefireError as exc:
        raise bf.BundleError(record.line, f"a cosignature of checkpoint {size}: {exc}") from None
    return CosignatureRow(size, signature.name, signature.key_id, timestamp, line)


def _time(record: bf.Record, text: str | None) -> datetime:
    if text is None:
        return _UNKNOWN_TIME
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise bf.BundleError(record.line, f"checkpoint.created_at: not a time: {text!r}") from None


def _read_agreement(record: bf.Record) -> dict[str, Any]:
    return {
        "version": bf.integer(record, "version"),
        "digest": bf.string(record, "digest"),
        "idx": bf.integer(record, "index"),
        "document": bf.string(record, "document"),
    }


def _read_key(record: bf.Record) -> KeyRecord:
    try:
        return KeyRecord(
            actor=bf.string(record, "actor"),
            public_key=base64.b64decode(bf.string(record, "public_key"), validate=True),
            role=bf.string(record, "role"),
            enrolled_at=bf.integer(record, "enrolled_at"),
            revoked_at=bf.optional(record, "revoked_at", int),
            affiliation=bf.optional(record, "affiliation", str),
        )
    except (CeasefireError, ValueError) as exc:
        if isinstance(exc, bf.BundleError):
            raise
        raise bf.BundleError(record.line, f"key: {exc}") from None


def _check_counts(contents: _Contents, end: bf.Record) -> None:
    found = {
        "entries": contents.tree.size,
        "checkpoints": len(contents.checkpoints),
        "agreements": len(contents.agreements),
        "keys": len(contents.keys),
    }
    if contents.tree.size != contents.header.size:
        raise bf.BundleError(
            end.line,
            f"the header promises {contents.header.size} entries, the bundle holds "
            f"{contents.tree.size}: entries removed",
        )
    for name, count in found.items():
        if bf.integer(end, name) != count:
            raise bf.BundleError(
                end.line, f"the end record counts {bf.integer(end, name)} {name}, found {count}"
            )


# --- verifying ---------------------------------------------------------------------------------


@dataclass
class BundleReport:
    """The verdict on a bundle: the log checks, then what the entries say."""

    path: Path
    verify: VerifyReport
    log_vkey: str
    evaluation: Evaluation | None = None
    agreement: Agreement | None = None
    confirmation: confirmation.Confirmation | None = None

    @property
    def ok(self) -> bool:
        return self.verify.ok


def verify_bundle(
    path: Path,
    *,
    log_key: str | None = None,
    as_of: datetime | None = None,
    progress: Progress = _no_progress,
    now: datetime | None = None,
) -> BundleReport:
    """Check the bundle at ``path`` (steps in the module docstring). ``log_key``: the vkey the
    caller trusts; without it the bundle's own is used, and printed for the caller to compare.
    ``now``: the reader's clock, against which a cosignature may not be dated ahead (None: not
    judged). Raises :class:`bf.BundleError` for a file that is not a whole bundle."""
    source = BundleLog.open(path, progress)
    head = source.head()
    report, keyring = verify_log(source, signatures=True, progress=progress, now=now)
    result = BundleReport(path, report, head.identity.log_vkey)
    if log_key is not None and log_key != head.identity.log_vkey:
        report.add(
            Problem(
                None,
                "header",
                "the bundle's log key is not the one trusted",
                expected=log_key,
                found=head.identity.log_vkey,
                level=None,
            )
        )
    if not report.ok or keyring is None:
        return result
    progress("replay", 0, head.size)
    tables, entries = _replay(source, keyring, head.size)
    _check_agreements(source, tables, report)
    moment = as_of or source.last_time() or _UNKNOWN_TIME
    entries = [e for e in entries if parse_time(e.time) <= moment]
    adopted = adoptions(*_adoption_inputs(tables))
    last = max((e.index for e in entries), default=0) if as_of is not None else None
    adoption = in_force(adopted, last) or (adopted[0] if adopted else None)
    if adoption is not None:
        result.agreement = adoption.agreement
        result.evaluation = evaluate(adoption.agreement, entries, moment)
        result.confirmation = confirmation.confirm_latest(
            confirmation.policy_for(adoption.agreement, head.identity, keyring.rows()),
            source.checkpoints(),
            source.cosignatures,
        )
    progress("replay", head.size, head.size)
    return result


def _project_entries(source: BundleLog, keyring: Keyring, size: int) -> Iterator[pj.Entry]:
    """The entries as the projection sees them (as ``services.readmodels`` makes them from a
    store, with no sealed content: a bundle holds none)."""
    affiliations = {r.actor: r.affiliation for r in keyring.rows()}
    for index, leaf in source.entries(0, size):
        yield pj.entry_of(index, leaf, affiliations)


def _replay(
    source: BundleLog, keyring: Keyring, size: int
) -> tuple[pj.MemoryTables, list[pj.Entry]]:
    """One pass over the entries: the read models (agreement versions and signatures among
    them), and the entries the casework fold reads."""
    tables, casework = pj.MemoryTables(), []
    for entry in _project_entries(source, keyring, size):
        tables.apply(pj.project(entry))
        if entry.type.startswith(_CASEWORK):
            casework.append(entry)
    return tables, casework


def _adoption_inputs(tables: pj.MemoryTables) -> tuple[list[Proposal], list[Signature]]:
    proposals = [
        Proposal(Agreement.from_document(json.loads(r["document"])), r["digest"], r["idx"])
        for r in tables.rows(pj.AGREEMENTS)
    ]
    signatures = [
        Signature(r["version"], r["signatory"], r["digest"], r["actor"], r["idx"])
        for r in tables.rows(pj.SIGNATURES)
    ]
    return proposals, signatures


def _check_agreements(source: BundleLog, tables: pj.MemoryTables, report: VerifyReport) -> None:
    """The bundle's agreement records are exactly the versions the entries propose."""
    columns = ("version", "digest", "idx", "document")
    replayed = [{c: r[c] for c in columns} for r in tables.rows(pj.AGREEMENTS)]
    claimed = sorted(source.agreements(), key=lambda r: r["version"])
    if replayed != claimed:
        report.add(
            Problem(
                None,
                "agreement records",
                "the bundle's agreement versions differ from those the entries propose",
                expected=", ".join(f"v{r['version']} {r['digest']}" for r in replayed),
                found=", ".join(f"v{r['version']} {r['digest']}" for r in claimed),
                level=None,
            )
        )
