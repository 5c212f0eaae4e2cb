"""Migration 0095 on both stores: `ticket_statuses` and `tickets.status_id` come and go with the
tickets' rows, ids, triggers and sequence kept (SQLite rebuilds the table), and a deleted status
leaves its tickets with the plain status (ON DELETE SET NULL)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from frontdesk.db.migrate import downgrade, upgrade
from tests.conftest import Desk
from tests.unit.support import new_ticket
from tests.unit.test_migrations import schema_diff

BEFORE = "0094"
THIS = "0095"


async def _tickets(url: str) -> list[tuple[int, int, str]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT id, number, state FROM tickets"))
            return sorted((row[0], row[1], row[2]) for row in rows)
    finally:
        await engine.dispose()


async def _dependents(url: str) -> list[str]:
    if not url.startswith("sqlite"):
        return []
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT type || ' ' || name FROM sqlite_master WHERE tbl_name = 'tickets'"
                    " AND type IN ('index', 'trigger') AND name <> 'ix_tickets_status'"
                    " ORDER BY name"
                )
            )
            return list(rows.scalars())
    finally:
        await engine.dispose()


async def test_up_and_down_keep_the_tickets_and_a_deleted_status_leaves_them(
    app: FastAPI, database_url: str, desk: Desk
) -> None:
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox(members=[admin])
    tickets = [await new_ticket(admin.client, inbox, subject=f"T{n}") for n in range(3)]
    made = await admin.client.post(
        "/api/v1/ticket-statuses", json={"name": "Waiting on vendor", "state": "hold"}
    )
    status_id = made.json()["id"]
    held = await admin.client.patch(
        f"/api/v1/tickets/{tickets[0]['id']}", json={"status_id": status_id}
    )
    assert held.status_code == 200, held.text
    kept = await _tickets(database_url)
    await app.state.engine.dispose()
    try:
        # Later migrations may change the tickets' indexes: compared at 0095 itself.
        await asyncio.to_thread(downgrade, database_url, THIS)
        dependents = await _dependents(database_url)
        await asyncio.to_thread(downgrade, database_url, BEFORE)
        assert await _tickets(database_url) == kept
        await asyncio.to_thread(upgrade, database_url, THIS)
        assert await _tickets(database_url) == kept
        assert await _dependents(database_url) == dependents
        await asyncio.to_thread(upgrade, database_url)
        assert await schema_diff(database_url) == []
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as connection:
                if database_url.startswith("sqlite"):
                    await connection.execute(text("PRAGMA foreign_keys = ON"))
                await connection.execute(
                    text(
                        "INSERT INTO ticket_statuses (id, name, name_key, description, state,"
                        " position, archived, created_at, updated_at) VALUES (7, 'Parts',"
                        " 'k', '', 'hold', 0, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    )
                )
                await connection.execute(
                    text("UPDATE tickets SET status_id = 7 WHERE id = :id"),
                    {"id": tickets[1]["id"]},
                )
                await connection.execute(text("DELETE FROM ticket_statuses WHERE id = 7"))
                left = await connection.scalar(
                    text("SELECT count(*) FROM tickets WHERE status_id IS NOT NULL")
                )
        finally:
            await engine.dispose()
        assert left == 0
    finally:
        await asyncio.to_thread(upgrade, database_url)
