"""Files in side conversations through real SMTP on loopback (docs/desk.md, "Side conversations"):
Ada sends the courier the shipping label with her question, the mail leaves through the outbox
with it attached; the courier's answer, carrying a photo of the crushed parcel and an invoice,
comes back through our SMTP listener and both land as files of the side message (the photo with a
thumbnail drawn from its bytes), read by the inbox's agents, light agents included, and by nobody
else: an agent of another inbox gets 404, and Cora's portal neither lists nor serves them."""

from __future__ import annotations

import io
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import select

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.files import service as files_service
from frontdesk.files.models import StoredFile
from frontdesk.files.store import file_store
from frontdesk.kit.clock import utcnow
from frontdesk.mail.listener import InboundListener
from frontdesk.mail.models import MailAttachment
from frontdesk.privacy import retention
from frontdesk.privacy.files import delete_queued_files
from frontdesk.side_conversations.models import SideConversationFile
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import (
    SmtpSink,
    deliver,
    post_mime,
    send_to_listener,
    ticket_of,
    ticket_with_reply,
    with_smtp,
)
from tests.mail.test_portal import browser, scene, sign_in
from tests.unit.support import count_rows, error_of

__all__ = ["browser"]

pytestmark = SQLITE_ONLY

COURIER = "claims@courier.example.com"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
LABEL = b"%PDF-1.4\n% shipping label 4411\ntrailer << >>\n%%EOF\n"
LIMIT = 64 * 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Small enough for two uploads to break it together.
    return settings.model_copy(update={"max_attachment_bytes": LIMIT})


async def upload(agent: Any, ticket: dict[str, Any], content: bytes, filename: str) -> int:
    response = await agent.client.post(
        "/api/v1/uploads",
        params={"ticket_id": ticket["id"], "filename": filename},
        content=content,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def png(width: int = 900, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(out, format="PNG")
    return out.getvalue()


def answer_with_files(*, to: str, in_reply_to: str, photo: bytes) -> bytes:
    message = EmailMessage()
    message["From"] = f"Claims <{COURIER}>"
    message["To"] = to
    message["Subject"] = "Re: Where is my parcel?"
    message["Message-ID"] = make_msgid(domain="courier.example.com")
    message["In-Reply-To"] = in_reply_to
    message["References"] = in_reply_to
    message.set_content("It was crushed in the van: photo and our invoice attached.")
    message.add_attachment(photo, maintype="image", subtype="png", filename="parcel.png")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="invoice.pdf")
    return message.as_bytes(policy=policy.SMTP)


async def sides(agent: Any, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    response = await agent.client.get(f"/api/v1/tickets/{ticket['id']}/side-conversations")
    assert response.status_code == 200, response.text
    return list(response.json()["side_conversations"])


# The side conversation's files reach PostgreSQL here (their link rows, the merge's and the
# download's queries): no other test sends those statements there.
@BOTH_STORES
async def test_files_go_both_ways_and_stay_with_the_inboxs_agents(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    sink: SmtpSink,
    listener: InboundListener,
    browser: httpx.AsyncClient,
) -> None:
    ada, inbox, ticket = await scene(desk, then="hold")
    uploaded = await ada.client.post(
        "/api/v1/uploads",
        params={"ticket_id": ticket["id"], "filename": "label.pdf"},
        content=LABEL,
        headers={"Content-Type": "application/pdf"},
    )
    assert uploaded.status_code == 201, uploaded.text
    label = uploaded.json()
    started = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/side-conversations",
        json={
            "to": [COURIER],
            "text": "Was parcel 4411 damaged? The label is attached.",
            "attachment_ids": [label["id"]],
        },
    )
    assert started.status_code == 201, started.text
    side = started.json()
    (first,) = side["messages"]
    assert [(f["id"], f["filename"], f["stored"]) for f in first["data"]["attachments"]] == [
        (label["id"], "label.pdf", True)
    ]

    # The mail to the courier carries the label.
    await deliver(app, with_smtp(settings, sink))
    (sent,) = [r for r in sink.received if r.rcpt_tos == [COURIER]]
    (part,) = list(sent.message.iter_attachments())
    assert part.get_filename() == "label.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == LABEL

    # The courier answers with a photo and an invoice.
    photo = png()
    reply_to = str(sent.message["Reply-To"])
    raw = answer_with_files(to=reply_to, in_reply_to=str(sent.message["Message-ID"]), photo=photo)
    assert await send_to_listener(listener.port, raw, sender=COURIER, recipients=[reply_to]) == {}
    (got,) = await sides(ada, ticket)
    answer = got["messages"][-1]
    assert answer["direction"] == "in"
    image, invoice = answer["data"]["attachments"]
    assert (image["filename"], image["content_type"], image["image"]) == (
        "parcel.png",
        "image/png",
        True,
    )
    assert (image["width"], image["height"]) == (900, 600)
    assert (invoice["filename"], invoice["image"], invoice["size"]) == (
        "invoice.pdf",
        False,
        len(PDF),
    )

    # Ada downloads them through the ticket, as a ticket's mail's attachments are.
    received = f"/api/v1/tickets/{ticket['id']}/attachments"
    pdf = await ada.client.get(f"{received}/{invoice['id']}")
    assert pdf.status_code == 200
    assert pdf.content == PDF
    assert pdf.headers["content-disposition"].startswith("attachment;")
    thumbnail = await ada.client.get(f"{received}/{image['id']}", params={"variant": "thumbnail"})
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumbnail.content)).size == (480, 320)
    full = await ada.client.get(f"{received}/{image['id']}", params={"variant": "file"})
    assert full.content == photo

    # A light agent of the inbox reads them, and the label Ada sent; another inbox's agent not.
    sent_file = f"/api/v1/tickets/{ticket['id']}/files/{label['id']}"
    lee = await desk.agent(role="collaborator", inboxes=[inbox], name="Lee")
    assert (await lee.client.get(f"{received}/{invoice['id']}")).content == PDF
    assert (await lee.client.get(sent_file)).content == LABEL
    other = await desk.inbox(name="Wholesale", email_address="trade@shop.test")
    oscar = await desk.agent(inboxes=[other], name="Oscar")
    for url in (f"{received}/{invoice['id']}", f"{received}/{image['id']}", sent_file):
        error_of(await oscar.client.get(url), 404)

    # Not in the customer's thread.
    after = await ticket_of(ada, ticket["id"])
    assert all(not (e.get("data") or {}).get("attachments") for e in after["entries"])

    # Cora, signed in to My requests: her request, listing none of them, serving none of them.
    await sign_in(app, settings, sink, browser)
    page = await browser.get(f"/help/requests/{ticket['number']}")
    assert page.status_code == 200
    for words in ("parcel.png", "invoice.pdf", "label.pdf", "crushed"):
        assert words not in page.text
    base = f"/help/requests/{ticket['number']}/files"
    for reference in (f"mail-{invoice['id']}", f"mail-{image['id']}", f"file-{label['id']}"):
        assert (await browser.get(f"{base}/{reference}")).status_code == 404


