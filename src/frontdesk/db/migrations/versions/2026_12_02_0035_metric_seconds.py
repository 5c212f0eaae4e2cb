"""The times report without a year of moments: a marker on the close that stuck
(`metric_moments.last_close`, a resolution) and histograms of seconds per UTC day and 16 days
(`metric_seconds`), both kept by triggers on `metric_moments` (every writer, cascades, the
privacy deletion's cleared ticket and `SET NULL` included, in the moment's own transaction),
and filled from the moments already recorded (docs/performance.md, "Reports").

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-02 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

_KEY = "kind, span, user_id, period, inbox_id, channel, bucket"
_SPANS = (96, 1536)  # a UTC day and 16 days of quarter hours (metrics.models.SPREAD_SPANS)
_SECONDS_INDEX = ["kind", "seconds", "quarter", "channel", "inbox_id", "user_id", "ticket_id", "at"]

# The rule itself (reports' "resolution"): a close that no later close of its ticket followed.
# Never NULL, so `<>` compares it on both stores.
_STUCK = (
    "(kind = 'solved' AND NOT EXISTS (SELECT 1 FROM metric_moments AS later "
    "WHERE later.ticket_id = metric_moments.ticket_id AND later.kind = 'solved' "
    "AND later.at > metric_moments.at))"
)


def _bucket(seconds: str, postgresql: bool) -> str:
    """metrics.models.second_bucket in SQL: 10 * digits of the whole seconds + the first one
    (-1 for none, 0 under a second, 1000 from 10^15 seconds)."""
    whole = f"CAST(trunc({seconds}) AS bigint)" if postgresql else f"CAST({seconds} AS INTEGER)"
    text = f"CAST({whole} AS {'text' if postgresql else 'TEXT'})"
    return (
        f"CASE WHEN {seconds} IS NULL THEN -1 WHEN {seconds} < 1 THEN 0 WHEN {seconds} >= 1e15 THEN 1000 "
        f"ELSE 10 * length({text}) + CAST(substr({text}, 1, 1) AS integer) END"
    )


def _counted(row: str) -> str:
    """Whether a moment is in the histograms: a close while it is the ticket's last (counted
    even without seconds, in bucket -1: agents' "tickets closed"), another moment when it
    measures something."""
    return (
        f"(({row}.kind = 'solved' AND {row}.last_close) "
        f"OR ({row}.kind <> 'solved' AND {row}.seconds IS NOT NULL))"
    )


def _add(row: str, sign: int, postgresql: bool) -> str:
    """The moment's four rows (two spans; every agent by inbox and channel, and its agent)."""
    spans = " UNION ALL ".join(f"SELECT {span} AS span" for span in _SPANS)
    prefix = "metric_seconds." if postgresql else ""
    return (
        f"INSERT INTO metric_seconds ({_KEY}, n) "  # noqa: S608 (constants only)
        f"SELECT {row}.kind, s.span, CASE WHEN v.agent THEN {row}.user_id ELSE 0 END, "
        f"{row}.quarter / s.span, CASE WHEN v.agent THEN 0 ELSE {row}.inbox_id END, "
        f"CASE WHEN v.agent THEN '' ELSE {row}.channel END, {_bucket(f'{row}.seconds', postgresql)}, "
        f"{sign} FROM ({spans}) AS s, (SELECT false AS agent UNION ALL SELECT true) AS v "
        f"WHERE {_counted(row)} AND (NOT v.agent OR {row}.user_id IS NOT NULL) "
        f"ON CONFLICT ({_KEY}) DO UPDATE SET n = {prefix}n + excluded.n"
    )


_TICKET = "ticket_id = {}.ticket_id AND kind = 'solved'"
# SQLite would search a ticket's closes by the index led by kind, every close of the desk (it
# is covering); `+kind` keeps it off that term, so it seeks the ticket's few moments instead.
# INDEXED BY is not allowed in a trigger.
_SQLITE_TICKET = "ticket_id = {}.ticket_id AND +kind = 'solved'"


