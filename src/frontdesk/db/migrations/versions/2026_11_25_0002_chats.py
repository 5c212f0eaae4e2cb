"""Live chat: visitors, chats, participants, invitations, the event log, connections.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:10:32.459948
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import frontdesk.db.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "visitors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("identity_verified", sa.Boolean(), nullable=False),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("page_url", sa.String(length=2000), nullable=True),
        sa.Column("page_title", sa.String(length=500), nullable=True),
        sa.Column("minimized", sa.Boolean(), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_visitors_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visitors")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_visitors_token_hash")),
    )
    with op.batch_alter_table("visitors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visitors_inbox_id"), ["inbox_id"], unique=False)

    op.create_table(
        "connections",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "agent",
                "visitor",
                name="connectionkind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column("process_id", sa.String(length=40), nullable=False),
        sa.Column("connected_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_connections_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["visitors.id"],
            name=op.f("fk_connections_visitor_id_visitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
    )
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.create_index("ix_connections_heartbeat", ["heartbeat_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_connections_process_id"), ["process_id"], unique=False)
        batch_op.create_index("ix_connections_user", ["user_id"], unique=False)
        batch_op.create_index("ix_connections_visitor", ["visitor_id"], unique=False)

    op.create_table(
        "chats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "waiting",
                "active",
                "ended",
                name="chatstate",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "end_reason",
            sa.Enum(
                "agent",
                "unanswered",
                name="endreason",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("visitor_name", sa.String(length=200), nullable=False),
        sa.Column("visitor_email", sa.String(length=320), nullable=True),
        sa.Column("started_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_message_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_message_text", sa.String(length=300), nullable=False),
        sa.Column("last_visitor_seq", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ended_by_id"],
            ["users.id"],
            name=op.f("fk_chats_ended_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"], ["inboxes.id"], name=op.f("fk_chats_inbox_id_inboxes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_chats_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["visitors.id"],
            name=op.f("fk_chats_visitor_id_visitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chats")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_chats_ticket_id")),
    )
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chats_state_inbox", ["state", "inbox_id", "started_at"], unique=False
        )
        batch_op.create_index("ix_chats_visitor", ["visitor_id", "started_at"], unique=False)

    op.create_table(
        "chat_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column(
            "author_kind",
            sa.Enum(
                "visitor",
                "agent",
                "system",
                name="authorkind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("client_msg_id", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("visible_to_visitor", sa.Boolean(), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["users.id"],
            name=op.f("fk_chat_events_author_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_chat_events_chat_id_chats"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_events")),
        sa.UniqueConstraint(
            "chat_id", "client_msg_id", name=op.f("uq_chat_events_chat_id_client_msg_id")
        ),
        sa.UniqueConstraint("chat_id", "seq", name=op.f("uq_chat_events_chat_id_seq")),
    )
    op.create_table(
        "chat_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("inviter_id", sa.Integer(), nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "invite",
                "transfer",
                name="invitationkind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_chat_invitations_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invitee_id"],
            ["users.id"],
            name=op.f("fk_chat_invitations_invitee_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inviter_id"],
            ["users.id"],
            name=op.f("fk_chat_invitations_inviter_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_invitations")),
        sa.UniqueConstraint(
            "chat_id", "invitee_id", name=op.f("uq_chat_invitations_chat_id_invitee_id")
        ),
    )
    with op.batch_alter_table("chat_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chat_invitations_invitee_id"), ["invitee_id"], unique=False
        )

    op.create_table(
        "chat_labels",
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_chat_labels_chat_id_chats"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["label_id"],
            ["labels.id"],
            name=op.f("fk_chat_labels_label_id_labels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "label_id", name=op.f("pk_chat_labels")),
    )
    op.create_table(
        "chat_participants",
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("left_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("read_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_chat_participants_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_chat_participants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=op.f("pk_chat_participants")),
    )
    with op.batch_alter_table("chat_participants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chat_participants_user_active", ["user_id", "left_at"], unique=False
        )
    op.create_table(
        "availability_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_availability_changes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_changes")),
    )
    with op.batch_alter_table("availability_changes", schema=None) as batch_op:
        batch_op.create_index("ix_availability_changes_user_at", ["user_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("availability_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_availability_changes_user_at")

    op.drop_table("availability_changes")

    with op.batch_alter_table("chat_participants", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_participants_user_active")

    op.drop_table("chat_participants")
    op.drop_table("chat_labels")
    with op.batch_alter_table("chat_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_invitations_invitee_id"))

    op.drop_table("chat_invitations")
    op.drop_table("chat_events")
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_index("ix_chats_visitor")
        batch_op.drop_index("ix_chats_state_inbox")

    op.drop_table("chats")
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_index("ix_connections_visitor")
        batch_op.drop_index("ix_connections_user")
        batch_op.drop_index(batch_op.f("ix_connections_process_id"))
        batch_op.drop_index("ix_connections_heartbeat")

    op.drop_table("connections")
    with op.batch_alter_table("visitors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visitors_inbox_id"))

    op.drop_table("visitors")
