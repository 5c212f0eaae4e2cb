"""Starting a conversation in real Chromium: "New ticket" above the folders opens the form, the
server's refusal lands on its field, Send files the ticket and lands on it with the message as
its first entry, the customer gets that one email, and "c" opens the page again (screenshot saved as
docs/images/desk-new-ticket.png)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, assert_accessible, open_desk, shoot
from tests.mail.support import SmtpSink, deliver, with_smtp

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
TEXT = "Following up on our call: the refund is on its way."


async def test_new_ticket_emails_the_customer_and_opens_the_ticket(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path, sink: SmtpSink
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address="support@example.com")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)

    page = await open_desk(browser, live, ada)
    await page.get_by_role("link", name="New ticket").click()
    await expect(page.get_by_role("heading", name="New ticket")).to_be_visible()
    # Her one inbox is chosen, and she holds the ticket unless she says otherwise.
    await expect(page.get_by_label("Inbox", exact=True)).to_have_value(str(inbox["id"]))
    await expect(page.get_by_label("Assignee", exact=True)).to_have_value(str(ada["id"]))

    await page.get_by_label("To", exact=True).fill("dora@")
    await page.get_by_label("Customer name").fill("Dora Customer")
    await page.get_by_label("Subject", exact=True).fill("Your refund")
    await page.get_by_label("Message", exact=True).fill(TEXT)
    await page.get_by_role("button", name="Send", exact=True).click()
    # The server's 422 is shown on the field it names, which takes the focus.
    to = page.get_by_label("To", exact=True)
    await expect(to).to_have_attribute("aria-invalid", "true")
    await expect(to).to_be_focused()

    await to.fill("dora@example.org")
    # Changed, the field's message goes: it was about the value before.
    await expect(page.locator("#new-ticket-to-error")).to_have_count(0)
    await assert_accessible(page, "the new ticket form")
    await shoot(page, screenshots, "new-ticket")
    shutil.copy(screenshots / "desk-new-ticket.png", DOCS_IMAGES)
    await page.get_by_role("button", name="Send", exact=True).click()

    await expect(page.get_by_role("heading", name="Your refund")).to_be_visible()
    await expect(page.locator("article.entry.reply.out")).to_contain_text(TEXT)

    # "c" opens another one from anywhere the shortcuts work, the ticket's inbox chosen.
    await page.evaluate("document.activeElement?.blur()")
    await page.keyboard.press("c")
    await expect(page.get_by_role("heading", name="New ticket")).to_be_visible()
    await expect(page.get_by_label("Inbox", exact=True)).to_have_value(str(inbox["id"]))

    assert await deliver(app, with_smtp(app.state.settings, sink)) == 1
    (mail,) = sink.received
    assert mail.rcpt_tos == ["dora@example.org"]
    assert str(mail.message["Subject"]).startswith("Your refund [#")


async def test_the_heading_takes_the_focus_without_a_ring_and_tab_goes_on(
    desk: Any, live: str, browser: Browser
) -> None:
    """Loaded from its address, New ticket puts the focus on its heading for screen readers, with
    no ring (no control, no Tab stop); the next Tab shows the first field's ring. The ticket it
    files says on its page since when it is in its state."""
    inbox = await desk.inbox(name="Shop Support")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)

    page = await open_desk(browser, live, ada, path="/tickets/new")
    heading = page.get_by_role("heading", name="New ticket", level=1)
    await expect(heading).to_be_focused()
    assert not await heading.evaluate("(h) => h.matches(':focus-visible')")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.matches(':focus-visible')")
    assert await page.evaluate("document.activeElement.closest('.new-ticket') !== null")

    await page.get_by_label("To", exact=True).fill("dora@example.org")
    await page.get_by_label("Subject", exact=True).fill("Your refund")
    await page.get_by_label("Message", exact=True).fill(TEXT)
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(page.get_by_role("heading", name="Your refund")).to_be_visible()
    await expect(page.get_by_test_id("ticket-status-since")).to_have_text(re.compile(r"· since \d"))
