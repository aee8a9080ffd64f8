"""reports: the read models say where a report's body lies instead of keeping a copy of it

``rm_reports.body`` (a copy of the content, which the log or the content store already holds)
gives way to ``body_at``, ``body_path`` and ``body_sealed``, read by ``storage.report_bodies``;
``blurred`` replaces the text search of the body for a reporter's blurred place. The read
models are caches of the log: they are emptied here, and ``ceasefire db upgrade`` rebuilds them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 12:40:00
"""

from __future__ import annotations

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


def upgrade() -> None:
    _empty_read_models()
    with op.batch_alter_table("rm_reports", schema=None) as batch_op:
        batch_op.drop_column("body")
        batch_op.add_column(
            sa.Column("blurred", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("body_at", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("body_path", sa.String(length=24), nullable=True))
        batch_op.add_column(
            sa.Column("body_sealed", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    _empty_read_models()
    with op.batch_alter_table("rm_reports", schema=None) as batch_op:
        batch_op.drop_column("body_sealed")
        batch_op.drop_column("body_path")
        batch_op.drop_column("body_at")
        batch_op.drop_column("blurred")
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=True))


def _empty_read_models() -> None:
    for name in _READ_MODELS:
        op.execute(f"DELETE FROM {name}")
    op.execute("UPDATE rm_progress SET applied = 0")
