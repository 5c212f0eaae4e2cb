"""A received mail's images are thumbnailed before the transaction that stores the mail
(mail/receiving.py, `prepare`): a decode can take a while (a huge canvas, or uploads' decodes
ahead of it in the process's queue, files/thumbnails.py), and on SQLite a transaction holds the
process's one connection and the write lock, so decoding inside it stopped every other request of
the desk until it was done."""

from __future__ import annotations

import asyncio
import io
import time
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx
import pytest
from PIL import Image

from frontdesk.files import thumbnails
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import CUSTOMER, answered_ticket, inbound_entries, post_mime, ticket_of

pytestmark = SQLITE_ONLY

SLOW = 2.0


def mail(sent: dict[str, Any], *files: tuple[bytes, str]) -> bytes:
    """The customer's answer to our reply `sent`, with `files` (bytes, name) as PNG attachments."""
    message = EmailMessage()
    message["From"] = f"Cora Customer <{CUSTOMER}>"
    message["To"] = sent["headers"]["Reply-To"]
    message["Subject"] = "Re: Where is my parcel?"
    message["Message-ID"] = make_msgid(domain="example.org")
    message["In-Reply-To"] = sent["message_id"]
    message.set_content("Here is the photo.")
    for content, filename in files:
        message.add_attachment(content, "image", "png", filename=filename)
    return message.as_bytes(policy=policy.SMTP)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "teal").save(out, format="PNG")
    return out.getvalue()


@BOTH_STORES
async def test_a_slow_decode_of_a_received_image_lets_the_desk_work_meanwhile(
    http: httpx.AsyncClient, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, _inbox, ticket, sent = await answered_ticket(desk, then="hold")
    reply_to = sent["headers"]["Reply-To"]

    loop = asyncio.get_running_loop()
    decoding = asyncio.Event()
    decode = thumbnails.make_thumbnail

    def slow_decode(content: bytes) -> tuple[int, int, bytes]:
        loop.call_soon_threadsafe(decoding.set)
        time.sleep(SLOW)  # as a huge canvas, or the uploads before it in the queue
        return decode(content)

    monkeypatch.setattr(thumbnails, "make_thumbnail", slow_decode)
    received = asyncio.create_task(post_mime(http, mail(sent, (png(), "photo.png")), to=[reply_to]))
    await asyncio.wait_for(decoding.wait(), timeout=SLOW)
    started = time.monotonic()
    listed = await ada.client.get("/api/v1/tickets")
    took = time.monotonic() - started
    assert listed.status_code == 200, listed.text
    assert took < SLOW / 2

    response = await received
    assert response.status_code == 200, response.text
    (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
    (photo,) = entry["data"]["attachments"]
    assert (photo["image"], photo["width"], photo["height"]) == (True, 640, 480)


async def test_an_image_that_cannot_be_decoded_stays_a_plain_attachment(
    http: httpx.AsyncClient, desk: Desk
) -> None:
    ada, _inbox, ticket, sent = await answered_ticket(desk, then="hold")
    broken = b"\x89PNG\r\n\x1a\n" + b"x" * 200  # starts like a PNG, is none
    response = await post_mime(
        http,
        mail(sent, (broken, "scan.png"), (png(), "photo.png")),
        to=[sent["headers"]["Reply-To"]],
    )
    assert response.status_code == 200, response.text
    (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
    scan, photo = entry["data"]["attachments"]
    assert (scan["filename"], scan["image"], scan["width"]) == ("scan.png", False, None)
    assert (photo["filename"], photo["image"], photo["width"]) == ("photo.png", True, 640)
    base = f"/api/v1/tickets/{ticket['id']}/attachments/{scan['id']}"
    assert (await ada.client.get(base)).content == broken
    assert (await ada.client.get(base, params={"variant": "thumbnail"})).status_code == 404
