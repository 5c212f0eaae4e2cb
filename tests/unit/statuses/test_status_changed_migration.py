"""Migration 0097 on both stores: `tickets.status_changed_at` comes with a ticket's `updated_at`
where it has a custom status (never before the status was set: a rule on it fires late rather
than early), null where it has none, and goes again."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from frontdesk.db.migrate import downgrade, upgrade
from tests.conftest import Desk
from tests.unit.support import new_ticket
from tests.unit.test_migrations import schema_diff

BEFORE = "0096"
THIS = "0097"


async def _backfilled(url: str) -> list[tuple[int, bool | None]]:
    """Each ticket's id, and whether its status_changed_at is its updated_at (None: null)."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT id, CASE WHEN status_changed_at IS NULL THEN NULL"
                    " WHEN status_changed_at = updated_at THEN 1 ELSE 0 END FROM tickets"
                )
            )
            return sorted((row[0], None if row[1] is None else bool(row[1])) for row in rows)
    finally:
        await engine.dispose()


async def test_tickets_with_a_status_get_their_last_change(
    app: FastAPI, database_url: str, desk: Desk
) -> None:
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox(members=[admin])
    plain, held = [await new_ticket(admin.client, inbox, subject=f"T{n}") for n in range(2)]
    made = await admin.client.post(
        "/api/v1/ticket-statuses", json={"name": "Waiting on vendor", "state": "hold"}
    )
    changed = await admin.client.patch(
        f"/api/v1/tickets/{held['id']}", json={"status_id": made.json()["id"]}
    )
    assert changed.status_code == 200, changed.text
    await app.state.engine.dispose()
    try:
        await asyncio.to_thread(downgrade, database_url, BEFORE)
        await asyncio.to_thread(upgrade, database_url, THIS)
        assert await _backfilled(database_url) == [(plain["id"], None), (held["id"], True)]
        await asyncio.to_thread(downgrade, database_url, BEFORE)
        await asyncio.to_thread(upgrade, database_url)
        assert await schema_diff(database_url) == []
    finally:
        await asyncio.to_thread(upgrade, database_url)
