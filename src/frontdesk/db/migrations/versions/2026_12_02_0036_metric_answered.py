"""Which agent answered in each conversation, per moment the reports filter by agent
(`metric_answered`: created moments and missed chats, one row per agent who answered in their
conversation), kept by triggers on `metric_moments` and filled from the moments already recorded
(docs/performance.md, "Reports").

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-02 04:00:00.000000
"""

# ruff: noqa: S608  (SQL built from this module's constants only)
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

_COLUMNS = "user_id, kind, quarter, inbox_id, channel, moment_id"
_BELONGING = "('created', 'chat_unanswered')"
_ANSWERING = "('response', 'chat_joined')"
# What a trigger runs for a row `r` (new or old) of metric_moments. A conversation is its chat
# when the moment has one, else its ticket; an answering moment answers both its chat and its
# ticket (a chat's moments learn their ticket's id when it is written).


def _add(r: str) -> list[str]:
    """Rows the row `r` justifies, as the table is now (ON CONFLICT: already there)."""
    insert = f"INSERT INTO metric_answered ({_COLUMNS}) "
    return [
        # r answers: its conversations' moments become its agent's.
        f"{insert}SELECT {r}.user_id, m.kind, m.quarter, m.inbox_id, m.channel, m.id "
        f"FROM metric_moments m WHERE {r}.kind IN {_ANSWERING} AND {r}.user_id IS NOT NULL "
        f"AND m.chat_id = {r}.chat_id AND m.kind IN {_BELONGING} ON CONFLICT DO NOTHING",
        f"{insert}SELECT {r}.user_id, m.kind, m.quarter, m.inbox_id, m.channel, m.id "
        f"FROM metric_moments m WHERE {r}.kind IN {_ANSWERING} AND {r}.user_id IS NOT NULL "
        f"AND m.ticket_id = {r}.ticket_id AND m.chat_id IS NULL AND m.kind IN {_BELONGING} "
        "ON CONFLICT DO NOTHING",
        # r belongs to its conversation: it is every answering agent's.
        f"{insert}SELECT DISTINCT o.user_id, {r}.kind, {r}.quarter, {r}.inbox_id, {r}.channel, "
        f"{r}.id FROM metric_moments o WHERE {r}.kind IN {_BELONGING} "
        f"AND o.chat_id = {r}.chat_id AND o.kind IN {_ANSWERING} AND o.user_id IS NOT NULL "
        "ON CONFLICT DO NOTHING",
        f"{insert}SELECT DISTINCT o.user_id, {r}.kind, {r}.quarter, {r}.inbox_id, {r}.channel, "
        f"{r}.id FROM metric_moments o WHERE {r}.kind IN {_BELONGING} AND {r}.chat_id IS NULL "
        f"AND o.ticket_id = {r}.ticket_id AND o.kind IN {_ANSWERING} AND o.user_id IS NOT NULL "
        "ON CONFLICT DO NOTHING",
    ]


# Whether the agent of a metric_answered row still answered in its moment's conversation.
_STILL = (
    "EXISTS (SELECT 1 FROM metric_moments m JOIN metric_moments o ON o.chat_id = m.chat_id "
    f"WHERE m.id = metric_answered.moment_id AND o.kind IN {_ANSWERING} AND o.user_id = metric_answered.user_id) "
    "OR EXISTS (SELECT 1 FROM metric_moments m JOIN metric_moments o ON o.ticket_id = m.ticket_id "
    f"WHERE m.id = metric_answered.moment_id AND m.chat_id IS NULL AND o.kind IN {_ANSWERING} "
    "AND o.user_id = metric_answered.user_id)"
)


def _remove(r: str) -> list[str]:
    """Rows the row `r` (gone, or changed) justified that nothing justifies now."""
    return [
        f"DELETE FROM metric_answered WHERE moment_id = {r}.id",
        f"DELETE FROM metric_answered WHERE {r}.kind IN {_ANSWERING} "
        f"AND metric_answered.user_id = {r}.user_id AND metric_answered.moment_id IN (SELECT m.id FROM metric_moments m "
        f"WHERE m.chat_id = {r}.chat_id AND m.kind IN {_BELONGING}) AND NOT ({_STILL})",
        f"DELETE FROM metric_answered WHERE {r}.kind IN {_ANSWERING} "
        f"AND metric_answered.user_id = {r}.user_id AND metric_answered.moment_id IN (SELECT m.id FROM metric_moments m "
        f"WHERE m.ticket_id = {r}.ticket_id AND m.chat_id IS NULL AND m.kind IN {_BELONGING}) "
        f"AND NOT ({_STILL})",
    ]


