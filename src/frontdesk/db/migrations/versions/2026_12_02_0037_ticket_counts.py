"""Folder counts from counters: tickets per inbox, state and assignee (`ticket_counts`), moved
there every few seconds from the +1/-1 rows that triggers on `tickets` append to
`ticket_count_deltas` in the transaction of every insert, delete (cascades included) and change
of the inbox, state or assignee (`SET NULL` included); filled from the tickets already there
(docs/performance.md, "Folder counts").

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-02 07:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

_KEY = "inbox_id, state, assignee_id, n"


def _values(row: str, sign: int) -> str:
    return f"({row}.inbox_id, {row}.state, coalesce({row}.assignee_id, 0), {sign})"


def _sqlite_triggers() -> None:
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in ("inbox_id", "state", "assignee_id"))
    add = f"INSERT INTO ticket_count_deltas ({_KEY}) VALUES"
    op.execute(
        "CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets "
        f"BEGIN {add} {_values('new', 1)}; END"
    )
    op.execute(
        "CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets "
        f"BEGIN {add} {_values('old', -1)}; END"
    )
    op.execute(
        "CREATE TRIGGER ticket_counts_update AFTER UPDATE OF inbox_id, state, assignee_id "
        f"ON tickets WHEN {changed} "
        f"BEGIN {add} {_values('old', -1)}, {_values('new', 1)}; END"
    )


def _postgresql_triggers() -> None:
    add = f"INSERT INTO ticket_count_deltas ({_KEY}) VALUES"
    op.execute(
        f"""
        CREATE FUNCTION ticket_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            {add} {_values("NEW", 1)};
          ELSIF TG_OP = 'DELETE' THEN
            {add} {_values("OLD", -1)};
          ELSE
            {add} {_values("OLD", -1)}, {_values("NEW", 1)};
          END IF;
          RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER ticket_counts_keep AFTER INSERT OR DELETE ON tickets "
        "FOR EACH ROW EXECUTE FUNCTION ticket_counts_keep()"
    )
    op.execute(
        "CREATE TRIGGER ticket_counts_move AFTER UPDATE OF inbox_id, state, assignee_id "
        "ON tickets FOR EACH ROW WHEN ((OLD.inbox_id, OLD.state, OLD.assignee_id) "
        "IS DISTINCT FROM (NEW.inbox_id, NEW.state, NEW.assignee_id)) "
        "EXECUTE FUNCTION ticket_counts_keep()"
    )


def upgrade() -> None:
    op.create_table(
        "ticket_counts",
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("inbox_id", "state", "assignee_id", name=op.f("pk_ticket_counts")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ticket_count_deltas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_count_deltas")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()
    op.execute(
        f"INSERT INTO ticket_counts ({_KEY}) "  # noqa: S608 (constants only)
        "SELECT inbox_id, state, coalesce(assignee_id, 0), count(*) FROM tickets "
        "GROUP BY inbox_id, state, coalesce(assignee_id, 0)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ticket_counts_move ON tickets")
        op.execute("DROP TRIGGER IF EXISTS ticket_counts_keep ON tickets")
        op.execute("DROP FUNCTION IF EXISTS ticket_counts_keep()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS ticket_counts_{name}")
    op.drop_table("ticket_count_deltas")
    op.drop_table("ticket_counts")
