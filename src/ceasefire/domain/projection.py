"""The read models as a pure function of the log: each entry becomes row operations.

The tables beyond the log are caches (design idea 2): ``project(entry)`` says which rows an
entry inserts or updates, and nothing else does. The SQL store applies these operations when it
appends (incrementally) and when it rebuilds from the log; :class:`MemoryTables` applies them to
dictionaries, which is how ``verify`` recomputes the read models to compare with the stored
ones. Operations never read the tables, so any prefix of the log gives one state whatever the
batches it came in.

The projection trusts that the entry was admitted (signatures and rules are checked on the way
in, and by ``verify``); it only extracts columns, so a replay runs at database speed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ceasefire.domain import events
from ceasefire.domain.casework_events import CASEWORK_TYPES, subject_of
from ceasefire.domain.incident_events import INCIDENT_TYPES
from ceasefire.domain.report_origin import origin_key
from ceasefire.log.canonical import canonical_json
from ceasefire.log.envelope import body_text

EVENTS: Final = "rm_events"
AGREEMENTS: Final = "rm_agreements"
SIGNATURES: Final = "rm_agreement_signatures"
REPORTS: Final = "rm_reports"
EVIDENCE: Final = "rm_evidence"
CUSTODY: Final = "rm_custody"
CASEWORK: Final = "rm_casework"

KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    EVENTS: ("idx",),
    AGREEMENTS: ("version",),
    SIGNATURES: ("version", "signatory"),
    REPORTS: ("id",),
    EVIDENCE: ("idx",),
    CUSTODY: ("idx",),
    CASEWORK: ("idx",),
}
"""Each read-model table and its primary key, in the order a rebuild fills them."""

ACTIVE: Final = "active"
CORRECTED: Final = "corrected"
WITHDRAWN: Final = "withdrawn"


@dataclass(frozen=True, slots=True)
class Entry:
    """One log entry as the projection sees it: the envelope's fields, and the content behind a
    confidential commitment where this store holds it."""

    index: int
    id: str
    type: str
    actor: str
    affiliation: str | None
    time: str
    body: Mapping[str, Any] | None
    commitment: str | None = None
    sealed: Mapping[str, Any] | None = None
    text: str | None = None
    """The canonical JSON of :attr:`content`, where the caller already has it (a replay slices
    it out of the leaf): computing it again is the costliest step of a replay."""
    digest: str | None = None
    """``digest_of(text)``, where the caller already has it (admission looks duplicates up by
    it before projecting)."""

    @property
    def confidential(self) -> bool:
        return self.body is None

    @property
    def content(self) -> Mapping[str, Any] | None:
        return self.body if self.body is not None else self.sealed


def entry_of(
    index: int,
    leaf: bytes,
    affiliations: Mapping[str, str | None],
    sealed: str | None = None,
    *,
    with_text: bool = True,
) -> Entry:
    """The entry at ``index`` as the projection sees it, from its leaf (the canonical JSON of
    its envelope) and, for a confidential one, the canonical JSON of its sealed body where the
    reader holds it (``sealed``); ``affiliations`` by actor. ``with_text``: keep the content's
    canonical JSON (what the read models store), which a fold that does not store it skips."""
    envelope = json.loads(leaf)
    return Entry(
        index=index,
        id=envelope["id"],
        type=envelope["type"],
        actor=envelope["actor"],
        affiliation=affiliations.get(envelope["actor"]),
        time=envelope["time"],
        body=envelope.get("body"),
        commitment=envelope.get("commitment"),
        sealed=json.loads(sealed) if sealed is not None else None,
        text=(body_text(leaf) if "body" in envelope else sealed) if with_text else None,
    )


@dataclass(frozen=True, slots=True)
class Insert:
    table: str
    row: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Update:
    table: str
    key: dict[str, Any]
    values: dict[str, Any]


Op = Insert | Update


def project(entry: Entry) -> list[Op]:
    """The row operations one admitted log entry makes."""
    ops: list[Op] = [
        Insert(
            EVENTS,
            {
                "idx": entry.index,
                "id": entry.id,
                "type": entry.type,
                "actor": entry.actor,
                "time": entry.time,
                "body_digest": _body_digest(entry),
            },
        )
    ]
    handler = _HANDLERS.get(entry.type)
    if handler is not None:
        ops.extend(handler(entry))
    return ops


def _body_digest(entry: Entry) -> str | None:
    """The entry index's digest of a public body (``storage.entry_index``); None when the
    body is confidential."""
    if entry.body is None:
        return None
    if entry.digest is not None:  # the content's, and a public entry's content is its body
        return entry.digest
    return digest_of(entry.text if entry.text is not None else canonical_text(entry.body))


def content_digest(content: Mapping[str, Any]) -> str:
    """A report's content fingerprint, for refusing duplicates (kept off the log: a plain hash
    of a confidential body could be guessed): the SHA-256 of its canonical JSON."""
    return digest_of(canonical_text(content))


def canonical_text(content: Mapping[str, Any]) -> str:
    return canonical_json(content, what="body").decode()


def digest_of(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _proposed(entry: Entry) -> list[Op]:
    body = _public(entry)
    return [
        Insert(
            AGREEMENTS,
            {
                "version": body["version"],
                "digest": body["digest"],
                "idx": entry.index,
                "actor": entry.actor,
                "document": canonical_text(body["agreement"]),
            },
        )
    ]


def _signed(entry: Entry) -> list[Op]:
    body = _public(entry)
    row = {
        "version": body["version"],
        "signatory": body["signatory"],
        "digest": body["digest"],
        "actor": entry.actor,
        "idx": entry.index,
    }
    return [Insert(SIGNATURES, row)]


def _submitted(entry: Entry) -> list[Op]:
    row = _report_row(
        entry,
        entry.id,
        entry.content,
        _source(entry, "$"),
        corrects=None,
        text=entry.text,
        digest=entry.digest,
    )
    return [Insert(REPORTS, row)]


def _corrected(entry: Entry) -> list[Op]:
    content = entry.content
    corrects = content["corrects"] if content is not None else None
    row = _report_row(
        entry,
        entry.id,
        content["report"] if content else None,
        _source(entry, "$.report"),
        corrects=corrects,
    )
    ops: list[Op] = [Insert(REPORTS, row)]
    if corrects is not None:
        ops.append(
            Update(REPORTS, {"id": corrects}, {"status": CORRECTED, "superseded_by": entry.id})
        )
    return ops


def _withdrawn(entry: Entry) -> list[Op]:
    body = _public_or_sealed(entry)
    if body is None:
        return []
    return [
        Update(REPORTS, {"id": body["report"]}, {"status": WITHDRAWN, "withdrawn_at": entry.index})
    ]


def _disclosed(entry: Entry) -> list[Op]:
    body = _public(entry)
    content, path = body["body"], "$.body.body"
    if "corrects" in content:  # a disclosed correction: its report is the content
        content, path = content["report"], "$.body.body.report"
    values = {"disclosed_at": entry.index, **_content_columns(content, (entry.index, path, False))}
    return [Update(REPORTS, {"id": body["report"]}, values)]


def _evidence(entry: Entry) -> list[Op]:
    body = _public_or_sealed(entry)
    if body is None:
        return []
    meta = body["metadata"]
    row = {
        "idx": entry.index,
        "id": entry.id,
        "sha256": body["sha256"],
        "report": body.get("report"),
        "actor": entry.actor,
        "affiliation": entry.affiliation,
        "size": body["size"],
        "name": body["name"],
        "media_type": meta["media_type"],
        "captured_at": meta.get("captured_at"),
        "latitude": meta.get("latitude"),
        "longitude": meta.get("longitude"),
        "device": meta.get("device"),
        "phash": meta.get("phash"),
        "dhash": meta.get("dhash"),
        "phash_mirrored": meta.get("phash_mirrored"),
        "metadata": canonical_text(meta),
        "confidential": entry.confidential,
        "time": entry.time,
    }
    custody = _custody_row(entry, body["sha256"], events.CustodyAction.SUBMITTED, None, None)
    return [Insert(EVIDENCE, row), Insert(CUSTODY, custody)]


def _custody(entry: Entry) -> list[Op]:
    body = _public(entry)
    row = _custody_row(entry, body["sha256"], body["action"], body.get("to"), body.get("note"))
    row["tool"] = body.get("tool")
    return [Insert(CUSTODY, row)]


def _custody_row(
    entry: Entry, sha256: str, action: str, to: str | None, note: str | None
) -> dict[str, Any]:
    return {
        "idx": entry.index,
        "sha256": sha256,
        "action": str(action),
        "actor": entry.actor,
        "to_actor": to,
        "note": note,
        "tool": None,
        "time": entry.time,
    }


def _report_row(
    entry: Entry,
    report_id: str,
    content: Mapping[str, Any] | None,
    source: BodySource,
    *,
    corrects: str | None,
    text: str | None = None,
    digest: str | None = None,
) -> dict[str, Any]:
    """``text`` and ``digest``: the content's canonical JSON and its digest, where known."""
    return {
        "id": report_id,
        "idx": entry.index,
        "actor": entry.actor,
        "affiliation": entry.affiliation,
        "confidential": entry.confidential,
        "sealed_commitment": entry.commitment,
        "status": ACTIVE,
        "corrects": corrects,
        "superseded_by": None,
        "withdrawn_at": None,
        "disclosed_at": None,
        "time": entry.time,
        **_content_columns(content, source, text, digest),
    }


