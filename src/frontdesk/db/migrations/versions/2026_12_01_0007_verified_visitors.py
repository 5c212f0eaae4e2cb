"""Verified customers, and whether a chat's visitor was verified.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(
            sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("chats") as batch:
        batch.add_column(
            sa.Column("visitor_verified", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Customers that only ever came from addresses typed into the messenger (no agent created
    # them, no mail came from them, no agent replied to them) were never confirmed.
    op.execute(
        """
        UPDATE customers SET verified = false
        WHERE created_by_id IS NULL
          AND id IN (SELECT customer_id FROM tickets WHERE type IN ('chat', 'web'))
          AND id NOT IN (SELECT customer_id FROM tickets WHERE type = 'email')
          AND id NOT IN (
            SELECT t.customer_id FROM tickets t
            JOIN ticket_entries e ON e.ticket_id = t.id
            WHERE e.kind = 'reply' AND e.direction = 'out'
          )
        """
    )
    op.execute(
        """
        UPDATE chats SET visitor_verified = true
        WHERE visitor_id IN (
            SELECT v.id FROM visitors v
            WHERE v.identity_verified AND v.email = chats.visitor_email
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("visitor_verified")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("verified")
