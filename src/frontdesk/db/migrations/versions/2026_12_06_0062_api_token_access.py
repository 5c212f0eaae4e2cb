"""`api_tokens.access` and `api_tokens.expires_at`: a token may only read (GET and HEAD), and
may run out. The tokens made before keep doing what they did: `write`, never expiring
(docs/security.md, "What an API token cannot do").

Revision ID: 0062
Revises: 0061
Create Date: 2026-12-06 20:00:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0062"
down_revision = "0061"
branch_labels = None
depends_on = None


ACCESS_CHECK = "access IN ('read', 'write')"


def upgrade() -> None:
    # Added in place (ALTER TABLE ADD COLUMN): a rebuild would lose SQLite's AUTOINCREMENT text
    # (IDS_NEVER_REUSED). The server default fills the rows already there. SQLite takes the
    # CHECK only with the column (Alembic would skip it there), PostgreSQL after.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE api_tokens ADD COLUMN access VARCHAR(16) DEFAULT 'write' NOT NULL "
            f"CONSTRAINT ck_api_tokens_tokenaccess CHECK ({ACCESS_CHECK})"
        )
    else:
        op.add_column(
            "api_tokens",
            sa.Column("access", sa.String(length=16), server_default="write", nullable=False),
        )
        op.create_check_constraint(op.f("ck_api_tokens_tokenaccess"), "api_tokens", ACCESS_CHECK)
    op.add_column(
        "api_tokens",
        sa.Column("expires_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    # Dropped in place too: SQLite (3.35 and later) drops a column without a rebuild. Before
    # 0062 every token wrote and none expired, so a token that may only read or runs out would
    # come out of here with more than its owner chose: write access, or no end (an expired one
    # valid again). They are revoked first. The time is bound from Python, in the format the
    # column's type writes (CURRENT_TIMESTAMP is SQLite's own text, without the microseconds).
    op.get_bind().execute(
        sa.text(
            "UPDATE api_tokens SET revoked_at = :now "
            "WHERE (access = 'read' OR expires_at IS NOT NULL) AND revoked_at IS NULL"
        ).bindparams(
            sa.bindparam(
                "now", datetime.now(UTC), type_=frontdesk.db.base.UTCDateTime(timezone=True)
            )
        )
    )
    op.drop_column("api_tokens", "expires_at")
    op.drop_column("api_tokens", "access")
