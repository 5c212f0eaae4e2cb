"""When a ticket's custom status last changed: the time-based rule "In a status for… N hours"
(docs/routing.md, "When").

- `tickets.status_changed_at`: set whenever `status_id` changes, to another status or back to
  the state's plain one (the ticket model's validator), null on a ticket whose status never
  changed since this revision.
- `ix_tickets_status_changed` (status_id, status_changed_at, id) where a status is set: a rule's
  round reads the tickets of its status that came of age since its last round, by this index.

Backfill: a ticket with a custom status gets its `updated_at`, which is never before the status
was set (statuses are a day old; no finer record of when each was set is kept but the timeline's
text), so a rule on it fires late rather than early; a ticket with none stays null.

Revision ID: 0097
Revises: 0096
Create Date: 2026-12-18 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0097"
down_revision = "0096"
branch_labels = None
depends_on = None

INDEX = "ix_tickets_status_changed"
WHERE_SET = sa.text("status_id IS NOT NULL")


def upgrade() -> None:
    op.add_column(
        "tickets",
        sa.Column("status_changed_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.execute("UPDATE tickets SET status_changed_at = updated_at WHERE status_id IS NOT NULL")
    op.create_index(
        INDEX,
        "tickets",
        ["status_id", "status_changed_at", "id"],
        sqlite_where=WHERE_SET,
        postgresql_where=WHERE_SET,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="tickets")
    op.drop_column("tickets", "status_changed_at")
