"""Failed logins remember the browser they came from, when it is one the account signed in
from before: its failures count against that browser alone, so guesses from elsewhere can no
longer lock the account's own people out (docs/security.md, "Failed logins").

Revision ID: 0054
Revises: 0053
Create Date: 2026-12-05 07:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0054"
down_revision = "0053"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_column("device")
