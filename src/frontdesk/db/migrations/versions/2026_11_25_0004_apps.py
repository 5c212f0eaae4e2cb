"""Sidebar apps.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sidebar_apps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sidebar_apps")),
    )


def downgrade() -> None:
    op.drop_table("sidebar_apps")