_WATCHED = ("kind", "quarter", "inbox_id", "channel", "chat_id", "ticket_id", "user_id")


def _sqlite_triggers() -> None:
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in _WATCHED)
    op.execute(
        "CREATE TRIGGER metric_answered_insert AFTER INSERT ON metric_moments "
        f"WHEN new.kind IN {_ANSWERING} OR new.kind IN {_BELONGING} "
        f"BEGIN {'; '.join(_add('new'))}; END"
    )
    op.execute(
        "CREATE TRIGGER metric_answered_delete AFTER DELETE ON metric_moments "
        f"WHEN old.kind IN {_ANSWERING} OR old.kind IN {_BELONGING} "
        f"BEGIN {'; '.join(_remove('old'))}; END"
    )
    op.execute(
        f"CREATE TRIGGER metric_answered_update AFTER UPDATE OF {', '.join(_WATCHED)} "
        f"ON metric_moments WHEN {changed} "
        f"BEGIN {'; '.join([*_remove('old'), *_add('new')])}; END"
    )


def _postgresql_triggers() -> None:
    remove = ";\n".join(_remove("OLD"))
    add = ";\n".join(_add("NEW"))
    op.execute(
        f"""
        CREATE FUNCTION metric_answered_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('DELETE', 'UPDATE') THEN
            {remove};
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {add};
          END IF;
          RETURN NULL;
        END $$
        """
    )
    kinds = f"IN {_ANSWERING[:-1]}, {_BELONGING[1:]}"
    op.execute(
        "CREATE TRIGGER metric_answered_add AFTER INSERT ON metric_moments FOR EACH ROW "
        f"WHEN (NEW.kind {kinds}) EXECUTE FUNCTION metric_answered_keep()"
    )
    op.execute(
        "CREATE TRIGGER metric_answered_remove AFTER DELETE ON metric_moments FOR EACH ROW "
        f"WHEN (OLD.kind {kinds}) EXECUTE FUNCTION metric_answered_keep()"
    )
    old = ", ".join(f"OLD.{c}" for c in _WATCHED)
    new = ", ".join(f"NEW.{c}" for c in _WATCHED)
    op.execute(
        f"CREATE TRIGGER metric_answered_move AFTER UPDATE OF {', '.join(_WATCHED)} "
        f"ON metric_moments FOR EACH ROW WHEN (({old}) IS DISTINCT FROM ({new})) "
        "EXECUTE FUNCTION metric_answered_keep()"
    )


def _backfill() -> None:
    # Chats, then chat-less tickets: the two sets of moments do not meet.
    select = (
        f"INSERT INTO metric_answered ({_COLUMNS}) "
        "SELECT DISTINCT o.user_id, m.kind, m.quarter, m.inbox_id, m.channel, m.id "
        "FROM metric_moments m JOIN metric_moments o ON {on} "
        f"WHERE m.kind IN {_BELONGING} AND o.kind IN {_ANSWERING} AND o.user_id IS NOT NULL"
    )
    op.execute(select.format(on="o.chat_id = m.chat_id"))
    op.execute(select.format(on="o.ticket_id = m.ticket_id AND m.chat_id IS NULL"))


def upgrade() -> None:
    op.create_table(
        "metric_answered",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("quarter", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("inbox_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("moment_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint(
            "user_id",
            "kind",
            "quarter",
            "inbox_id",
            "channel",
            "moment_id",
            name=op.f("pk_metric_answered"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_metric_answered_moment", "metric_answered", ["moment_id"])
    _backfill()
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
        # The planner's statistics for the rows just written.
        op.execute("ANALYZE metric_answered")
    else:
        _sqlite_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("add", "remove", "move"):
            op.execute(f"DROP TRIGGER IF EXISTS metric_answered_{name} ON metric_moments")
        op.execute("DROP FUNCTION IF EXISTS metric_answered_keep()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS metric_answered_{name}")
    op.drop_index("ix_metric_answered_moment", table_name="metric_answered")
    op.drop_table("metric_answered")
