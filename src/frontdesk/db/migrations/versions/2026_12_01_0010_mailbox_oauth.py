"""OAuth 2.0 for a mailbox at a mail provider: the refresh token, the client and the token
endpoint, so that access tokens are renewed before they run out.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = frontdesk.db.base.UTCDateTime(timezone=True)
    op.create_table(
        "mailbox_oauth",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_url", sa.String(length=2000), nullable=False),
        sa.Column("client_id", sa.String(length=500), nullable=False),
        sa.Column("client_secret", sa.Text(), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(length=2000), nullable=True),
        sa.Column("expires_at", when, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", when, nullable=True),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_at", when, nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_refresh_at", when, nullable=True),
        sa.Column("refresh_owner", sa.String(length=64), nullable=True),
        sa.Column("refresh_until", when, nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["mailbox_accounts.id"],
            name=op.f("fk_mailbox_oauth_account_id_mailbox_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailbox_oauth")),
        sa.UniqueConstraint("account_id", name=op.f("uq_mailbox_oauth_account_id")),
    )


def downgrade() -> None:
    op.drop_table("mailbox_oauth")
