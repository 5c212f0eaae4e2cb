"""Roll-ups of the metric moments: how many moments of each kind, inbox, channel and agent fell
in each UTC quarter hour, hour and day (`metric_counts`), kept by triggers on `metric_moments`
(every writer, cascades and `SET NULL` included, in the moment's own transaction), and filled
from the moments already recorded (docs/performance.md, "Reports").

Revision ID: 0033
Revises: 0027
Create Date: 2026-12-02 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

_KEY = "kind, span, bucket, inbox_id, channel, user_id"
_SPANS = (1, 4, 96)  # quarter hour, hour, day
_KINDS = (
    "created",
    "customer_message",
    "first_response",
    "response",
    "solved",
    "reopened",
    "chat_joined",
    "chat_transferred",
    "chat_ended",
    "chat_unanswered",
)


def _values(row: str, sign: int) -> str:
    return ", ".join(
        f"({row}.kind, {span}, {row}.quarter / {span}, {row}.inbox_id, {row}.channel, "
        f"coalesce({row}.user_id, 0), {sign})"
        for span in _SPANS
    )


def _add(row: str, sign: int, table_prefix: str) -> str:
    return (
        f"INSERT INTO metric_counts ({_KEY}, n) VALUES {_values(row, sign)} "  # noqa: S608 (constants only)
        f"ON CONFLICT ({_KEY}) DO UPDATE SET n = {table_prefix}n + excluded.n"
    )


def _sqlite_triggers() -> None:
    changed = " OR ".join(
        f"old.{c} IS NOT new.{c}" for c in ("kind", "quarter", "inbox_id", "channel", "user_id")
    )
    op.execute(
        "CREATE TRIGGER metric_counts_insert AFTER INSERT ON metric_moments "
        f"BEGIN {_add('new', 1, '')}; END"
    )
    op.execute(
        "CREATE TRIGGER metric_counts_delete AFTER DELETE ON metric_moments "
        f"BEGIN {_add('old', -1, '')}; END"
    )
    op.execute(
        "CREATE TRIGGER metric_counts_update AFTER UPDATE OF kind, quarter, inbox_id, channel, "
        f"user_id ON metric_moments WHEN {changed} "
        f"BEGIN {_add('old', -1, '')}; {_add('new', 1, '')}; END"
    )


def _postgresql_triggers() -> None:
    op.execute(
        f"""
        CREATE FUNCTION metric_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('DELETE', 'UPDATE') THEN
            {_add("OLD", -1, "metric_counts.")};
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {_add("NEW", 1, "metric_counts.")};
          END IF;
          RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER metric_counts_keep AFTER INSERT OR DELETE ON metric_moments "
        "FOR EACH ROW EXECUTE FUNCTION metric_counts_keep()"
    )
    op.execute(
        "CREATE TRIGGER metric_counts_move AFTER UPDATE OF kind, quarter, inbox_id, channel, "
        "user_id ON metric_moments FOR EACH ROW WHEN ((OLD.kind, OLD.quarter, OLD.inbox_id, "
        "OLD.channel, OLD.user_id) IS DISTINCT FROM (NEW.kind, NEW.quarter, NEW.inbox_id, "
        "NEW.channel, NEW.user_id)) EXECUTE FUNCTION metric_counts_keep()"
    )


def _backfill() -> None:
    # One kind at a time (a tenth of the moments per statement); hours and days are summed
    # from the quarter hours just written, not from the moments again.
    for kind in _KINDS:
        op.execute(
            f"INSERT INTO metric_counts ({_KEY}, n) "  # noqa: S608 (constants only)
            "SELECT kind, 1, quarter, inbox_id, channel, coalesce(user_id, 0), count(*) "
            f"FROM metric_moments WHERE kind = '{kind}' "
            "GROUP BY kind, quarter, inbox_id, channel, coalesce(user_id, 0)"
        )
        for span in _SPANS[1:]:
            op.execute(
                f"INSERT INTO metric_counts ({_KEY}, n) "  # noqa: S608 (constants only)
                f"SELECT kind, {span}, bucket / {span}, inbox_id, channel, user_id, sum(n) "
                f"FROM metric_counts WHERE kind = '{kind}' AND span = 1 "
                f"GROUP BY kind, bucket / {span}, inbox_id, channel, user_id"
            )


def upgrade() -> None:
    op.create_table(
        "metric_counts",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("span", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind",
            "span",
            "bucket",
            "inbox_id",
            "channel",
            "user_id",
            name=op.f("pk_metric_counts"),
        ),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()
    _backfill()
    if op.get_bind().dialect.name == "postgresql":
        # The planner's statistics for a table a million rows long now, not for an empty one.
        op.execute("ANALYZE metric_counts")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS metric_counts_move ON metric_moments")
        op.execute("DROP TRIGGER IF EXISTS metric_counts_keep ON metric_moments")
        op.execute("DROP FUNCTION IF EXISTS metric_counts_keep()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS metric_counts_{name}")
    op.drop_table("metric_counts")
