"""Forwarding a ticket's email carries its files: a customer's attachments (kept with the raw
mail) and the files an agent sent, as MIME parts of the forward, checked byte for byte at an SMTP
server on loopback. Files over the size one mail may carry are named in the forward instead."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail.listener import InboundListener
from tests.conftest import Desk
from tests.mail.support import (
    CUSTOMER,
    SmtpSink,
    answered_ticket,
    deliver,
    inbound_entries,
    outbox,
    send_to_listener,
    ticket_of,
    with_smtp,
)

COURIER = "claims@courier.example.com"
LIMIT = 256 * 1024
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 400  # about 100 KB
RECEIPT = b"%PDF-1.4\n" + bytes(reversed(range(256))) * 200 + b"\n%%EOF\n"  # about 50 KB
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\x01\x02\x03" * 70_000  # about 205 KB: over with PHOTO
LOGO = b"GIF89a" + b"\x00" * 300


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_attachment_bytes": LIMIT})


def mail_with_files(*, to: str, in_reply_to: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Cora Customer <{CUSTOMER}>"
    message["To"] = to
    message["Subject"] = "Re: Where is my parcel?"
    message["Message-ID"] = make_msgid(domain="example.org")
    message["Date"] = "Tue, 01 Dec 2026 10:00:00 +0000"
    message["In-Reply-To"] = in_reply_to
    message.set_content("It arrived broken, see the photo, the receipt and the video.")
    message.add_alternative('<p>It arrived broken.</p><img src="cid:logo@example.org">', "html")
    html = message.get_body(preferencelist=("html",))
    assert isinstance(html, EmailMessage)
    html.add_related(
        LOGO, "image", "gif", cid="<logo@example.org>", filename="logo.gif", disposition="inline"
    )
    message.add_attachment(PHOTO, "image", "png", filename="colis cassé.png")
    message.add_attachment(RECEIPT, "application", "pdf", filename="receipt.pdf")
    message.add_attachment(VIDEO, "video", "mp4", filename="unboxing.mp4")
    return message.as_bytes(policy=policy.SMTP)


def parts(message: EmailMessage) -> dict[str, tuple[str, bytes]]:
    found: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_attachments():
        assert isinstance(part, EmailMessage)
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found[str(part.get_filename())] = (part.get_content_type(), payload)
    return found


async def forward(agent: Any, ticket: dict[str, Any], entry_id: int) -> dict[str, Any]:
    response = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/entries/{entry_id}/forward",
        json={"to": [COURIER], "text": "Please look at this claim."},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_customers_attachments_go_with_the_forward_within_the_limit(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, listener: InboundListener
) -> None:
    ada, _inbox, ticket, sent = await answered_ticket(desk, then="hold")
    reply_to = sent["headers"]["Reply-To"]
    raw = mail_with_files(to=reply_to, in_reply_to=sent["message_id"])
    assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}
    (customer_mail,) = inbound_entries(await ticket_of(ada, ticket["id"]))

    entry = await forward(ada, ticket, customer_mail["id"])
    # In the message's order, files before the inline logo, while they fit the limit together:
    # the photo and the receipt (150 KB); the video would go over and is named instead.
    assert [item["filename"] for item in entry["data"]["attachments"]] == [
        "colis cassé.png",
        "receipt.pdf",
        "logo.gif",
    ]
    assert [item["filename"] for item in entry["data"]["attachments_left_out"]] == ["unboxing.mp4"]
    assert "Not attached (the files of one email may be at most 256 KB together)" in entry["text"]
    assert "- unboxing.mp4 (205 KB)" in entry["text"]

    await deliver(app, with_smtp(settings, sink))
    received = sink.received[-1]
    assert received.rcpt_tos == [COURIER]
    message = received.message
    assert message.get_content_type() == "multipart/mixed"
    assert parts(message) == {
        "colis cassé.png": ("image/png", PHOTO),
        "receipt.pdf": ("application/pdf", RECEIPT),
        "logo.gif": ("image/gif", LOGO),
    }
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = str(body.get_content())
    assert "It arrived broken, see the photo" in text
    assert "unboxing.mp4" in text

    # The desk downloads the forward's files from where they are kept, like the original's.
    for item in entry["data"]["attachments"]:
        download = await ada.client.get(f"/api/v1/tickets/{ticket['id']}/attachments/{item['id']}")
        assert download.status_code == 200
    # The outbox viewer shows the same message as was sent.
    admin = await desk.agent(role="admin")
    (row,) = [r for r in await outbox(admin) if r["message_id"] == entry["message_id"]]
    shown = await admin.client.get(f"/api/v1/outbox/{row['id']}/raw")
    assert shown.content == received.raw

    # Forwarding the forward carries the same files again.
    again = await forward(ada, ticket, entry["id"])
    assert [item["filename"] for item in again["data"]["attachments"]] == [
        "colis cassé.png",
        "receipt.pdf",
        "logo.gif",
    ]
    await deliver(app, with_smtp(settings, sink))
    assert parts(sink.received[-1].message) == parts(message)


async def test_the_files_an_agent_sent_go_with_the_forward(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
) -> None:
    ada, _inbox, ticket, _sent = await answered_ticket(desk, then="hold")
    uploaded = await ada.client.post(
        "/api/v1/uploads",
        params={"ticket_id": ticket["id"], "filename": "label.pdf"},
        content=RECEIPT,
        headers={"Content-Type": "application/pdf"},
    )
    assert uploaded.status_code == 201, uploaded.text
    reply = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": "Here is the return label.", "attachment_ids": [uploaded.json()["id"]]},
    )
    assert reply.status_code == 201, reply.text
    entry = await forward(ada, ticket, reply.json()["id"])
    (listed,) = entry["data"]["attachments"]
    assert listed["stored"] is True
    assert entry["data"]["attachments_left_out"] == []

    await deliver(app, with_smtp(settings, sink))
    forwarded = [r for r in sink.received if r.rcpt_tos == [COURIER]]
    (received,) = forwarded
    assert parts(received.message) == {"label.pdf": ("application/pdf", RECEIPT)}
    assert "Not attached" not in entry["text"]
