"""Foundation: users, sessions, API tokens, inboxes, customers, labels, tickets, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 17:00:45.141123
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import frontdesk.db.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    op.create_table(
        "inboxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email_address", sa.String(length=320), nullable=True),
        sa.Column("public_key", sa.String(length=40), nullable=False),
        sa.Column("unanswered_timeout_seconds", sa.Integer(), nullable=False),
        sa.Column(
            "allowed_origins",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("identity_secret", sa.String(length=100), nullable=True),
        sa.Column("require_identity", sa.Boolean(), nullable=False),
        sa.Column(
            "messenger_settings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inboxes")),
        sa.UniqueConstraint("email_address", name=op.f("uq_inboxes_email_address")),
        sa.UniqueConstraint("public_key", name=op.f("uq_inboxes_public_key")),
    )
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
        sa.UniqueConstraint("name", name=op.f("uq_labels_name")),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=320), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_account_at", ["account", "at"], unique=False)
        batch_op.create_index("ix_login_failures_ip_at", ["ip", "at"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "owner",
                "admin",
                "agent",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("available_for_chat", sa.Boolean(), nullable=False),
        sa.Column(
            "availability_changed_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("max_concurrent_chats", sa.Integer(), nullable=False),
        sa.Column(
            "preferences",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("last_seen_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_customers_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["customers.id"], name=op.f("fk_customers_merged_into_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customers_name"), ["name"], unique=False)

    op.create_table(
        "inbox_members",
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_inbox_members_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_inbox_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("inbox_id", "user_id", name=op.f("pk_inbox_members")),
    )
    with op.batch_alter_table("inbox_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sessions_token_hash")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "customer_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "email",
                "phone",
                name="contactkind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_contacts_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_contacts")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_customer_contacts_kind_value")),
    )
    with op.batch_alter_table("customer_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_contacts_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "chat",
                "email",
                "web",
                name="tickettype",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "hold",
                "snoozed",
                "closed",
                name="ticketstate",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("snoozed_until", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            name=op.f("fk_tickets_assignee_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_tickets_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_tickets_inbox_id_inboxes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tickets_assignee_state_inbox_updated",
            ["assignee_id", "state", "inbox_id", "updated_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tickets_assignee_state_updated",
            ["assignee_id", "state", "updated_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tickets_customer_updated", ["customer_id", "updated_at"], unique=False
        )
        batch_op.create_index(
            "ix_tickets_inbox_state_updated",
            ["inbox_id", "state", "updated_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tickets_inbox_updated", ["inbox_id", "updated_at", "id"], unique=False
        )
        batch_op.create_index("ix_tickets_snoozed_until", ["snoozed_until"], unique=False)
        batch_op.create_index(
            "ix_tickets_state_updated", ["state", "updated_at", "id"], unique=False
        )
        batch_op.create_index("ix_tickets_updated", ["updated_at", "id"], unique=False)

    op.create_table(
        "ticket_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "transcript",
                "reply",
                "note",
                "event",
                name="entrykind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "direction",
            sa.Enum("in", "out", name="direction", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("author_customer_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=998), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_customer_id"],
            ["customers.id"],
            name=op.f("fk_ticket_entries_author_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["users.id"],
            name=op.f("fk_ticket_entries_author_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_entries_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_entries")),
    )
    with op.batch_alter_table("ticket_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_entries_message_id"), ["message_id"], unique=False
        )
        batch_op.create_index(
            "ix_ticket_entries_ticket_created", ["ticket_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "ticket_labels",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["label_id"],
            ["labels.id"],
            name=op.f("fk_ticket_labels_label_id_labels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_labels_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", "label_id", name=op.f("pk_ticket_labels")),
    )
    with op.batch_alter_table("ticket_labels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_labels_label_id"), ["label_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("sender", sa.String(length=400), nullable=False),
        sa.Column(
            "recipients",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=998), nullable=False),
        sa.Column(
            "headers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "sending",
                "sent",
                "failed",
                name="outboxstate",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ticket_entries.id"],
            name=op.f("fk_outbox_entry_id_ticket_entries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_outbox_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_state_next_attempt", ["state", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_ticket_id"), ["ticket_id"], unique=False)

    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.Integer))
    op.bulk_insert(counters, [{"name": "tickets", "value": 0}])


def downgrade() -> None:

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_ticket_id"))
        batch_op.drop_index("ix_outbox_state_next_attempt")

    op.drop_table("outbox")
    with op.batch_alter_table("ticket_labels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_labels_label_id"))

    op.drop_table("ticket_labels")
    with op.batch_alter_table("ticket_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_entries_ticket_created")
        batch_op.drop_index(batch_op.f("ix_ticket_entries_message_id"))

    op.drop_table("ticket_entries")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_updated")
        batch_op.drop_index("ix_tickets_state_updated")
        batch_op.drop_index("ix_tickets_snoozed_until")
        batch_op.drop_index("ix_tickets_inbox_updated")
        batch_op.drop_index("ix_tickets_inbox_state_updated")
        batch_op.drop_index("ix_tickets_customer_updated")
        batch_op.drop_index("ix_tickets_assignee_state_updated")
        batch_op.drop_index("ix_tickets_assignee_state_inbox_updated")

    op.drop_table("tickets")
    with op.batch_alter_table("customer_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_contacts_customer_id"))

    op.drop_table("customer_contacts")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_user_id"))

    op.drop_table("sessions")
    with op.batch_alter_table("inbox_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_members_user_id"))

    op.drop_table("inbox_members")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_name"))

    op.drop_table("customers")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_ip_at")
        batch_op.drop_index("ix_login_failures_account_at")

    op.drop_table("login_failures")
    op.drop_table("labels")
    op.drop_table("inboxes")
    op.drop_table("counters")
