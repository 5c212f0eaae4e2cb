"""The customer portal, "My requests" under the help center (docs/portal.md).

- `help_center_settings.customer_portal`: "Customers can sign in to see their requests", on by
  default (existing rows too).
- `portal_links`: the sign-in links mailed to customers, by their token's digest, usable once
  until they expire; indexed by customer and time (the per-address limit counts them).
- `portal_sessions`: the signed-in browsers, by their cookie's digest, until they expire or sign
  out; indexed by customer (an erasure deletes them).

Both gone with their customer (the cascade). Going down drops them (everybody is signed out)
and the setting.

Revision ID: 0088
Revises: 0087
Create Date: 2026-12-15 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0088"
down_revision = "0087"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "help_center_settings",
        sa.Column("customer_portal", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.create_table(
        "portal_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_portal_links_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_links")),
        sa.UniqueConstraint("digest", name=op.f("uq_portal_links_digest")),
    )
    op.create_index(
        "ix_portal_links_customer_created", "portal_links", ["customer_id", "created_at"]
    )
    op.create_table(
        "portal_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_portal_sessions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_sessions")),
        sa.UniqueConstraint("digest", name=op.f("uq_portal_sessions_digest")),
    )
    op.create_index(op.f("ix_portal_sessions_customer_id"), "portal_sessions", ["customer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_portal_sessions_customer_id"), table_name="portal_sessions")
    op.drop_table("portal_sessions")
    op.drop_index("ix_portal_links_customer_created", table_name="portal_links")
    op.drop_table("portal_links")
    # A table of one row without triggers: SQLite's batch rebuild loses nothing.
    with op.batch_alter_table("help_center_settings") as batch:
        batch.drop_column("customer_portal")
