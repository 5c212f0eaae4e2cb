"""Upgrading marks the customers that only ever came from typed addresses as unverified, and
remembers which chats had a visitor the website signed."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select, update

from frontdesk.chats.models import Chat
from frontdesk.customers.models import Customer
from frontdesk.db.migrate import downgrade, upgrade
from tests.conftest import Desk

SECRET = "identity-secret-of-the-shop"


async def chat_customer(agent: Any, visitor: Any, email: str) -> int:
    chat = await visitor.start_chat(email=email)
    assert (await agent.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
    ended = await agent.client.post(f"/api/v1/chats/{chat['id']}/end")
    ticket = (await agent.client.get(f"/api/v1/tickets/{ended.json()['ticket_id']}")).json()
    return int(ticket["customer_id"])


async def test_customers_from_typed_addresses_become_unverified(
    app: FastAPI, database_url: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox(identity_secret=SECRET)
    ada = await desk.agent(inboxes=[inbox])
    assert (await ada.client.put("/api/v1/me/availability", json={"available": True})).is_success
    entered = await ada.client.post("/api/v1/customers", json={"emails": ["known@example.org"]})
    typed = await chat_customer(ada, await visitors(inbox), "typed@example.org")
    answered = await chat_customer(ada, await visitors(inbox), "answered@example.org")
    listed = (await ada.client.get("/api/v1/tickets", params={"customer_id": answered})).json()
    reply = {"text": "Hello"}
    replied = await ada.client.post(
        f"/api/v1/tickets/{listed['items'][0]['id']}/replies", json=reply
    )
    assert replied.status_code == 201, replied.text
    signed_in = await visitors(inbox)
    await signed_in.identify("signed@example.org", secret=SECRET)
    signed = await chat_customer(ada, signed_in, "signed@example.org")
    async with app.state.sessionmaker() as session:
        # As if they had come in before verification existed: the upgrade decides.
        await session.execute(update(Customer).values(verified=False))
        await session.commit()
    await app.state.engine.dispose()

    # Back to before 0007 by name: later migrations sit on top of it.
    await asyncio.to_thread(downgrade, database_url, "0006")
    await asyncio.to_thread(upgrade, database_url)

    async with app.state.sessionmaker() as session:
        verified = dict((await session.execute(select(Customer.id, Customer.verified))).all())
        chats = (await session.scalars(select(Chat.visitor_verified).order_by(Chat.id))).all()
    assert verified == {entered.json()["id"]: True, typed: False, answered: True, signed: False}
    assert chats == [False, False, True]


async def test_webhook_deliveries_learn_their_conversation_and_go_with_a_deleted_one(
    app: FastAPI, database_url: str, desk: Desk, visitors: Any
) -> None:
    """0050: each delivery gets the ticket its payload names; one about a ticket deleted before
    (an erasure or retention that left it behind) is deleted. 0049 rebuilds SQLite's chats table
    (its end reasons' check): every chat and event stays."""
    from sqlalchemy import delete, func

    from frontdesk.chats.models import ChatEvent
    from frontdesk.tickets.models import Ticket
    from frontdesk.webhooks.models import WebhookDelivery
    from tests.unit.support import new_ticket

    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    assert (await agent.client.put("/api/v1/me/availability", json={"available": True})).is_success
    answered = await chat_customer(agent, await visitors(inbox), "answered@example.org")
    owner = await desk.agent(role="owner", inboxes=[inbox])
    hook = {"name": "CRM", "url": "http://127.0.0.1:9/hook", "events": ["ticket.created"]}
    app.state.settings.webhooks_allow_private = True
    assert (await owner.client.post("/api/v1/webhooks", json=hook)).status_code == 201
    kept = await new_ticket(owner.client, inbox, subject="Kept")
    gone = await new_ticket(owner.client, inbox, subject="Gone")
    async with app.state.sessionmaker() as session:
        events = await session.scalar(select(func.count()).select_from(ChatEvent))
    await app.state.engine.dispose()
    await asyncio.to_thread(downgrade, database_url, "0048")
    async with app.state.sessionmaker() as session:
        # Before 0050 deleting a ticket left its deliveries behind.
        await session.execute(delete(Ticket).where(Ticket.id == gone["id"]))
        await session.commit()
    await app.state.engine.dispose()
    await asyncio.to_thread(upgrade, database_url)

    async with app.state.sessionmaker() as session:
        rows = (await session.execute(select(WebhookDelivery.ticket_id))).scalars().all()
        assert await session.scalar(select(func.count()).select_from(ChatEvent)) == events
        reasons = (await session.scalars(select(Chat.end_reason))).all()
        assert await session.get(Customer, answered) is not None
    assert rows == [kept["id"]]
    assert [reason.value for reason in reasons if reason] == ["agent"]
