"""Each event a subscription asks for reaches a real receiver once, signed (checked with the
verifier of docs/webhooks.md), with the objects as the API shows them; a change rolled back
sends nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.db.session import unit_of_work
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Ticket, TicketState
from frontdesk.webhooks.timers import deliver_webhooks
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import online
from tests.unit.webhooks.receiver import Receiver

pytestmark = SQLITE_ONLY

ALL = [
    "ticket.created",
    "ticket.updated",
    "chat.started",
    "chat.ended",
    "message.created",
    "rating.received",
]


async def subscribe(
    admin: Agent, hooks: Receiver, events: list[str] = ALL, **extra: Any
) -> dict[str, Any]:
    response = await admin.client.post(
        "/api/v1/webhooks", json={"name": "CRM", "url": hooks.url, "events": events} | extra
    )
    assert response.status_code == 201, response.text
    hooks.secret = response.json()["secret"]
    return dict(response.json())


async def deliver(app: FastAPI, **kwargs: Any) -> int:
    return await deliver_webhooks(app.state.sessionmaker, app.state.settings, **kwargs)


@BOTH_STORES
async def test_every_event_reaches_the_receiver_once_signed_with_its_payload(
    app: FastAPI, desk: Desk, visitors: Any, hooks: Receiver
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
    await subscribe(admin, hooks)

    created = await admin.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"email": "grace@example.org", "name": "Grace"},
            "subject": "Invoice missing",
            "note": "Checked with accounting",
        },
    )
    assert created.status_code == 201, created.text
    ticket_id = created.json()["id"]
    closed = await admin.client.patch(f"/api/v1/tickets/{ticket_id}", json={"state": "closed"})
    assert closed.status_code == 200, closed.text
    reply = await admin.client.post(
        f"/api/v1/tickets/{ticket_id}/replies", json={"text": "Here it is, Grace."}
    )
    assert reply.status_code == 201, reply.text

    await online(admin)
    marie = await visitors(inbox)
    chat = await marie.start_chat("My parcel is late")
    assert (await admin.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
    said = await admin.client.post(
        f"/api/v1/chats/{chat['id']}/messages", json={"text": "On its way!", "client_msg_id": "a"}
    )
    assert said.status_code == 201, said.text
    assert (await admin.client.post(f"/api/v1/chats/{chat['id']}/end")).status_code == 200
    rated = await marie.client.post(
        f"/messenger/v1/chats/{chat['id']}/rating", json={"score": "good", "comment": "Quick"}
    )
    assert rated.status_code in (200, 201), rated.text

    while await deliver(app):
        pass

    assert hooks.requests
    assert all(r.verified for r in hooks.requests)
    ids = [r.json["id"] for r in hooks.requests]
    assert len(ids) == len(set(ids))
    for request in hooks.requests:
        assert request.headers["Frontdesk-Event-Id"] == request.json["id"]
        assert request.headers["Frontdesk-Event-Type"] == request.json["type"]

    [ticket_created] = [
        e for e in hooks.events("ticket.created") if e["data"]["ticket"]["id"] == ticket_id
    ]
    assert ticket_created["data"]["ticket"]["subject"] == "Invoice missing"
    assert ticket_created["data"]["ticket"]["customer_name"] == "Grace"
    # The ticket as the API shows it to whom may see its customer: a CRM needs no second call.
    assert ticket_created["data"]["ticket"]["customer_email"] == "grace@example.org"
    # Closed, then reopened by the reply: each change once, as it happened.
    states = [
        e["data"]["ticket"]["state"]
        for e in hooks.events("ticket.updated")
        if e["data"]["ticket"]["id"] == ticket_id and "state" in e["data"]["changes"]
    ]
    assert states[0] == "closed"
    assert states.count("closed") == 1
    # From what to what, and who (docs/webhooks.md): Ada closed it.
    closing = next(
        e["data"]
        for e in hooks.events("ticket.updated")
        if e["data"]["ticket"]["id"] == ticket_id and "state" in e["data"]["changes"]
    )
    ada = {"type": "agent", "id": admin.id, "name": "Ada", "email": admin.user["email"]}
    assert closing["actor"] == ada
    assert closing["diff"]["state"] == {"from": "open", "to": "closed", "by": ada}

    messages = hooks.events("message.created")
    ticket_messages = [m["data"] for m in messages if m["data"]["channel"] == "ticket"]
    # The note is internal: this subscription did not ask for notes.
    assert [(m["ticket_id"], m["message"]["text"], m["internal"]) for m in ticket_messages] == [
        (ticket_id, "Here it is, Grace.", False)
    ]
    assert ticket_messages[0]["message"]["kind"] == "reply"
    chat_messages = [m["data"] for m in messages if m["data"]["channel"] == "chat"]
    assert [(m["chat_id"], m["message"]["text"]) for m in chat_messages] == [
        (chat["id"], "My parcel is late"),
        (chat["id"], "On its way!"),
    ]
    assert chat_messages[1]["message"]["author"]["name"] == "Ada"

    [started] = hooks.events("chat.started")
    assert started["data"]["chat"]["id"] == chat["id"]
    assert started["data"]["chat"]["visitor_name"] == "Marie Curie"
    [ended] = hooks.events("chat.ended")
    assert ended["data"]["chat"]["state"] == "ended"
    assert ended["data"]["reason"] == "agent"
    [rating] = hooks.events("rating.received")
    assert rating["data"]["rating"]["score"] == "good"
    assert rating["data"]["rating"]["comment"] == "Quick"
    assert rating["data"]["rating"]["chat_id"] == chat["id"]

    # Nothing is sent twice: another round finds nothing due.
    count = len(hooks.requests)
    assert await deliver(app) == 0
    assert len(hooks.requests) == count


async def test_only_the_chosen_events_and_notes_only_when_asked(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox])
    await subscribe(admin, hooks, events=["message.created"], include_internal=True)
    created = await admin.client.post(
        "/api/v1/tickets",
        json={"inbox_id": inbox["id"], "customer": {"email": "g@example.org"}, "subject": "Hi"},
    )
    ticket_id = created.json()["id"]
    note = await admin.client.post(
        f"/api/v1/tickets/{ticket_id}/notes", json={"text": "VIP customer"}
    )
    assert note.status_code == 201, note.text
    await admin.client.patch(f"/api/v1/tickets/{ticket_id}", json={"state": "hold"})

    await deliver(app)

    assert [e["type"] for e in hooks.events()] == ["message.created"]
    data = hooks.events()[0]["data"]
    assert (data["internal"], data["message"]["kind"], data["message"]["text"]) == (
        True,
        "note",
        "VIP customer",
    )


async def test_a_change_rolled_back_sends_nothing(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox])
    await subscribe(admin, hooks)
    created = await admin.client.post(
        "/api/v1/tickets",
        json={"inbox_id": inbox["id"], "customer": {"email": "g@example.org"}, "subject": "Hi"},
    )
    ticket_id = created.json()["id"]
    await deliver(app)
    before = len(hooks.requests)

    async def close_then_fail() -> None:
        async with unit_of_work(app.state.sessionmaker) as session:
            ticket = await session.get(Ticket, ticket_id)
            assert ticket is not None
            await tickets_service.update_ticket(
                session, actor=None, ticket=ticket, state=TicketState.closed
            )
            raise RuntimeError("the request failed after the change")

    with pytest.raises(RuntimeError):
        await close_then_fail()

    assert await deliver(app) == 0
    assert len(hooks.requests) == before
    listed = await admin.client.get(f"/api/v1/webhooks/{(await _first(admin))['id']}/deliveries")
    assert [d["event_type"] for d in listed.json()] == ["ticket.created"]


async def _first(admin: Agent) -> dict[str, Any]:
    listed = await admin.client.get("/api/v1/webhooks")
    return dict(listed.json()[0])


async def test_a_customers_mail_is_told_as_a_new_ticket_and_its_messages(
    app: FastAPI, desk: Desk, http: Any, hooks: Receiver
) -> None:
    from tests.mail.support import INBOUND_TOKEN, SUPPORT, post_mime, reply_mail

    app.state.settings = app.state.settings.model_copy(update={"inbound_token": INBOUND_TOKEN})
    inbox = await desk.inbox(email_address=SUPPORT)
    admin = await desk.agent(role="admin", inboxes=[inbox])
    await subscribe(admin, hooks, events=["ticket.created", "message.created"])

    first = await post_mime(http, reply_mail(to=SUPPORT, text="Where is my parcel?"))
    assert first.status_code == 200, first.text
    ticket_id = first.json()["ticket_id"]
    ticket = (await admin.client.get(f"/api/v1/tickets/{ticket_id}")).json()
    [entry] = [e for e in ticket["entries"] if e["kind"] == "reply"]
    again = await post_mime(
        http, reply_mail(to=SUPPORT, text="Any news?", in_reply_to=entry["message_id"])
    )
    assert again.json()["ticket_id"] == ticket_id

    await deliver(app)

    assert all(r.verified for r in hooks.requests)
    [created] = hooks.events("ticket.created")
    assert created["data"]["ticket"]["id"] == ticket_id
    messages = [e["data"] for e in hooks.events("message.created")]
    told = [(m["ticket_id"], m["message"]["direction"], m["message"]["text"]) for m in messages]
    assert told == [(ticket_id, "in", "Where is my parcel?"), (ticket_id, "in", "Any news?")]