async def test_a_reply_sends_uploads_once_within_the_limits(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
) -> None:
    ada, inbox, ticket = await scene(desk, then="hold")
    side = (
        await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/side-conversations",
            json={"to": [COURIER], "text": "Was parcel 4411 damaged?"},
        )
    ).json()
    replies = f"/api/v1/side-conversations/{side['id']}/replies"
    photo = png(64, 48)
    photo_id = await upload(ada, ticket, photo, "parcel.png")
    replied = await ada.client.post(
        replies, json={"text": "Here is how it arrived.", "attachment_ids": [photo_id]}
    )
    assert replied.status_code == 201, replied.text
    (listed,) = replied.json()["data"]["attachments"]
    assert (listed["id"], listed["stored"], listed["image"]) == (photo_id, True, True)
    await deliver(app, with_smtp(settings, sink))
    mail = [r for r in sink.received if r.rcpt_tos == [COURIER]][-1].message
    (part,) = list(mail.iter_attachments())
    assert (part.get_filename(), part.get_content_type()) == ("parcel.png", "image/png")
    assert part.get_content() == photo

    # Sent once: neither another side message nor a reply to the customer sends it again.
    again = error_of(
        await ada.client.post(replies, json={"text": "Again", "attachment_ids": [photo_id]}), 422
    )
    assert f"No upload {photo_id} waits on this ticket" in str(again)
    error_of(
        await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies",
            json={"text": "Photo", "attachment_ids": [photo_id]},
        ),
        422,
    )
    # Another agent's upload is theirs; more than ten, or too large together, is refused.
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    hers = await upload(grace, ticket, b"notes", "notes.txt")
    error_of(await ada.client.post(replies, json={"text": "x", "attachment_ids": [hers]}), 422)
    error_of(
        await ada.client.post(replies, json={"text": "x", "attachment_ids": list(range(1, 12))}),
        422,
    )
    big = [await upload(ada, ticket, bytes(40 * 1024), f"part{n}.bin") for n in (1, 2)]
    too_large = error_of(
        await ada.client.post(replies, json={"text": "x", "attachment_ids": big}),
        413,
        "file_too_large",
    )
    assert "at most 0.0625 MB together" in str(too_large)
    assert (
        len((await ada.client.get(f"/api/v1/side-conversations/{side['id']}")).json()["messages"])
        == 2
    )

    # The sweep of unsent uploads takes the ones never sent and leaves the sent photo.
    async with unit_of_work(app.state.sessionmaker) as session:
        swept = await files_service.delete_unsent_uploads(
            session,
            store=file_store(settings),
            now=utcnow() + timedelta(days=2),
            older_than=timedelta(hours=1),
            limit=100,
        )
    assert swept == 3
    sent_file = f"/api/v1/tickets/{ticket['id']}/files/{photo_id}"
    assert (await grace.client.get(sent_file)).content == photo


