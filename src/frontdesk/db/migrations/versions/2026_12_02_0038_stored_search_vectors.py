"""PostgreSQL: stored, generated tsvector columns for the searched columns and GIN indexes on
them instead of on an expression, so that a search can check rows newest first without
recomputing their vectors (docs/search.md). SQLite is unchanged.

Adding a stored generated column rewrites the table under an exclusive lock: on a desk with a
million messages this takes minutes (docs/performance.md), during which the desk waits.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-02 06:00:00.000000
"""

from __future__ import annotations

from alembic import op

from frontdesk.search import schema

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    # The expression indexes go first: the rewrite would rebuild them, computing every row's
    # vector once more, only for them to be dropped.
    for statement in [
        *(f"DROP INDEX IF EXISTS {item.index}" for item in schema.INDEXED),
        *schema.postgresql_vector_columns(),
        *schema.postgresql_vector_indexes(),
        # Searches choose their plan per word from the new columns' statistics (search/
        # queries.py): without them every word would go through the index until autovacuum
        # analyzes the tables.
        *(f"ANALYZE {item.table}" for item in schema.INDEXED),
    ]:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for statement in [*schema.postgresql_drop_vectors(), *schema.postgresql_indexes()]:
        op.execute(statement)