def _restick(where: str) -> str:
    return (
        f"UPDATE metric_moments SET last_close = {_STUCK} "  # noqa: S608 (constants only)
        f"WHERE {where} AND last_close <> {_STUCK}"
    )


def _sqlite_triggers() -> None:
    changed = " OR ".join(
        f"old.{c} IS NOT new.{c}"
        for c in ("kind", "quarter", "inbox_id", "channel", "user_id", "seconds", "last_close")
    )
    op.execute(
        "CREATE TRIGGER metric_seconds_insert AFTER INSERT ON metric_moments "
        f"BEGIN {_add('new', 1, False)}; END"
    )
    op.execute(
        "CREATE TRIGGER metric_seconds_delete AFTER DELETE ON metric_moments "
        f"BEGIN {_add('old', -1, False)}; END"
    )
    op.execute(
        "CREATE TRIGGER metric_seconds_update AFTER UPDATE OF kind, quarter, inbox_id, channel, "
        f"user_id, seconds, last_close ON metric_moments WHEN {changed} "
        f"BEGIN {_add('old', -1, False)}; {_add('new', 1, False)}; END"
    )
    # The marker: a close, or a close gone, moved or changed, sets it again on every close of
    # the ticket(s) concerned (a ticket has a few), and on the row itself.
    op.execute(
        "CREATE TRIGGER last_close_insert AFTER INSERT ON metric_moments "
        "WHEN new.kind = 'solved' "
        f"BEGIN {_restick('id = new.id')}; "
        f"{_restick(_SQLITE_TICKET.format('new'))}; END"
    )
    op.execute(
        "CREATE TRIGGER last_close_delete AFTER DELETE ON metric_moments "
        "WHEN old.kind = 'solved' AND old.ticket_id IS NOT NULL "
        f"BEGIN {_restick(_SQLITE_TICKET.format('old'))}; END"
    )
    op.execute(
        "CREATE TRIGGER last_close_update AFTER UPDATE OF kind, ticket_id, at ON metric_moments "
        "WHEN (old.kind = 'solved' OR new.kind = 'solved') AND (old.kind IS NOT new.kind "
        "OR old.ticket_id IS NOT new.ticket_id OR old.at IS NOT new.at) "
        f"BEGIN {_restick('id = new.id')}; "
        f"{_restick(_SQLITE_TICKET.format('old'))}; "
        f"{_restick(_SQLITE_TICKET.format('new'))}; END"
    )


def _postgresql_triggers() -> None:
    op.execute(
        f"""
        CREATE FUNCTION metric_seconds_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('DELETE', 'UPDATE') THEN
            {_add("OLD", -1, True)};
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {_add("NEW", 1, True)};
          END IF;
          RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER metric_seconds_keep AFTER INSERT OR DELETE ON metric_moments "
        "FOR EACH ROW EXECUTE FUNCTION metric_seconds_keep()"
    )
    op.execute(
        "CREATE TRIGGER metric_seconds_move AFTER UPDATE OF kind, quarter, inbox_id, channel, "
        "user_id, seconds, last_close ON metric_moments FOR EACH ROW WHEN ((OLD.kind, "
        "OLD.quarter, OLD.inbox_id, OLD.channel, OLD.user_id, OLD.seconds, OLD.last_close) "
        "IS DISTINCT FROM (NEW.kind, NEW.quarter, NEW.inbox_id, NEW.channel, NEW.user_id, "
        "NEW.seconds, NEW.last_close)) EXECUTE FUNCTION metric_seconds_keep()"
    )
    op.execute(
        f"""
        CREATE FUNCTION metric_last_close_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.kind = 'solved'
             AND OLD.ticket_id IS NOT NULL THEN
            {_restick(_TICKET.format("OLD"))};
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {_restick("id = NEW.id")};
            IF NEW.kind = 'solved' AND NEW.ticket_id IS NOT NULL THEN
              {_restick(_TICKET.format("NEW"))};
            END IF;
          END IF;
          RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER metric_last_close_insert AFTER INSERT ON metric_moments "
        "FOR EACH ROW WHEN (NEW.kind = 'solved') EXECUTE FUNCTION metric_last_close_keep()"
    )
    op.execute(
        "CREATE TRIGGER metric_last_close_delete AFTER DELETE ON metric_moments "
        "FOR EACH ROW WHEN (OLD.kind = 'solved' AND OLD.ticket_id IS NOT NULL) "
        "EXECUTE FUNCTION metric_last_close_keep()"
    )
    op.execute(
        "CREATE TRIGGER metric_last_close_update AFTER UPDATE OF kind, ticket_id, at "
        "ON metric_moments FOR EACH ROW WHEN ((OLD.kind = 'solved' OR NEW.kind = 'solved') "
        "AND (OLD.kind, OLD.ticket_id, OLD.at) IS DISTINCT FROM (NEW.kind, NEW.ticket_id, NEW.at)) "
        "EXECUTE FUNCTION metric_last_close_keep()"
    )


