"""`idempotency_keys` of the mail server: `POST /api/v1/inbound/mime` honours `Idempotency-Key`
(docs/api.md "Retrying safely"). Its caller is no agent: its keys have no user (`user_id` null)
and are told apart by a unique index of their own, since a unique constraint takes nulls for
distinct values.

Revision ID: 0067
Revises: 0066
Create Date: 2026-12-07 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0067"
down_revision = "0066"
branch_labels = None
depends_on = None

UNOWNED = sa.text("user_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
    op.create_index(
        "uq_idempotency_keys_unowned",
        "idempotency_keys",
        ["credential", "key"],
        unique=True,
        sqlite_where=UNOWNED,
        postgresql_where=UNOWNED,
    )


def downgrade() -> None:
    # The mail server's keys (kept a day) are forgotten: a retry after the downgrade runs again,
    # and its mail is told apart by its Message-ID as before.
    op.execute("DELETE FROM idempotency_keys WHERE user_id IS NULL")
    op.drop_index("uq_idempotency_keys_unowned", table_name="idempotency_keys")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
