"""The metric roll-ups' triggers skip the moments they do not count.

`metric_counts` (0033) counted every kind of moment, but the reports read only `created`,
`chat_joined` and `chat_transferred` from it (reports/service.py: volume, busiest hours, agents'
chats); the rest were three upserts per moment for nothing. Its triggers now fire for those kinds
alone, and its rows of other kinds are deleted. `metric_seconds` (0035) counted the right moments
but evaluated its `INSERT … SELECT` for every moment, including a customer's message (no seconds,
never counted): its insert and delete triggers now test that first. Both are on the realtime
writer's path: every chat message an agent has to answer, and every answer, writes a moment
(docs/performance.md, "One process on SQLite").

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-02 16:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

COUNTED_KINDS = ("created", "chat_joined", "chat_transferred")
_IN = "(" + ", ".join(f"'{kind}'" for kind in COUNTED_KINDS) + ")"
_OTHER_KINDS = (
    "customer_message",
    "first_response",
    "response",
    "solved",
    "reopened",
    "chat_ended",
    "chat_unanswered",
)
_KEY = "kind, span, bucket, inbox_id, channel, user_id"
_SPANS = (1, 4, 96)  # quarter hour, hour, day (as 0033)
_WATCHED = ("kind", "quarter", "inbox_id", "channel", "user_id")


def _seconds_counted(row: str) -> str:
    """0035's rule for a moment in `metric_seconds` (its `_counted`)."""
    return (
        f"(({row}.kind = 'solved' AND {row}.last_close) "
        f"OR ({row}.kind <> 'solved' AND {row}.seconds IS NOT NULL))"
    )


def _add(row: str, sign: int, table_prefix: str, *, only_counted: bool) -> str:
    """0033's upsert of the moment's three rows (quarter hour, hour, day); with `only_counted`,
    for the counted kinds alone."""
    values = ", ".join(
        f"({row}.kind, {span}, {row}.quarter / {span}, {row}.inbox_id, {row}.channel, "
        f"coalesce({row}.user_id, 0), {sign})"
        for span in _SPANS
    )
    rows = (
        f"SELECT * FROM (VALUES {values}) AS v WHERE {row}.kind IN {_IN}"  # noqa: S608 (constants)
        if only_counted
        else f"VALUES {values}"
    )
    return (
        f"INSERT INTO metric_counts ({_KEY}, n) {rows} "
        f"ON CONFLICT ({_KEY}) DO UPDATE SET n = {table_prefix}n + excluded.n"
    )


def _sqlite_counts(*, only_counted: bool) -> None:
    when_new = f" WHEN new.kind IN {_IN}" if only_counted else ""
    when_old = f" WHEN old.kind IN {_IN}" if only_counted else ""
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in _WATCHED)
    moved = f"({changed}) AND (old.kind IN {_IN} OR new.kind IN {_IN})" if only_counted else changed
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS metric_counts_{name}")
    op.execute(
        f"CREATE TRIGGER metric_counts_insert AFTER INSERT ON metric_moments{when_new} "
        f"BEGIN {_add('new', 1, '', only_counted=only_counted)}; END"
    )
    op.execute(
        f"CREATE TRIGGER metric_counts_delete AFTER DELETE ON metric_moments{when_old} "
        f"BEGIN {_add('old', -1, '', only_counted=only_counted)}; END"
    )
    op.execute(
        "CREATE TRIGGER metric_counts_update AFTER UPDATE OF kind, quarter, inbox_id, channel, "
        f"user_id ON metric_moments WHEN {moved} "
        f"BEGIN {_add('old', -1, '', only_counted=only_counted)}; "
        f"{_add('new', 1, '', only_counted=only_counted)}; END"
    )


