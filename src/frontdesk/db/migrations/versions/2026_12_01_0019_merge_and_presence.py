"""Merged tickets point to the one they were merged into; merges and splits are kept so that they
can be undone; who views or writes on a ticket, per desk socket.

Revision ID: 0019
Revises: 0011
Create Date: 2026-12-01 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import frontdesk.db.base

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_merged_into_id_tickets"),
            "tickets",
            ["merged_into_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "ticket_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "merge",
                "split",
                name="movekind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("source_ticket_id", sa.Integer(), nullable=False),
        sa.Column("target_ticket_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("entry_ids", JSON, nullable=False),
        sa.Column("file_ids", JSON, nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("undo_until", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("undone_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_ticket_moves_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_moves_source_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_moves_target_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_moves")),
    )
    op.create_index("ix_ticket_moves_source", "ticket_moves", ["source_ticket_id"])
    op.create_index("ix_ticket_moves_target", "ticket_moves", ["target_ticket_id"])

    op.create_table(
        "ticket_viewers",
        sa.Column("connection_id", sa.String(length=40), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("composing", sa.String(length=10), nullable=True),
        sa.Column("since", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_ticket_viewers_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_viewers_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_ticket_viewers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", "ticket_id", name=op.f("pk_ticket_viewers")),
    )
    op.create_index(op.f("ix_ticket_viewers_ticket_id"), "ticket_viewers", ["ticket_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_viewers_ticket_id"), table_name="ticket_viewers")
    op.drop_table("ticket_viewers")
    op.drop_index("ix_ticket_moves_target", table_name="ticket_moves")
    op.drop_index("ix_ticket_moves_source", table_name="ticket_moves")
    op.drop_table("ticket_moves")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tickets_merged_into_id_tickets"), type_="foreignkey"
        )
        batch_op.drop_column("merged_into_id")