BodySource = tuple[int, str, bool]
"""Where a report's content lies: (log index, JSON path, in the content store rather than the
leaf). The read models keep this, not a copy of the content; a database reads the body from
there (``json_extract`` of the leaf, or of the sealed body the content store holds). A report's
row still carries ``body``, the canonical JSON of its content: a store does not keep that
column, and gives it back read from the source."""


def _source(entry: Entry, path: str) -> BodySource:
    """``path`` in the entry's content: inside the leaf's body, or the sealed body itself."""
    if entry.body is not None:
        return entry.index, "$.body" + path[1:], False
    return entry.index, path, True


def _content_columns(
    content: Mapping[str, Any] | None,
    source: BodySource,
    text: str | None = None,
    digest: str | None = None,
) -> dict[str, Any]:
    if content is None:
        return dict(_NO_CONTENT)
    if text is None:
        text = canonical_text(content)
    dates = content.get("dates") or {}
    location = content.get("location") or {}
    origin = content.get("origin")
    return {
        "kind": content.get("kind"),
        "act": content.get("act"),
        "alleged_party": content.get("alleged_party"),
        "commitment": content.get("commitment"),
        "step": content.get("step"),
        "start_date": dates.get("start"),
        "end_date": dates.get("end"),
        "latitude": location.get("latitude"),
        "longitude": location.get("longitude"),
        "sector": location.get("sector"),
        "blurred": "blur_km" in location,
        "body": text,
        "body_at": source[0],
        "body_path": source[1],
        "body_sealed": source[2],
        "digest": digest_of(text) if digest is None else digest,
        "origin": None if origin is None else origin_key(origin["dataset"], origin["id"]),
    }


