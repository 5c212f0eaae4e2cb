"""SQLite's search indexes hold their text folded: `strasse` finds "Straße", `lodz` "Łódź",
`ελενη` "Ελένη", `елка` "Ёлка".

SQLite's tokenizer removes the accents of Latin letters only, so words with ß, ł, ø, æ, œ,
a dotless i, Greek accents or ё were found only as written, while PostgreSQL's unaccent folds
them all. The indexes are made again with their text passed through `frontdesk_fold` (the
function queries are folded with, registered on every connection) and filled from the rows: a
few seconds for each 100,000 entries, during which the server waits (docs/search.md).
PostgreSQL is unchanged.

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-05 05:00:00.000000
"""

from __future__ import annotations

from alembic import op

from frontdesk.search import schema

revision = "0053"
down_revision = "0052"
branch_labels = None
depends_on = None


def _rebuild(*, folded: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in [*schema.sqlite_drop(), *schema.sqlite_create(folded=folded)]:
        op.execute(statement)


def upgrade() -> None:
    _rebuild(folded=True)


def downgrade() -> None:
    _rebuild(folded=False)
