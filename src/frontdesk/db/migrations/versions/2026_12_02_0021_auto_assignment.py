"""Auto-assignment: each inbox's mode, limit, reassign delay and round-robin cursor, and the
tickets frontdesk assigned itself (so an untouched one can be moved on).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 00:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_assignment",
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "off",
                "balanced",
                "round_robin",
                name="assignmentmode",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("ticket_limit", sa.Integer(), nullable=False),
        sa.Column("reassign_after_minutes", sa.Integer(), nullable=True),
        sa.Column("last_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_inbox_assignment_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["last_user_id"],
            ["users.id"],
            name=op.f("fk_inbox_assignment_last_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("inbox_id", name=op.f("pk_inbox_assignment")),
    )
    op.create_table(
        "auto_assignments",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_auto_assignments_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_auto_assignments_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_auto_assignments_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_auto_assignments")),
    )
    op.create_index(
        "ix_auto_assignments_assigned_at", "auto_assignments", ["assigned_at"], unique=False
    )
    op.create_index(
        op.f("ix_auto_assignments_user_id"), "auto_assignments", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_auto_assignments_user_id"), table_name="auto_assignments")
    op.drop_index("ix_auto_assignments_assigned_at", table_name="auto_assignments")
    op.drop_table("auto_assignments")
    op.drop_table("inbox_assignment")
