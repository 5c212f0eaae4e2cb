"""Spam and blocked senders (docs/desk.md "Spam", docs/email.md "Blocked senders").

- `tickets.state` takes `spam`. The state is stored as text with a CHECK naming the states: on
  PostgreSQL the CHECK is replaced; SQLite cannot change a CHECK in place, so `tickets` is
  rebuilt as 0056 rebuilds tables (its own text with the one CHECK changed, its indexes and
  triggers made again from their stored text, its AUTOINCREMENT high mark kept). Rows keep
  their ids, so the search indexes (keyed by rowid) stay right.
- `tickets.spam_at`: when the ticket was marked spam, with a partial index of the spam tickets
  by it (what emptying the Spam folder deletes first).
- `blocked_senders`: addresses and `@domains` whose mail arrives as spam.

Going down, spam tickets become closed tickets (closed when they were marked spam), and the
folder counts count them as closed.

Revision ID: 0071
Revises: 0070
Create Date: 2026-12-08 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

import frontdesk.db.base

revision = "0071"
down_revision = "0070"
branch_labels = None
depends_on = None

_OLD = "CHECK (state IN ('open', 'hold', 'snoozed', 'closed'))"
_NEW = "CHECK (state IN ('open', 'hold', 'snoozed', 'closed', 'spam'))"
_CONSTRAINT = "ck_tickets_ticketstate"
_WHERE = "spam_at IS NOT NULL"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _rebuild_tickets(before: str, after: str) -> None:
    """`tickets` made again with its CHECK text `before` replaced by `after` (0056's way)."""
    bind = op.get_bind()
    if bind.execute(text("PRAGMA foreign_keys")).scalar():
        raise RuntimeError(
            "foreign keys are on: dropping tickets to rebuild it would delete every row that"
            " cascades from it"
        )
    create = bind.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'tickets'")
    ).scalar_one()
    if create.count(before) != 1:
        raise RuntimeError(f"tickets: expected one {before!r} in {create!r}")
    dependents = (
        bind.execute(
            text(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'tickets'"
                " AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid"
            )
        )
        .scalars()
        .all()
    )
    # The highest id ever given, which the copy alone would forget (deleted newest tickets).
    high = bind.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'tickets'")).scalar()
    body = create.replace(before, after).partition("\n")[2]
    bind.execute(text(f'CREATE TABLE "_rebuilt_tickets" (\n{body}'))
    bind.execute(text('INSERT INTO "_rebuilt_tickets" SELECT * FROM "tickets"'))
    bind.execute(text('DROP TABLE "tickets"'))
    bind.execute(text('ALTER TABLE "_rebuilt_tickets" RENAME TO "tickets"'))
    for statement in dependents:
        bind.execute(text(statement))
    if high is not None:
        bind.execute(text("DELETE FROM sqlite_sequence WHERE name = 'tickets'"))
        bind.execute(
            text("INSERT INTO sqlite_sequence (name, seq) VALUES ('tickets', :seq)"),
            {"seq": high},
        )


def _check(before: str, after: str, states: str) -> None:
    if _sqlite():
        _rebuild_tickets(before, after)
    else:
        op.drop_constraint(op.f(_CONSTRAINT), "tickets", type_="check")
        op.create_check_constraint(op.f(_CONSTRAINT), "tickets", f"state IN ({states})")


def upgrade() -> None:
    op.create_table(
        "blocked_senders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pattern", sa.String(length=320), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_blocked_senders_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_senders")),
        sa.UniqueConstraint("pattern", name=op.f("uq_blocked_senders_pattern")),
        sqlite_autoincrement=True,
    )
    # In place first (SQLite's ADD COLUMN), so that the rebuild copies it with the rest.
    op.add_column(
        "tickets",
        sa.Column("spam_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
    )
    _check(_OLD, _NEW, "'open', 'hold', 'snoozed', 'closed', 'spam'")
    op.create_index(
        "ix_tickets_spam",
        "tickets",
        ["spam_at", "id"],
        unique=False,
        sqlite_where=text(_WHERE),
        postgresql_where=text(_WHERE),
    )


def downgrade() -> None:
    op.execute(
        "UPDATE tickets SET state = 'closed', closed_at = spam_at, snoozed_until = NULL "
        "WHERE state = 'spam'"
    )
    # The folder counts (0037) know no spam before this revision, and their code fails on a
    # state it does not know: what they counted as spam (the update above included, whose
    # triggers wrote -1 spam and +1 closed) is counted as closed, as those tickets now are.
    op.execute("UPDATE ticket_count_deltas SET state = 'closed' WHERE state = 'spam'")
    op.execute(
        "INSERT INTO ticket_count_deltas (inbox_id, state, assignee_id, n) "
        "SELECT inbox_id, 'closed', assignee_id, n FROM ticket_counts WHERE state = 'spam'"
    )
    op.execute("DELETE FROM ticket_counts WHERE state = 'spam'")
    op.drop_index("ix_tickets_spam", table_name="tickets")
    op.drop_column("tickets", "spam_at")
    _check(_NEW, _OLD, "'open', 'hold', 'snoozed', 'closed'")
    op.drop_table("blocked_senders")
