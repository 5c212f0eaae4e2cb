"""The customer's tickets' index holds the ticket's inbox and `shows_customer` too.

`ix_tickets_customer_updated` (customer, updated_at) becomes
`ix_tickets_customer_updated_inbox` (customer, updated_at, inbox, shows_customer). Which
customers an agent may see (customers/queries.visible_to) is a probe of this index for each
customer a query reaches: a ticket of theirs in one of the agent's inboxes that shows them. The
index gave the customer's tickets, and each one's row was then read for its inbox and
`shows_customer`: a random read of the large `tickets` rows per customer, most of the cost of an
agent's count of an organisation's customers (a page of 6,536 members: 25 ms at best on
SQLite). With both columns in the index the probe reads the index alone (SQLite's covering
index, PostgreSQL's index-only scan): 5 ms (docs/performance.md, "The count's probe from the
index alone"). The
customer's tickets newest first (the customer panel) read the same leading columns as before.
No write pays more: an index entry was already rewritten by every change of `updated_at`.

The new index is built before the old one is dropped: the probe never lacks an index.

Revision ID: 0096
Revises: 0095
Create Date: 2026-12-17 12:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0096"
down_revision = "0095"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_tickets_customer_updated_inbox",
        "tickets",
        ["customer_id", "updated_at", "inbox_id", "shows_customer"],
    )
    op.drop_index("ix_tickets_customer_updated", table_name="tickets")


def downgrade() -> None:
    op.create_index("ix_tickets_customer_updated", "tickets", ["customer_id", "updated_at"])
    op.drop_index("ix_tickets_customer_updated_inbox", table_name="tickets")
