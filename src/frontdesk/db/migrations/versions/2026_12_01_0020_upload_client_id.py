"""An agent's upload to a ticket carries the client id the desk chose for it, unique per
uploader and ticket, so that a retried upload is stored once.

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-01 23:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_stored_files_uploaded_by_ticket_id_client_id"),
            ["uploaded_by", "ticket_id", "client_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_stored_files_uploaded_by_ticket_id_client_id"), type_="unique"
        )
        batch_op.drop_column("client_id")
