"""Send later: an email reply scheduled for a chosen time (`send_at`), held as a pending reply due
then and sent by Undo send's timer with its checks; shown to every agent who sees the ticket
meanwhile; sent now, edited or cancelled by its author; not sent if the customer writes or
another agent replies first (docs/desk.md, "Send later"). Over HTTP, the clock frozen and moved,
the timer's round called as the loop calls it, the mail caught by a real SMTP server."""

from __future__ import annotations

import asyncio
import email
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.mail.models import OutboxMessage
from frontdesk.notifications.models import Notification
from frontdesk.pending_replies.timers import send_due_replies
from frontdesk.tickets.models import Direction, EntryKind, TicketEntry
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, POSTGRESQL_ONLY, SQLITE_ONLY, Agent, Desk, Published
from tests.mail.support import (
    CUSTOMER,
    INBOUND_TOKEN,
    SUPPORT,
    SmtpSink,
    deliver,
    post_mime,
    reply_mail,
    with_smtp,
)
from tests.unit.notifications.support import bell
from tests.unit.support import count_rows, error_of, fields_of, use_cheap_passwords

pytestmark = SQLITE_ONLY

# A Sunday afternoon; "Monday morning" is the next day at 09:00.
START = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TEXT = "Your refund went out this morning."


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Customers write by email, posted as raw MIME as a mail provider forwards it."""
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback keeping what the mail outbox sends."""
    server = SmtpSink()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, START)


async def customer_mail(agent: Agent, text: str, *, in_reply_to: str | None = None) -> Any:
    """Cora's email to the support address, through the inbound MIME gateway."""
    raw = reply_mail(to=SUPPORT, text=text, subject="Refund?", in_reply_to=in_reply_to)
    gateway = httpx.AsyncClient(transport=agent.client._transport, base_url="http://desk.test")
    async with gateway:
        received = await post_mime(gateway, raw, to=[SUPPORT])
    assert received.status_code in (200, 201, 202), received.text
    return received.json(), email.message_from_bytes(raw)["Message-ID"]


