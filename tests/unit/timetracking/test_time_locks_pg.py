"""Time tracking's locks against the desk's others, on PostgreSQL, each interleaving forced
(docs/desk.md, "Time tracking"). A timer's stop locks the agent's row, then the ticket; a reply
or an assignment locks the ticket, then checks its foreign key to the agent's row: the agent's
row is locked FOR NO KEY UPDATE, which that check passes. Time logged on a merged ticket locks
the merge's tickets in id order, as a merge and its undo do. Neither ends in a deadlock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.session import unit_of_work
from tests.conftest import POSTGRESQL_ONLY, Desk
from tests.integration.test_api_idempotency_pg import waiting_on_a_lock
from tests.unit.support import new_ticket, use_cheap_passwords

pytestmark = [pytest.mark.integration, POSTGRESQL_ONLY]


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@asynccontextmanager
async def holding(app: FastAPI, ticket_id: int) -> AsyncIterator[AsyncSession]:
    """Another transaction, holding the ticket's row lock as a reply or a merge's undo does."""
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(
            text("SELECT id FROM tickets WHERE id = :id FOR UPDATE"), {"id": ticket_id}
        )
        yield session


async def test_a_timer_stopped_while_the_ticket_is_assigned_to_its_agent(
    app: FastAPI, desk: Desk, pg_url: str
) -> None:
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    ticket = await new_ticket(agent.client, inbox)
    assert (await agent.client.post(f"/api/v1/tickets/{ticket['id']}/timer")).status_code == 200

    async with holding(app, ticket["id"]) as assigning:
        # The stop locks the agent's row and waits for the ticket.
        stop = asyncio.create_task(agent.client.post("/api/v1/me/timer/stop", json={}))
        await waiting_on_a_lock(pg_url)
        # The assignment checks the agent's row (KEY SHARE): it goes through, no circle.
        await assigning.execute(
            text("UPDATE tickets SET assignee_id = :user WHERE id = :id"),
            {"user": agent.id, "id": ticket["id"]},
        )
    stopped = await stop
    assert stopped.status_code == 200, stopped.text


async def test_time_logged_on_a_merged_ticket_while_the_merge_is_undone(
    app: FastAPI, desk: Desk, pg_url: str
) -> None:
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    kept = await new_ticket(agent.client, inbox, subject="Kept")
    merged = await new_ticket(agent.client, inbox, subject="Merged")
    done = await agent.client.post(
        f"/api/v1/tickets/{merged['id']}/merge", json={"into_ticket_id": kept["id"]}
    )
    assert done.status_code == 201, done.text
    assert kept["id"] < merged["id"]

    # The undo locks the kept ticket first (the lower id), then the merged one.
    async with holding(app, kept["id"]) as undoing:
        log = asyncio.create_task(
            agent.client.post(f"/api/v1/tickets/{merged['id']}/time-entries", json={"minutes": 5})
        )
        await waiting_on_a_lock(pg_url)
        await undoing.execute(
            text("SELECT id FROM tickets WHERE id = :id FOR UPDATE"), {"id": merged["id"]}
        )
    logged = await log
    assert logged.status_code == 201, logged.text
    assert logged.json()["ticket_id"] == kept["id"]
