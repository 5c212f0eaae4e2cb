"""An erased customer's old reply address must not reach the next customer: ids are never given
twice (migration 0056), so the reply address of a deleted ticket names no ticket at all, and a
reply to it starts a new conversation of its own."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail.listener import InboundListener
from tests.conftest import Desk
from tests.mail.support import (
    SUPPORT,
    SmtpSink,
    deliver,
    reply_mail,
    send_to_listener,
    ticket_of,
    with_smtp,
)

VICTOR = "victor@example.org"
NINA = "nina@example.net"


def first_mail(sender: str, name: str, text: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = SUPPORT
    message["Subject"] = f"A question from {name}"
    message["Message-ID"] = make_msgid(domain=sender.split("@")[1])
    message.set_content(text)
    return bytes(message)


async def new_ticket(agent: Any, listener: InboundListener, sender: str, text: str) -> Any:
    raw = first_mail(sender, sender.split("@")[0].title(), text)
    assert await send_to_listener(listener.port, raw, sender=sender, recipients=[SUPPORT]) == {}
    listed = (await agent.client.get("/api/v1/tickets", params={"state": "open"})).json()
    (ticket,) = [
        await ticket_of(agent, item["id"])
        for item in listed["items"]
        if sender in (await ticket_of(agent, item["id"]))["customer"]["emails"]
    ]
    return ticket


async def _tickets(agent: Any) -> list[dict[str, Any]]:
    listed = (await agent.client.get("/api/v1/tickets", params={"state": "open"})).json()
    return [await ticket_of(agent, item["id"]) for item in listed["items"]]


async def test_an_erased_customers_old_reply_address_does_not_reach_the_next_customer(
    app: FastAPI, settings: Settings, desk: Desk, listener: InboundListener, sink: SmtpSink
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    admin = await desk.agent(role="admin")

    victors = await new_ticket(ada, listener, VICTOR, "Where is my order?")
    answered = await ada.client.post(
        f"/api/v1/tickets/{victors['id']}/replies", json={"text": "On its way.", "then": "close"}
    )
    assert answered.status_code == 201, answered.text
    assert await deliver(app, with_smtp(settings, sink)) == 1
    (sent,) = sink.received
    reply_to = sent.message["Reply-To"]
    assert reply_to.startswith(f"reply+{victors['id']}.")

    erased = await admin.client.post(
        f"/api/v1/customers/{victors['customer']['id']}/erase", json={"confirm": VICTOR}
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["counts"]["tickets"] == 1

    ninas = await new_ticket(ada, listener, NINA, "My parcel is damaged.")
    assert ninas["id"] != victors["id"]
    assert ninas["customer"]["id"] != victors["customer"]["id"]

    late = reply_mail(to=reply_to, sender=VICTOR, text="VICTOR-LATE-REPLY: thanks, it came!")
    # The address names a ticket that is gone, and no other: the reply starts a conversation
    # of its own in the inbox Victor's was in (docs/privacy.md), never Nina's.
    assert await send_to_listener(listener.port, late, sender=VICTOR, recipients=[reply_to]) == {}
    (again,) = [
        ticket for ticket in await _tickets(ada) if ticket["id"] not in (victors["id"], ninas["id"])
    ]
    assert again["customer"]["emails"] == [VICTOR]
    assert again["customer"]["id"] not in (victors["customer"]["id"], ninas["customer"]["id"])

    after = await ticket_of(ada, ninas["id"])
    assert not [entry for entry in after["entries"] if "VICTOR-LATE-REPLY" in entry["text"]]
    export = await admin.client.get(f"/api/v1/customers/{ninas['customer']['id']}/export")
    assert export.status_code == 200, export.text
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"VICTOR-LATE-REPLY" not in everything
    assert VICTOR.encode() not in everything
    # The erasure's record and the audit log's "customer #id" still name Victor's id alone.
    (record,) = (await admin.client.get("/api/v1/erasures")).json()
    assert record["customer_id"] == victors["customer"]["id"] != ninas["customer"]["id"]
