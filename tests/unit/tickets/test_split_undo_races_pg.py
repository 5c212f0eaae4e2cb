"""A note written on a split-off ticket while its split is undone, on PostgreSQL, each order
forced (docs/desk.md, "Merging and splitting tickets"): written first, the undo brings it back
to the original with the rest; written after, it is refused (`409 ticket_merged`). Never left
on the closed split ticket, never lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.session import unit_of_work
from frontdesk.tickets.models import EntryKind, TicketEntry
from tests.conftest import POSTGRESQL_ONLY, Desk
from tests.unit.support import count_rows, new_ticket, use_cheap_passwords

pytestmark = [pytest.mark.integration, POSTGRESQL_ONLY]


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@asynccontextmanager
async def holding(app: FastAPI, ticket_id: int) -> AsyncIterator[AsyncSession]:
    """Another transaction holding the ticket's row lock, so that the requests queue behind it
    in the order they are started."""
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(
            text("SELECT id FROM tickets WHERE id = :id FOR UPDATE"), {"id": ticket_id}
        )
        yield session


async def waiting(pg_url: str, count: int) -> None:
    """Returns once `count` backends of the test database wait for a lock."""
    connection = await asyncpg.connect(pg_url.replace("+asyncpg", ""))
    try:
        while (
            await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            < count
        ):
            await asyncio.sleep(0.02)
    finally:
        await connection.close()


@pytest.mark.parametrize("first", ["note", "undo"])
async def test_a_note_written_while_the_split_is_undone(
    app: FastAPI, desk: Desk, pg_url: str, first: str
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    original = await new_ticket(ada.client, inbox, subject="Sofa")
    for words in ("one", "two"):
        made = await ada.client.post(
            f"/api/v1/tickets/{original['id']}/notes", json={"text": words}
        )
        assert made.status_code == 201, made.text
    split = await ada.client.post(
        f"/api/v1/tickets/{original['id']}/entries/{made.json()['id']}/split", json={}
    )
    assert split.status_code == 201, split.text
    move = split.json()
    split_id = move["target_ticket_id"]

    def note() -> asyncio.Task[httpx.Response]:
        return asyncio.create_task(
            ada.client.post(f"/api/v1/tickets/{split_id}/notes", json={"text": "Late note"})
        )

    def undo() -> asyncio.Task[httpx.Response]:
        return asyncio.create_task(ada.client.post(f"/api/v1/tickets/moves/{move['id']}/undo"))

    async with holding(app, split_id):
        # Queued behind the held lock in this order; the undo holds the original's meanwhile.
        tasks: dict[str, asyncio.Task[httpx.Response]] = {}
        for number, name in enumerate((first, "undo" if first == "note" else "note"), start=1):
            tasks[name] = note() if name == "note" else undo()
            await waiting(pg_url, number)
    undone, written = await tasks["undo"], await tasks["note"]

    assert undone.status_code == 200, undone.text
    late = TicketEntry.text == "Late note"
    if first == "note":
        assert written.status_code == 201, written.text
        assert (
            await count_rows(app, TicketEntry, late, TicketEntry.ticket_id == original["id"]) == 1
        )
    else:
        assert written.status_code == 409, written.text
        assert written.json()["error"]["code"] == "ticket_merged"
        assert await count_rows(app, TicketEntry, late) == 0
    left = (TicketEntry.ticket_id == split_id, TicketEntry.kind != EntryKind.event)
    assert await count_rows(app, TicketEntry, *left) == 0
