"""Saved replies, personal and per inbox, and each insertion of one.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01 21:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("inbox_id", sa.Integer(), nullable=True),
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.Column("text_folded", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("last_used_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(owner_id IS NULL) <> (inbox_id IS NULL)",
            name=op.f("ck_saved_replies_one_scope"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_saved_replies_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_saved_replies_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_saved_replies_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_saved_replies_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_replies")),
    )
    op.create_index(op.f("ix_saved_replies_inbox_id"), "saved_replies", ["inbox_id"])
    op.create_index(op.f("ix_saved_replies_owner_id"), "saved_replies", ["owner_id"])
    op.create_table(
        "saved_reply_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("saved_reply_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("use_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_saved_reply_uses_chat_id_chats"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["saved_reply_id"],
            ["saved_replies.id"],
            name=op.f("fk_saved_reply_uses_saved_reply_id_saved_replies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_saved_reply_uses_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_saved_reply_uses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_reply_uses")),
        sa.UniqueConstraint(
            "saved_reply_id",
            "user_id",
            "use_id",
            name=op.f("uq_saved_reply_uses_saved_reply_id_user_id_use_id"),
        ),
    )
    op.create_index(op.f("ix_saved_reply_uses_user_id"), "saved_reply_uses", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_saved_reply_uses_user_id"), table_name="saved_reply_uses")
    op.drop_table("saved_reply_uses")
    op.drop_index(op.f("ix_saved_replies_owner_id"), table_name="saved_replies")
    op.drop_index(op.f("ix_saved_replies_inbox_id"), table_name="saved_replies")
    op.drop_table("saved_replies")
