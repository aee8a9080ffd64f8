"""briefs: indexes to find a period's reports and what its casework reads, not the whole log

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_NOT_REPORTS = "type != 'report.submitted'"
_CASEWORK_REPORTS = "kind = 'compliance_claim' OR disclosed_at IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_rm_events_not_reports",
        "rm_events",
        ["type", "idx"],
        unique=False,
        sqlite_where=sa.text(_NOT_REPORTS),
        postgresql_where=sa.text(_NOT_REPORTS),
    )
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


def downgrade() -> None:
    op.drop_index("ix_rm_reports_casework", table_name="rm_reports")
    op.drop_index("ix_rm_reports_dates", table_name="rm_reports")
    op.drop_index("ix_rm_reports_time", table_name="rm_reports")
    op.drop_index("ix_rm_events_not_reports", table_name="rm_events")
