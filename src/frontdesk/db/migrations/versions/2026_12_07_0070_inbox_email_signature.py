"""Email signatures (docs/email.md, "Signatures").

- `inboxes.email_signature`: the text an agent's email reply from the inbox ends with, after a
  "-- " line, its variables filled for the reply's author. Null: no signature, as every inbox
  had before.
- `pending_replies.signature`: whether a reply held for Undo send gets it when it goes out;
  true for the replies held before, which then go out as any reply does.

Revision ID: 0070
Revises: 0069
Create Date: 2026-12-07 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0070"
down_revision = "0069"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (SQLite's ALTER TABLE ADD COLUMN): a rebuild of pending_replies would lose
    # its AUTOINCREMENT text (IDS_NEVER_REUSED).
    op.add_column("inboxes", sa.Column("email_signature", sa.Text(), nullable=True))
    op.add_column(
        "pending_replies",
        sa.Column("signature", sa.Boolean(), server_default=sa.true(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("pending_replies", "signature")
    op.drop_column("inboxes", "email_signature")
