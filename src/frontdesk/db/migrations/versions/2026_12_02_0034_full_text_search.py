"""Full-text search: FTS5 tables kept by triggers on SQLite, GIN indexes on an unaccented
tsvector on PostgreSQL, over ticket subjects, entries' text, customers' names and contacts,
filled for the rows already there (docs/search.md).

Revision ID: 0034
Revises: 0027
Create Date: 2026-12-02 04:20:00.000000
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

from frontdesk.search import schema

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # As the indexes were then: 0053 folds their text.
        for statement in schema.sqlite_create(folded=False):
            op.execute(statement)
        return
    op.execute(schema.POSTGRESQL_EXTENSION)
    current = bind.execute(text("SELECT current_schema()")).scalar_one()
    extension = bind.execute(
        text(
            "SELECT nspname FROM pg_extension JOIN pg_namespace ON pg_namespace.oid ="
            " extnamespace WHERE extname = 'unaccent'"
        )
    ).scalar_one()
    for statement in [
        *schema.postgresql_functions(current, extension),
        *schema.postgresql_indexes(),
    ]:
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    # The unaccent extension stays: something else may use it.
    statements = schema.sqlite_drop() if bind.dialect.name == "sqlite" else schema.postgresql_drop()
    for statement in statements:
        op.execute(statement)
