"""Scheduled report emails (docs/reports.md, "Reports by email").

- `report_subscriptions`: a user's subscription to the Reports page by email: daily or weekly,
  the local hour it is due at, the time zone and language the desk had when subscribing (used
  while the user has no preference of their own), the page's filters (inbox, channel, agent,
  label), when the next email is due and when the last went, and the nonce its unsubscribe
  links are signed with. Gone with their user (the cascade; accounts are deactivated, never
  deleted) and with the label they filter by. Indexed by due time (the round reads only the
  due rows), by user, and by label where set. Ids never reused: the unsubscribe links name
  them.

Revision ID: 0085
Revises: 0084
Create Date: 2026-12-14 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0085"
down_revision = "0084"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum(
                "daily",
                "weekly",
                name="frequency",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "chat",
                "email",
                "web",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("label_id", sa.Integer(), nullable=True),
        sa.Column("next_due_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_report_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"], ["inboxes.id"], name=op.f("fk_report_subscriptions_inbox_id_inboxes")
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_report_subscriptions_agent_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["label_id"],
            ["labels.id"],
            name=op.f("fk_report_subscriptions_label_id_labels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_subscriptions")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_report_subscriptions_next_due_at", "report_subscriptions", ["next_due_at"])
    op.create_index(op.f("ix_report_subscriptions_user_id"), "report_subscriptions", ["user_id"])
    where = sa.text("label_id IS NOT NULL")
    op.create_index(
        "ix_report_subscriptions_label_id",
        "report_subscriptions",
        ["label_id"],
        sqlite_where=where,
        postgresql_where=where,
    )


def downgrade() -> None:
    op.drop_index("ix_report_subscriptions_label_id", table_name="report_subscriptions")
    op.drop_index(op.f("ix_report_subscriptions_user_id"), table_name="report_subscriptions")
    op.drop_index("ix_report_subscriptions_next_due_at", table_name="report_subscriptions")
    op.drop_table("report_subscriptions")
