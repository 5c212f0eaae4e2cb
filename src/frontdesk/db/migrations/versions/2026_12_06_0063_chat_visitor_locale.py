"""`chats.visitor_locale` and `chats.visitor_time_zone`: the language the messenger spoke and the
browser's time zone when the chat started, so that the mail the visitor gets from the chat is in
their words and on their clock (docs/email.md, "In the visitor's language and time"). The chats
started before have neither: their mail stays English, in UTC.

Revision ID: 0063
Revises: 0062
Create Date: 2026-12-06 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0063"
down_revision = "0062"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (SQLite's ALTER TABLE ADD COLUMN): a rebuild would lose the table's
    # AUTOINCREMENT text (IDS_NEVER_REUSED).
    op.add_column("chats", sa.Column("visitor_locale", sa.String(length=35), nullable=True))
    op.add_column("chats", sa.Column("visitor_time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("chats", "visitor_time_zone")
    op.drop_column("chats", "visitor_locale")
