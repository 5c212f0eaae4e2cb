"""Webhooks scoped to inboxes (docs/webhooks.md, "Inboxes").

- `webhook_subscriptions.all_inboxes`: true (every subscription there is, which received every
  inbox's events until now, and the default) or false: only the events of the inboxes listed in
  `webhook_subscription_inboxes`. A flag of its own rather than "no rows means all": a
  subscription whose inboxes are all deleted receives nothing, never everything.
- `webhook_subscription_inboxes`: (subscription, inbox), gone with either (the cascades), and
  indexed by inbox for that cascade.

The column is added and dropped in place (ALTER TABLE): a rebuild would lose SQLite's
AUTOINCREMENT text (IDS_NEVER_REUSED). Going down switches off every webhook for some inboxes
(a reason in Settings): before 0086 it would receive every inbox's events, the very thing it
was made not to.

Revision ID: 0086
Revises: 0085
Create Date: 2026-12-15 12:00:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0086"
down_revision = "0085"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "webhook_subscriptions",
        sa.Column("all_inboxes", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.create_table(
        "webhook_subscription_inboxes",
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_webhook_subscription_inboxes_subscription_id_webhook_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_webhook_subscription_inboxes_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "subscription_id", "inbox_id", name=op.f("pk_webhook_subscription_inboxes")
        ),
    )
    op.create_index(
        op.f("ix_webhook_subscription_inboxes_inbox_id"),
        "webhook_subscription_inboxes",
        ["inbox_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_webhook_subscription_inboxes_inbox_id"), table_name="webhook_subscription_inboxes"
    )
    op.drop_table("webhook_subscription_inboxes")
    op.get_bind().execute(
        sa.text(
            "UPDATE webhook_subscriptions SET enabled = false, holding_until = NULL, "
            "disabled_at = :now, disabled_reason = :reason WHERE NOT all_inboxes AND enabled"
        ).bindparams(
            sa.bindparam(
                "now", datetime.now(UTC), type_=frontdesk.db.base.UTCDateTime(timezone=True)
            ),
            reason="Switched off by a downgrade: it was for some inboxes only, which this "
            "version cannot keep (it would receive every inbox's events).",
        )
    )
    op.drop_column("webhook_subscriptions", "all_inboxes")
