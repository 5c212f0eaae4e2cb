"""A message without a Message-ID delivered again (the sending server did not hear our 250 and
retries, an IMAP message is fetched again, a provider posts twice) is recognised by its bytes:
the second delivery adds nothing and the first stays as it was. The same bytes to another inbox,
or after the retry window, are a new message."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.mail.listener import InboundListener
from frontdesk.mail.models import InboundMessage, InboundStatus
from frontdesk.mail.receiving import REPEAT_WINDOW
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import CUSTOMER, SUPPORT, inbound_entries, post_mime, send_to_listener

pytestmark = SQLITE_ONLY

BILLING = "billing@shop.test"


def without_message_id(text: str = "My order #4411 never came.", *, to: str = SUPPORT) -> bytes:
    """As a script or a small device sends it: no Message-ID (nothing on the way added one)."""
    return (
        f"From: Cora Customer <{CUSTOMER}>\r\n"
        f"To: {to}\r\n"
        "Subject: Order missing\r\n"
        "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"{text}\r\n"
    ).encode()


async def _records(app: FastAPI) -> list[InboundMessage]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(select(InboundMessage).order_by(InboundMessage.id))
        return list(rows.all())


async def _ticket(agent: Any, ticket_id: int) -> dict[str, Any]:
    response = await agent.client.get(f"/api/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestRepeatedDelivery:
    async def test_a_retried_smtp_delivery_adds_nothing(
        self, app: FastAPI, desk: Desk, listener: InboundListener
    ) -> None:
        inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox])
        raw = without_message_id()
        assert await send_to_listener(listener.port, raw, recipients=[SUPPORT]) == {}
        (received,) = await _records(app)
        assert received.ticket_id is not None
        ticket = await _ticket(ada, received.ticket_id)
        (entry,) = inbound_entries(ticket)

        # The sender's retry: the very same bytes, to the same recipient.
        assert await send_to_listener(listener.port, raw, recipients=[SUPPORT]) == {}

        assert inbound_entries(await _ticket(ada, ticket["id"])) == [entry]
        first, second = await _records(app)
        assert first.status is InboundStatus.processed
        assert first.entry_id == entry["id"]
        assert second.status is InboundStatus.ignored
        assert second.error == f"already received (entry {entry['id']})"
        assert second.ticket_id == ticket["id"]
        assert second.raw_digest == first.raw_digest is not None

    @BOTH_STORES
    async def test_a_reply_posted_twice_over_http_is_one_entry(
        self, app: FastAPI, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox])
        raw = without_message_id("Any news on my order?")
        first = await post_mime(http, raw, to=[SUPPORT])
        assert first.status_code == 200, first.text
        assert first.json()["created_ticket"] is True
        again = await post_mime(http, raw, to=[SUPPORT])
        assert again.status_code == 200, again.text
        assert again.json()["status"] == "ignored"
        assert again.json()["ticket_id"] == first.json()["ticket_id"]
        assert again.json()["entry_id"] == first.json()["entry_id"]
        ticket = await _ticket(ada, first.json()["ticket_id"])
        assert [entry["text"] for entry in inbound_entries(ticket)] == ["Any news on my order?"]

    async def test_other_bytes_another_inbox_or_a_later_day_are_new_messages(
        self, app: FastAPI, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        support = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        billing = await desk.inbox(name="Billing", email_address=BILLING)
        ada = await desk.agent(inboxes=[support, billing])
        raw = without_message_id(to=f"{SUPPORT}, {BILLING}")
        first = (await post_mime(http, raw, to=[SUPPORT])).json()
        # Another message (its text differs), without a Message-ID either.
        other = (await post_mime(http, without_message_id("Another one."), to=[SUPPORT])).json()
        assert other["created_ticket"] is True
        # The same bytes delivered to another inbox: that inbox's own copy.
        elsewhere = (await post_mime(http, raw, to=[BILLING])).json()
        assert elsewhere["created_ticket"] is True
        assert (await _ticket(ada, elsewhere["ticket_id"]))["inbox_id"] == billing["id"]
        # Past the window the same bytes are news again (a device sending the same alert).
        async with app.state.sessionmaker() as session, session.begin():
            record = await session.get_one(InboundMessage, first["inbound_id"])
            record.received_at -= REPEAT_WINDOW + timedelta(hours=1)
        later = (await post_mime(http, raw, to=[SUPPORT])).json()
        assert later["created_ticket"] is True
        assert len({first["ticket_id"], other["ticket_id"], later["ticket_id"]}) == 3

    async def test_mail_with_a_message_id_keeps_its_rule(
        self, app: FastAPI, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        """Recognised by its Message-ID, whatever its bytes (a relay added a header), and no
        digest is kept for it."""
        await desk.inbox(name="Shop Support", email_address=SUPPORT)
        raw = without_message_id().replace(
            b"Subject:", b"Message-ID: <m1@example.org>\r\nSubject:", 1
        )
        first = (await post_mime(http, raw, to=[SUPPORT])).json()
        relayed = b"Received: from mx.example.org by desk; Tue, 1 Dec 2026 10:00:02 +0000\r\n" + raw
        again = (await post_mime(http, relayed, to=[SUPPORT])).json()
        assert again["status"] == "ignored"
        assert again["entry_id"] == first["entry_id"]
        assert [record.raw_digest for record in await _records(app)] == [None, None]
