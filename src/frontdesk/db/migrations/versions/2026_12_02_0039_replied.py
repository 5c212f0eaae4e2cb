"""Each agent's first and last response per ticket (`metric_replied`, per inbox and channel and
for every inbox or channel), kept by triggers on `metric_moments` and filled from the moments
already recorded, so that the agents report counts tickets replied without a distinct count
over a year of responses; and on PostgreSQL the counts of `metric_counts` in its key's index (docs/
performance.md, "Agents for a year").

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-02 08:30:00.000000
"""

# ruff: noqa: S608  (SQL built from this module's constants only)
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

_COLUMNS = "user_id, ticket_id, inbox_id, channel, first_quarter, last_quarter"
_WATCHED = ("kind", "quarter", "inbox_id", "channel", "ticket_id", "user_id")
# The four rows a response is in: its inbox and channel, every channel, every inbox, both.
_SLICES = (("inbox_id", "channel"), ("inbox_id", "''"), ("0", "channel"), ("0", "''"))
_EVERY = ("0", "''")
_COUNTS_KEY = "kind, span, bucket, inbox_id, channel, user_id"


def _of(r: str, column: str) -> str:
    """A slice's column of the row `r`, or the constant that stands for every."""
    return column if column in _EVERY else f"{r}.{column}"


def _counted(r: str) -> str:
    return f"{r}.kind = 'response' AND {r}.ticket_id IS NOT NULL AND {r}.user_id IS NOT NULL"


def _widen(r: str, least: str, greatest: str) -> list[str]:
    """The rows of the response `r`, widened to its quarter (an upsert: concurrent writers of
    the same ticket each widen, none overwrites)."""
    return [
        f"INSERT INTO metric_replied ({_COLUMNS}) SELECT {r}.user_id, {r}.ticket_id, "
        f"{_of(r, inbox)}, {_of(r, channel)}, {r}.quarter, {r}.quarter "
        f"WHERE {_counted(r)} ON CONFLICT (user_id, ticket_id, inbox_id, channel) DO UPDATE SET "
        f"first_quarter = {least}(metric_replied.first_quarter, excluded.first_quarter), "
        f"last_quarter = {greatest}(metric_replied.last_quarter, excluded.last_quarter)"
        for inbox, channel in _SLICES
    ]


def _rebuild(r: str) -> list[str]:
    """The agent's rows of `r`'s ticket, rebuilt from that ticket's responses (after a response
    is deleted or changed: what it widened may now be narrower, or gone)."""
    own = (
        f"m.kind = 'response' AND m.ticket_id = {r}.ticket_id AND m.user_id = {r}.user_id "
        f"AND {_counted(r)}"
    )
    inserts = []
    for inbox, channel in _SLICES:
        keys = [c for c in (inbox, channel) if c not in _EVERY]
        group = ", ".join(["m.user_id", "m.ticket_id", *(f"m.{c}" for c in keys)])
        inserts.append(
            f"INSERT INTO metric_replied ({_COLUMNS}) SELECT m.user_id, m.ticket_id, "
            f"{_of('m', inbox)}, {_of('m', channel)}, min(m.quarter), max(m.quarter) "
            f"FROM metric_moments m WHERE {own} GROUP BY {group}"
        )
    return [
        f"DELETE FROM metric_replied WHERE user_id = {r}.user_id AND ticket_id = {r}.ticket_id "
        f"AND {_counted(r)}",
        *inserts,
    ]


def _sqlite_triggers() -> None:
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in _WATCHED)
    op.execute(
        "CREATE TRIGGER metric_replied_insert AFTER INSERT ON metric_moments "
        f"WHEN {_counted('new')} BEGIN {'; '.join(_widen('new', 'min', 'max'))}; END"
    )
    op.execute(
        "CREATE TRIGGER metric_replied_delete AFTER DELETE ON metric_moments "
        f"WHEN {_counted('old')} BEGIN {'; '.join(_rebuild('old'))}; END"
    )
    op.execute(
        f"CREATE TRIGGER metric_replied_update AFTER UPDATE OF {', '.join(_WATCHED)} "
        f"ON metric_moments WHEN ({_counted('old')} OR {_counted('new')}) AND ({changed}) "
        f"BEGIN {'; '.join([*_rebuild('old'), *_widen('new', 'min', 'max')])}; END"
    )