def _backfill(postgresql: bool) -> None:
    op.execute(f"UPDATE metric_moments SET last_close = true WHERE {_STUCK}")  # noqa: S608
    bucket = _bucket("seconds", postgresql)
    day, block = _SPANS
    # The days from the moments (every agent, then per agent), the 16 days from the days.
    for user, inbox, channel, only, grouped in (
        ("0", "inbox_id", "channel", "true", "inbox_id, channel"),
        ("user_id", "0", "''", "user_id IS NOT NULL", "user_id"),
    ):
        op.execute(
            f"INSERT INTO metric_seconds ({_KEY}, n) "  # noqa: S608 (constants only)
            f"SELECT kind, {day}, {user}, quarter / {day}, {inbox}, {channel}, {bucket}, count(*) "
            f"FROM metric_moments WHERE {_counted('metric_moments')} "
            f"AND {only} GROUP BY kind, quarter / {day}, {grouped}, {bucket}"
        )
    op.execute(
        f"INSERT INTO metric_seconds ({_KEY}, n) "  # noqa: S608 (constants only)
        f"SELECT kind, {block}, user_id, period / {block // day}, inbox_id, channel, bucket, "
        f"sum(n) FROM metric_seconds WHERE span = {day} "
        f"GROUP BY kind, user_id, period / {block // day}, inbox_id, channel, bucket"
    )


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.add_column(
        "metric_moments",
        sa.Column("last_close", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "metric_seconds",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("span", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind",
            "span",
            "user_id",
            "period",
            "inbox_id",
            "channel",
            "bucket",
            name=op.f("pk_metric_seconds"),
        ),
        sqlite_with_rowid=False,
    )
    _backfill(postgresql)
    # Ranks walk the resolutions in order of seconds, apart from the closes that did not stick.
    op.drop_index("ix_metric_moments_kind_seconds", table_name="metric_moments")
    op.create_index(
        "ix_metric_moments_kind_seconds",
        "metric_moments",
        [_SECONDS_INDEX[0], "last_close", *_SECONDS_INDEX[1:]],
    )
    if postgresql:
        _postgresql_triggers()
        op.execute("ANALYZE metric_seconds")
        op.execute("ANALYZE metric_moments")
    else:
        _sqlite_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger in (
            "metric_last_close_update",
            "metric_last_close_delete",
            "metric_last_close_insert",
            "metric_seconds_move",
            "metric_seconds_keep",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON metric_moments")
        op.execute("DROP FUNCTION IF EXISTS metric_last_close_keep()")
        op.execute("DROP FUNCTION IF EXISTS metric_seconds_keep()")
    else:
        for trigger in (
            "last_close_update",
            "last_close_delete",
            "last_close_insert",
            "metric_seconds_update",
            "metric_seconds_delete",
            "metric_seconds_insert",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_index("ix_metric_moments_kind_seconds", table_name="metric_moments")
    op.create_index("ix_metric_moments_kind_seconds", "metric_moments", _SECONDS_INDEX)
    op.drop_table("metric_seconds")
    # Both stores drop a column in place (SQLite since 3.35), leaving the other triggers be.
    op.execute("ALTER TABLE metric_moments DROP COLUMN last_close")
