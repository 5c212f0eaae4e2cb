"""A customer's erasure in short transactions, resumable (docs/privacy.md "Order, and a process
that dies"): `erasures.finished_at` (NULL while it runs; the rows before were done when
written) and `erasures.progress`, and `erasure_items`, what a running erasure still has to
delete.

Revision ID: 0064
Revises: 0063
Create Date: 2026-12-06 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from frontdesk.db.base import JSONType, UTCDateTime

revision = "0064"
down_revision = "0063"
branch_labels = None
depends_on = None

RUNNING = sa.text("finished_at IS NULL")


def upgrade() -> None:
    # Added in place (SQLite's ALTER TABLE ADD COLUMN): no rebuild needed for two columns.
    op.add_column("erasures", sa.Column("finished_at", UTCDateTime(), nullable=True))
    op.add_column("erasures", sa.Column("progress", JSONType, nullable=True))
    op.execute("UPDATE erasures SET finished_at = at")
    op.create_index(
        "ix_erasures_running",
        "erasures",
        ["id"],
        sqlite_where=RUNNING,
        postgresql_where=RUNNING,
    )
    op.create_table(
        "erasure_items",
        sa.Column("erasure_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("item_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["erasure_id"],
            ["erasures.id"],
            name=op.f("fk_erasure_items_erasure_id_erasures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("erasure_id", "kind", "item_id", name=op.f("pk_erasure_items")),
    )


def downgrade() -> None:
    # A running erasure cannot go on without its list, and the rows before 0064 were done when
    # written: an upgrade after this would call a half-done erasure finished. Refused until
    # every erasure has finished (the code of this revision finishes them, docs/privacy.md).
    running = (
        op.get_bind().execute(sa.text("SELECT count(*) FROM erasures WHERE finished_at IS NULL"))
    ).scalar_one()
    if running:
        raise RuntimeError(
            f"{running} customer erasure(s) have not finished: start this version of frontdesk "
            "and let them finish (Settings, Privacy: none 'running'), then downgrade."
        )
    op.drop_table("erasure_items")
    op.drop_index("ix_erasures_running", table_name="erasures")
    op.drop_column("erasures", "progress")
    op.drop_column("erasures", "finished_at")
