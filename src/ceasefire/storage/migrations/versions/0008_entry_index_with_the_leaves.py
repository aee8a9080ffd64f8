"""the entry index: rm_events is written with the leaves and keeps each public body's digest

``rm_events`` (each entry's id, type, signer and time) becomes the log's own entry index,
written in the append's transaction (``storage.entry_index``), and gains ``body_digest``, the
SHA-256 of a public body's canonical JSON. It is emptied here with the read models' progress,
and ``ceasefire db upgrade`` rebuilds them, deriving the index again from the leaves.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 08:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM rm_events")
    op.execute("UPDATE rm_progress SET applied = 0")
    op.add_column("rm_events", sa.Column("body_digest", sa.String(length=80), nullable=True))


def downgrade() -> None:
    op.drop_column("rm_events", "body_digest")
