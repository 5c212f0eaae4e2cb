"""SLAs: a ticket's priority, the ordered SLA policies, each ticket's running targets and the
warnings and breaches recorded once each; the ticket keeps its next due time for the list.

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-02 00:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=True),
        sa.Column("label_id", sa.Integer(), nullable=True),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        sa.Column("first_response_minutes", sa.Integer(), nullable=True),
        sa.Column("next_response_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column("warning_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_sla_policies_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["label_id"],
            ["labels.id"],
            name=op.f("fk_sla_policies_label_id_labels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
    )
    op.create_table(
        "ticket_slas",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column(
            "first_response_due", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "first_response_warn", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("next_response_due", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "next_response_warn", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("resolution_due", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution_warn", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("check_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_slas_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["sla_policies.id"],
            name=op.f("fk_ticket_slas_policy_id_sla_policies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_slas")),
    )
    op.create_index("ix_ticket_slas_check_at", "ticket_slas", ["check_at"])
    op.create_table(
        "sla_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column(
            "target",
            sa.Enum(
                "first_response",
                "next_response",
                "resolution",
                name="target",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "warning",
                "breach",
                name="alertkind",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("due_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_sla_alerts_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_sla_alerts_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["sla_policies.id"],
            name=op.f("fk_sla_alerts_policy_id_sla_policies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sla_alerts_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_alerts")),
        sa.UniqueConstraint(
            "ticket_id",
            "target",
            "due_at",
            "kind",
            name=op.f("uq_sla_alerts_ticket_id_target_due_at_kind"),
        ),
    )
    op.create_index("ix_sla_alerts_kind_due", "sla_alerts", ["kind", "due_at", "inbox_id"])
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "priority",
                sa.Enum(
                    "low",
                    "normal",
                    "high",
                    "urgent",
                    name="ticketpriority",
                    native_enum=False,
                    create_constraint=True,
                    length=10,
                ),
                server_default="normal",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("sla_due_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_tickets_state_sla_due", ["state", "sla_due_at", "id"])
        batch_op.create_index(
            "ix_tickets_inbox_state_sla_due", ["inbox_id", "state", "sla_due_at", "id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_inbox_state_sla_due")
        batch_op.drop_index("ix_tickets_state_sla_due")
        batch_op.drop_column("sla_due_at")
        batch_op.drop_constraint(batch_op.f("ck_tickets_ticketpriority"), type_="check")
        batch_op.drop_column("priority")
    op.drop_index("ix_sla_alerts_kind_due", table_name="sla_alerts")
    op.drop_table("sla_alerts")
    op.drop_index("ix_ticket_slas_check_at", table_name="ticket_slas")
    op.drop_table("ticket_slas")
    op.drop_table("sla_policies")
