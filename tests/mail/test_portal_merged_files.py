"""A request that another customer's ticket was merged into, in the customer portal
(docs/portal.md, "Files"): the other customer's email and its image, and the agent's reply to
them with its file, came along with the merge, but the portal neither lists nor serves any of
them, as a file or as a thumbnail, by the kept request's number or the merged one's; the
customer's own files still come. The other customer, whose request went into someone else's,
gets nothing of it either."""

from __future__ import annotations

from collections.abc import AsyncIterator
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    SmtpSink,
    outbox,
    post_mime,
    ticket_of,
    ticket_with_reply,
)
from tests.mail.test_portal import sign_in
from tests.mail.test_ticket_images import png, upload

pytestmark = SQLITE_ONLY

DAN = "dan@elsewhere.example"


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as client:
        yield client


async def reply_with_image(agent: Any, ticket: dict[str, Any], filename: str) -> dict[str, Any]:
    uploaded = await upload(agent, ticket, png(300, 200), filename, "image/png")
    assert uploaded.status_code == 201, uploaded.text
    replied = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": f"Here is {filename}.", "attachment_ids": [uploaded.json()["id"]]},
    )
    assert replied.status_code == 201, replied.text
    return dict(uploaded.json())


async def mail_with_image(
    http: httpx.AsyncClient, admin: Any, ticket_id: int, *, sender: str, filename: str
) -> None:
    """The customer answers the agent's last reply by email, with a photo attached."""
    rows = [r for r in await outbox(admin) if r["ticket_id"] == ticket_id]
    row = rows[-1]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row["headers"]["Reply-To"]
    message["Subject"] = "Re: Where is my parcel?"
    message["Message-ID"] = make_msgid(domain="example.org")
    message["In-Reply-To"] = row["message_id"]
    message.set_content(f"A photo from {sender}.")
    message.add_attachment(png(640, 480), "image", "png", filename=filename)
    mailed = await post_mime(
        http, message.as_bytes(policy=email_policy.SMTP), to=[row["headers"]["Reply-To"]]
    )
    assert mailed.status_code == 200, mailed.text


def mailed_part(ticket: dict[str, Any], filename: str) -> int:
    for entry in ticket["entries"]:
        for item in (entry.get("data") or {}).get("attachments") or []:
            if item.get("filename") == filename:
                return int(item["id"])
    raise AssertionError(f"no {filename}")


async def test_a_merged_in_customers_files_are_neither_listed_nor_served(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    sink: SmtpSink,
    browser: httpx.AsyncClient,
    http: httpx.AsyncClient,
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada Lovelace")
    admin = await desk.agent(role="admin")
    cora_ticket, _ = await ticket_with_reply(ada, inbox, then="hold")
    dan_ticket, _ = await ticket_with_reply(ada, inbox, then="hold", email=DAN)
    cora_label = await reply_with_image(ada, cora_ticket, "cora-label.png")
    dan_label = await reply_with_image(ada, dan_ticket, "dan-label.png")
    await mail_with_image(http, admin, dan_ticket["id"], sender=DAN, filename="dan-photo.png")
    merged = await ada.client.post(
        f"/api/v1/tickets/{dan_ticket['id']}/merge",
        json={"into_ticket_id": cora_ticket["id"], "other_customer": True},
    )
    assert merged.status_code == 201, merged.text
    kept = await ticket_of(ada, cora_ticket["id"])
    dan_photo = mailed_part(kept, "dan-photo.png")

    await sign_in(app, settings, sink, browser, CUSTOMER)
    page = await browser.get(f"/help/requests/{cora_ticket['number']}")
    assert page.status_code == 200, page.text
    assert "cora-label.png" in page.text
    for words in ("dan-label.png", "dan-photo.png", DAN):
        assert words not in page.text
    theirs = (f"file-{dan_label['id']}", f"mail-{dan_photo}")
    for number in (cora_ticket["number"], dan_ticket["number"]):
        for reference in theirs:
            for suffix in ("", "/thumbnail"):
                path = f"/help/requests/{number}/files/{reference}{suffix}"
                assert (await browser.get(path)).status_code == 404, path
    own = f"/help/requests/{cora_ticket['number']}/files/file-{cora_label['id']}"
    assert (await browser.get(own)).status_code == 200
    assert (await browser.get(f"{own}/thumbnail")).status_code == 200

    # Dan, whose request went into Cora's, reads none of it: not hers, not even his own files.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as dan:
        await sign_in(app, settings, sink, dan, DAN)
        for number in (cora_ticket["number"], dan_ticket["number"]):
            assert (await dan.get(f"/help/requests/{number}")).status_code == 404
            for reference in (*theirs, f"file-{cora_label['id']}"):
                path = f"/help/requests/{number}/files/{reference}"
                assert (await dan.get(path)).status_code == 404, path
