"""One index fewer on `metric_moments`, and `metric_replied`'s rebuild kept to the ticket's index.

`ix_metric_moments_user_kind_quarter` (agent, kind, quarter, ...) served the agent filter's
"conversations the agent answered in", which `metric_answered` (0036) took over. Every moment
still paid for it: an eighth of the log pages a batch of chat messages writes on SQLite
(docs/performance.md, "One index fewer on the moments"). The agent filter's other reads are
served by the roll-ups and the other indexes.

SQLite has no statistics (the app never runs ANALYZE), so it takes an index led by equalities
on two columns to be as narrow as any other. `metric_replied`'s rebuild (0039: after a response
is deleted or loses its ticket, as an erasure does) asks for one agent's responses to one ticket,
and SQLite read them through (agent, kind): every response of the agent, 4 ms a moment on the
reports bench's year, 47 ms once this index is gone. Here its kind and agent are hidden from
the indexes (`+`), which leaves the ticket's: 0.1-0.2 ms. PostgreSQL plans with its statistics
and takes the ticket's index as it is; its trigger function is unchanged.

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-04 03:00:00.000000
"""

from __future__ import annotations

from types import ModuleType

from alembic import context, op

revision = "0044"
down_revision = "0043"
branch_labels = None
depends_on = None

_INDEX = "ix_metric_moments_user_kind_quarter"
_INDEX_COLUMNS = [
    "user_id",
    "kind",
    "quarter",
    "channel",
    "inbox_id",
    "seconds",
    "chat_id",
    "ticket_id",
]


def _replied() -> ModuleType:
    """Migration 0039, whose statements these triggers run (taken from it, not copied)."""
    script = context.script.get_revision("0039")
    if script is None:
        raise RuntimeError("migration 0039 is missing")
    return script.module


def _guarded(statement: str) -> str:
    """0039's rebuild statement with the moments' kind and agent hidden from SQLite's indexes."""
    own = "m.kind = 'response' AND m.ticket_id = "
    if own not in statement:
        return statement  # the DELETE from metric_replied: its own key
    guarded = statement.replace(own, f"+{own}").replace(" AND m.user_id = ", " AND +m.user_id = ")
    if guarded.count("+m.") != 2:
        raise RuntimeError(f"0039's rebuild is not the statement 0044 guards: {statement}")
    return guarded


def _sqlite_triggers(*, guarded: bool) -> None:
    """0039's delete and update triggers (the insert trigger rebuilds nothing)."""
    replied = _replied()
    rebuild = [_guarded(s) if guarded else s for s in replied._rebuild("old")]
    counted = replied._counted
    watched = replied._WATCHED
    op.execute("DROP TRIGGER IF EXISTS metric_replied_delete")
    op.execute("DROP TRIGGER IF EXISTS metric_replied_update")
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in watched)
    op.execute(
        "CREATE TRIGGER metric_replied_delete AFTER DELETE ON metric_moments "
        f"WHEN {counted('old')} BEGIN {'; '.join(rebuild)}; END"
    )
    update = [*rebuild, *replied._widen("new", "min", "max")]
    op.execute(
        f"CREATE TRIGGER metric_replied_update AFTER UPDATE OF {', '.join(watched)} "
        f"ON metric_moments WHEN ({counted('old')} OR {counted('new')}) AND ({changed}) "
        f"BEGIN {'; '.join(update)}; END"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers(guarded=True)
    op.drop_index(_INDEX, table_name="metric_moments")


def downgrade() -> None:
    op.create_index(_INDEX, "metric_moments", _INDEX_COLUMNS)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers(guarded=False)
