"""Mailboxes at a mail provider fetched over IMAP, one per inbox.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    when = frontdesk.db.base.UTCDateTime(timezone=True)
    op.create_table(
        "mailbox_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("security", _enum("mailboxsecurity", "tls", "starttls", "plain"), nullable=False),
        sa.Column("username", sa.String(length=320), nullable=False),
        sa.Column("auth", _enum("mailboxauth", "password", "xoauth2"), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("processed", _enum("processedaction", "seen", "move"), nullable=False),
        sa.Column("move_to", sa.String(length=255), nullable=True),
        sa.Column("smtp_host", sa.String(length=255), nullable=True),
        sa.Column("smtp_port", sa.Integer(), nullable=True),
        sa.Column(
            "smtp_security", _enum("smtpsecurity", "tls", "starttls", "plain"), nullable=True
        ),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("history_uid", sa.BigInteger(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", when, nullable=True),
        sa.Column("next_attempt_at", when, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_fetch_at", when, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", when, nullable=True),
        sa.Column("messages_fetched", sa.BigInteger(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_mailbox_accounts_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailbox_accounts")),
        sa.UniqueConstraint("inbox_id", name=op.f("uq_mailbox_accounts_inbox_id")),
    )


def downgrade() -> None:
    op.drop_table("mailbox_accounts")
