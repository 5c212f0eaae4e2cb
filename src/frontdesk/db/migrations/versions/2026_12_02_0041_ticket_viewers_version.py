"""The version of each ticket's viewer list (`ticket_viewers_versions`), so that a desk which hears
two lists out of order keeps the newer one (docs/desk.md, "Who else is on a ticket").

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-02 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_viewers_versions",
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("tickets.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ticket_viewers_versions")