_NO_CONTENT: Final = dict.fromkeys(
    (
        "kind",
        "act",
        "alleged_party",
        "commitment",
        "step",
        "start_date",
        "end_date",
        "latitude",
        "longitude",
        "sector",
        "body",
        "body_at",
        "body_path",
        "digest",
        "origin",
    )
) | {"blurred": False, "body_sealed": False}


def _public(entry: Entry) -> Mapping[str, Any]:
    if entry.body is None:
        raise ValueError(f"{entry.type} at index {entry.index} must have a public body")
    return entry.body


def _public_or_sealed(entry: Entry) -> Mapping[str, Any] | None:
    return entry.content


def _casework(entry: Entry) -> list[Op]:
    """Every casework event is kept whole, found by what it is about: the case, penalty or
    meeting is folded from its events (``domain.casework``) when it is needed. So is every
    decision on an incident, found by the incident."""
    body = _public(entry)
    row = {
        "idx": entry.index,
        "id": entry.id,
        "type": entry.type,
        "subject": (
            str(body["incident"])
            if entry.type in INCIDENT_TYPES
            else subject_of(entry.type, entry.id, body)
        ),
        "actor": entry.actor,
        "affiliation": entry.affiliation,
        "time": entry.time,
        "body": canonical_text(body),
    }
    return [Insert(CASEWORK, row)]


_HANDLERS: Final = {
    events.AGREEMENT_PROPOSED: _proposed,
    events.AGREEMENT_SIGNED: _signed,
    events.REPORT_SUBMITTED: _submitted,
    events.REPORT_CORRECTED: _corrected,
    events.REPORT_WITHDRAWN: _withdrawn,
    events.REPORT_DISCLOSED: _disclosed,
    events.EVIDENCE_SUBMITTED: _evidence,
    events.CUSTODY_RECORDED: _custody,
    **dict.fromkeys(CASEWORK_TYPES, _casework),
    **dict.fromkeys(INCIDENT_TYPES, _casework),
}


class MemoryTables:
    """The read models in dictionaries: what a rebuild must give, for comparison, and the rows
    a batch being admitted has made so far."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {t: {} for t in KEYS}
        self._indexes: dict[tuple[str, str], dict[Any, set[tuple[Any, ...]]]] = {}

    def apply(self, ops: Iterable[Op]) -> None:
        for op in ops:
            table = self.tables[op.table]
            if isinstance(op, Insert):
                key = tuple(op.row[k] for k in KEYS[op.table])
                table[key] = dict(op.row)
                self._index(op.table, key, table[key])
            else:
                key = tuple(op.key[k] for k in KEYS[op.table])
                row = table.get(key)
                if row is not None:
                    row.update(op.values)
                    self._index(op.table, key, row)

    def find(self, table: str, column: str, value: Any) -> list[dict[str, Any]]:
        """Rows whose ``column`` is ``value``, through an index kept up to date."""
        rows = self.tables[table]
        if KEYS[table] == (column,):
            row = rows.get((value,))
            return [row] if row is not None else []
        index = self._indexes.get((table, column))
        if index is None:
            index = self._indexes[(table, column)] = {}
            for key, row in rows.items():
                index.setdefault(row.get(column), set()).add(key)
        return [rows[key] for key in sorted(index.get(value, ())) if rows[key].get(column) == value]

    def _index(self, table: str, key: tuple[Any, ...], row: dict[str, Any]) -> None:
        for (indexed, column), index in self._indexes.items():
            if indexed == table:
                index.setdefault(row.get(column), set()).add(key)

    def rows(self, table: str) -> list[dict[str, Any]]:
        return [self.tables[table][key] for key in sorted(self.tables[table])]
