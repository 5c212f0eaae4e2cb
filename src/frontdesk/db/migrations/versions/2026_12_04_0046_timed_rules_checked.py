"""Time-based rules read the tickets changed since their last round, not every ticket.

- `rules.checked_at`: a time-based rule's last round that judged every episode due then. The next
  round reads only the tickets whose standing could have changed since (rules/timed.py). Each
  round read every ticket in the rule's state, with two correlated subqueries a ticket: "closed
  for 30 days" read the desk's whole history every minute, 1.3-1.6 s of SQLite's event loop at
  200,000 tickets with three such rules.
- `ix_ticket_entries_created` (created_at): the messages and state lines that came of age since.
- `ix_tickets_created` (created_at, id): the tickets created in their state that came of age
  since; the ticket list sorted by creation reads it too.

Existing rules start with no round (NULL): their first round reads every ticket, as before.

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-04 14:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rules") as batch:
        batch.add_column(
            sa.Column("checked_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_index("ix_ticket_entries_created", "ticket_entries", ["created_at"])
    op.create_index("ix_tickets_created", "tickets", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_created", table_name="tickets")
    op.drop_index("ix_ticket_entries_created", table_name="ticket_entries")
    with op.batch_alter_table("rules") as batch:
        batch.drop_column("checked_at")
