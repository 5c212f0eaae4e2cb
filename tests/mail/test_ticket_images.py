"""Images on tickets (docs/desk.md, "Files on tickets"): an image attached to a reply, or received
as a mail's attachment, is known by its bytes and gets a thumbnail, served with safe headers only
to agents who may see the ticket; a file that only claims to be an image is never one."""

from __future__ import annotations

import io
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx
from fastapi import FastAPI
from PIL import Image

from frontdesk.files.models import StoredFile
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import (
    CUSTOMER,
    answered_ticket,
    inbound_entries,
    post_mime,
    ticket_of,
)
from tests.unit.support import count_rows, error_of

pytestmark = SQLITE_ONLY

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def png(width: int = 900, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(out, format="PNG")
    return out.getvalue()


async def upload(
    agent: Any, ticket: dict[str, Any], content: bytes, filename: str, content_type: str
) -> httpx.Response:
    response: httpx.Response = await agent.client.post(
        "/api/v1/uploads",
        params={"ticket_id": ticket["id"], "filename": filename},
        content=content,
        headers={"Content-Type": content_type},
    )
    return response


def assert_safe(response: httpx.Response, *, inline: bool) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "default-src 'none'; sandbox"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("inline;" if inline else "attachment;")
    # Kept by no cache, the agent's browser's included: a copy would outlive an erasure.
    assert response.headers["cache-control"] == "private, no-store"


async def test_an_image_attached_to_a_reply_gets_a_thumbnail_for_those_who_see_the_ticket(
    desk: Desk,
) -> None:
    ada, inbox, ticket, _sent = await answered_ticket(desk, then="hold")
    photo = png()
    # The browser's claim does not count: the bytes say it is a PNG.
    uploaded = await upload(ada, ticket, photo, "parcel.png", "application/octet-stream")
    assert uploaded.status_code == 201, uploaded.text
    file = uploaded.json()
    assert (file["content_type"], file["image"], file["width"], file["height"]) == (
        "image/png",
        True,
        900,
        600,
    )
    sent = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": "The photo of your parcel.", "attachment_ids": [file["id"]]},
    )
    assert sent.status_code == 201, sent.text
    (listed,) = sent.json()["data"]["attachments"]
    assert listed["image"] is True
    assert (listed["width"], listed["height"]) == (900, 600)

    colleague = await desk.agent(inboxes=[inbox], name="Grace")
    url = f"/api/v1/tickets/{ticket['id']}/files/{file['id']}"
    thumbnail = await colleague.client.get(url, params={"variant": "thumbnail"})
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/jpeg"
    assert_safe(thumbnail, inline=True)
    assert Image.open(io.BytesIO(thumbnail.content)).size == (480, 320)

    full = await colleague.client.get(url, params={"variant": "file"})
    assert full.status_code == 200
    assert full.headers["content-type"] == "image/png"
    assert_safe(full, inline=True)
    assert full.content == photo
    download = await colleague.client.get(url)
    assert download.headers["content-type"] == "application/octet-stream"
    assert_safe(download, inline=False)

    outsider = await desk.agent(name="Oscar")
    for variant in ("thumbnail", "file", "download"):
        error_of(await outsider.client.get(url, params={"variant": variant}), 404)
    error_of(await ada.client.get(url, params={"variant": "poster"}), 422)


async def test_a_disguised_file_is_never_an_image(app: FastAPI, desk: Desk) -> None:
    ada, _inbox, ticket, _sent = await answered_ticket(desk, then="hold")
    # An HTML page named and typed as a PNG is refused, and nothing of it is kept.
    error_of(await upload(ada, ticket, HTML, "photo.png", "image/png"), 422, "file_disguised")
    error_of(await upload(ada, ticket, HTML, "photo", "image/png"), 422, "file_disguised")
    assert await count_rows(app, StoredFile) == 0

    # Under its own name it is a file like any other: a download, never shown, no thumbnail.
    page = await upload(ada, ticket, HTML, "page.html", "text/html")
    assert page.status_code == 201, page.text
    assert (page.json()["content_type"], page.json()["image"]) == ("text/html", False)
    url = f"/api/v1/tickets/{ticket['id']}/files/{page.json()['id']}"
    error_of(await ada.client.get(url, params={"variant": "thumbnail"}), 404)
    shown = await ada.client.get(url, params={"variant": "file"})
    assert shown.headers["content-type"] == "application/octet-stream"
    assert_safe(shown, inline=False)

    # Bytes that only start like a PNG stay a download: the reply may still need to send them.
    broken = await upload(ada, ticket, b"\x89PNG\r\n\x1a\n" + b"x" * 200, "scan.png", "image/png")
    assert broken.status_code == 201, broken.text
    assert broken.json()["image"] is False


async def test_an_image_received_by_mail_gets_a_thumbnail(
    http: httpx.AsyncClient, desk: Desk
) -> None:
    ada, _inbox, ticket, sent = await answered_ticket(desk, then="hold")
    reply_to = sent["headers"]["Reply-To"]
    message = EmailMessage()
    message["From"] = f"Cora Customer <{CUSTOMER}>"
    message["To"] = reply_to
    message["Subject"] = "Re: Where is my parcel?"
    message["Message-ID"] = make_msgid(domain="example.org")
    message["In-Reply-To"] = sent["message_id"]
    message.set_content("Here is the photo, and the page I saw.")
    photo = png(640, 480)
    # Sent as an octet stream by the customer's mail program: the bytes decide.
    message.add_attachment(photo, "application", "octet-stream", filename="photo.png")
    message.add_attachment(HTML, "image", "png", filename="trap.png")
    response = await post_mime(http, message.as_bytes(policy=policy.SMTP), to=[reply_to])
    assert response.status_code == 200, response.text

    (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
    by_name = {item["filename"]: item for item in entry["data"]["attachments"]}
    assert by_name["photo.png"]["image"] is True
    assert (by_name["photo.png"]["width"], by_name["photo.png"]["height"]) == (640, 480)
    assert by_name["trap.png"]["image"] is False

    base = f"/api/v1/tickets/{ticket['id']}/attachments"
    thumbnail = await ada.client.get(
        f"{base}/{by_name['photo.png']['id']}", params={"variant": "thumbnail"}
    )
    assert thumbnail.status_code == 200
    assert_safe(thumbnail, inline=True)
    assert Image.open(io.BytesIO(thumbnail.content)).size == (480, 360)
    full = await ada.client.get(f"{base}/{by_name['photo.png']['id']}", params={"variant": "file"})
    assert full.headers["content-type"] == "image/png"
    assert_safe(full, inline=True)
    assert full.content == photo
    download = await ada.client.get(f"{base}/{by_name['photo.png']['id']}")
    assert_safe(download, inline=False)
    entries = f"/api/v1/tickets/{ticket['id']}/entries"
    original = await ada.client.get(f"{entries}/{entry['id']}/original")
    assert original.headers["content-type"] == "message/rfc822"
    assert original.headers["cache-control"] == "private, no-store"

    trap = f"{base}/{by_name['trap.png']['id']}"
    error_of(await ada.client.get(trap, params={"variant": "thumbnail"}), 404)
    shown = await ada.client.get(trap, params={"variant": "file"})
    assert shown.headers["content-type"] == "application/octet-stream"
    assert_safe(shown, inline=False)
    outsider = await desk.agent(name="Oscar")
    error_of(
        await outsider.client.get(
            f"{base}/{by_name['photo.png']['id']}", params={"variant": "thumbnail"}
        ),
        404,
    )
