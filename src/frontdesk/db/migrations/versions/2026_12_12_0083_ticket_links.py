"""Linked tickets (docs/desk.md, "Linked tickets").

- `ticket_links`: two tickets about the same thing, one row per pair whichever ticket it was
  made from: the lower id first (a check, which also refuses a ticket linked to itself), a
  unique key on the pair (two agents linking the same pair at once make one link), who linked
  and when. Gone with either ticket (the cascades; the unique key's index serves the first
  ticket's, an index of its own the second's); who linked set to null if an account were ever
  deleted (accounts are deactivated). Ids never reused: a merge keeps the ids of the links it
  moved, for its undo.

Revision ID: 0083
Revises: 0082
Create Date: 2026-12-12 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0083"
down_revision = "0082"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_ticket_id", sa.Integer(), nullable=False),
        sa.Column("second_ticket_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "first_ticket_id < second_ticket_id", name=op.f("ck_ticket_links_ordered_pair")
        ),
        sa.ForeignKeyConstraint(
            ["first_ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_links_first_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["second_ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_links_second_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_ticket_links_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_links")),
        sa.UniqueConstraint(
            "first_ticket_id",
            "second_ticket_id",
            name=op.f("uq_ticket_links_first_ticket_id_second_ticket_id"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_ticket_links_second_ticket_id", "ticket_links", ["second_ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_links_second_ticket_id", table_name="ticket_links")
    op.drop_table("ticket_links")
