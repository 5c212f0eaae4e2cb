"""An email that came through the team's Google Group, in real Chromium: the thread names its
author, and says discreetly how it came ("via support@shop.test · list support.shop.test"), in
English and in French, as plain text whatever the headers hold (screenshot
docs/images/desk-entry-via-list.png)."""

from __future__ import annotations

import shutil
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from frontdesk.mail.listener import InboundListener
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.mail.support import SUPPORT, send_to_listener
from tests.mail.test_list_mail import JANE, jane_mail, through_group

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
# Headers are anyone's to write: what they hold is shown as text, never as markup.
LIST_ID = '"Shop <b>Support</b>" <support.shop.test>'


def group_mail() -> bytes:
    raw = through_group(jane_mail("My invoice shows the wrong address."), rewrite=True)
    message = message_from_bytes(raw, policy=policy.SMTP)
    message.replace_header("List-Id", LIST_ID)
    return message.as_bytes(policy=policy.SMTP)


async def test_an_email_through_the_group_says_how_it_came(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    listener: InboundListener,
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    assert (
        await send_to_listener(listener.port, group_mail(), sender=JANE, recipients=[SUPPORT]) == {}
    )
    (ticket,) = (await api("GET", f"/api/v1/tickets?inbox_id={inbox['id']}"))["items"]
    # The list gives the author's address without a second call.
    assert ticket["customer_email"] == JANE
    (entry,) = (await api("GET", f"/api/v1/tickets/{ticket['id']}"))["entries"]
    assert entry["data"]["via"] == "'Jane Doe' via Support <support@shop.test>"
    assert entry["data"]["mailing_list"] == LIST_ID

    await page.goto(f"{live}/tickets/{ticket['id']}")
    email = page.locator("article.entry.reply.in")
    await expect(email.locator(".entry-head strong")).to_have_text("Jane Doe")
    arrival = email.get_by_test_id("entry-arrival")
    await expect(arrival).to_have_text("via support@shop.test · list support.shop.test")
    await expect(arrival).to_have_attribute(
        "title", f"How this email arrived: {entry['data']['via']} · {LIST_ID}"
    )
    # The header's markup stayed text.
    await expect(email.locator("b")).to_have_count(0)
    await assert_accessible(page, "an email through a group")
    await shoot(page, screenshots, "entry-via-list")
    shutil.copy(screenshots / "desk-entry-via-list.png", DOCS_IMAGES / "desk-entry-via-list.png")

    await api("PATCH", "/api/v1/me", {"preferences": {"language": "fr"}})
    await page.reload()
    await expect(arrival).to_have_text("via support@shop.test · liste support.shop.test")
    await shoot(page, screenshots, "entry-via-list-fr")
    await page.context.close()
