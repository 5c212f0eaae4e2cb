"""Metric moments and conversation clocks, filled for the chats and tickets already stored from
their rows (chat events, ticket entries, timeline lines), never from their text.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 22:30:00.000000
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base
from frontdesk.metrics import history

revision = "0015"
down_revision = "0018"
branch_labels = None
depends_on = None

CHUNK = 500


def _tables() -> None:
    op.create_table(
        "metric_moments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
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
                name="momentkind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "chat",
                "email",
                "web",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("chat_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_metric_moments_chat_id_chats"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_metric_moments_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_metric_moments_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_metric_moments_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_moments")),
    )
    with op.batch_alter_table("metric_moments", schema=None) as batch_op:
        batch_op.create_index("ix_metric_moments_chat", ["chat_id", "kind"], unique=False)
        batch_op.create_index(
            "ix_metric_moments_inbox_kind_quarter",
            ["inbox_id", "kind", "quarter", "channel", "user_id", "seconds"],
            unique=False,
        )
        batch_op.create_index(
            "ix_metric_moments_kind_quarter",
            ["kind", "quarter", "channel", "inbox_id", "user_id", "seconds"],
            unique=False,
        )
        batch_op.create_index("ix_metric_moments_ticket", ["ticket_id", "kind", "at"], unique=False)
        batch_op.create_index(
            "ix_metric_moments_user_kind_quarter",
            ["user_id", "kind", "quarter", "channel", "inbox_id", "seconds"],
            unique=False,
        )

    op.create_table(
        "conversation_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "chat",
                "email",
                "web",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("started_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("awaiting_since", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_conversation_clocks_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_conversation_clocks_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_conversation_clocks_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_clocks")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_conversation_clocks_chat_id")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_conversation_clocks_ticket_id")),
    )


_dt = frontdesk.db.base.UTCDateTime(timezone=True)
_json = frontdesk.db.base.JSONType
chats = sa.table(
    "chats",
    sa.column("id", sa.Integer),
    sa.column("inbox_id", sa.Integer),
    sa.column("started_at", _dt),
    sa.column("ticket_id", sa.Integer),
)
chat_events = sa.table(
    "chat_events",
    sa.column("chat_id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("type", sa.String),
    sa.column("author_kind", sa.String),
    sa.column("author_user_id", sa.Integer),
    sa.column("data", _json),
    sa.column("created_at", _dt),
)
tickets = sa.table(
    "tickets",
    sa.column("id", sa.Integer),
    sa.column("inbox_id", sa.Integer),
    sa.column("type", sa.String),
    sa.column("created_at", _dt),
)
entries = sa.table(
    "ticket_entries",
    sa.column("id", sa.Integer),
    sa.column("ticket_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("direction", sa.String),
    sa.column("author_user_id", sa.Integer),
    sa.column("author_customer_id", sa.Integer),
    sa.column("data", _json),
    sa.column("created_at", _dt),
)
moments_table = sa.table(
    "metric_moments",
    *(
        sa.column(name, kind)
        for name, kind in [
            ("kind", sa.String),
            ("at", _dt),
            ("quarter", sa.Integer),
            ("inbox_id", sa.Integer),
            ("channel", sa.String),
            ("ticket_id", sa.Integer),
            ("chat_id", sa.Integer),
            ("user_id", sa.Integer),
            ("seconds", sa.Float),
        ]
    ),
)
clocks_table = sa.table(
    "conversation_clocks",
    *(
        sa.column(name, kind)
        for name, kind in [
            ("chat_id", sa.Integer),
            ("ticket_id", sa.Integer),
            ("inbox_id", sa.Integer),
            ("channel", sa.String),
            ("started_at", _dt),
            ("awaiting_since", _dt),
            ("first_response_at", _dt),
        ]
    ),
)


def _chat_events(bind: sa.Connection, chat_ids: list[int]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = defaultdict(list)
    if not chat_ids:
        return found
    rows = bind.execute(
        sa.select(
            chat_events.c.chat_id,
            chat_events.c.type,
            chat_events.c.author_kind,
            chat_events.c.author_user_id,
            chat_events.c.data,
            chat_events.c.created_at,
        )
        .where(chat_events.c.chat_id.in_(chat_ids))
        .order_by(chat_events.c.chat_id, chat_events.c.seq)
    )
    for chat_id, *rest in rows:
        found[chat_id].append(history.ChatEventRow(*rest))
    return found


def _write(bind: sa.Connection, clocks: list[Any], moments: list[Any]) -> None:
    if clocks:
        bind.execute(clocks_table.insert(), [history.clock_row(c) for c in clocks])
    if moments:
        bind.execute(moments_table.insert(), list(history.moment_rows(moments)))


def _fill() -> None:
    bind = op.get_bind()
    last = 0
    while True:
        batch = [
            history.TicketRow(*row)
            for row in bind.execute(
                sa.select(tickets.c.id, tickets.c.inbox_id, tickets.c.type, tickets.c.created_at)
                .where(tickets.c.id > last)
                .order_by(tickets.c.id)
                .limit(CHUNK)
            )
        ]
        if not batch:
            break
        last = batch[-1].id
        ids = [t.id for t in batch]
        chat_rows = [
            history.ChatRow(*row)
            for row in bind.execute(
                sa.select(chats.c.id, chats.c.inbox_id, chats.c.started_at, chats.c.ticket_id)
                .where(chats.c.ticket_id.in_(ids))
                .order_by(chats.c.id)
            )
        ]
        events = _chat_events(bind, [c.id for c in chat_rows])
        by_entry: dict[int, list[Any]] = defaultdict(list)
        for ticket_id, *rest in bind.execute(
            sa.select(
                entries.c.ticket_id,
                entries.c.kind,
                entries.c.direction,
                entries.c.author_user_id,
                entries.c.author_customer_id,
                entries.c.data,
                entries.c.created_at,
            )
            .where(entries.c.ticket_id.in_(ids))
            .order_by(entries.c.ticket_id, entries.c.created_at, entries.c.id)
        ):
            by_entry[ticket_id].append(history.EntryRow(*rest))
        clocks, moments = [], []
        chat_clocks = {}
        for chat in chat_rows:
            clock, found = history.replay_chat(chat, events[chat.id])
            chat_clocks[chat.ticket_id] = clock
            moments.extend(found)
        for ticket in batch:
            chat_clock = chat_clocks.get(ticket.id)
            clock, found = history.replay_ticket(ticket, by_entry[ticket.id], chat_clock)
            clocks.append(clock)
            moments.extend(found)
        _write(bind, clocks, moments)
    # Chats still going (no ticket yet).
    live = [
        history.ChatRow(*row)
        for row in bind.execute(
            sa.select(chats.c.id, chats.c.inbox_id, chats.c.started_at, chats.c.ticket_id).where(
                chats.c.ticket_id.is_(None)
            )
        )
    ]
    events = _chat_events(bind, [c.id for c in live])
    clocks, moments = [], []
    for chat in live:
        clock, found = history.replay_chat(chat, events[chat.id])
        clocks.append(clock)
        moments.extend(found)
    _write(bind, clocks, moments)


def upgrade() -> None:
    _tables()
    _fill()


def downgrade() -> None:
    op.drop_table("conversation_clocks")
    with op.batch_alter_table("metric_moments", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_moments_user_kind_quarter")
        batch_op.drop_index("ix_metric_moments_ticket")
        batch_op.drop_index("ix_metric_moments_kind_quarter")
        batch_op.drop_index("ix_metric_moments_inbox_kind_quarter")
        batch_op.drop_index("ix_metric_moments_chat")
    op.drop_table("metric_moments")
