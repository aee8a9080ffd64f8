"""imported reports: the dataset row each came from (rm_reports.origin)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rm_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f("ix_rm_reports_origin"), ["origin"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rm_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rm_reports_origin"))
        batch_op.drop_column("origin")
