"""Blocked visitors (docs/chat.md, "Blocking a visitor"): the messenger visitors an agent blocked
from a chat, who may start no chat and leave no message.

- `blocked_visitors`: the visitor (unique; deleted with it), the chat's ticket filed in Spam
  (SET NULL when that ticket goes, under a partial index), who blocked them (SET NULL) and when;
  ids never reused (audit entries name them).

Revision ID: 0077
Revises: 0076
Create Date: 2026-12-09 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

import frontdesk.db.base

revision = "0077"
down_revision = "0076"
branch_labels = None
depends_on = None

_WHERE = "ticket_id IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "blocked_visitors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_blocked_visitors_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_blocked_visitors_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["visitors.id"],
            name=op.f("fk_blocked_visitors_visitor_id_visitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_visitors")),
        sa.UniqueConstraint("visitor_id", name=op.f("uq_blocked_visitors_visitor_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_blocked_visitors_ticket_id",
        "blocked_visitors",
        ["ticket_id"],
        unique=False,
        sqlite_where=text(_WHERE),
        postgresql_where=text(_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_blocked_visitors_ticket_id", table_name="blocked_visitors")
    op.drop_table("blocked_visitors")
