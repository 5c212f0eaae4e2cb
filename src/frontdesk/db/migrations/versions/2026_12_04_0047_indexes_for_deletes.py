"""Indexes for the links a delete follows: retention and erasure no longer read whole tables.

Deleting a row makes the database find the rows that name it (to cascade, set NULL or refuse).
Without an index on the naming column it reads the whole table, once for each row deleted:
- `tickets.merged_into_id`: every ticket, for each ticket a retention pass or an erasure
  deleted. A retention batch of 50 tickets took 4.3-4.6 s at 200,000 tickets on SQLite, on the
  event loop's thread, and a pass runs up to 20 batches an inbox.
- `ticket_entries.author_customer_id`, `customers.merged_into_id`, `rating_requests.customer_id`:
  every message, customer and rating request, for the customer an erasure deletes (and its own
  lookups of the customer's messages on other tickets and of the customers merged into them).
- `outbox.entry_id`, `saved_reply_uses.ticket_id` and `.chat_id`, `rating_requests.outbox_id`:
  every mail, use of a saved reply and rating request, for each entry, ticket, chat or mail
  deleted.
- `visitors.email`, `chats.visitor_email`: not links, the erasure's lookups of a person's visits
  and chats by the address they gave.
- `ix_tickets_inbox_closed` (inbox, closed_at, id), partial: the tickets a retention batch
  deletes, oldest closed first. By (inbox, state) it read and sorted every closed ticket of the
  inbox for each batch.

Partial (the rows where the column is set) where most rows leave it empty. Users and inboxes are
never deleted (they are deactivated), so the links to them have none; tests/unit/
test_foreign_key_indexes.py holds every other link to one.

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-04 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0047"
down_revision = "0046"
branch_labels = None
depends_on = None

WHERE_SET = (
    ("ix_tickets_merged_into", "tickets", "merged_into_id"),
    ("ix_ticket_entries_author_customer", "ticket_entries", "author_customer_id"),
    ("ix_customers_merged_into", "customers", "merged_into_id"),
    ("ix_outbox_entry", "outbox", "entry_id"),
    ("ix_saved_reply_uses_ticket", "saved_reply_uses", "ticket_id"),
    ("ix_saved_reply_uses_chat", "saved_reply_uses", "chat_id"),
    ("ix_rating_requests_outbox", "rating_requests", "outbox_id"),
    ("ix_visitors_email", "visitors", "email"),
    ("ix_chats_visitor_email", "chats", "visitor_email"),
)


def upgrade() -> None:
    for name, table, column in WHERE_SET:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, table, [column], sqlite_where=where, postgresql_where=where)
    op.create_index("ix_rating_requests_customer", "rating_requests", ["customer_id"])
    closed = sa.text("closed_at IS NOT NULL")
    op.create_index(
        "ix_tickets_inbox_closed",
        "tickets",
        ["inbox_id", "closed_at", "id"],
        sqlite_where=closed,
        postgresql_where=closed,
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_inbox_closed", table_name="tickets")
    op.drop_index("ix_rating_requests_customer", table_name="rating_requests")
    for name, table, _column in reversed(WHERE_SET):
        op.drop_index(name, table_name=table)
