"""Webhook deliveries know the ticket or chat their event is about, and go with it.

A delivery's payload holds the customer's name, address and words, and it was kept after the
conversation was erased or deleted by retention (and could be replayed). Now `ticket_id` and
`chat_id` point at the conversation with `ON DELETE CASCADE`.

The existing deliveries are read once: each gets the ids its payload names, and one about a
ticket or chat that no longer exists is deleted, as it would have been with it.

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-05 02:30:00.000000
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0050"
down_revision = "0049"
branch_labels = None
depends_on = None

BATCH = 1000


def _conversation(data: dict[str, Any]) -> tuple[Any, Any]:
    # As webhooks/capture.py conversation_of, frozen here: a migration keeps today's reading.
    ticket, chat, rating = (data.get(key) or {} for key in ("ticket", "chat", "rating"))
    ticket_id = ticket.get("id") or data.get("ticket_id") or rating.get("ticket_id")
    chat_id = chat.get("id") or data.get("chat_id") or rating.get("chat_id")
    return ticket_id, chat_id


def _existing(bind: Any, table: str, ids: set[Any]) -> set[Any]:
    if not ids:
        return set()
    # Only integers are asked for: a payload naming anything else names no row.
    wanted = sorted(i for i in ids if isinstance(i, int))
    rows = sa.table(table, sa.column("id"))
    found = bind.execute(sa.select(rows.c.id).where(rows.c.id.in_(wanted)))
    return {row[0] for row in found}


def _backfill() -> None:
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, payload FROM webhook_deliveries WHERE id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        about = {}
        for delivery_id, raw in rows:
            payload = json.loads(raw) if isinstance(raw, str) else raw
            data = (payload or {}).get("data") if isinstance(payload, dict) else None
            about[delivery_id] = _conversation(data if isinstance(data, dict) else {})
        tickets = _existing(bind, "tickets", {t for t, _c in about.values() if t})
        chats = _existing(bind, "chats", {c for _t, c in about.values() if c})
        for delivery_id, (ticket_id, chat_id) in about.items():
            if (ticket_id and ticket_id not in tickets) or (chat_id and chat_id not in chats):
                bind.execute(
                    sa.text("DELETE FROM webhook_deliveries WHERE id = :id"), {"id": delivery_id}
                )
            elif ticket_id or chat_id:
                bind.execute(
                    sa.text(
                        "UPDATE webhook_deliveries SET ticket_id = :t, chat_id = :c WHERE id = :id"
                    ),
                    {"t": ticket_id, "c": chat_id, "id": delivery_id},
                )
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("chat_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_webhook_deliveries_ticket_id_tickets"),
            "tickets",
            ["ticket_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            op.f("fk_webhook_deliveries_chat_id_chats"),
            "chats",
            ["chat_id"],
            ["id"],
            ondelete="CASCADE",
        )
    for column in ("ticket_id", "chat_id"):
        op.create_index(
            op.f(f"ix_webhook_deliveries_{column}"),
            "webhook_deliveries",
            [column],
            sqlite_where=sa.text(f"{column} IS NOT NULL"),
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
        )
    _backfill()


def downgrade() -> None:
    for column in ("ticket_id", "chat_id"):
        op.drop_index(op.f(f"ix_webhook_deliveries_{column}"), table_name="webhook_deliveries")
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_constraint(op.f("fk_webhook_deliveries_chat_id_chats"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_webhook_deliveries_ticket_id_tickets"), type_="foreignkey")
        batch.drop_column("chat_id")
        batch.drop_column("ticket_id")