def _postgresql_triggers() -> None:
    rebuild = ";\n".join(_rebuild("OLD"))
    widen = ";\n".join(_widen("NEW", "least", "greatest"))
    op.execute(
        f"""
        CREATE FUNCTION metric_replied_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('DELETE', 'UPDATE') THEN
            {rebuild};
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {widen};
          END IF;
          RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER metric_replied_add AFTER INSERT ON metric_moments FOR EACH ROW "
        f"WHEN ({_counted('NEW')}) EXECUTE FUNCTION metric_replied_keep()"
    )
    op.execute(
        "CREATE TRIGGER metric_replied_remove AFTER DELETE ON metric_moments FOR EACH ROW "
        f"WHEN ({_counted('OLD')}) EXECUTE FUNCTION metric_replied_keep()"
    )
    old = ", ".join(f"OLD.{c}" for c in _WATCHED)
    new = ", ".join(f"NEW.{c}" for c in _WATCHED)
    op.execute(
        f"CREATE TRIGGER metric_replied_move AFTER UPDATE OF {', '.join(_WATCHED)} "
        f"ON metric_moments FOR EACH ROW WHEN (({_counted('OLD')} OR {_counted('NEW')}) "
        f"AND ({old}) IS DISTINCT FROM ({new})) EXECUTE FUNCTION metric_replied_keep()"
    )


def _backfill() -> None:
    for inbox, channel in _SLICES:
        keys = [c for c in (inbox, channel) if c not in _EVERY]
        op.execute(
            f"INSERT INTO metric_replied ({_COLUMNS}) SELECT user_id, ticket_id, {inbox}, "
            f"{channel}, min(quarter), max(quarter) FROM metric_moments "
            "WHERE kind = 'response' AND ticket_id IS NOT NULL AND user_id IS NOT NULL "
            f"GROUP BY {', '.join(['user_id', 'ticket_id', *keys])}"
        )


def upgrade() -> None:
    op.create_table(
        "metric_replied",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ticket_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("inbox_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("first_quarter", sa.Integer(), nullable=False),
        sa.Column("last_quarter", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "user_id", "ticket_id", "inbox_id", "channel", name=op.f("pk_metric_replied")
        ),
    )
    _backfill()
    op.create_index(
        "ix_metric_replied_slice",
        "metric_replied",
        ["inbox_id", "channel", "user_id", "last_quarter", "first_quarter", "ticket_id"],
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
        # The roll-ups' key holds their counts too, for reading a year of day rows from the
        # index alone (SQLite's table is its key's b-tree already).
        op.execute(
            "ALTER TABLE metric_counts DROP CONSTRAINT pk_metric_counts, "
            f"ADD CONSTRAINT pk_metric_counts PRIMARY KEY ({_COUNTS_KEY}) INCLUDE (n)"
        )
        # The planner's statistics for the rows just written.
        op.execute("ANALYZE metric_replied")
    else:
        _sqlite_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE metric_counts DROP CONSTRAINT pk_metric_counts, "
            f"ADD CONSTRAINT pk_metric_counts PRIMARY KEY ({_COUNTS_KEY})"
        )
        for name in ("add", "remove", "move"):
            op.execute(f"DROP TRIGGER IF EXISTS metric_replied_{name} ON metric_moments")
        op.execute("DROP FUNCTION IF EXISTS metric_replied_keep()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS metric_replied_{name}")
    op.drop_index("ix_metric_replied_slice", table_name="metric_replied")
    op.drop_table("metric_replied")
