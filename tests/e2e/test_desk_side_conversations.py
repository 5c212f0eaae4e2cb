"""Side conversations in real Chromium (docs/desk.md, "Side conversations"): Ada starts one from a
ticket's sidebar with the courier; a colleague with the ticket open sees it appear live with its
timeline line; the courier's answer arrives through our SMTP listener and shows in the side
conversation on both desks, marked "New reply", as text (never markup), never in the customer's
thread, its photo of the parcel as a thumbnail; Ada attaches a PDF to her reply in it, which shows
as a download card, and closes it (screenshot docs/images/desk-side-conversations.png); no serious
accessibility violation."""

from __future__ import annotations

import io
import re
import shutil
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from PIL import Image
from playwright.async_api import Browser, FilePayload, expect
from sqlalchemy import select

from frontdesk.mail.listener import InboundListener
from frontdesk.mail.models import OutboxMessage
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.mail.support import SUPPORT, reply_mail, send_to_listener

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
COURIER = "claims@courier.example.com"
INVOICE = b"%PDF-1.4\n% invoice 4411\ntrailer << >>\n%%EOF\n"


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 400), "#b45309").save(out, format="PNG")
    return out.getvalue()


async def test_an_agent_starts_a_side_conversation_and_sees_the_answer_arrive(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    listener: InboundListener,
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.user(name="Ada Lovelace")
    ben = await desk.user(name="Ben Okafor")
    await desk.add_member(inbox, ada)
    await desk.add_member(inbox, ben)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    ticket: dict[str, Any] = await api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora Customer"},
            "subject": "Parcel 4411 arrived broken",
        },
        status=201,
    )
    watcher = await open_desk(browser, live, ben)
    await watcher.goto(f"{live}/tickets/{ticket['id']}")
    watched = watcher.get_by_test_id("side-conversations")
    await expect(watched).to_contain_text("the customer never sees it")

    await page.goto(f"{live}/tickets/{ticket['id']}")
    panel = page.get_by_test_id("side-conversations")
    await panel.get_by_role("button", name="Start a side conversation").click()
    await expect(panel.get_by_label("Subject", exact=True)).to_have_value(
        "Parcel 4411 arrived broken"
    )
    await panel.get_by_test_id("side-to").fill(COURIER)
    await panel.get_by_label("Message", exact=True).fill("Was parcel 4411 damaged in transit?")
    await panel.get_by_role("button", name="Send").click()
    sides = panel.get_by_test_id("side-conversation")
    await expect(sides).to_have_count(1)
    await expect(sides.nth(0)).to_contain_text(COURIER)
    await expect(sides.nth(0)).to_contain_text("Open")
    await expect(panel.get_by_test_id("side-message")).to_have_count(1)

    # Ben sees it arrive, and the line on the timeline.
    await expect(watched.get_by_test_id("side-conversation")).to_have_count(1)
    await expect(
        watcher.get_by_text(f"Ada Lovelace started a side conversation with {COURIER}")
    ).to_be_visible()

    # The courier answers by email, through our SMTP listener, to its own reply address.
    async with app.state.sessionmaker() as session:
        sent = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.ticket_id == ticket["id"])
        )
    assert sent is not None
    reply_to = sent.headers["Reply-To"]
    answered = message_from_bytes(
        reply_mail(
            to=reply_to,
            sender=COURIER,
            subject="Re: Parcel 4411 arrived broken",
            text="Yes: crushed <b>in the van</b>. Refund approved.",
            in_reply_to=sent.message_id,
        ),
        policy=policy.SMTP,
    )
    answered.replace_header("From", f"Courier Claims <{COURIER}>")
    answered.add_attachment(photo(), maintype="image", subtype="png", filename="parcel.png")
    raw = answered.as_bytes(policy=policy.SMTP)
    assert await send_to_listener(listener.port, raw, sender=COURIER, recipients=[reply_to]) == {}

    # Live on both desks, as text, marked New reply; not in the customer's thread.
    await expect(panel.get_by_test_id("side-message")).to_have_count(2)
    answer = panel.get_by_test_id("side-message").nth(1)
    await expect(answer).to_contain_text("Yes: crushed <b>in the van</b>. Refund approved.")
    await expect(panel.get_by_test_id("side-new-reply")).to_be_visible()
    await expect(watched.get_by_test_id("side-new-reply")).to_be_visible()
    await expect(page.locator("article.entry.reply.in")).to_have_count(0)
    await expect(answer).to_contain_text("Courier Claims")
    # Its photo as a thumbnail, drawn by the server from the bytes, loaded through the ticket.
    thumbnail = answer.get_by_role("img", name="parcel.png")
    await expect(thumbnail).to_be_visible()
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=await thumbnail.element_handle()
    )

    # Ada attaches the invoice to her reply: a chip in the Reply box, then a card in the thread.
    picker = panel.locator(f"#side-reply-files-{ticket_side_id(sent)}")
    await picker.set_input_files(
        [FilePayload(name="invoice-4411.pdf", mimeType="application/pdf", buffer=INVOICE)]
    )
    await expect(
        panel.locator("form.reply").get_by_role("list", name="Attachments")
    ).to_contain_text("invoice-4411.pdf")

    await panel.get_by_test_id("side-reply-text").fill("Thank you, I'll tell the customer.")
    await assert_accessible(page, "side conversations")
    await panel.scroll_into_view_if_needed()
    await shoot(page, screenshots, "side-conversations")
    shutil.copy(screenshots / "desk-side-conversations.png", DOCS_IMAGES)
    await panel.get_by_test_id("side-reply").click()
    await expect(panel.get_by_test_id("side-message")).to_have_count(3)
    await expect(panel.get_by_test_id("side-new-reply")).to_have_count(0)
    card = panel.get_by_test_id("side-message").nth(2).get_by_role("link")
    await expect(card).to_contain_text("invoice-4411.pdf")
    await expect(card).to_have_attribute("href", re.compile(r"/api/v1/tickets/\d+/files/\d+$"))

    await panel.get_by_test_id("side-close").click()
    await expect(sides.nth(0)).to_have_attribute("data-state", "closed")
    await expect(watched.get_by_test_id("side-conversation").nth(0)).to_have_attribute(
        "data-state", "closed"
    )


def ticket_side_id(sent: OutboxMessage) -> int:
    return int(sent.data["side_conversation_id"])
