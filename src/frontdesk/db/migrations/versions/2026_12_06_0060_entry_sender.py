"""`ticket_entries.sender`: the address an incoming mail came from, stored with the entry and
indexed, so that a customer's export and erasure find their mail by its sender without reading
every entry's data (docs/privacy.md, docs/performance.md "Finding a customer's mail by its
sender"). Filled here for the entries written before, from the address their data keeps.

Revision ID: 0060
Revises: 0059
Create Date: 2026-12-06 18:00:00.000000
"""

from __future__ import annotations

# ruff: noqa: S608  (SQL built from this module's constants)
import sqlalchemy as sa
from alembic import op

revision = "0060"
down_revision = "0059"
branch_labels = None
depends_on = None

SENDER_SET = sa.text("sender IS NOT NULL")


def upgrade() -> None:
    # Added in place (SQLite's ALTER TABLE ADD COLUMN): a rebuild would lose the table's
    # AUTOINCREMENT text and triggers (0056). No trigger watches the column, so the fill
    # rewrites no search index.
    op.add_column("ticket_entries", sa.Column("sender", sa.String(length=998), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        address = "lower(trim(json_extract(data, '$.from_address')))"
    else:
        address = "lower(trim(data ->> 'from_address'))"
    # As tickets/service.py `sender_of` writes it: incoming entries only, cut to the column.
    op.execute(
        f"UPDATE ticket_entries SET sender = substr({address}, 1, 998) "
        f"WHERE direction = 'in' AND {address} <> ''"
    )
    op.create_index(
        "ix_ticket_entries_sender",
        "ticket_entries",
        ["sender"],
        sqlite_where=SENDER_SET,
        postgresql_where=SENDER_SET,
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_entries_sender", table_name="ticket_entries")
    op.drop_column("ticket_entries", "sender")
