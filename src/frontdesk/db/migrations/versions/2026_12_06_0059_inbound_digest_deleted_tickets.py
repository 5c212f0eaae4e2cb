"""Two things inbound mail needs to remember (docs/email.md):

- `inbound_messages.raw_digest`, the SHA-256 of a message that has no Message-ID, so that a
  sending server's retry of it is recognised and adds nothing ("Duplicates");
- `deleted_tickets`, the inbox of each ticket deleted from now on (retention, erasure), so that
  a late reply to its reply address opens a new ticket there instead of being refused
  (docs/privacy.md). Tickets deleted before have left no trace: a reply to them is refused, as
  before.

Revision ID: 0059
Revises: 0058
Create Date: 2026-12-06 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0059"
down_revision = "0058"
branch_labels = None
depends_on = None

DIGEST_SET = sa.text("raw_digest IS NOT NULL")


def upgrade() -> None:
    # Added in place (SQLite's ALTER TABLE ADD COLUMN): a rebuild would lose the table's
    # AUTOINCREMENT text and triggers (0056).
    op.add_column("inbound_messages", sa.Column("raw_digest", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_inbound_messages_raw_digest",
        "inbound_messages",
        ["raw_digest"],
        sqlite_where=DIGEST_SET,
        postgresql_where=DIGEST_SET,
    )
    op.create_table(
        "deleted_tickets",
        sa.Column("ticket_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_deleted_tickets_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_deleted_tickets")),
    )


def downgrade() -> None:
    op.drop_table("deleted_tickets")
    op.drop_index("ix_inbound_messages_raw_digest", table_name="inbound_messages")
    op.drop_column("inbound_messages", "raw_digest")
