"""A version of each inbox's business hours, so that a process may keep the calendars it built.

- `business_hours.version`: one more at every save of the hours (`hours_service.set_hours`, an
  `UPDATE … SET version = version + 1` under the row's lock, so two saves never share one). The
  chat writer reads it with the conversation clocks it reads anyway and builds a calendar again
  only when it differs from the one it keeps (`hours/calendar_cache.py`, docs/performance.md).

Backfill: existing rows take 0 (the server default); nothing kept them before.

Revision ID: 0100
Revises: 0099
Create Date: 2026-12-18 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0100"
down_revision = "0099"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "business_hours",
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("business_hours", "version")
