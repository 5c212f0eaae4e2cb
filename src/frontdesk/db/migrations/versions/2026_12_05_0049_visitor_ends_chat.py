"""A visitor may end their chat: `chats.end_reason` takes `visitor`.

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-05 02:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0049"
down_revision = "0048"
branch_labels = None
depends_on = None


def _reasons(*reasons: str) -> None:
    with op.batch_alter_table("chats") as batch:
        batch.drop_constraint(op.f("ck_chats_endreason"), type_="check")
        listed = ", ".join(f"'{reason}'" for reason in reasons)
        batch.create_check_constraint(op.f("ck_chats_endreason"), f"end_reason IN ({listed})")


def upgrade() -> None:
    _reasons("agent", "unanswered", "visitor")


def downgrade() -> None:
    # The chats a visitor ended read as ended by an agent: the nearest of the two reasons left.
    op.execute("UPDATE chats SET end_reason = 'agent' WHERE end_reason = 'visitor'")
    _reasons("agent", "unanswered")