async def test_the_files_move_with_a_merge_and_go_with_the_ticket(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, http: httpx.AsyncClient
) -> None:
    ada, inbox, kept = await scene(desk, then="hold")
    merged, _sent = await ticket_with_reply(ada, inbox, then="hold")
    label = await upload(ada, merged, LABEL, "label.pdf")
    side = (
        await ada.client.post(
            f"/api/v1/tickets/{merged['id']}/side-conversations",
            json={"to": [COURIER], "text": "Damaged?", "attachment_ids": [label]},
        )
    ).json()
    await deliver(app, with_smtp(settings, sink))
    (sent,) = [r for r in sink.received if r.rcpt_tos == [COURIER]]
    reply_to = str(sent.message["Reply-To"])
    raw = answer_with_files(to=reply_to, in_reply_to=str(sent.message["Message-ID"]), photo=png())
    assert (await post_mime(http, raw, to=[reply_to])).status_code in (200, 201)
    (got,) = await sides(ada, merged)
    invoice = got["messages"][-1]["data"]["attachments"][1]

    def urls(ticket: dict[str, Any]) -> list[str]:
        return [
            f"/api/v1/tickets/{ticket['id']}/attachments/{invoice['id']}",
            f"/api/v1/tickets/{ticket['id']}/files/{label}",
        ]

    move = await ada.client.post(
        f"/api/v1/tickets/{merged['id']}/merge", json={"into_ticket_id": kept["id"]}
    )
    assert move.status_code == 201, move.text
    for url in urls(kept):
        assert (await ada.client.get(url)).status_code == 200, url
    for url in urls(merged):
        error_of(await ada.client.get(url), 404)
    # A file sent on the kept ticket after the merge goes back with its side conversation.
    later = await upload(ada, kept, b"later", "later.txt")
    replied = await ada.client.post(
        f"/api/v1/side-conversations/{side['id']}/replies",
        json={"text": "And this", "attachment_ids": [later]},
    )
    assert replied.status_code == 201, replied.text
    undone = await ada.client.post(f"/api/v1/tickets/moves/{move.json()['id']}/undo")
    assert undone.status_code == 200, undone.text
    for url in [*urls(merged), f"/api/v1/tickets/{merged['id']}/files/{later}"]:
        assert (await ada.client.get(url)).status_code == 200, url

    # Deleted with the ticket (spam emptied): the rows, their links and the bytes.
    admin = await desk.agent(role="admin", inboxes=[inbox])
    spam = await admin.client.post(f"/api/v1/tickets/{merged['id']}/spam", json={})
    assert spam.status_code == 200, spam.text
    async with unit_of_work(app.state.sessionmaker) as session:
        keys = list(
            await session.scalars(select(StoredFile.key).where(StoredFile.id.in_([label, later])))
        )
        deleted = await retention.delete_spam(
            session, marked_before=utcnow() + timedelta(days=1), limit=10
        )
    assert deleted == 1
    assert await count_rows(app, SideConversationFile) == 0
    assert await count_rows(app, MailAttachment, MailAttachment.ticket_id == merged["id"]) == 0
    assert await count_rows(app, StoredFile, StoredFile.ticket_id == merged["id"]) == 0
    store = file_store(settings)
    # Their bytes, once the deletion's queue is worked through (privacy/files.py).
    await delete_queued_files(app.state.sessionmaker, store)
    for key in keys:
        with pytest.raises(FileNotFoundError):
            await store.read(key)
