"""New requests from the customer portal (docs/portal.md, "New request").

- `help_center_settings.portal_inbox_id`: the inbox a request opened from the portal goes to;
  null (never chosen, or its inbox deleted: `ON DELETE SET NULL`): the portal offers no
  "New request".
- `portal_links.email`, `portal_sessions.email`: the address a link was mailed to, which the
  session it opens keeps: a request opened from the portal is answered at the address the
  customer proved. Null for rows made before (such a session answers at the customer's primary
  address).
- `portal_requests`: one row per request opened from the portal, by customer and time: what the
  per-customer hourly limit counts. Gone with their customer (the cascade); a customer's rows
  older than the window are deleted the next time they open one.

On SQLite the settings table (one row, no triggers) is rebuilt by `batch_alter_table` to take
the foreign key; PostgreSQL adds it in place. Going down drops both (the choice is forgotten).

Revision ID: 0089
Revises: 0088
Create Date: 2026-12-15 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0089"
down_revision = "0088"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_help_center_settings_portal_inbox_id_inboxes"


def upgrade() -> None:
    for table in ("portal_links", "portal_sessions"):
        op.add_column(table, sa.Column("email", sa.String(length=320), nullable=True))
    with op.batch_alter_table("help_center_settings") as batch:
        batch.add_column(sa.Column("portal_inbox_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            FOREIGN_KEY, "inboxes", ["portal_inbox_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "portal_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_portal_requests_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_requests")),
    )
    op.create_index(
        "ix_portal_requests_customer_created", "portal_requests", ["customer_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_portal_requests_customer_created", table_name="portal_requests")
    op.drop_table("portal_requests")
    with op.batch_alter_table("help_center_settings") as batch:
        batch.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch.drop_column("portal_inbox_id")
    for table in ("portal_sessions", "portal_links"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("email")
