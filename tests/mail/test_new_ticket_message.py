"""An agent starts a conversation: `POST /tickets` with a `message` files the ticket and sends
that message as the agent's reply in one transaction, over real SMTP: the customer gets one
email with the subject and the signature, a retry with the same Idempotency-Key does nothing
more, and the customer's answer continues the ticket. A refused message leaves nothing behind; a
customer the agent may not see gets the mail and stays hidden from them
(docs/desk.md, "Starting a conversation")."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.customers.models import Customer
from frontdesk.mail.listener import InboundListener
from frontdesk.mail.models import OutboxMessage
from frontdesk.tickets.models import Ticket
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import (
    SUPPORT,
    SmtpSink,
    deliver,
    inbound_entries,
    reply_mail,
    send_to_listener,
    ticket_of,
    with_smtp,
)
from tests.unit.support import count_rows, error_of, fields_of

pytestmark = SQLITE_ONLY

TEXT = "Following up on our call: the refund is on its way."
NEW_CUSTOMER = "dora@example.org"


def _new(inbox: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "inbox_id": inbox["id"],
        "customer": {"email": NEW_CUSTOMER, "name": "Dora"},
        "subject": "Your refund",
        "message": {"text": TEXT},
        **extra,
    }


async def test_the_customer_gets_one_email_and_answers_into_the_ticket(
    app: FastAPI, desk: Desk, listener: InboundListener, sink: SmtpSink, settings: Settings
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    admin = await desk.agent(role="admin")
    signed = await admin.client.patch(
        f"/api/v1/inboxes/{inbox['id']}", json={"email_signature": "{{agent.first_name}}, Shop"}
    )
    assert signed.status_code == 200, signed.text
    ada = await desk.agent(inboxes=[inbox], name="Ada Lovelace")

    key = {"Idempotency-Key": "new-ticket-1"}
    first = await ada.client.post("/api/v1/tickets", json=_new(inbox), headers=key)
    assert first.status_code == 201, first.text
    again = await ada.client.post("/api/v1/tickets", json=_new(inbox), headers=key)
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    assert await count_rows(app, Ticket) == 1

    ticket = await ticket_of(ada, first.json()["id"])
    # The reply is its first entry, signed; the author holds the ticket, open as after a reply.
    (entry, *timeline) = ticket["entries"]
    assert {e["kind"] for e in timeline} <= {"event"}, timeline
    assert (entry["kind"], entry["direction"], entry["text"]) == ("reply", "out", TEXT)
    assert entry["data"]["signature"] == "Ada, Shop"
    assert ticket["assignee_id"] == ada.user["id"]
    assert ticket["state"] == "open"
    assert ticket["customer_email"] == NEW_CUSTOMER

    assert await deliver(app, with_smtp(settings, sink)) == 1
    assert await deliver(app, with_smtp(settings, sink)) == 0
    (mail,) = sink.received
    assert mail.rcpt_tos == [NEW_CUSTOMER]
    assert mail.message["Subject"] == f"Your refund [#{ticket['number']}]"
    plain = mail.message.get_body(preferencelist=("plain",))
    assert plain is not None
    assert "Ada, Shop" in str(plain.get_content())

    reply_to = mail.message["Reply-To"]
    raw = reply_mail(
        to=reply_to,
        sender=NEW_CUSTOMER,
        text="Thanks, received.",
        in_reply_to=entry["message_id"],
    )
    assert (
        await send_to_listener(listener.port, raw, sender=NEW_CUSTOMER, recipients=[reply_to]) == {}
    )
    answered = await ticket_of(ada, ticket["id"])
    assert [e["text"] for e in inbound_entries(answered)] == ["Thanks, received."]
    assert await count_rows(app, Ticket) == 1


async def test_a_refused_message_files_nothing(
    app: FastAPI, desk: Desk, settings: Settings
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    other = await desk.inbox(name="Billing", email_address="billing@shop.test")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    known = await ada.client.post("/api/v1/customers", json={"name": "No Address"})
    assert known.status_code == 201, known.text
    customers = await count_rows(app, Customer)

    too_long = "x" * (settings.max_text_length + 1)
    refusals: list[tuple[dict[str, Any], int, str]] = [
        (_new(inbox, message={"text": too_long}), 422, "message.text"),
        (_new(inbox, message={"text": "  \n "}), 422, "message.text"),
        (_new(inbox, state="closed"), 422, "state"),
        (_new(inbox, customer={"email": "dora@"}), 422, "customer.email"),
        (_new(inbox, customer={"id": known.json()["id"]}), 422, "customer"),
    ]
    for body, status, field in refusals:
        error = error_of(await ada.client.post("/api/v1/tickets", json=body), status)
        assert fields_of(error) == {field}, error
    # An inbox Ada is not in is one that does not exist, for her.
    for inbox_id in (other["id"], 999_999):
        error_of(await ada.client.post("/api/v1/tickets", json=_new({"id": inbox_id})), 404)

    assert await count_rows(app, Ticket) == 0
    assert await count_rows(app, OutboxMessage) == 0
    assert await count_rows(app, Customer) == customers

    # Closed once sent, as a reply with then: close leaves it.
    closed = await ada.client.post(
        "/api/v1/tickets", json=_new(inbox, message={"text": TEXT, "then": "close"})
    )
    assert closed.status_code == 201, closed.text
    assert closed.json()["state"] == "closed"
    assert await count_rows(app, OutboxMessage) == 1


async def test_a_customer_the_agent_cannot_see_gets_the_mail_and_stays_hidden(
    app: FastAPI, desk: Desk, sink: SmtpSink, settings: Settings
) -> None:
    support = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    billing = await desk.inbox(name="Billing", email_address="billing@shop.test")
    ada = await desk.agent(inboxes=[support], name="Ada")
    bob = await desk.agent(inboxes=[billing], name="Bob")
    theirs = await bob.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": billing["id"],
            "customer": {"email": NEW_CUSTOMER, "name": "Dora Secret"},
            "subject": "Invoice",
        },
    )
    assert theirs.status_code == 201, theirs.text

    # Ada's message reaches Dora, and shows Ada nothing of her (docs/api.md, "Seeing a customer").
    mine = await ada.client.post(
        "/api/v1/tickets", json=_new(support, customer={"email": NEW_CUSTOMER, "name": "D"})
    )
    assert mine.status_code == 201, mine.text
    assert mine.json()["customer"] is None
    assert mine.json()["customer_name"] == ""
    assert await deliver(app, with_smtp(settings, sink)) == 1
    assert [mail.rcpt_tos for mail in sink.received] == [[NEW_CUSTOMER]]
    hidden = await ada.client.get(f"/api/v1/customers/{theirs.json()['customer_id']}")
    assert hidden.status_code == 404
