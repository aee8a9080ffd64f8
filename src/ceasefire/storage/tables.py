"""The database tables, private to storage. The log tables are the record; the rest are caches.

- ``log_head``: one row, the log's identity and its size (the append lock is taken on it).
- ``log_entries``: leaf bytes and leaf hash by index — the record itself, and level 0 of the
  tree. On SQLite ``idx`` is the rowid, so an entry costs one b-tree insert.
- ``log_nodes``: every complete (perfect) interior subtree hash by (level ≥ 1, index).
  Complete subtrees never change, so a proof at any size is O(log n) point reads, and the C2SP
  tiles of level L are the hashes of level 8·L.
- ``log_checkpoints``: every signed checkpoint note, by tree size; ``log_cosignatures``: witness
  cosignature lines attached to them.
- ``log_keys``: cache of the keyring fold (which key may sign), rebuilt from the log by verify.
- ``sealed_bodies``: the content behind confidential commitments; erasable without touching the log.
- ``api_tokens``, ``api_idempotency``: the HTTP API's bearer tokens (hashed) and the
  idempotency keys of its writes; state of the service, not of the record.

The read models (``rm_*``, filled by ``domain.projection``) are caches of the record that
``ceasefire rebuild`` drops and recomputes from the log; ``rm_progress`` says how many entries
they reflect.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

log_head = Table(
    "log_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("origin", String(255), nullable=False),
    Column("log_vkey", String(512), nullable=False),
    Column("size", BigInteger, nullable=False),
)

# SQLite makes only "INTEGER PRIMARY KEY" an alias of the rowid; BIGINT would add an index.
_Index = BigInteger().with_variant(Integer(), "sqlite")

log_entries = Table(
    "log_entries",
    metadata,
    Column("idx", _Index, primary_key=True, autoincrement=False),
    Column("leaf", LargeBinary, nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
)

log_nodes = Table(
    "log_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
    CheckConstraint("level >= 1", name="interior"),
    sqlite_with_rowid=False,
)

log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

log_cosignatures = Table(
    "log_cosignatures",
    metadata,
    Column(
        "size",
        BigInteger,
        ForeignKey("log_checkpoints.size"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("name", String(255), primary_key=True),
    Column("key_id", BigInteger, primary_key=True, autoincrement=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("line", Text, nullable=False),
)

log_keys = Table(
    "log_keys",
    metadata,
    Column("public_key", LargeBinary(32), primary_key=True),
    Column("actor", String(64), nullable=False, index=True),
    Column("role", String(64), nullable=False),
    Column("enrolled_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
    Column("affiliation", String(64), nullable=True),
)

sealed_bodies = Table(
    "sealed_bodies",
    metadata,
    Column("commitment", String(80), primary_key=True),
    Column("idx", BigInteger, nullable=False, index=True),
    Column("salt", LargeBinary(32), nullable=False),
    Column("body", Text, nullable=False),
)

rm_progress = Table(
    "rm_progress",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("applied", BigInteger, nullable=False),
)

_CASEWORK_REPORTS = "kind = 'compliance_claim' OR disclosed_at IS NOT NULL"
"""Reports the casework reads whatever the period: claims of compliance, and disclosures."""

rm_events = Table(  # the log's entry index, written with the leaves (storage.entry_index)
    "rm_events",
    metadata,
    Column("idx", _Index, primary_key=True, autoincrement=False),
    Column("id", String(32), nullable=False),
    Column("type", String(128), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("time", String(32), nullable=False),
    Column("body_digest", String(80), nullable=True),
    Index("ix_rm_events_id", "id", unique=True),
    Index(
        "ix_rm_events_not_reports",
        "type",
        "idx",
        sqlite_where=text("type != 'report.submitted'"),
        postgresql_where=text("type != 'report.submitted'"),
    ),
)

rm_agreements = Table(
    "rm_agreements",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("digest", String(80), nullable=False),
    Column("idx", BigInteger, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("document", Text, nullable=False),
)

rm_agreement_signatures = Table(
    "rm_agreement_signatures",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("signatory", String(64), primary_key=True),
    Column("digest", String(80), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("idx", BigInteger, nullable=False),
)

rm_reports = Table(
    "rm_reports",
    metadata,
    Column("idx", _Index, primary_key=True, autoincrement=False),
    Column("id", String(32), nullable=False, unique=True, index=True),
    Column("actor", String(64), nullable=False),
    Column("affiliation", String(64), nullable=True),
    Column("confidential", Boolean, nullable=False),
    Column("sealed_commitment", String(80), nullable=True),
    Column("status", String(16), nullable=False),
    Column("corrects", String(32), nullable=True),
    Column("superseded_by", String(32), nullable=True),
    Column("withdrawn_at", BigInteger, nullable=True),
    Column("disclosed_at", BigInteger, nullable=True),
    Column("time", String(32), nullable=False),
    Column("kind", String(32), nullable=True),
    Column("act", String(64), nullable=True),
    Column("alleged_party", String(64), nullable=True),
    Column("commitment", String(64), nullable=True),
    Column("step", String(64), nullable=True),
    Column("start_date", String(10), nullable=True),
    Column("end_date", String(10), nullable=True),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("sector", String(64), nullable=True),
    Column("blurred", Boolean, nullable=False),
    Column("body_at", BigInteger, nullable=True),
    Column("body_path", String(24), nullable=True),
    Column("body_sealed", Boolean, nullable=False),
    Column("digest", String(80), nullable=True, index=True),
    Column("origin", String(300), nullable=True, index=True),
    Index("ix_rm_reports_time", "time"),
    Index("ix_rm_reports_dates", "end_date", "start_date"),
    Index(
        "ix_rm_reports_casework",
        "idx",
        sqlite_where=text(_CASEWORK_REPORTS),
        postgresql_where=text(_CASEWORK_REPORTS),
    ),
)

rm_evidence = Table(
    "rm_evidence",
    metadata,
    Column("idx", _Index, primary_key=True, autoincrement=False),
    Column("id", String(32), nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("report", String(32), nullable=True, index=True),
    Column("actor", String(64), nullable=False),
    Column("affiliation", String(64), nullable=True),
    Column("size", BigInteger, nullable=False),
    Column("name", String(255), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("captured_at", String(32), nullable=True),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("device", String(255), nullable=True),
    Column("phash", String(16), nullable=True),
    Column("dhash", String(16), nullable=True),
    Column("phash_mirrored", String(16), nullable=True),
    Column("metadata", Text, nullable=False),
    Column("confidential", Boolean, nullable=False),
    Column("time", String(32), nullable=False),
)

rm_custody = Table(
    "rm_custody",
    metadata,
    Column("idx", _Index, primary_key=True, autoincrement=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("to_actor", String(64), nullable=True),
    Column("note", Text, nullable=True),
    Column("tool", String(200), nullable=True),
    Column("time", String(32), nullable=False),
)

rm_casework = Table(
    "rm_casework",
    metadata,
    Column("idx", _Index, primary_key=True, autoincrement=False),
    Column("id", String(32), nullable=False),
    Column("type", String(64), nullable=False),
    Column("subject", String(64), nullable=False, index=True),
    Column("actor", String(64), nullable=False),
    Column("affiliation", String(64), nullable=True),
    Column("time", String(32), nullable=False),
    Column("body", Text, nullable=False),
)
"""Every case, finding, penalty, meeting and incident decision event, whole, by what it is about
(its subject)."""

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("actor", String(64), nullable=False, index=True),
    Column("digest", LargeBinary(32), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)
"""API bearer tokens: the SHA-256 of each secret, never the secret itself."""

api_idempotency = Table(
    "api_idempotency",
    metadata,
    Column("actor", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("event_id", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
"""Which event each actor's ``Idempotency-Key`` carried, so a retried write is answered with
the original receipt."""

RECORD_TABLES = {
    table.name: table
    for table in (
        rm_events,
        rm_agreements,
        rm_agreement_signatures,
        rm_reports,
        rm_evidence,
        rm_custody,
        rm_casework,
    )
}
"""The read-model tables by name (``domain.projection`` names them)."""
PROJECTED_TABLES = {name: table for name, table in RECORD_TABLES.items() if table is not rm_events}
"""The tables a rebuild empties and refills: all but the log's entry index (``rm_events``),
which is written with the leaves (``storage.entry_index``)."""