async def setup(desk: Desk) -> tuple[Agent, Agent, dict[str, Any], dict[str, Any], str]:
    """Ada and Bob in Shop Support, and the ticket of Cora's email; her mail's Message-ID."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    received, message_id = await customer_mail(ada, "Where is my refund?")
    shown = await ada.client.get(f"/api/v1/tickets/{received['ticket_id']}")
    assert shown.status_code == 200, shown.text
    ticket: dict[str, Any] = shown.json()
    # What the outbox held before any reply (the inbox's acknowledgement, say).
    ticket["mails_before"] = await count_rows(
        desk.app, OutboxMessage, OutboxMessage.ticket_id == ticket["id"]
    )
    return ada, bob, inbox, ticket, message_id


def newest(ticket: dict[str, Any]) -> int:
    return max(int(entry["id"]) for entry in ticket["entries"])


async def schedule(agent: Agent, ticket: dict[str, Any], send_at: datetime, **body: Any) -> Any:
    return await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": TEXT, "send_at": send_at.isoformat(), **body},
    )


async def scheduled(agent: Agent, ticket: dict[str, Any], **body: Any) -> dict[str, Any]:
    answer = await schedule(agent, ticket, MONDAY_9, seen_entry_id=newest(ticket), **body)
    assert answer.status_code == 202, answer.text
    held: dict[str, Any] = answer.json()
    return held


async def listed(agent: Agent, ticket: dict[str, Any]) -> Any:
    return await agent.client.get(f"/api/v1/tickets/{ticket['id']}/scheduled-replies")


async def replies_of(app: FastAPI, ticket: dict[str, Any]) -> int:
    """Agents' replies on the ticket (the customer's messages are replies coming in)."""
    return await count_rows(
        app,
        TicketEntry,
        TicketEntry.ticket_id == ticket["id"],
        TicketEntry.kind == EntryKind.reply,
        TicketEntry.direction == Direction.outbound,
    )


async def mails_of(app: FastAPI, ticket: dict[str, Any]) -> int:
    """Mails queued on the ticket since `setup`."""
    queued = await count_rows(app, OutboxMessage, OutboxMessage.ticket_id == ticket["id"])
    return queued - int(ticket["mails_before"])


async def send_now(agent: Agent, ticket: dict[str, Any], pending: dict[str, Any]) -> Any:
    return await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/pending-replies/{pending['id']}/send"
    )


async def cancel(agent: Agent, ticket: dict[str, Any], pending: dict[str, Any]) -> Any:
    return await agent.client.delete(
        f"/api/v1/tickets/{ticket['id']}/pending-replies/{pending['id']}"
    )


def scheduled_events(published: Published) -> list[tuple[str, list[str]]]:
    return [
        (message.envelope.data["change"], list(message.topics))
        for message in published.messages
        if message.envelope.type == "ticket.scheduled_replies_changed"
    ]


# Sends statements no other test sends to PostgreSQL (bench/store_shapes.py).
@BOTH_STORES
async def test_sent_once_at_its_time_and_the_email_arrives(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock, sink: SmtpSink
) -> None:
    ada, _bob, _inbox, ticket, _mid = await setup(desk)
    held = await scheduled(ada, ticket)
    assert held["state"] == "pending"
    assert held["scheduled"] is True
    assert datetime.fromisoformat(held["due_at"]) == MONDAY_9

    # Nothing before its time: no entry, no mail, even a minute before.
    clock.set(MONDAY_9 - timedelta(minutes=1))
    assert await send_due_replies(app.state.sessionmaker, settings) == 0
    assert await replies_of(app, ticket) == 0
    assert await mails_of(app, ticket) == 0

    clock.set(MONDAY_9)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1
    assert await send_due_replies(app.state.sessionmaker, settings) == 0
    assert await replies_of(app, ticket) == 1
    await deliver(app, with_smtp(settings, sink))
    (mail,) = [m for m in sink.received if CUSTOMER in m.rcpt_tos]
    body = mail.message.get_body(("plain",))
    assert body is not None
    assert TEXT in body.get_content()
    shown = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
    (entry,) = [e for e in shown["entries"] if e["kind"] == "reply" and e["direction"] == "out"]
    assert entry["author_user_id"] == ada.id
    assert datetime.fromisoformat(entry["created_at"]) == MONDAY_9
    assert (await listed(ada, ticket)).json() == []


async def test_colleagues_see_it_with_its_text_and_only_its_author_acts_on_it(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock, published: Published
) -> None:
    ada, bob, inbox, ticket, _mid = await setup(desk)
    outsider = await desk.agent(name="Olga")
    published.clear()
    held = await scheduled(ada, ticket)
    assert scheduled_events(published) == [("scheduled", [f"inbox:{inbox['id']}"])]
    assert published.problems == []

    seen = await listed(bob, ticket)
    assert seen.status_code == 200, seen.text
    (row,) = seen.json()
    assert row["id"] == held["id"]
    assert row["author"] == {"id": ada.id, "name": "Ada"}
    assert row["text"] == TEXT
    assert datetime.fromisoformat(row["due_at"]) == MONDAY_9
    # Bob sees it, but it is not his: not in his own list, and he can neither send nor cancel it.
    assert (await bob.client.get(f"/api/v1/tickets/{ticket['id']}/pending-replies")).json() == []
    error_of(await send_now(bob, ticket, held), 404)
    error_of(await cancel(bob, ticket, held), 404)
    # An agent outside the ticket's inbox sees nothing of it.
    error_of(await listed(outsider, ticket), 404)
    # Ada's own list says it is scheduled, not an Undo send window.
    (mine,) = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/pending-replies")).json()
    assert mine["scheduled"] is True


async def test_the_customer_writing_meanwhile_cancels_it_and_its_author_is_told(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock, published: Published
) -> None:
    ada, bob, inbox, ticket, message_id = await setup(desk)
    held = await scheduled(ada, ticket)
    clock.advance(hours=2)
    await customer_mail(ada, "Never mind, it arrived!", in_reply_to=message_id)
    published.clear()

    clock.set(MONDAY_9)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1
    assert await replies_of(app, ticket) == 0
    assert await mails_of(app, ticket) == 0
    (failed,) = (await ada.client.get("/api/v1/me/pending-replies")).json()
    assert (failed["id"], failed["state"]) == (held["id"], "failed")
    assert failed["error"]["code"] == "answered_since_scheduled"
    assert "after you scheduled this reply" in failed["error"]["message"]
    # Told in the bell, and live to her tabs; the line leaves the colleagues' thread.
    (item,) = [i for i in (await bell(ada))["items"] if i["kind"] == "reply_not_sent"]
    assert item["ticket_id"] == ticket["id"]
    assert item["params"]["reason_code"] == "answered_since_scheduled"
    types = [message.envelope.type for message in published.messages]
    assert "pending_reply.failed" in types
    assert scheduled_events(published) == [("failed", [f"inbox:{inbox['id']}"])]
    assert (await listed(bob, ticket)).json() == []


async def test_without_seen_entry_id_another_agents_reply_cancels_it_too(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
) -> None:
    """An API client that names no entry seen: the thread as it was at scheduling counts."""
    ada, bob, _inbox, ticket, _mid = await setup(desk)
    held = await schedule(ada, ticket, MONDAY_9)
    assert held.status_code == 202, held.text
    answered = await bob.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Refunded.", "undo_seconds": 0}
    )
    assert answered.status_code == 201, answered.text
    clock.set(MONDAY_9)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1
    assert await replies_of(app, ticket) == 1
    (failed,) = (await ada.client.get("/api/v1/me/pending-replies")).json()
    assert failed["error"]["code"] == "answered_since_scheduled"


# Sends statements no other test sends to PostgreSQL (bench/store_shapes.py).
@BOTH_STORES
async def test_send_now_sends_it_at_once_and_only_once(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock, published: Published
) -> None:
    ada, bob, inbox, ticket, _mid = await setup(desk)
    held = await scheduled(ada, ticket)
    clock.advance(minutes=10)
    published.clear()
    now = await send_now(ada, ticket, held)
    assert now.status_code == 202, now.text
    assert datetime.fromisoformat(now.json()["due_at"]) == START + timedelta(minutes=10)
    assert scheduled_events(published) == [("sending", [f"inbox:{inbox['id']}"])]
    assert await send_due_replies(app.state.sessionmaker, settings) == 1
    assert await replies_of(app, ticket) == 1
    assert await mails_of(app, ticket) == 1
    error_of(await send_now(ada, ticket, held), 409, "reply_already_sent")
    # Its own time comes: nothing more.
    clock.set(MONDAY_9)
    assert await send_due_replies(app.state.sessionmaker, settings) == 0
    assert await replies_of(app, ticket) == 1
    assert (await listed(bob, ticket)).json() == []


async def test_cancel_and_edit_take_it_back_and_nothing_is_sent(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock, published: Published
) -> None:
    ada, bob, inbox, ticket, _mid = await setup(desk)
    held = await scheduled(ada, ticket, cc=["boss@example.org"])
    published.clear()
    taken = await cancel(ada, ticket, held)
    assert taken.status_code == 200, taken.text
    # Edit is the same call: the reply box takes its text, copies and button back.
    assert (taken.json()["state"], taken.json()["text"]) == ("undone", TEXT)
    assert taken.json()["cc"] == ["boss@example.org"]
    assert scheduled_events(published) == [("cancelled", [f"inbox:{inbox['id']}"])]
    assert (await listed(bob, ticket)).json() == []
    error_of(await send_now(ada, ticket, held), 409, "reply_not_pending")
    clock.set(MONDAY_9 + timedelta(hours=1))
    assert await send_due_replies(app.state.sessionmaker, settings) == 0
    assert await replies_of(app, ticket) == 0


async def test_a_time_past_too_far_or_with_an_undo_window_is_refused(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    ada, _bob, _inbox, ticket, _mid = await setup(desk)
    past = error_of(await schedule(ada, ticket, START - timedelta(minutes=1)), 422)
    assert fields_of(past) == {"send_at"}
    assert "already passed" in past["message"]
    far = error_of(await schedule(ada, ticket, START + timedelta(days=30, minutes=1)), 422)
    assert fields_of(far) == {"send_at"}
    assert "30 days" in far["message"]
    both = error_of(await schedule(ada, ticket, MONDAY_9, undo_seconds=10), 422)
    assert fields_of(both) == {"undo_seconds"}
    early_snooze = error_of(
        await schedule(
            ada, ticket, MONDAY_9, snooze_until=(MONDAY_9 - timedelta(hours=1)).isoformat()
        ),
        422,
    )
    assert fields_of(early_snooze) == {"snooze_until"}
    naive = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": TEXT, "send_at": "2026-12-07T09:00"},
    )
    error_of(naive, 422)
    # 30 days ahead is still fine; nothing of the refused ones waits.
    assert (await schedule(ada, ticket, START + timedelta(days=30))).status_code == 202
    assert len((await listed(ada, ticket)).json()) == 1


async def test_merged_away_it_is_not_sent_and_its_author_is_told(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
) -> None:
    ada, _bob, _inbox, ticket, _mid = await setup(desk)
    await scheduled(ada, ticket)
    admin = await desk.agent(role="admin")
    other, _ = await customer_mail(ada, "Another question")
    merged = await admin.client.post(
        f"/api/v1/tickets/{ticket['id']}/merge", json={"into_ticket_id": other["ticket_id"]}
    )
    assert merged.status_code in (200, 201), merged.text

    clock.set(MONDAY_9)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1
    assert await replies_of(app, ticket) == 0
    assert await replies_of(app, {"id": other["ticket_id"]}) == 0
    (failed,) = (await ada.client.get("/api/v1/me/pending-replies")).json()
    assert failed["error"]["code"] == "ticket_merged"
    (item,) = [i for i in (await bell(ada))["items"] if i["kind"] == "reply_not_sent"]
    assert item["params"]["reason_code"] == "ticket_merged"


# Sends statements no other test sends to PostgreSQL (bench/store_shapes.py).
@BOTH_STORES
async def test_its_author_deactivated_it_fails_at_once_and_leaves_the_thread(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock, published: Published
) -> None:
    ada, bob, inbox, ticket, _mid = await setup(desk)
    await scheduled(ada, ticket)
    # Bob's reply in an Undo send window fails at its due time, as before.
    held = await bob.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Soon.", "undo_seconds": 30}
    )
    assert held.status_code == 202, held.text
    admin = await desk.agent(role="admin")
    published.clear()
    for agent in (ada, bob):
        off = await admin.client.patch(f"/api/v1/users/{agent.id}", json={"is_active": False})
        assert off.status_code == 200, off.text
    assert scheduled_events(published) == [("failed", [f"inbox:{inbox['id']}"])]
    assert (await listed(admin, ticket)).json() == []
    clock.set(MONDAY_9)
    # Bob's alone is left for the timer; nothing is sent.
    assert await send_due_replies(app.state.sessionmaker, settings) == 1
    assert await replies_of(app, ticket) == 0
    assert await mails_of(app, ticket) == 0
    # Nobody is told in the bell: they can no longer sign in.
    assert await count_rows(app, Notification, Notification.user_id == ada.id) == 0


@asynccontextmanager
async def restarted(settings: Settings) -> AsyncIterator[FastAPI]:
    """The server started again on the same database: a new app, knowing nothing of the
    replies held before."""
    again = create_app(settings, run_loops=False)
    async with again.router.lifespan_context(again):
        yield again


async def test_a_process_down_at_its_time_sends_it_once_when_back(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
) -> None:
    ada, _bob, _inbox, ticket, _mid = await setup(desk)
    days_ahead = START + timedelta(days=12)
    held = await schedule(ada, ticket, days_ahead, seen_entry_id=newest(ticket))
    assert held.status_code == 202, held.text
    # Down from before its time until hours after it.
    clock.set(days_ahead + timedelta(hours=5))
    async with restarted(settings) as again:
        assert await send_due_replies(again.state.sessionmaker, settings) == 1
        assert await send_due_replies(again.state.sessionmaker, settings) == 0
    assert await send_due_replies(app.state.sessionmaker, settings) == 0
    assert await replies_of(app, ticket) == 1
    assert await mails_of(app, ticket) == 1


@POSTGRESQL_ONLY
async def test_send_now_and_its_time_at_once_send_it_once(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
) -> None:
    ada, _bob, _inbox, ticket, _mid = await setup(desk)
    held = await scheduled(ada, ticket)
    clock.set(MONDAY_9)
    pressed, *rounds = await asyncio.gather(
        send_now(ada, ticket, held),
        send_due_replies(app.state.sessionmaker, settings),
        send_due_replies(app.state.sessionmaker, settings),
    )
    # Pressed while the timer sends it: waited for, then told it went; or made due first.
    assert pressed.status_code in (202, 409), pressed.text
    assert await send_due_replies(app.state.sessionmaker, settings) + sum(rounds) == 1
    assert await replies_of(app, ticket) == 1
    assert await mails_of(app, ticket) == 1
