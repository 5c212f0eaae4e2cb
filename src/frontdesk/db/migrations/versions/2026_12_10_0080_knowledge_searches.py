"""What readers searched for in the help center (docs/knowledge-base.md, "What readers searched
for").

- `knowledge_searches`: one row per (day, term, language): how many searches, how many found
  nothing, and how many articles the latest one found. A count, never a row per search: no
  visitor, no address, no time of day. Keyed by the day first: the desk reads a range of days,
  and the retention pass deletes the oldest.

Revision ID: 0080
Revises: 0079
Create Date: 2026-12-10 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0080"
down_revision = "0079"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_searches",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.Column("no_results", sa.Integer(), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "term", "language", name=op.f("pk_knowledge_searches")),
    )


def downgrade() -> None:
    op.drop_table("knowledge_searches")
