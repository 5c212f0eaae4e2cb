"""Side conversations over the API (docs/desk.md, "Side conversations"): starting one queues an
email to the third party from the inbox with the side conversation's own reply address and
writes a timeline line; bad input is a 4xx with a sentence; only the inbox's agents see or act;
replies, close and reopen; the desks of the inbox hear each change; a merge moves them and its
undo brings them back; a deleted ticket takes them; the customer's export leaves them out; an
answer whose MIME is malformed is kept raw and reported, as any inbound mail is."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.orm import undefer

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.mail.models import InboundMessage, InboundStatus, OutboxMessage
from frontdesk.privacy import retention
from frontdesk.side_conversations import service
from frontdesk.side_conversations.models import SideConversation, SideMessage
from frontdesk.users.light_agents import LightAgentRefused
from frontdesk.users.models import User
from tests.conftest import POSTGRESQL_ONLY, SQLITE_ONLY, Agent, Desk, Published
from tests.mail.support import INBOUND_TOKEN, post_mime, reply_mail
from tests.unit.support import count_rows, error_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY

SUPPLIER = "orders@supplier.example.com"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


def path(ticket_id: int) -> str:
    return f"/api/v1/tickets/{ticket_id}/side-conversations"


async def start(agent: Agent, ticket_id: int, **body: Any) -> dict[str, Any]:
    response = await agent.client.post(
        path(ticket_id), json={"to": [SUPPLIER], "text": "Do you have it in blue?"} | body
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def listed(agent: Agent, ticket_id: int) -> list[dict[str, Any]]:
    response = await agent.client.get(path(ticket_id))
    assert response.status_code == 200, response.text
    return list(response.json()["side_conversations"])


def told(published: Published) -> list[dict[str, Any]]:
    return [
        {"topics": m.topics, **m.envelope.data}
        for m in published.messages
        if m.envelope.type == "ticket.side_conversations_changed"
    ]


async def sent_rows(app: FastAPI) -> list[OutboxMessage]:
    async with app.state.sessionmaker() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_an_agent_starts_one_and_the_mail_goes_from_the_inbox_with_its_own_address(
    app: FastAPI, desk: Desk, published: Published
) -> None:
    inbox = await desk.inbox(name="Shop", email_address="help@shop.example.com")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    ticket = await new_ticket(ada.client, inbox, subject="Blue sofa")
    published.clear()
    side = await start(ada, ticket["id"], to=[SUPPLIER, "Stock@Supplier.example.com", SUPPLIER])
    assert side["subject"] == "Blue sofa"
    assert side["participants"] == [SUPPLIER, "stock@supplier.example.com"]
    assert side["state"] == "open"
    assert side["new_reply"] is False
    assert side["created_by"] == {"id": ada.user["id"], "name": "Ada"}
    (message,) = side["messages"]
    assert message["direction"] == "out"
    assert message["text"] == "Do you have it in blue?"

    row = (await sent_rows(app))[-1]
    assert row.ticket_id == ticket["id"]
    assert row.entry_id is None
    assert row.recipients == [SUPPLIER, "stock@supplier.example.com"]
    assert "help@shop.example.com" in row.sender
    assert row.headers["Reply-To"].startswith(f"side+{side['id']}.")
    assert row.subject == "Blue sofa"
    assert row.data["kind"] == "side_conversation"

    page = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
    (line,) = [e for e in page["entries"] if e["kind"] == "event" and "side" in e["text"]]
    assert line["text"] == (
        f"Ada started a side conversation with {SUPPLIER}, stock@supplier.example.com"
    )
    # Not a message of the thread.
    assert all(e["kind"] != "reply" for e in page["entries"])
    assert told(published) == [
        {
            "topics": [f"inbox:{inbox['id']}"],
            "ticket_id": ticket["id"],
            "inbox_id": inbox["id"],
            "side_conversation_id": side["id"],
            "change": "created",
            "by": {"id": ada.user["id"], "name": "Ada"},
        }
    ]
    assert published.problems == []
    # GET one.
    one = await ada.client.get(f"/api/v1/side-conversations/{side['id']}")
    assert one.status_code == 200
    assert one.json() == side


async def test_quoting_the_customers_last_message(
    app: FastAPI, desk: Desk, http: httpx.AsyncClient
) -> None:
    inbox = await desk.inbox(name="Shop", email_address="help@shop.example.com")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    ticket = await new_ticket(ada.client, inbox, subject="Blue sofa")
    # No mail from the customer yet: a sentence, nothing written.
    error = error_of(
        await ada.client.post(
            path(ticket["id"]),
            json={"to": [SUPPLIER], "text": "See below", "include_last_message": True},
        ),
        422,
    )
    assert "has not written" in error["message"]
    assert await count_rows(app, SideConversation) == 0
    # The customer writes to the inbox: a new ticket of theirs.
    raw = reply_mail(to="help@shop.example.com", sender="cora@example.org", text="Is it blue?")
    assert (await post_mime(http, raw, to=["help@shop.example.com"])).status_code in (200, 201)
    theirs = (await ada.client.get("/api/v1/tickets")).json()["items"]
    (mailed,) = [t for t in theirs if t["id"] != ticket["id"]]
    side = await start(ada, mailed["id"], text="See below", include_last_message=True)
    text = side["messages"][0]["text"]
    assert text.startswith("See below\n\nOn ")
    assert "cora@example.org" in text
    assert "> Is it blue?" in text


async def test_bad_input_is_refused_with_a_sentence(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox(email_address="help@shop.example.com")
    ada = await desk.agent(inboxes=[inbox])
    ticket = await new_ticket(ada.client, inbox)
    for body in (
        {"to": [SUPPLIER], "text": ""},
        {"to": [SUPPLIER], "text": "   \n "},
        {"to": [], "text": "Hello"},
        {"to": ["not an address"], "text": "Hello"},
        {"to": ["help@shop.example.com"], "text": "Hello"},
        {"to": [f"p{n}@supplier.example.com" for n in range(21)], "text": "Hello"},
        {"to": [SUPPLIER], "text": "Hello", "subject": "x" * 301},
    ):
        error_of(await ada.client.post(path(ticket["id"]), json=body), 422)
    assert await count_rows(app, SideConversation) == 0
    assert await count_rows(app, SideMessage) == 0
    side = await start(ada, ticket["id"])
    error_of(
        await ada.client.post(
            f"/api/v1/side-conversations/{side['id']}/replies", json={"text": " "}
        ),
        422,
    )
    error_of(
        await ada.client.patch(f"/api/v1/side-conversations/{side['id']}", json={"state": "gone"}),
        422,
    )
    spam = await ada.client.post(f"/api/v1/tickets/{ticket['id']}/spam", json={})
    assert spam.status_code == 200, spam.text
    error_of(
        await ada.client.post(path(ticket["id"]), json={"to": [SUPPLIER], "text": "Hi"}),
        409,
        "ticket_is_spam",
    )


async def test_only_the_inboxs_agents_see_and_act(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox()
    other = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    eve = await desk.agent(inboxes=[other])
    ticket = await new_ticket(ada.client, inbox)
    side = await start(ada, ticket["id"])
    error_of(await eve.client.get(path(ticket["id"])), 404)
    error_of(await eve.client.post(path(ticket["id"]), json={"to": [SUPPLIER], "text": "x"}), 404)
    error_of(await eve.client.get(f"/api/v1/side-conversations/{side['id']}"), 404)
    error_of(
        await eve.client.post(
            f"/api/v1/side-conversations/{side['id']}/replies", json={"text": "x"}
        ),
        404,
    )
    error_of(
        await eve.client.patch(
            f"/api/v1/side-conversations/{side['id']}", json={"state": "closed"}
        ),
        404,
    )
    assert len((await listed(ada, ticket["id"]))[0]["messages"]) == 1


async def test_reply_close_and_reopen(app: FastAPI, desk: Desk, published: Published) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    ticket = await new_ticket(ada.client, inbox)
    side = await start(ada, ticket["id"])
    url = f"/api/v1/side-conversations/{side['id']}"
    closed = await ada.client.patch(url, json={"state": "closed"})
    assert closed.status_code == 200
    assert closed.json()["state"] == "closed"
    assert closed.json()["closed_at"] is not None
    again = await ada.client.patch(url, json={"state": "closed"})
    assert again.status_code == 200
    published.clear()
    # A reply to a closed one reopens it; it goes to the participants, threaded.
    replied = await ada.client.post(f"{url}/replies", json={"text": "Any news?"})
    assert replied.status_code == 201, replied.text
    assert replied.json()["author"] == {"id": ada.user["id"], "name": "Ada"}
    assert [e["change"] for e in told(published)] == ["reopened"]
    (got,) = await listed(ada, ticket["id"])
    assert got["state"] == "open"
    assert got["closed_at"] is None
    assert [m["text"] for m in got["messages"]] == ["Do you have it in blue?", "Any news?"]
    first, second = (await sent_rows(app))[-2:]
    assert second.subject.startswith("Re: ")
    assert second.headers["In-Reply-To"] == first.message_id
    assert second.headers["Reply-To"] == first.headers["Reply-To"]
    # The ticket's state is left alone throughout.
    assert (await ada.client.get(f"/api/v1/tickets/{ticket['id']}")).json()["state"] == "open"


async def test_a_merge_moves_them_and_its_undo_brings_them_back(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    kept = await new_ticket(ada.client, inbox, subject="Kept")
    merged = await new_ticket(ada.client, inbox, subject="Merged")
    side = await start(ada, merged["id"])
    response = await ada.client.post(
        f"/api/v1/tickets/{merged['id']}/merge", json={"into_ticket_id": kept["id"]}
    )
    assert response.status_code == 201, response.text
    assert [s["id"] for s in await listed(ada, kept["id"])] == [side["id"]]
    assert await listed(ada, merged["id"]) == []
    # Replying still works where it is now.
    replied = await ada.client.post(
        f"/api/v1/side-conversations/{side['id']}/replies", json={"text": "Still there?"}
    )
    assert replied.status_code == 201, replied.text
    assert (await sent_rows(app))[-1].ticket_id == kept["id"]
    undone = await ada.client.post(f"/api/v1/tickets/moves/{response.json()['id']}/undo")
    assert undone.status_code == 200, undone.text
    assert [s["id"] for s in await listed(ada, merged["id"])] == [side["id"]]
    assert await listed(ada, kept["id"]) == []


async def test_a_deleted_ticket_takes_them_and_the_export_leaves_them_out(
    app: FastAPI, desk: Desk
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox])
    ticket = await new_ticket(admin.client, inbox, email="cora@example.org")
    side = await start(admin, ticket["id"], text="Secret about Cora's parcel")
    # The customer's export: their ticket, not the third party's mail about it.
    exported = await admin.client.get(f"/api/v1/customers/{ticket['customer']['id']}/export")
    assert exported.status_code == 200, exported.text
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        names = archive.namelist()
        assert f"tickets/{ticket['id']}.json" in names
        for name in names:
            assert b"Secret about Cora" not in archive.read(name), name
    spam = await admin.client.post(f"/api/v1/tickets/{ticket['id']}/spam", json={})
    assert spam.status_code == 200, spam.text
    async with unit_of_work(app.state.sessionmaker) as session:
        deleted = await retention.delete_spam(
            session, marked_before=utcnow() + timedelta(days=1), limit=10
        )
    assert deleted == 1
    assert await count_rows(app, SideConversation) == 0
    assert await count_rows(app, SideMessage) == 0
    error_of(await admin.client.get(f"/api/v1/side-conversations/{side['id']}"), 404)


async def test_a_malformed_answer_is_kept_raw_and_reported(
    app: FastAPI, desk: Desk, http: httpx.AsyncClient
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    ticket = await new_ticket(ada.client, inbox)
    side = await start(ada, ticket["id"])
    address = (await sent_rows(app))[-1].headers["Reply-To"]
    raw = (
        f"From: {SUPPLIER}\r\nTo: {address}\r\nSubject: Re: stock\r\n"
        "Message-ID: <broken@supplier.example.com>\r\n"
        'Content-Type: multipart/mixed; boundary="nowhere"\r\n\r\n'
        "no boundary ever appears\r\n"
    ).encode()
    response = await post_mime(http, raw, to=[address])
    error_of(response, 422)
    async with app.state.sessionmaker() as session:
        record = (
            await session.scalars(
                select(InboundMessage)
                .options(undefer(InboundMessage.raw))
                .order_by(InboundMessage.id.desc())
            )
        ).first()
    assert record is not None
    assert record.status is InboundStatus.failed
    assert record.raw == raw
    assert record.error
    (got,) = await listed(ada, ticket["id"])
    assert got["id"] == side["id"]
    assert len(got["messages"]) == 1


async def waiting_on_a_lock(app: FastAPI) -> bool:
    async with app.state.sessionmaker() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(10):
        while not await check():
            await asyncio.sleep(0.02)


@POSTGRESQL_ONLY
async def test_a_reply_waits_for_one_being_written_and_threads_on_it(
    app: FastAPI, desk: Desk
) -> None:
    """Ben's reply waits on the lock while Ana's is written (uncommitted), then threads on it:
    each message answers the one before it."""
    inbox = await desk.inbox()
    ana = await desk.agent(inboxes=[inbox], name="Ana")
    ben = await desk.agent(inboxes=[inbox], name="Ben")
    ticket = await new_ticket(ana.client, inbox)
    side = await start(ana, ticket["id"])
    maker = app.state.sessionmaker

    async def bens_reply() -> str | None:
        async with unit_of_work(maker) as session:
            user = await session.get(User, ben.user["id"])
            assert user is not None
            reply = await service.reply(
                session, user=user, side_id=side["id"], text="From Ben", limit=10_000
            )
            return reply.message_id

    async with unit_of_work(maker) as session:
        user = await session.get(User, ana.user["id"])
        assert user is not None
        anas = await service.reply(
            session, user=user, side_id=side["id"], text="From Ana", limit=10_000
        )
        bens = asyncio.create_task(bens_reply())
        await until(lambda: _done_or_waiting(app, bens))
        assert not bens.done()
    await bens
    rows = [r for r in await sent_rows(app) if r.data.get("side_conversation_id") == side["id"]]
    assert [r.text for r in rows] == ["Do you have it in blue?", "From Ana", "From Ben"]
    assert rows[1].headers["In-Reply-To"] == rows[0].message_id
    assert rows[2].headers["In-Reply-To"] == anas.message_id
    (got,) = await listed(ana, ticket["id"])
    assert [m["text"] for m in got["messages"]][1:] == ["From Ana", "From Ben"]


async def _done_or_waiting(app: FastAPI, task: asyncio.Task[str | None]) -> bool:
    return task.done() or await waiting_on_a_lock(app)


async def test_a_light_agent_reads_them_and_writes_none(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    lee = await desk.agent(role="collaborator", inboxes=[inbox])
    ticket = await new_ticket(ada.client, inbox)
    side = await start(ada, ticket["id"])
    assert [s["id"] for s in await listed(lee, ticket["id"])] == [side["id"]]
    error_of(
        await lee.client.post(path(ticket["id"]), json={"to": [SUPPLIER], "text": "x"}),
        403,
        "light_agent",
    )
    async with unit_of_work(app.state.sessionmaker) as session:
        user = await session.get(User, lee.user["id"])
        assert user is not None
        with pytest.raises(LightAgentRefused):
            await service.reply(session, user=user, side_id=side["id"], text="x", limit=100)
