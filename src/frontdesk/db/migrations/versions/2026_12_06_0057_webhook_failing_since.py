"""Webhooks are switched off for failing over time, not for a number of attempts alone
(docs/webhooks.md, "Retries, failures and switching off"): `failing_since`, the first failed
attempt since the last success, and `holding_until`, how long a webhook frontdesk switched off
keeps recording its events to deliver them when it is switched on again.

A webhook failing now gets its first failure's time from now on: its span starts afresh.

Revision ID: 0057
Revises: 0056
Create Date: 2026-12-06 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0057"
down_revision = "0056"
branch_labels = None
depends_on = None

COLUMNS = ("failing_since", "holding_until")


def upgrade() -> None:
    # Added in place (SQLite's ALTER TABLE ADD COLUMN): a rebuild would lose the table's
    # AUTOINCREMENT text and triggers (0056).
    for column in COLUMNS:
        op.add_column(
            "webhook_subscriptions",
            sa.Column(column, frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        )


def downgrade() -> None:
    for column in reversed(COLUMNS):
        op.drop_column("webhook_subscriptions", column)
