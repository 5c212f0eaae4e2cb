"""Ticket checklists (docs/desk.md, "Checklists").

- `checklist_items`: a ticket's to-do items, their text (at most 200 characters), whether done,
  who ticked them and when, who added them, their place in the list and a version taken up by
  every change; gone with their ticket (the cascade), their agents set to null if an account
  were ever deleted (accounts are deactivated). Ids never reused: events and webhooks name
  them. Indexed by ticket and position (the sidebar reads a ticket's items in order, the ticket
  list counts them per ticket, a merge moves them).

Revision ID: 0081
Revises: 0080
Create Date: 2026-12-10 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0081"
down_revision = "0080"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checklist_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_checklist_items_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"],
            ["users.id"],
            name=op.f("fk_checklist_items_done_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_checklist_items_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_items")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_checklist_items_ticket_id", "checklist_items", ["ticket_id", "position"])


def downgrade() -> None:
    op.drop_index("ix_checklist_items_ticket_id", table_name="checklist_items")
    op.drop_table("checklist_items")
