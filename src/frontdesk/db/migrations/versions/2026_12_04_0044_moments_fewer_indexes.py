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

# ruff: noqa: S608  (SQL built from this module's constants only)
from __future__ import annotations

from alembic import op

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

# As in 0039.
_COLUMNS = "user_id, ticket_id, inbox_id, channel, first_quarter, last_quarter"
_WATCHED = ("kind", "quarter", "inbox_id", "channel", "ticket_id", "user_id")
_SLICES = (("inbox_id", "channel"), ("inbox_id", "''"), ("0", "channel"), ("0", "''"))
_EVERY = ("0", "''")


def _of(r: str, column: str) -> str:
    return column if column in _EVERY else f"{r}.{column}"


def _counted(r: str) -> str:
    return f"{r}.kind = 'response' AND {r}.ticket_id IS NOT NULL AND {r}.user_id IS NOT NULL"


def _widen(r: str) -> list[str]:
    return [
        f"INSERT INTO metric_replied ({_COLUMNS}) SELECT {r}.user_id, {r}.ticket_id, "
        f"{_of(r, inbox)}, {_of(r, channel)}, {r}.quarter, {r}.quarter "
        f"WHERE {_counted(r)} ON CONFLICT (user_id, ticket_id, inbox_id, channel) DO UPDATE SET "
        "first_quarter = min(metric_replied.first_quarter, excluded.first_quarter), "
        "last_quarter = max(metric_replied.last_quarter, excluded.last_quarter)"
        for inbox, channel in _SLICES
    ]


def _rebuild(r: str, *, guarded: bool) -> list[str]:
    hide = "+" if guarded else ""
    own = (
        f"{hide}m.kind = 'response' AND m.ticket_id = {r}.ticket_id "
        f"AND {hide}m.user_id = {r}.user_id AND {_counted(r)}"
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


def _sqlite_triggers(*, guarded: bool) -> None:
    """0039's delete and update triggers (the insert trigger rebuilds nothing)."""
    op.execute("DROP TRIGGER IF EXISTS metric_replied_delete")
    op.execute("DROP TRIGGER IF EXISTS metric_replied_update")
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in _WATCHED)
    op.execute(
        "CREATE TRIGGER metric_replied_delete AFTER DELETE ON metric_moments "
        f"WHEN {_counted('old')} BEGIN {'; '.join(_rebuild('old', guarded=guarded))}; END"
    )
    update = [*_rebuild("old", guarded=guarded), *_widen("new")]
    op.execute(
        f"CREATE TRIGGER metric_replied_update AFTER UPDATE OF {', '.join(_WATCHED)} "
        f"ON metric_moments WHEN ({_counted('old')} OR {_counted('new')}) AND ({changed}) "
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
