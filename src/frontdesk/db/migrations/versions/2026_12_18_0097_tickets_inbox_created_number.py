"""An agent's ticket list sorted by creation or by number reads each inbox's tickets in order.

`ix_tickets_inbox_created` (inbox, created_at, id) and `ix_tickets_inbox_number` (inbox, number,
id). An agent's list with no filter, sorted by when tickets were created or by their number,
had no index of their inboxes in that order: SQLite read every ticket of the agent's inboxes by
an inbox index and sorted them, on every page (120-230 ms of SQL at 160,000 tickets). With
these, each inbox's tickets come in the list's order and the sorter stops reading an inbox once
it holds a page, as the list by the last change does with `ix_tickets_inbox_updated`
(docs/performance.md, "An agent's list sorted by creation or number").

Neither column ever changes once a ticket is filed (a ticket moved to another inbox rewrites
one entry of each, as it does of every inbox index), so no other write pays for them.

Revision ID: 0097
Revises: 0096
Create Date: 2026-12-18 12:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0097"
down_revision = "0096"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_inbox_created", "tickets", ["inbox_id", "created_at", "id"])
    op.create_index("ix_tickets_inbox_number", "tickets", ["inbox_id", "number", "id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_inbox_number", table_name="tickets")
    op.drop_index("ix_tickets_inbox_created", table_name="tickets")
