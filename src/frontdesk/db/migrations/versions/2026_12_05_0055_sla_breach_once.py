"""An SLA target breaches once: a policy, label or business hours that move its due time after the
breach no longer record a second one (docs/reports.md, "SLA breaches").

`ticket_slas` keeps when each running target began (`*_since`), and `sla_alerts` the `since` of
the target it is about, with a unique index of the breaches per (ticket, target, since).

The existing rows are filled from the conversation clocks: a running target began at the
conversation's start, a next response when the customer message still waiting came. Breaches of
the first response and the resolution get the conversation's start; where the old key let one of
them be recorded twice (the bug this fixes), the later copies are deleted and the first one
stays, as the timer would have left it. Next-response alerts already written keep `since` empty:
which customer message each was about is not known, and their old key still holds.

Revision ID: 0055
Revises: 0054
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0055"
down_revision = "0054"
branch_labels = None
depends_on = None

TARGETS = ("first_response", "next_response", "resolution")
BREACH_ONCE = sa.text("kind = 'breach'")


def upgrade() -> None:
    with op.batch_alter_table("ticket_slas", schema=None) as batch_op:
        for target in TARGETS:
            batch_op.add_column(
                sa.Column(
                    f"{target}_since",
                    frontdesk.db.base.UTCDateTime(timezone=True),
                    nullable=True,
                )
            )
    with op.batch_alter_table("sla_alerts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("since", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE ticket_slas SET "
        "first_response_since = CASE WHEN first_response_due IS NOT NULL THEN "
        "(SELECT c.started_at FROM conversation_clocks c "
        "WHERE c.ticket_id = ticket_slas.ticket_id) END, "
        "resolution_since = CASE WHEN resolution_due IS NOT NULL THEN "
        "(SELECT c.started_at FROM conversation_clocks c "
        "WHERE c.ticket_id = ticket_slas.ticket_id) END, "
        "next_response_since = CASE WHEN next_response_due IS NOT NULL THEN "
        "(SELECT c.awaiting_since FROM conversation_clocks c "
        "WHERE c.ticket_id = ticket_slas.ticket_id) END"
    )
    op.execute(
        "UPDATE sla_alerts SET since = (SELECT c.started_at FROM conversation_clocks c "
        "WHERE c.ticket_id = sla_alerts.ticket_id) "
        "WHERE target IN ('first_response', 'resolution')"
    )
    op.execute(
        "DELETE FROM sla_alerts WHERE kind = 'breach' AND since IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM sla_alerts earlier WHERE earlier.ticket_id = sla_alerts.ticket_id "
        "AND earlier.target = sla_alerts.target AND earlier.kind = 'breach' "
        "AND earlier.since = sla_alerts.since AND earlier.id < sla_alerts.id)"
    )
    op.create_index(
        "uq_sla_alerts_breach_once",
        "sla_alerts",
        ["ticket_id", "target", "since"],
        unique=True,
        sqlite_where=BREACH_ONCE,
        postgresql_where=BREACH_ONCE,
    )


def downgrade() -> None:
    op.drop_index("uq_sla_alerts_breach_once", table_name="sla_alerts")
    with op.batch_alter_table("sla_alerts", schema=None) as batch_op:
        batch_op.drop_column("since")
    with op.batch_alter_table("ticket_slas", schema=None) as batch_op:
        for target in reversed(TARGETS):
            batch_op.drop_column(f"{target}_since")
