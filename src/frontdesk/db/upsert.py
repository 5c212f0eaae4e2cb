"""INSERT … ON CONFLICT for the database in use: SQLAlchemy has one construct per dialect
(`on_conflict_do_update` on each), the same to use on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite


def upsert_into(dialect: str, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `table` (a table or a mapped class) that takes `on_conflict_do_update`, for
    the dialect named (`session.get_bind().dialect.name`)."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
