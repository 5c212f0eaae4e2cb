"""Personal email signatures (docs/email.md, "Signatures").

- `users.email_signature`: an agent's own signature, plain text: what `{{agent.signature}}` in
  an inbox's signature is filled with, and what signs their email replies from an inbox that has
  none. Null: none, as every user had before, so every inbox's replies go out as they did.

Revision ID: 0079
Revises: 0078
Create Date: 2026-12-10 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0079"
down_revision = "0078"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite's ADD COLUMN in place: a rebuild of `users` would drop the audit triggers (0030).
    op.add_column("users", sa.Column("email_signature", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "email_signature")
