"""A mail received again (a sending server that retries, a provider that posts twice, a mailbox
whose message is fetched again) is ignored, and its images are not decoded for it: `prepare`
looks its Message-ID up before it draws thumbnails (mail/receiving.py). The transaction's own
check still decides, so copies arriving together end as one entry, and a copy whose twin is gone
by the time it is stored still gets its thumbnails. Decodes are counted at
`files/thumbnails.make_thumbnail`, the one function every image decode goes through."""

from __future__ import annotations

import asyncio
import imaplib
import io
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import update

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.files import thumbnails
from frontdesk.mail import receiving
from frontdesk.mail.fetching import fetch_due_mailboxes
from frontdesk.mail.listener import InboundListener
from frontdesk.mail.receiving import Delivery, InboundResult
from frontdesk.mail.writer import InboundWriter
from frontdesk.tickets.models import TicketEntry
from tests.conftest import Desk
from tests.mail.dovecot import Dovecot
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    answered_ticket,
    inbound_entries,
    post_mime,
    send_to_listener,
    ticket_of,
)


def png(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, format="PNG")
    return out.getvalue()


def photos_mail(to: str, *, in_reply_to: str | None = None) -> bytes:
    """The customer's mail with two photos attached."""
    message = EmailMessage()
    message["From"] = f"Cora Customer <{CUSTOMER}>"
    message["To"] = to
    message["Subject"] = "Re: Where is my parcel?" if in_reply_to else "Crushed parcel"
    message["Message-ID"] = make_msgid(domain="example.org")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content("Here are the photos.")
    message.add_attachment(png("teal"), "image", "png", filename="front.png")
    message.add_attachment(png("orange"), "image", "png", filename="back.png")
    return message.as_bytes(policy=policy.SMTP)


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every image decoded, in order."""
    seen: list[int] = []
    decode = thumbnails.make_thumbnail

    def counted(content: bytes) -> tuple[int, int, bytes]:
        seen.append(len(content))
        return decode(content)

    monkeypatch.setattr(thumbnails, "make_thumbnail", counted)
    return seen


def images_of(entry: dict[str, Any]) -> list[tuple[str, bool, int | None]]:
    return [
        (item["filename"], item["image"], item["width"]) for item in entry["data"]["attachments"]
    ]


async def test_a_mail_posted_again_is_ignored_without_decoding_its_images(
    http: httpx.AsyncClient, desk: Desk, decodes: list[int]
) -> None:
    ada, _inbox, ticket, sent = await answered_ticket(desk, then="hold")
    reply_to = sent["headers"]["Reply-To"]
    raw = photos_mail(reply_to, in_reply_to=sent["message_id"])

    first = (await post_mime(http, raw, to=[reply_to])).json()
    assert first["status"] == "processed"
    assert len(decodes) == 2
    again = (await post_mime(http, raw, to=[reply_to])).json()
    assert again["status"] == "ignored"
    assert again["entry_id"] == first["entry_id"]
    assert len(decodes) == 2

    (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
    assert images_of(entry) == [("front.png", True, 320), ("back.png", True, 320)]


async def test_a_retried_smtp_delivery_decodes_nothing_again(
    desk: Desk, listener: InboundListener, decodes: list[int]
) -> None:
    ada, _inbox, ticket, sent = await answered_ticket(desk, then="hold")
    reply_to = sent["headers"]["Reply-To"]
    raw = photos_mail(reply_to, in_reply_to=sent["message_id"])
    for _ in range(3):  # the sender never saw our 250, and tried again twice
        assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}
    assert len(decodes) == 2
    (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
    assert images_of(entry) == [("front.png", True, 320), ("back.png", True, 320)]


async def test_a_message_fetched_again_from_the_mailbox_is_not_decoded_again(
    app: FastAPI, settings: Settings, desk: Desk, dovecot: Dovecot, decodes: list[int]
) -> None:
    inbox = await desk.inbox(name="Support", email_address=SUPPORT)
    admin = await desk.agent(role="admin")
    connected = await admin.client.put(
        f"/api/v1/inboxes/{inbox['id']}/mailbox",
        json={
            "host": dovecot.host,
            "port": dovecot.port,
            "security": "plain",
            "username": dovecot.user,
            "secret": dovecot.password,
        },
    )
    assert connected.status_code == 200, connected.text
    raw = photos_mail(SUPPORT)

    def append() -> None:
        imap = imaplib.IMAP4(dovecot.host, dovecot.port)
        imap.login(dovecot.user, dovecot.password)
        assert imap.append("INBOX", None, None, raw)[0] == "OK"
        imap.logout()

    await asyncio.to_thread(append)
    assert await fetch_due_mailboxes(app.state.sessionmaker, settings) == 1
    assert len(decodes) == 2
    # Someone copied it back into the folder: it is fetched again, as a new UID.
    await asyncio.to_thread(append)
    assert await fetch_due_mailboxes(app.state.sessionmaker, settings) == 1
    assert len(decodes) == 2

    listed = (await admin.client.get("/api/v1/inbound", params={"status": "ignored"})).json()
    (ignored,) = listed
    assert ignored["via"] == "imap"
    (item,) = (await admin.client.get("/api/v1/tickets")).json()["items"]
    (entry,) = inbound_entries(await ticket_of(admin, item["id"]))
    assert images_of(entry) == [("front.png", True, 320), ("back.png", True, 320)]


async def test_copies_arriving_together_are_one_entry_and_one_decode(
    app: FastAPI, desk: Desk, decodes: list[int]
) -> None:
    ada, _inbox, ticket, sent = await answered_ticket(desk, then="hold")
    reply_to = sent["headers"]["Reply-To"]
    raw = photos_mail(reply_to, in_reply_to=sent["message_id"])
    writer = InboundWriter(app.state.sessionmaker)
    try:
        results = await asyncio.gather(
            *(writer.receive(Delivery(raw, [reply_to], CUSTOMER)) for _ in range(3))
        )
    finally:
        await writer.stop()
    assert all(isinstance(result, InboundResult) for result in results)
    assert sorted(result.status.value for result in results) == ["ignored", "ignored", "processed"]
    # Both copies were new when the batch was prepared; the first is decoded, the others wait
    # for the transaction, which keeps the first.
    assert len(decodes) == 2
    (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
    assert images_of(entry) == [("front.png", True, 320), ("back.png", True, 320)]


async def test_a_copy_whose_twin_is_gone_by_then_still_gets_its_thumbnails(
    app: FastAPI, http: httpx.AsyncClient, desk: Desk, decodes: list[int]
) -> None:
    """Taken for a duplicate before the transaction, found new inside it (the first copy's entry
    no longer carries the Message-ID): stored, with its thumbnails drawn then."""
    ada, _inbox, ticket, sent = await answered_ticket(desk, then="hold")
    reply_to = sent["headers"]["Reply-To"]
    raw = photos_mail(reply_to, in_reply_to=sent["message_id"])
    first = (await post_mime(http, raw, to=[reply_to])).json()
    assert len(decodes) == 2

    sessionmaker = app.state.sessionmaker
    (prepared,) = await receiving.prepare(
        [Delivery(raw, [reply_to], CUSTOMER)], sessionmaker=sessionmaker
    )
    assert prepared.thumbnails is None
    assert len(decodes) == 2
    async with unit_of_work(sessionmaker) as session:
        await session.execute(
            update(TicketEntry).where(TicketEntry.id == first["entry_id"]).values(message_id=None)
        )
    async with unit_of_work(sessionmaker) as session:
        (outcome,) = await receiving.receive_inbound_batch(session, [prepared])
    assert isinstance(outcome, InboundResult)
    assert outcome.status.value == "processed"
    assert len(decodes) == 4
    second = inbound_entries(await ticket_of(ada, ticket["id"]))[-1]
    assert second["id"] == outcome.entry_id
    assert images_of(second) == [("front.png", True, 320), ("back.png", True, 320)]
