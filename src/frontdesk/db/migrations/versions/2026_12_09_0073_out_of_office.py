"""Out of office: an agent's planned absence (docs/desk.md, "Out of office").

Five columns on `users`: when the absence starts (`out_of_office_from`; null: none set), when it
ends by itself (`out_of_office_until`; null: until turned off), a short note for colleagues,
whether the agent keeps the tickets assigned to them meanwhile, and whether its start was
announced (the loop announces one that begins later, once). No index:
the loop that starts and ends absences reads the few users that have one, from a table that holds
the team, not the history.

Revision ID: 0073
Revises: 0072
Create Date: 2026-12-09 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0073"
down_revision = "0072"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite's ADD COLUMN in place: a rebuild of `users` would drop the audit triggers (0030).
    op.add_column(
        "users",
        sa.Column(
            "out_of_office_from", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True
        ),
    )
    op.add_column(
        "users",
        sa.Column(
            "out_of_office_until", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True
        ),
    )
    op.add_column("users", sa.Column("out_of_office_note", sa.String(length=200), nullable=True))
    op.add_column(
        "users",
        sa.Column(
            "out_of_office_keep_assigned",
            sa.Boolean(),
            nullable=False,
            server_default=sa.false(),
        ),
    )
    op.add_column(
        "users",
        sa.Column("out_of_office_started", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("users", "out_of_office_started")
    op.drop_column("users", "out_of_office_keep_assigned")
    op.drop_column("users", "out_of_office_note")
    op.drop_column("users", "out_of_office_until")
    op.drop_column("users", "out_of_office_from")
