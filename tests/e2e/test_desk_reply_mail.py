"""The reply box's Cc, Bcc and attachments and an entry's Forward, in real Chromium, with the mail
going out to an SMTP server on loopback and the customer's mail coming in through our listener
(screenshots saved as screenshots/desk-reply-mail-*.png)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from frontdesk.config import Settings
from frontdesk.mail.listener import InboundListener
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    SmtpSink,
    deliver,
    reply_mail,
    send_to_listener,
    with_smtp,
)

pytestmark = DESK_TESTS

BOSS = "boss@example.org"
AUDITOR = "auditor@example.net"
COURIER = "claims@courier.example.com"
PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00crushed parcel\x00" * 500


async def test_a_reply_with_cc_bcc_and_an_attachment_and_a_forward(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    listener: InboundListener,
    sink: SmtpSink,
    tmp_path: Path,
) -> None:
    settings: Settings = app.state.settings
    smtp = with_smtp(settings, sink)
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    page = await open_desk(browser, live, ada_user)
    api = PageApi(page, live)

    # A ticket Ada answered; the customer answers back, copying her boss.
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": CUSTOMER, "name": "Cora Customer"},
        "subject": "Parcel arrived crushed",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    first = {"text": "Sorry to hear that. Could you send a photo?", "then": "hold"}
    await api("POST", f"/api/v1/tickets/{ticket['id']}/replies", first, status=201)
    assert await deliver(app, smtp) == 1
    sent = sink.received[0].message
    raw = reply_mail(
        to=str(sent["Reply-To"]),
        subject=f"Re: {sent['Subject']}",
        text="Here it is. My boss wants to follow this too.",
        in_reply_to=str(sent["Message-ID"]),
        headers={"Cc": f"Boss <{BOSS}>"},
    )
    assert await send_to_listener(listener.port, raw, recipients=[str(sent["Reply-To"])]) == {}

    await page.goto(f"{live}/tickets/{ticket['id']}")
    await expect(page.get_by_role("heading", name="Parcel arrived crushed")).to_be_visible()
    # The customer's Cc is offered on the next reply.
    cc = page.get_by_label("Cc", exact=True)
    await expect(cc).to_have_value(BOSS)
    await page.get_by_label("Bcc", exact=True).fill(AUDITOR)
    photo = tmp_path / "crushed parcel.png"
    photo.write_bytes(PHOTO)
    await page.locator("#reply-files").set_input_files(str(photo))
    files = page.get_by_role("list", name="Attachments")
    await expect(files).to_contain_text("crushed parcel.png")
    await page.get_by_label("Reply to the customer").fill(
        "Thank you. A replacement is on its way; the photo is attached for the courier."
    )
    await shoot(page, screenshots, "reply-mail-box")
    await assert_accessible(page, "reply box with Cc, Bcc and an attachment")
    await page.emulate_media(color_scheme="dark")
    await shoot(page, screenshots, "reply-mail-box-dark")
    await assert_accessible(page, "reply box in dark mode")
    await page.emulate_media(color_scheme="light")

    await page.get_by_role("button", name="Send", exact=True).click()
    reply_entry = page.locator("article.entry.reply.out").last
    await expect(reply_entry).to_contain_text("A replacement is on its way")
    await expect(reply_entry).to_contain_text(f"Cc {BOSS}")
    await expect(reply_entry).to_contain_text(f"Bcc {AUDITOR}")
    link = reply_entry.get_by_role("link", name=re.compile("crushed parcel.png"))
    await expect(link).to_be_visible()
    # Still offered after sending; the Bcc is not.
    await expect(cc).to_have_value(BOSS)
    await expect(page.get_by_label("Bcc", exact=True)).to_have_value("")

    # The agent's download is the file, as a download.
    href = await link.get_attribute("href")
    assert href is not None
    download = await page.request.get(f"{live}{href}")
    assert download.status == 200
    assert await download.body() == PHOTO
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"

    assert await deliver(app, smtp) == 1
    mail = sink.received[-1]
    assert sorted(mail.rcpt_tos) == sorted([CUSTOMER, BOSS, AUDITOR])
    assert mail.message["Cc"] == BOSS
    assert AUDITOR.encode() not in mail.raw
    (part,) = list(mail.message.iter_attachments())
    assert part.get_filename() == "crushed parcel.png"
    assert part.get_content() == PHOTO

    # Forward the customer's mail to the courier.
    customer_entry = page.locator("article.entry.reply.in").last
    await customer_entry.get_by_role("button", name="Forward this email").click()
    await customer_entry.get_by_label("To", exact=True).fill(COURIER)
    await customer_entry.get_by_label("Note above the forwarded email").fill(
        "Please open a damage claim."
    )
    await shoot(page, screenshots, "reply-mail-forward")
    await assert_accessible(page, "forward form")
    await customer_entry.get_by_role("button", name="Forward", exact=True).click()
    await expect(page.get_by_text(f"forwarded to {COURIER}")).to_be_visible()
    assert await deliver(app, smtp) == 1
    forwarded = sink.received[-1]
    assert forwarded.rcpt_tos == [COURIER]
    assert str(forwarded.message["Subject"]).startswith("Fwd: Parcel arrived crushed")
    text = str(forwarded.message.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
    assert "Please open a damage claim." in text
    assert "My boss wants to follow this too." in text

    # The boss's old address bounces (qmail, no DSN): the desk shows it as a bounce.
    bounce = (
        "From: MAILER-DAEMON@mx.example.org\r\nTo: support@shop.test\r\n"
        "Subject: failure notice\r\nMessage-ID: <b1@mx.example.org>\r\n\r\n"
        "Hi. This is the qmail-send program at mx.example.org.\r\n"
        f"<{BOSS}>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n"
        "--- Below this line is a copy of the message.\r\n\r\n"
    ).encode() + mail.raw
    assert await send_to_listener(listener.port, bounce, sender="", recipients=[SUPPORT]) == {}
    await page.reload()
    bounced = page.locator("article.entry.reply.in").last
    badge = bounced.get_by_text("Bounce", exact=True)
    await expect(badge).to_be_visible()
    await expect(bounced.locator(".entry-head")).to_contain_text("mailer-daemon@mx.example.org")
    await badge.scroll_into_view_if_needed()
    await shoot(page, screenshots, "reply-mail-bounce")
    await assert_accessible(page, "ticket with a bounce")
