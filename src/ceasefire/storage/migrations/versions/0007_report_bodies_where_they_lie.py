"""reports: the row says where a report's body lies instead of keeping a copy; keyed by index

``rm_reports.body`` (a copy of the content, which the log or the content store already holds)
gives way to ``body_at``, ``body_path`` and ``body_sealed``, read by ``storage.report_bodies``;
``blurred`` replaces the text search of the body for a reporter's blurred place. The row's log
index becomes its primary key (on SQLite the rowid, so a rebuild appends rows in order) and the
report id a unique index. The read models are caches of the log: they are emptied here, the
table made anew, and ``ceasefire db upgrade`` rebuilds them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 12:40:00
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_READ_MODELS = (
    "rm_casework",
    "rm_custody",
    "rm_evidence",
    "rm_reports",
    "rm_agreement_signatures",
    "rm_agreements",
    "rm_events",
)
_CASEWORK_REPORTS = "kind = 'compliance_claim' OR disclosed_at IS NOT NULL"


def upgrade() -> None:
    _empty_read_models()
    op.drop_table("rm_reports")
    _create_reports(
        sa.Column(
            "idx",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        lambda: [
            sa.Column("blurred", sa.Boolean(), nullable=False),
            sa.Column("body_at", sa.BigInteger(), nullable=True),
            sa.Column("body_path", sa.String(length=24), nullable=True),
            sa.Column("body_sealed", sa.Boolean(), nullable=False),
        ],
        primary="idx",
    )
    op.create_index("ix_rm_reports_id", "rm_reports", ["id"], unique=True)


def downgrade() -> None:
    _empty_read_models()
    op.drop_table("rm_reports")
    _create_reports(
        sa.Column("idx", sa.BigInteger(), nullable=False),
        lambda: [sa.Column("body", sa.Text(), nullable=True)],
        primary="id",
    )
    op.create_index("ix_rm_reports_idx", "rm_reports", ["idx"], unique=False)


def _create_reports(
    idx: sa.Column[int], content: Callable[[], list[sa.Column[object]]], *, primary: str
) -> None:
    op.create_table(
        "rm_reports",
        idx,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("affiliation", sa.String(length=64), nullable=True),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("sealed_commitment", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("corrects", sa.String(length=32), nullable=True),
        sa.Column("superseded_by", sa.String(length=32), nullable=True),
        sa.Column("withdrawn_at", sa.BigInteger(), nullable=True),
        sa.Column("disclosed_at", sa.BigInteger(), nullable=True),
        sa.Column("time", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("act", sa.String(length=64), nullable=True),
        sa.Column("alleged_party", sa.String(length=64), nullable=True),
        sa.Column("commitment", sa.String(length=64), nullable=True),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("start_date", sa.String(length=10), nullable=True),
        sa.Column("end_date", sa.String(length=10), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("sector", sa.String(length=64), nullable=True),
        *content(),
        sa.Column("digest", sa.String(length=80), nullable=True),
        sa.Column("origin", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint(primary, name=op.f("pk_rm_reports")),
    )
    op.create_index("ix_rm_reports_digest", "rm_reports", ["digest"], unique=False)
    op.create_index("ix_rm_reports_origin", "rm_reports", ["origin"], unique=False)
    op.create_index("ix_rm_reports_time", "rm_reports", ["time"], unique=False)
    op.create_index("ix_rm_reports_dates", "rm_reports", ["end_date", "start_date"], unique=False)
    op.create_index(
        "ix_rm_reports_casework",
        "rm_reports",
        ["idx"],
        unique=False,
        sqlite_where=sa.text(_CASEWORK_REPORTS),
        postgresql_where=sa.text(_CASEWORK_REPORTS),
    )


def _empty_read_models() -> None:
    for name in _READ_MODELS:
        op.execute(f"DELETE FROM {name}")
    op.execute("UPDATE rm_progress SET applied = 0")
