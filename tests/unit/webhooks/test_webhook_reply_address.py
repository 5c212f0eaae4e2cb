"""A webhook's ticket says where an email reply goes (`reply_address`), as the API's does: the
address the conversation is with, not the customer's primary (docs/email.md, "Which address a
reply goes to"), and their primary once that address is no longer theirs."""

from __future__ import annotations

from fastapi import FastAPI

from tests.conftest import SQLITE_ONLY, Desk
from tests.unit.webhooks.receiver import Receiver
from tests.unit.webhooks.test_webhook_events import deliver, subscribe

pytestmark = SQLITE_ONLY

HOME = "cora@home.example"
WORK = "cora.lee@work.example"


async def test_the_ticket_names_the_address_its_reply_goes_to(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
    await subscribe(admin, hooks, events=["ticket.created", "ticket.updated"])
    cora = await admin.client.post(
        "/api/v1/customers", json={"name": "Cora Lee", "emails": [HOME, WORK]}
    )
    assert cora.status_code == 201, cora.text
    created = await admin.client.post(
        "/api/v1/tickets",
        json={"inbox_id": inbox["id"], "customer": {"email": WORK}, "subject": "Contract"},
    )
    assert created.status_code == 201, created.text
    # The address taken off her record: the ticket answers at her primary, and says so.
    taken = await admin.client.patch(
        f"/api/v1/customers/{cora.json()['id']}", json={"emails": [HOME]}
    )
    assert taken.status_code == 200, taken.text
    held = await admin.client.patch(
        f"/api/v1/tickets/{created.json()['id']}", json={"state": "hold"}
    )
    assert held.status_code == 200, held.text
    assert held.json()["reply_address"] == HOME

    while await deliver(app):
        pass
    [event] = hooks.events("ticket.created")
    ticket = event["data"]["ticket"]
    assert (ticket["customer_email"], ticket["reply_address"]) == (HOME, WORK)
    [event] = hooks.events("ticket.updated")
    assert event["data"]["ticket"]["reply_address"] == HOME
