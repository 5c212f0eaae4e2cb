"""Time tracking on tickets (docs/desk.md, "Time tracking").

- `time_entries`: the minutes an agent logged on a ticket, the day worked, a note and whether
  it is billable; gone with its ticket (the cascade), its agent set to null if the account were
  ever deleted (accounts are deactivated, so entries keep their agent's name). Ids never reused:
  webhooks and audit entries name them. Indexed by ticket (the sidebar, the total, merges), by
  day (the report's range) and by agent.
- `running_timers`: at most one per agent, the primary key being the agent; gone with its
  ticket.

Revision ID: 0074
Revises: 0073
Create Date: 2026-12-09 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0074"
down_revision = "0073"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "time_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("billable", sa.Boolean(), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_time_entries_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_time_entries_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_entries")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_time_entries_ticket_id", "time_entries", ["ticket_id"])
    op.create_index("ix_time_entries_day", "time_entries", ["day"])
    op.create_index("ix_time_entries_user_id", "time_entries", ["user_id"])
    op.create_table(
        "running_timers",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("started_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_running_timers_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_running_timers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_running_timers")),
    )
    op.create_index("ix_running_timers_ticket_id", "running_timers", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_running_timers_ticket_id", table_name="running_timers")
    op.drop_table("running_timers")
    for index in ("ix_time_entries_user_id", "ix_time_entries_day", "ix_time_entries_ticket_id"):
        op.drop_index(index, table_name="time_entries")
    op.drop_table("time_entries")
