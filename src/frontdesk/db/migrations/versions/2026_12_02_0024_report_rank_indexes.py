"""Metric moments indexed in order of their seconds, per kind and per kind and agent, so that a
report reads a median or a 90th percentile by walking an index to a rank instead of sorting a
year of values; the kind-and-quarter and agent-kind-quarter indexes gain the conversation (and
the instant), so that the resolution's count and the agent filter read no table row
(docs/performance.md, "Reports").

Revision ID: 0024
Revises: 0020
Create Date: 2026-12-02 01:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0025"
branch_labels = None
depends_on = None


_KIND_QUARTER = ["kind", "quarter", "channel", "inbox_id", "user_id", "seconds"]
_USER_KIND_QUARTER = ["user_id", "kind", "quarter", "channel", "inbox_id", "seconds"]


def _rebuild(name: str, columns: list[str]) -> None:
    op.drop_index(name, table_name="metric_moments")
    op.create_index(name, "metric_moments", columns)


def upgrade() -> None:
    # The resolution's count checks each close for a later one, and the agent filter checks
    # each conversation against the agent's: with the ticket, the chat and the instant in
    # these indexes, neither reads a table row.
    _rebuild("ix_metric_moments_kind_quarter", [*_KIND_QUARTER, "ticket_id", "at", "chat_id"])
    _rebuild("ix_metric_moments_user_kind_quarter", [*_USER_KIND_QUARTER, "chat_id", "ticket_id"])
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
    _rebuild("ix_metric_moments_user_kind_quarter", _USER_KIND_QUARTER)
    _rebuild("ix_metric_moments_kind_quarter", _KIND_QUARTER)
