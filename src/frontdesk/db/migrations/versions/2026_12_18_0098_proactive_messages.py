"""Proactive messages: the messenger greets visitors on chosen pages (docs/messenger.md,
"Proactive messages").

- `proactive_messages`: per inbox, an internal name, the text, the sending agent, a page rule
  (a path or full address with `*` wildcards, empty for every page), the seconds on the page
  before it shows, whether only while the inbox is online, whether enabled, and the two counts
  the server keeps (shown, chats started). Ids never reused (AUTOINCREMENT on SQLite): the
  messenger's storage, chat events and the audit log keep them. The messenger sends "shown"
  once per browser (it keeps the ids it counted): no table of viewers.

Revision ID: 0098
Revises: 0097
Create Date: 2026-12-18 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0098"
down_revision = "0097"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proactive_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("page_rule", sa.String(length=500), server_default="", nullable=False),
        sa.Column("delay_seconds", sa.Integer(), nullable=False),
        sa.Column("only_when_online", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("shown_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("started_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbox_id"], ["inboxes.id"], name=op.f("fk_proactive_messages_inbox_id_inboxes")
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["users.id"], name=op.f("fk_proactive_messages_sender_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proactive_messages")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_proactive_messages_inbox", "proactive_messages", ["inbox_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_proactive_messages_inbox", table_name="proactive_messages")
    op.drop_table("proactive_messages")
