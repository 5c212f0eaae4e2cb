"""The address a ticket's conversation is with (docs/email.md, "Which address a reply goes to").

- `tickets.reply_address`: the customer's address the conversation is with: the one their mail
  came from (its author's, when a list rewrote From), the one an agent wrote to with New ticket,
  the one a visitor gave the chat or contact form; the latest one the customer wrote from after.
  An email reply goes there while it is one of the ticket customer's addresses, else to their
  primary. Null for the tickets from before, which answer at the primary, as they did, until
  the customer writes again.

Revision ID: 0076
Revises: 0075
Create Date: 2026-12-09 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0076"
down_revision = "0075"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (SQLite's ALTER TABLE ADD COLUMN): a rebuild of tickets would lose its
    # AUTOINCREMENT text (IDS_NEVER_REUSED) and its triggers.
    op.add_column("tickets", sa.Column("reply_address", sa.String(length=320), nullable=True))


def downgrade() -> None:
    op.drop_column("tickets", "reply_address")
