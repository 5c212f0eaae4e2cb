"""Mail after a ticket moved to another inbox, through real SMTP both ways: the customer's
answers to mail the old inbox sent (by reply address, or only by the Message-ID they answer,
sent to the old inbox's address) continue the moved ticket; later replies go out from the new
inbox; mail still waiting in the outbox when the ticket moved goes out from the new inbox too."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail.listener import InboundListener
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import (
    SUPPORT,
    SmtpSink,
    deliver,
    inbound_entries,
    outbox,
    reply_mail,
    send_to_listener,
    ticket_of,
    ticket_with_reply,
    with_smtp,
)

pytestmark = SQLITE_ONLY

BILLING = "billing@shop.test"


async def test_replies_to_the_old_inbox_mail_continue_the_moved_ticket(
    app: FastAPI, desk: Desk, listener: InboundListener, sink: SmtpSink, settings: Settings
) -> None:
    support = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    billing = await desk.inbox(name="Billing", email_address=BILLING)
    ada = await desk.agent(inboxes=[support, billing], name="Ada")
    ticket, reply = await ticket_with_reply(ada, support, then="send")
    assert await deliver(app, with_smtp(settings, sink)) == 1
    (first,) = sink.received
    assert first.message["From"] == f'"Ada (Shop Support)" <{SUPPORT}>'

    moved = await ada.client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"inbox_id": billing["id"]}
    )
    assert moved.status_code == 200, moved.text

    # By the reply address, and by the Message-ID only, addressed to the old inbox.
    reply_to = first.message["Reply-To"]
    raw = reply_mail(to=reply_to, text="Thanks, and the invoice?", in_reply_to=reply["message_id"])
    assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}
    raw = reply_mail(to=SUPPORT, text="Hello again?", in_reply_to=reply["message_id"])
    assert await send_to_listener(listener.port, raw, recipients=[SUPPORT]) == {}

    after = await ticket_of(ada, ticket["id"])
    assert after["inbox_id"] == billing["id"]
    assert [e["text"] for e in inbound_entries(after)] == [
        "Thanks, and the invoice?",
        "Hello again?",
    ]
    # No new ticket opened in the old inbox for them.
    listed = await ada.client.get("/api/v1/tickets", params={"inbox_id": support["id"]})
    assert listed.json()["items"] == []

    # The next reply is the new inbox's, in the same thread and with the same reply address.
    answer = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Attached.", "then": "send"}
    )
    assert answer.status_code == 201, answer.text
    assert await deliver(app, with_smtp(settings, sink)) == 1
    latest = sink.received[-1].message
    assert latest["From"] == f'"Ada (Billing)" <{BILLING}>'
    assert latest["Reply-To"] == reply_to
    assert reply["message_id"] in latest["References"]


async def test_mail_still_waiting_when_the_ticket_moves_goes_out_from_the_new_inbox(
    app: FastAPI, desk: Desk, sink: SmtpSink, settings: Settings
) -> None:
    support = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    billing = await desk.inbox(name="Billing", email_address=BILLING)
    ada = await desk.agent(inboxes=[support, billing], name="Ada")
    admin = await desk.agent(role="admin")
    ticket, _first = await ticket_with_reply(ada, support, then="send")
    # Mail already sent keeps saying what it was sent as.
    other, sent = await ticket_with_reply(ada, support, then="send", email="dan@example.org")
    assert await deliver(app, with_smtp(settings, sink)) == 2
    waiting = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "One more thing.", "then": "send"}
    )
    assert waiting.status_code == 201, waiting.text

    for each in (ticket, other):
        moved = await ada.client.patch(
            f"/api/v1/tickets/{each['id']}", json={"inbox_id": billing["id"]}
        )
        assert moved.status_code == 200, moved.text

    rows: dict[str, dict[str, Any]] = {row["message_id"]: row for row in await outbox(admin)}
    assert rows[sent["message_id"]]["sender"] == f'"Ada (Shop Support)" <{SUPPORT}>'
    assert rows[waiting.json()["message_id"]]["sender"] == f'"Ada (Billing)" <{BILLING}>'
    assert await deliver(app, with_smtp(settings, sink)) == 1
    assert sink.received[-1].message["From"] == f'"Ada (Billing)" <{BILLING}>'
