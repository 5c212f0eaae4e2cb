"""A reply held by "Undo send" is sent by the timer, but as its author: what it changes is told
to webhooks as the agent's doing, as an immediate reply's is (pending_replies/service.py)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from frontdesk.customers import service as customers_service
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.pending_replies.timers import send_due_replies
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import SUPPORT
from tests.unit.webhooks.receiver import Receiver
from tests.unit.webhooks.test_customer_events import deliver_all
from tests.unit.webhooks.test_webhook_events import subscribe

pytestmark = SQLITE_ONLY


async def test_the_customer_change_of_a_held_reply_is_the_agents(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    inbox = await desk.inbox(email_address=SUPPORT)
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
    # An address typed in a chat, not proven: the reply proves it (customer.updated).
    async with unit_of_work(app.state.sessionmaker) as session:
        cora = await customers_service.find_or_create(
            session, email="cora@example.org", name="Cora", verified=False
        )
    created = await admin.client.post(
        "/api/v1/tickets",
        json={"inbox_id": inbox["id"], "customer": {"id": cora.id}, "subject": "Parcel?"},
    )
    assert created.status_code == 201, created.text
    ticket = created.json()
    await subscribe(admin, hooks, events=["customer.updated", "ticket.updated"])
    held = await admin.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": "It left the warehouse.", "then": "close", "undo_seconds": 5},
    )
    assert held.status_code == 202, held.text
    later = utcnow() + timedelta(seconds=10)
    assert await send_due_replies(app.state.sessionmaker, app.state.settings, now=later) == 1
    await deliver_all(app)
    ada = {"type": "agent", "id": admin.id, "name": "Ada", "email": admin.user["email"]}
    told = hooks.events()
    assert told, "nothing told"
    for event in told:
        assert event["data"]["actor"] == ada, event
    assert "customer.updated" in {event["type"] for event in told}
