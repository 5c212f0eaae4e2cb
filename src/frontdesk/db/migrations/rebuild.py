"""A SQLite table made again from its stored definition, reshaped: the way a migration adds a
column with a foreign key, or changes a CHECK, which SQLite's ALTER TABLE cannot do."""

from __future__ import annotations

# ruff: noqa: S608  (SQL built from a migration's table name and the schema's own text)
from collections.abc import Callable, Collection

import sqlalchemy as sa
from alembic import op

# How SQLAlchemy's CREATE TABLE ends each column or constraint: the items are split on it.
ITEM_END = ", \n"


def rebuild_sqlite_table(
    table: str, shape: Callable[[list[str]], list[str]], *, new_columns: Collection[str] = ()
) -> None:
    """`table` made again from its stored CREATE text, its items (columns and constraints, as
    SQLAlchemy wrote them) reshaped by `shape`. Rows are copied with their ids (so a search index
    keyed by rowid stays right), the columns in `new_columns` left to their default (they are
    new, or going away); its indexes and triggers are made again, and an AUTOINCREMENT sequence
    never goes back. Foreign keys must be off, as they are in migrations (0056): dropping the
    table would otherwise delete every row that cascades from it."""
    bind = op.get_bind()
    if bind.execute(sa.text("PRAGMA foreign_keys")).scalar():
        raise RuntimeError(
            "foreign keys are on: dropping a table to rebuild it would delete the rows that"
            " cascade from it"
        )
    create = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": table},
    ).scalar_one()
    dependents = (
        bind.execute(
            sa.text(
                "SELECT sql FROM sqlite_master WHERE tbl_name = :name"
                " AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid"
            ),
            {"name": table},
        )
        .scalars()
        .all()
    )
    sequence = bind.execute(
        sa.text("SELECT seq FROM sqlite_sequence WHERE name = :name"), {"name": table}
    ).scalar()
    _, _, body = create.partition("\n")
    if not body.endswith("\n)"):
        raise RuntimeError(f"unexpected table definition: {create!r}")
    items = shape(body[: -len("\n)")].split(ITEM_END))
    columns = [row[1] for row in bind.execute(sa.text(f'PRAGMA table_info("{table}")'))]
    kept = ", ".join(f'"{name}"' for name in columns if name not in new_columns)
    scratch = f"_rebuilt_{table}"
    bind.execute(sa.text(f'CREATE TABLE "{scratch}" (\n' + ITEM_END.join(items) + "\n)"))
    bind.execute(sa.text(f'INSERT INTO "{scratch}" ({kept}) SELECT {kept} FROM "{table}"'))
    bind.execute(sa.text(f'DROP TABLE "{table}"'))
    bind.execute(sa.text(f'ALTER TABLE "{scratch}" RENAME TO "{table}"'))
    for statement in dependents:
        bind.execute(sa.text(statement))
    if sequence is not None:
        # Ids freed above the highest left are still never given again.
        bind.execute(
            sa.text("UPDATE sqlite_sequence SET seq = max(seq, :seq) WHERE name = :name"),
            {"seq": sequence, "name": table},
        )
        bind.execute(
            sa.text(
                "INSERT INTO sqlite_sequence (name, seq) SELECT :name, :seq"
                " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = :name)"
            ),
            {"seq": sequence, "name": table},
        )
