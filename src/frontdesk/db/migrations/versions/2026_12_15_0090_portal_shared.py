"""An organisation's requests shared in the customer portal (docs/portal.md, "Your
organisation's requests"): `organisations.shared_requests`, false by default, which lets the
organisation's customers read each other's requests in the help center.

A plain column added in place on both stores (SQLite's ADD COLUMN keeps the table, its
AUTOINCREMENT key and its triggers); going down drops it.

Revision ID: 0090
Revises: 0089
Create Date: 2026-12-15 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0090"
down_revision = "0089"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "organisations",
        sa.Column("shared_requests", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    # In place (SQLite 3.35's DROP COLUMN): a batch rebuild would drop the table's triggers.
    op.drop_column("organisations", "shared_requests")
