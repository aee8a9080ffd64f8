"""verification and enforcement: the casework read model

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 20:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rm_casework",
        sa.Column(
            "idx",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("affiliation", sa.String(length=64), nullable=True),
        sa.Column("time", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_rm_casework")),
    )
    with op.batch_alter_table("rm_casework", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rm_casework_subject"), ["subject"], unique=False)
    # Before this release such events were logged as notes outside the record. If a log holds
    # any, its read models must be rebuilt (appends are refused until `ceasefire rebuild`).
    op.execute(
        "UPDATE rm_progress SET applied = 0 WHERE EXISTS (SELECT 1 FROM rm_events WHERE "
        "type LIKE 'case.%' OR type LIKE 'finding.%' OR type LIKE 'penalty.%' "
        "OR type LIKE 'meeting.%')"
    )


def downgrade() -> None:
    with op.batch_alter_table("rm_casework", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rm_casework_subject"))
    op.drop_table("rm_casework")
