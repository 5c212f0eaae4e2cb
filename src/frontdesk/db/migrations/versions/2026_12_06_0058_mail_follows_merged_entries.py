"""The mail a ticket entry was received or sent as is on the entry's ticket, also after a merge or
a split moved the entry.

Merges and splits moved entries and files but left the mail rows (received mail, its attachments,
sent mail) on the ticket the entry came from: a merged mail's attachment and original answered 404
on the ticket it was shown on, and retention deleting the merged-away ticket (closed by the merge)
took them with it. Merges now move them (tickets/merging.py); this puts the rows of earlier merges
and splits where their entries are. There is no going back: which rows a merge left behind is not
kept, and the rows are right where they now are.

Revision ID: 0058
Revises: 0057
Create Date: 2026-12-06 01:00:00.000000
"""

from __future__ import annotations

# ruff: noqa: S608  (SQL built from this module's table names)
from alembic import op

revision = "0058"
down_revision = "0057"
branch_labels = None
depends_on = None

TABLES = ("inbound_messages", "mail_attachments", "outbox")


def upgrade() -> None:
    for table in TABLES:
        entry_ticket = f"(SELECT e.ticket_id FROM ticket_entries e WHERE e.id = {table}.entry_id)"
        op.execute(
            f"UPDATE {table} SET ticket_id = {entry_ticket} "
            f"WHERE entry_id IS NOT NULL AND ticket_id <> {entry_ticket}"
        )


def downgrade() -> None:
    pass
