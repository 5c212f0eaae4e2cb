"""On PostgreSQL, `metric_seconds` counts a statement's moments once, in key order.

Its row triggers (0035, 0040) upserted four rows per moment, moment after moment. Two message
writers in two processes, each inserting a batch of moments in one statement, could take the same
histogram rows in opposite orders and deadlock: PostgreSQL finds it after a second
(`deadlock_timeout`), aborts one batch, and its messages are written again one by one, a second
late (docs/performance.md, "Round trips, the rate-limit count, and a deadlock"). A
statement-level trigger now reads the statement's moments from its transition table, adds up
equal keys, and upserts them sorted by key, so writers take the rows in one order. The UPDATE trigger (a close that stops or starts being the ticket's
last) stays per row: it writes one moment at a time. SQLite has one writer at a time and keeps
its row triggers.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-02 21:45:00.000000
"""

# ruff: noqa: S608  (SQL built from this module's constants only)
from __future__ import annotations

from alembic import op

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None

_KEY = "kind, span, user_id, period, inbox_id, channel, bucket"
_SPANS = (96, 1536)  # as 0035


def _counted(row: str) -> str:
    """0035's rule for a moment in `metric_seconds`."""
    return (
        f"(({row}.kind = 'solved' AND {row}.last_close) "
        f"OR ({row}.kind <> 'solved' AND {row}.seconds IS NOT NULL))"
    )


def _bucket(seconds: str) -> str:
    """0035's bucket of seconds, on PostgreSQL."""
    text = f"CAST(CAST(trunc({seconds}) AS bigint) AS text)"
    return (
        f"CASE WHEN {seconds} IS NULL THEN -1 WHEN {seconds} < 1 THEN 0 "
        f"WHEN {seconds} >= 1e15 THEN 1000 "
        f"ELSE 10 * length({text}) + CAST(substr({text}, 1, 1) AS integer) END"
    )


def _upsert(moments: str, sign: int) -> str:
    """The moments' rows (two spans; every agent by inbox and channel, and each agent), equal
    keys added up, upserted in key order."""
    spans = " UNION ALL ".join(f"SELECT {span} AS span" for span in _SPANS)
    return (
        f"INSERT INTO metric_seconds ({_KEY}, n) "
        f"SELECT {_KEY}, {sign} * count(*) FROM ("
        f"SELECT m.kind, s.span, CASE WHEN v.agent THEN m.user_id ELSE 0 END AS user_id, "
        "m.quarter / s.span AS period, CASE WHEN v.agent THEN 0 ELSE m.inbox_id END AS inbox_id, "
        "CASE WHEN v.agent THEN '' ELSE m.channel END AS channel, "
        f"{_bucket('m.seconds')} AS bucket "
        f"FROM {moments} AS m, ({spans}) AS s, (SELECT false AS agent UNION ALL SELECT true) AS v "
        f"WHERE {_counted('m')} AND (NOT v.agent OR m.user_id IS NOT NULL)) AS k "
        f"GROUP BY {_KEY} ORDER BY {_KEY} "
        f"ON CONFLICT ({_KEY}) DO UPDATE SET n = metric_seconds.n + excluded.n"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, sign in (("added", "added", 1), ("removed", "removed", -1)):
        op.execute(
            f"""
            CREATE FUNCTION metric_seconds_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              {_upsert(table, sign)};
              RETURN NULL;
            END $$
            """
        )
    op.execute("DROP TRIGGER metric_seconds_insert ON metric_moments")
    op.execute("DROP TRIGGER metric_seconds_delete ON metric_moments")
    op.execute(
        "CREATE TRIGGER metric_seconds_insert AFTER INSERT ON metric_moments "
        "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
        "EXECUTE FUNCTION metric_seconds_added()"
    )
    op.execute(
        "CREATE TRIGGER metric_seconds_delete AFTER DELETE ON metric_moments "
        "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
        "EXECUTE FUNCTION metric_seconds_removed()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER metric_seconds_insert ON metric_moments")
    op.execute("DROP TRIGGER metric_seconds_delete ON metric_moments")
    op.execute("DROP FUNCTION metric_seconds_added()")
    op.execute("DROP FUNCTION metric_seconds_removed()")
    # 0040's row triggers, on 0035's function (still there: the UPDATE trigger runs it).
    op.execute(
        "CREATE TRIGGER metric_seconds_insert AFTER INSERT ON metric_moments FOR EACH ROW "
        f"WHEN {_counted('NEW')} EXECUTE FUNCTION metric_seconds_keep()"
    )
    op.execute(
        "CREATE TRIGGER metric_seconds_delete AFTER DELETE ON metric_moments FOR EACH ROW "
        f"WHEN {_counted('OLD')} EXECUTE FUNCTION metric_seconds_keep()"
    )
