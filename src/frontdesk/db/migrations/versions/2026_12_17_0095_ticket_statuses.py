"""Custom ticket statuses (docs/desk.md, "Ticket statuses").

- `ticket_statuses`: a named sub-state of open, hold or closed (`state`), its name unique once
  folded (`name_key`, as labels'), a description, its place among its state's statuses
  (`position`) and whether it is archived (no longer offered; tickets keep it). Ids never
  reused: macros and rules name statuses by id.
- `tickets.status_id`: the ticket's custom status, null for its state's plain one,
  `ON DELETE SET NULL`, indexed where set (the list's filter, and the check that no ticket uses
  a status before it is deleted).

On SQLite `tickets` is rebuilt from its own stored text as 0084 rebuilds `customers` (its
AUTOINCREMENT key, indexes, folder-count and search triggers and sequence kept): a foreign key
added in place could only be the column's own constraint, which SQLite's reflection reads
without its name.

Revision ID: 0095
Revises: 0094
Create Date: 2026-12-17 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base
from frontdesk.db.migrations.rebuild import rebuild_sqlite_table

revision = "0095"
down_revision = "0094"
branch_labels = None
depends_on = None

TABLE = "tickets"
FOREIGN_KEY = "fk_tickets_status_id_ticket_statuses"
INDEX = "ix_tickets_status"
WHERE_SET = sa.text("status_id IS NOT NULL")
NEW_COLUMNS = ("status_id",)

COLUMNS = ("\tstatus_id INTEGER",)
CONSTRAINT = (
    f"\tCONSTRAINT {FOREIGN_KEY} FOREIGN KEY(status_id) REFERENCES ticket_statuses (id)"
    " ON DELETE SET NULL"
)


def _with_status(items: list[str]) -> list[str]:
    first = next(i for i, item in enumerate(items) if item.startswith("\tCONSTRAINT "))
    return [*items[:first], *COLUMNS, *items[first:], CONSTRAINT]


def _without_status(items: list[str]) -> list[str]:
    return [item for item in items if item not in (*COLUMNS, CONSTRAINT)]


def upgrade() -> None:
    op.create_table(
        "ticket_statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("name_key", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "hold",
                "closed",
                name="statusstate",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_statuses")),
        sa.UniqueConstraint("name_key", name=op.f("uq_ticket_statuses_name_key")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_ticket_statuses_state_position", "ticket_statuses", ["state", "position", "id"]
    )
    if op.get_bind().dialect.name == "sqlite":
        rebuild_sqlite_table(TABLE, _with_status, new_columns=NEW_COLUMNS)
    else:
        op.add_column(TABLE, sa.Column("status_id", sa.Integer()))
        op.create_foreign_key(
            FOREIGN_KEY, TABLE, "ticket_statuses", ["status_id"], ["id"], ondelete="SET NULL"
        )
    op.create_index(INDEX, TABLE, ["status_id"], sqlite_where=WHERE_SET, postgresql_where=WHERE_SET)


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    if op.get_bind().dialect.name == "sqlite":
        rebuild_sqlite_table(TABLE, _without_status, new_columns=NEW_COLUMNS)
    else:
        op.drop_constraint(FOREIGN_KEY, TABLE, type_="foreignkey")
        op.drop_column(TABLE, "status_id")
    op.drop_index("ix_ticket_statuses_state_position", table_name="ticket_statuses")
    op.drop_table("ticket_statuses")
