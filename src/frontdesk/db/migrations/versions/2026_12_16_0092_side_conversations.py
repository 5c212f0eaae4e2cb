"""Side conversations (docs/desk.md, "Side conversations").

- `side_conversations`: a thread of email between a ticket's agents and someone other than the
  customer, attached to the ticket: its subject, participants, open or closed, "new reply", who
  started it, when it last had a message. Gone with its ticket (cascade); who started it set to
  null if an account were ever deleted. Indexed by ticket (with its id: the ticket's list in
  order) and by who started it (the cascade's set null).
- `side_conversation_messages`: its emails, either way: who wrote one (an agent) or whom it came
  from, the text, a received one's sanitised HTML, the Message-ID (unique: how answers thread
  and copies are recognised), the inbound message it was received as. Gone with its side
  conversation; an index for each foreign key.

Ids never reused: a side conversation's id is in its reply address, which outlives it.

Revision ID: 0092
Revises: 0091
Create Date: 2026-12-16 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0092"
down_revision = "0091"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "side_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("participants", frontdesk.db.base.JSONType, nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "closed",
                name="sideconversationstate",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("new_reply", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_side_conversations_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_side_conversations_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_side_conversations")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_side_conversations_ticket_id", "side_conversations", ["ticket_id", "id"])
    op.create_index(
        "ix_side_conversations_created_by_id",
        "side_conversations",
        ["created_by_id"],
        sqlite_where=sa.text("created_by_id IS NOT NULL"),
        postgresql_where=sa.text("created_by_id IS NOT NULL"),
    )
    op.create_table(
        "side_conversation_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("side_conversation_id", sa.Integer(), nullable=False),
        sa.Column(
            "direction",
            sa.Enum(
                "in",
                "out",
                name="direction",
                native_enum=False,
                create_constraint=True,
                length=3,
            ),
            nullable=False,
        ),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("from_address", sa.String(length=998), nullable=False),
        sa.Column("to", frontdesk.db.base.JSONType, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=998), nullable=True),
        sa.Column("inbound_id", sa.Integer(), nullable=True),
        sa.Column("data", frontdesk.db.base.JSONType, nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["side_conversation_id"],
            ["side_conversations.id"],
            name=op.f("fk_side_conversation_messages_side_conversation_id_side_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["users.id"],
            name=op.f("fk_side_conversation_messages_author_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["inbound_messages.id"],
            name=op.f("fk_side_conversation_messages_inbound_id_inbound_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_side_conversation_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_side_conversation_messages_message_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_side_conversation_messages_conversation",
        "side_conversation_messages",
        ["side_conversation_id", "id"],
    )
    for column in ("author_user_id", "inbound_id"):
        op.create_index(
            f"ix_side_conversation_messages_{column}",
            "side_conversation_messages",
            [column],
            sqlite_where=sa.text(f"{column} IS NOT NULL"),
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
        )


def downgrade() -> None:
    for column in ("inbound_id", "author_user_id"):
        op.drop_index(
            f"ix_side_conversation_messages_{column}", table_name="side_conversation_messages"
        )
    op.drop_index(
        "ix_side_conversation_messages_conversation", table_name="side_conversation_messages"
    )
    op.drop_table("side_conversation_messages")
    op.drop_index("ix_side_conversations_created_by_id", table_name="side_conversations")
    op.drop_index("ix_side_conversations_ticket_id", table_name="side_conversations")
    op.drop_table("side_conversations")
