"""A note written on a split-off ticket while its split is undone, on PostgreSQL, each order
forced (docs/desk.md, "Merging and splitting tickets"): written first, the undo brings it back
to the original with the rest; written after, it is refused (`409 ticket_merged`). Never left
on the closed split ticket, never lost. Likewise a reply scheduled on it and due at the moment
of the undo: sent once, from the split ticket before the undo (and back with the rest) or from
the original after it, never twice, never failed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.pending_replies.models import PendingReply, PendingState
from frontdesk.pending_replies.timers import send_due_replies
from frontdesk.tickets.models import Direction, EntryKind, TicketEntry
from tests.clock import FrozenClock
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


@pytest.mark.parametrize("first", ["sender", "undo"])
async def test_a_scheduled_reply_due_as_the_split_is_undone_is_sent_once(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    first: str,
) -> None:
    clock = FrozenClock(monkeypatch, datetime(2026, 12, 6, 15, 0, tzinfo=UTC))
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    inbox = await desk.inbox(email_address="help@shop.example.com")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
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
    held = await ada.client.post(
        f"/api/v1/tickets/{split_id}/replies",
        json={"text": "It ships Monday.", "send_at": monday.isoformat()},
    )
    assert held.status_code == 202, held.text
    clock.set(monday)

    def sender() -> asyncio.Task[int]:
        # Claims the reply (its row's lock), then waits for its ticket's lock.
        return asyncio.create_task(send_due_replies(app.state.sessionmaker, settings))

    def undo() -> asyncio.Task[httpx.Response]:
        # Bob's: his timeline line does not stop Ada's reply.
        return asyncio.create_task(bob.client.post(f"/api/v1/tickets/moves/{move['id']}/undo"))

    async with holding(app, split_id):
        tasks: dict[str, asyncio.Task[int] | asyncio.Task[httpx.Response]] = {}
        for number, name in enumerate((first, "undo" if first == "sender" else "sender"), 1):
            tasks[name] = sender() if name == "sender" else undo()
            await waiting(pg_url, number)
    rounds = await tasks["sender"]
    undone = await tasks["undo"]
    assert isinstance(undone, httpx.Response)
    assert undone.status_code == 200, undone.text
    # Sent on the split ticket then folded back with the rest; or handed over, then sent.
    assert rounds == (1 if first == "sender" else 2)
    assert await send_due_replies(app.state.sessionmaker, settings) == 0

    reply = (
        TicketEntry.text.startswith("It ships Monday."),
        TicketEntry.kind == EntryKind.reply,
        TicketEntry.direction == Direction.outbound,
    )
    assert await count_rows(app, TicketEntry, *reply) == 1
    assert await count_rows(app, TicketEntry, *reply, TicketEntry.ticket_id == original["id"]) == 1
    sent = PendingReply.id == held.json()["id"], PendingReply.state == PendingState.sent
    assert await count_rows(app, PendingReply, *sent) == 1
