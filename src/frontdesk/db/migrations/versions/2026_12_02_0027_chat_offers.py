"""Chats offered to one agent at a time: the inbox option and its timeout, the chats' own
round-robin cursor, and one row per agent a chat was offered to.

Revision ID: 0027
Revises: 0021
Create Date: 2026-12-02 01:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0027"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_assignment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("offer_chats", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("offer_timeout_seconds", sa.Integer(), server_default="30", nullable=False)
        )
        batch_op.add_column(sa.Column("chat_last_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_inbox_assignment_chat_last_user_id_users"),
            "users",
            ["chat_last_user_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "chat_offers",
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("offered_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "accepted",
                "declined",
                "expired",
                "offline",
                "withdrawn",
                name="offeroutcome",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("decided_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_chat_offers_chat_id_chats"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_chat_offers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=op.f("pk_chat_offers")),
    )
    op.create_index("ix_chat_offers_open", "chat_offers", ["outcome", "expires_at"], unique=False)
    op.create_index(op.f("ix_chat_offers_user_id"), "chat_offers", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_chat_offers_user_id"), table_name="chat_offers")
    op.drop_index("ix_chat_offers_open", table_name="chat_offers")
    op.drop_table("chat_offers")
    with op.batch_alter_table("inbox_assignment", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_inbox_assignment_chat_last_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("chat_last_user_id")
        batch_op.drop_column("offer_timeout_seconds")
        batch_op.drop_column("offer_chats")