def _sqlite_seconds(*, only_counted: bool) -> None:
    """0035's insert and delete triggers, with or without the test first: their bodies are
    read back from the schema and kept as they are."""
    for name, row, event in (("insert", "new", "INSERT"), ("delete", "old", "DELETE")):
        trigger = f"metric_seconds_{name}"
        sql = (
            op.get_bind()
            .exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)
            )
            .scalar_one()
        )
        head, body = sql.split(" BEGIN ", 1)
        plain = f"CREATE TRIGGER {trigger} AFTER {event} ON metric_moments"
        if head not in (plain, f"{plain} WHEN {_seconds_counted(row)}"):
            raise RuntimeError(f"{trigger} is not the trigger migration 0035 made: {head}")
        when = f" WHEN {_seconds_counted(row)}" if only_counted else ""
        op.execute(f"DROP TRIGGER {trigger}")
        op.execute(f"{plain}{when} BEGIN {body}")


def _postgresql_counts(*, only_counted: bool) -> None:
    guard_old = f" AND OLD.kind IN {_IN}" if only_counted else ""
    guard_new = f" AND NEW.kind IN {_IN}" if only_counted else ""
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION metric_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('DELETE', 'UPDATE'){guard_old} THEN
            {_add("OLD", -1, "metric_counts.", only_counted=False)};
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE'){guard_new} THEN
            {_add("NEW", 1, "metric_counts.", only_counted=False)};
          END IF;
          RETURN NULL;
        END $$
        """
    )
    for name in ("keep", "insert", "delete", "move"):
        op.execute(f"DROP TRIGGER IF EXISTS metric_counts_{name} ON metric_moments")
    changed = (
        "(OLD.kind, OLD.quarter, OLD.inbox_id, OLD.channel, OLD.user_id) IS DISTINCT FROM "
        "(NEW.kind, NEW.quarter, NEW.inbox_id, NEW.channel, NEW.user_id)"
    )
    if only_counted:
        op.execute(
            "CREATE TRIGGER metric_counts_insert AFTER INSERT ON metric_moments FOR EACH ROW "
            f"WHEN (NEW.kind IN {_IN}) EXECUTE FUNCTION metric_counts_keep()"
        )
        op.execute(
            "CREATE TRIGGER metric_counts_delete AFTER DELETE ON metric_moments FOR EACH ROW "
            f"WHEN (OLD.kind IN {_IN}) EXECUTE FUNCTION metric_counts_keep()"
        )
        changed = f"{changed} AND (OLD.kind IN {_IN} OR NEW.kind IN {_IN})"
    else:
        op.execute(
            "CREATE TRIGGER metric_counts_keep AFTER INSERT OR DELETE ON metric_moments "
            "FOR EACH ROW EXECUTE FUNCTION metric_counts_keep()"
        )
    op.execute(
        "CREATE TRIGGER metric_counts_move AFTER UPDATE OF kind, quarter, inbox_id, channel, "
        f"user_id ON metric_moments FOR EACH ROW WHEN ({changed}) "
        "EXECUTE FUNCTION metric_counts_keep()"
    )


def _postgresql_seconds(*, only_counted: bool) -> None:
    for name in ("keep", "insert", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS metric_seconds_{name} ON metric_moments")
    if only_counted:
        op.execute(
            "CREATE TRIGGER metric_seconds_insert AFTER INSERT ON metric_moments FOR EACH ROW "
            f"WHEN {_seconds_counted('NEW')} EXECUTE FUNCTION metric_seconds_keep()"
        )
        op.execute(
            "CREATE TRIGGER metric_seconds_delete AFTER DELETE ON metric_moments FOR EACH ROW "
            f"WHEN {_seconds_counted('OLD')} EXECUTE FUNCTION metric_seconds_keep()"
        )
    else:
        op.execute(
            "CREATE TRIGGER metric_seconds_keep AFTER INSERT OR DELETE ON metric_moments "
            "FOR EACH ROW EXECUTE FUNCTION metric_seconds_keep()"
        )


def _triggers(*, only_counted: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_counts(only_counted=only_counted)
        _postgresql_seconds(only_counted=only_counted)
    else:
        _sqlite_counts(only_counted=only_counted)
        _sqlite_seconds(only_counted=only_counted)


def upgrade() -> None:
    _triggers(only_counted=True)
    op.execute(f"DELETE FROM metric_counts WHERE kind NOT IN {_IN}")  # noqa: S608 (constants)


def downgrade() -> None:
    _triggers(only_counted=False)
    # 0033's counts of the other kinds, from the moments (as its backfill).
    for kind in _OTHER_KINDS:
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
