"""Every link a delete follows has an index.

Deleting a row makes the database find the rows that name it, to cascade, set them to NULL or
refuse. Without an index on the naming column it reads the whole table, once for each row
deleted: a retention batch of 50 tickets read every ticket 50 times (`tickets.merged_into_id`),
4.3-4.6 s on SQLite's event loop at 200,000 tickets (docs/performance.md). The tables are the
models', which tests/unit/test_migrations.py holds equal to the migrations on both stores."""

from __future__ import annotations

from sqlalchemy import PrimaryKeyConstraint, Table, UniqueConstraint

import frontdesk.db.models  # noqa: F401  (registers every table)
from frontdesk.db.base import Base

# Deactivated, never deleted: nothing reads the rows that name them.
NEVER_DELETED = {"users", "inboxes"}
# Deleted by an admin one at a time, from a handful; each delete reads the naming table once.
ONE_AT_A_TIME = {
    ("sla_policies", "label_id"),
    ("ticket_slas", "policy_id"),
    ("sla_alerts", "policy_id"),
}


def _led_by(table: Table, column: str) -> bool:
    """Some index, primary key or unique constraint of `table` starts with `column`."""
    firsts = [index.columns[0].name for index in table.indexes if index.columns]
    firsts += [
        constraint.columns[0].name
        for constraint in table.constraints
        if isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint) and constraint.columns
    ]
    return column in firsts


def test_every_link_a_delete_follows_has_an_index() -> None:
    links = [
        (table, key.parent.name, key.column.table.name)
        for table in Base.metadata.sorted_tables
        for key in table.foreign_keys
    ]
    assert len(links) > 50
    missing = [
        f"{table.name}.{column} -> {parent}"
        for table, column, parent in links
        if parent not in NEVER_DELETED
        and (table.name, column) not in ONE_AT_A_TIME
        and not _led_by(table, column)
    ]
    assert missing == []
