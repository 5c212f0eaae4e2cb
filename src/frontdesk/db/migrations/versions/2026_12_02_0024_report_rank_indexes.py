"""Metric moments indexed in order of their seconds, per kind and per kind and agent, so that a
report reads a median or a 90th percentile by walking an index to a rank instead of sorting a
year of values; the kind-and-quarter index gains the ticket and the instant, so that the
resolution's count reads no table row (docs/performance.md, "Reports").

Revision ID: 0024
Revises: 0020
Create Date: 2026-12-02 01:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0020"
branch_labels = None
depends_on = None


_KIND_QUARTER = ["kind", "quarter", "channel", "inbox_id", "user_id", "seconds"]


def upgrade() -> None:
    # The resolution's count checks each close for a later one: with the ticket and the instant
    # in the index, it reads no table row.
    op.drop_index("ix_metric_moments_kind_quarter", table_name="metric_moments")
    op.create_index(
        "ix_metric_moments_kind_quarter", "metric_moments", [*_KIND_QUARTER, "ticket_id", "at"]
    )
    op.create_index(
        "ix_metric_moments_kind_seconds",
        "metric_moments",
        ["kind", "seconds", "quarter", "channel", "inbox_id", "user_id", "ticket_id", "at"],
    )
    op.create_index(
        "ix_metric_moments_kind_user_seconds",
        "metric_moments",
        ["kind", "user_id", "seconds", "quarter", "channel", "inbox_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_metric_moments_kind_user_seconds", table_name="metric_moments")
    op.drop_index("ix_metric_moments_kind_seconds", table_name="metric_moments")
    op.drop_index("ix_metric_moments_kind_quarter", table_name="metric_moments")
    op.create_index("ix_metric_moments_kind_quarter", "metric_moments", _KIND_QUARTER)
