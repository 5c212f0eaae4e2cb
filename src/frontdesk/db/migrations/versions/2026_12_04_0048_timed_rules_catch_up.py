"""A time-based rule catches up a window of tickets a batch, from where it stopped.

- `rules.caught_up_to`: while a time-based rule catches up (new, edited, switched back on), the
  last ticket id its batches have judged: the next batch goes on from there, where each round
  read every ticket in the rule's state again. A new "closed for 60 days" rule held SQLite's one
  connection ~560 ms a minute at 100,000 such tickets until caught up. `checked_at` then holds
  for the tickets up to it.

Rules catching up now start again from the first ticket (NULL).

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-04 17:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0048"
down_revision = "0047"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rules") as batch:
        batch.add_column(sa.Column("caught_up_to", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rules") as batch:
        batch.drop_column("caught_up_to")
