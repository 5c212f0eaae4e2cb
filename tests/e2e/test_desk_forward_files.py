"""Forwarding a customer's email with its files from the ticket page, in real Chromium: the form
says which files go along, the forward entry links them, and the courier's SMTP server on
loopback receives them as MIME parts, byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from frontdesk.config import Settings
from frontdesk.mail.listener import InboundListener
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.mail.support import SUPPORT, SmtpSink, deliver, send_to_listener, with_smtp
from tests.mail.test_forward_attachments import PHOTO, RECEIPT, mail_with_files

pytestmark = DESK_TESTS

COURIER = "claims@courier.example.com"


async def test_a_forward_from_the_ticket_page_carries_the_customers_files(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    listener: InboundListener,
    sink: SmtpSink,
) -> None:
    settings: Settings = app.state.settings
    smtp = with_smtp(settings, sink)
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": "cora@example.org", "name": "Cora Customer"},
        "subject": "Where is my parcel?",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    first = {"text": "Could you send a photo?", "then": "hold"}
    await api("POST", f"/api/v1/tickets/{ticket['id']}/replies", first, status=201)
    assert await deliver(app, smtp) == 1
    sent = sink.received[0].message
    raw = mail_with_files(to=str(sent["Reply-To"]), in_reply_to=str(sent["Message-ID"]))
    assert await send_to_listener(listener.port, raw, recipients=[str(sent["Reply-To"])]) == {}

    await page.goto(f"{live}/tickets/{ticket['id']}")
    customer_entry = page.locator("article.entry.reply.in").last
    await expect(customer_entry).to_contain_text("It arrived broken")
    await customer_entry.get_by_role("button", name="Forward this email").click()
    await customer_entry.get_by_label("To", exact=True).fill(COURIER)
    hint = customer_entry.get_by_test_id("forward-files")
    await expect(hint).to_contain_text(
        "Its 3 files go with it (colis cassé.png, receipt.pdf, unboxing.mp4)."
    )
    await shoot(page, screenshots, "forward-files")
    await assert_accessible(page, "forward form with files")
    await customer_entry.get_by_role("button", name="Forward", exact=True).click()
    await expect(page.get_by_text(f"forwarded to {COURIER}")).to_be_visible()
    forward_entry = page.locator("article.entry.reply.out").last
    # Within the default limit (10 MB) every file goes, and the entry links them.
    for name in ("colis cassé.png", "receipt.pdf", "unboxing.mp4"):
        await expect(forward_entry.get_by_role("link", name=name)).to_be_visible()

    assert await deliver(app, smtp) == 1
    forwarded = sink.received[-1]
    assert forwarded.rcpt_tos == [COURIER]
    files = {
        part.get_filename(): part.get_payload(decode=True)
        for part in forwarded.message.iter_attachments()
    }
    assert files["colis cassé.png"] == PHOTO
    assert files["receipt.pdf"] == RECEIPT
    assert set(files) == {"colis cassé.png", "receipt.pdf", "unboxing.mp4", "logo.gif"}
