"""Two requests with one Idempotency-Key at the same moment, on PostgreSQL: the second waits for
the first one's transaction on the key's unique index, then answers with what the first
answered, and the reply is written and mailed once (docs/api.md "Retrying safely")."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from frontdesk.mail.models import OutboxMessage
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import EntryKind, TicketEntry
from tests.conftest import POSTGRESQL_ONLY, Desk
from tests.unit.support import count_rows, new_ticket

pytestmark = [pytest.mark.integration, POSTGRESQL_ONLY]


async def waiting_on_a_lock(pg_url: str) -> None:
    """Returns once some backend of the test database waits for a lock."""
    connection = await asyncpg.connect(pg_url.replace("+asyncpg", ""))
    try:
        while not await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ):
            await asyncio.sleep(0.02)
    finally:
        await connection.close()


async def test_the_second_request_waits_and_answers_as_the_first(
    app: FastAPI, desk: Desk, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    made = await agent.client.post("/api/v1/me/tokens", json={"name": "script"})
    headers = {"Authorization": f"Bearer {made.json()['token']}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test", headers=headers
    ) as client:
        ticket = await new_ticket(client, inbox)
        # The first request stops inside its transaction, its reply written and the key held.
        written, release = asyncio.Event(), asyncio.Event()
        real = tickets_service.add_reply

        async def held(*args: Any, **kwargs: Any) -> Any:
            entry = await real(*args, **kwargs)
            if not written.is_set():
                written.set()
                await release.wait()
            return entry

        monkeypatch.setattr(tickets_service, "add_reply", held)
        path = f"/api/v1/tickets/{ticket['id']}/replies"
        key = {"Idempotency-Key": "one-reply"}
        first = asyncio.create_task(client.post(path, json={"text": "On it."}, headers=key))
        await written.wait()
        second = asyncio.create_task(client.post(path, json={"text": "On it."}, headers=key))
        await asyncio.wait_for(waiting_on_a_lock(pg_url), 30)
        assert not second.done()
        release.set()
        answers = await asyncio.gather(first, second)
    assert [each.status_code for each in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert "Idempotent-Replayed" not in answers[0].headers
    assert answers[1].headers["Idempotent-Replayed"] == "true"
    replies = TicketEntry.ticket_id == ticket["id"], TicketEntry.kind == EntryKind.reply
    assert await count_rows(app, TicketEntry, *replies) == 1
    assert await count_rows(app, OutboxMessage, OutboxMessage.ticket_id == ticket["id"]) == 1
