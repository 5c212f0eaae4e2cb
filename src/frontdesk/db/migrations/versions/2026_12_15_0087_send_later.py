"""Send later (docs/desk.md, "Send later").

- `pending_replies.scheduled`: the reply was scheduled by its author for a time they chose
  (`send_at`), not held for an Undo send window; colleagues see it while it waits. False for the
  replies held before, which were all Undo send's.

Revision ID: 0087
Revises: 0086
Create Date: 2026-12-15 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0087"
down_revision = "0086"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (SQLite's ALTER TABLE ADD COLUMN): a rebuild of pending_replies would lose
    # its AUTOINCREMENT text (IDS_NEVER_REUSED).
    op.add_column(
        "pending_replies",
        sa.Column("scheduled", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("pending_replies", "scheduled")
