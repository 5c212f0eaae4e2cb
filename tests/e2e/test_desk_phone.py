"""The desk on a phone (390 by 844 pixels) in real Chromium: the menu is a drawer the top bar
opens, a ticket's thread and reply box and a chat's Join button and composer take the width, their
side panel goes under them, and the window never scrolls sideways (screenshots:
screenshots/desk-phone-*.png)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.e2e.desk import (
    DESK_TESTS,
    PageApi,
    assert_accessible,
    bar_item,
    go_online,
    open_desk,
    shoot,
)
from tests.e2e.test_desk_long_ticket import window_stays

pytestmark = DESK_TESTS

PHONE: ViewportSize = {"width": 390, "height": 844}


async def width_of(page: Page, selector: str) -> float:
    box = await page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return float(box["width"])


async def test_an_agent_works_from_a_phone(
    desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    page = await open_desk(browser, live, ada_user, viewport=PHONE)
    nav = page.get_by_role("navigation", name="Main")
    await expect(nav).to_be_hidden()
    await go_online(page)

    api = PageApi(page, live)
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": "rosalind@example.org", "name": "Rosalind Franklin"},
        "subject": "Invoice shows the wrong VAT number",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    await page.goto(f"{live}/tickets/{ticket['id']}")
    reply = page.get_by_label("Reply to the customer", exact=True)
    await expect(reply).to_be_visible()
    assert await width_of(page, "#reply-text") > 300
    await expect(
        page.get_by_role("heading", name="Invoice shows the wrong VAT number")
    ).to_be_visible()
    await shoot(page, screenshots, "phone-ticket")
    await assert_accessible(page, "a ticket on a phone")
    await window_stays(page)

    # The menu: a drawer over the page, closed again by going somewhere.
    menu = page.get_by_role("button", name="Menu")
    await menu.click()
    await expect(menu).to_have_attribute("aria-expanded", "true")
    await expect(nav).to_be_visible()
    await shoot(page, screenshots, "phone-menu")
    await page.keyboard.press("Escape")
    await expect(nav).to_be_hidden()
    await menu.click()
    await page.mouse.click(370, 400)  # beside the drawer
    await expect(nav).to_be_hidden()
    await expect(page).to_have_url(re.compile(rf"/tickets/{ticket['id']}$"))
    await menu.click()
    await nav.get_by_role("link", name=re.compile("^Open")).click()
    await expect(page).to_have_url(re.compile(rf"/inboxes/{inbox['id']}/open$"))
    await expect(nav).to_be_hidden()
    await expect(page.get_by_role("list", name="Tickets").get_by_role("link")).to_have_count(1)
    await window_stays(page)

    # A chat: offered in the bar, joined, answered.
    await (await visitors(inbox)).start_chat("Where is my parcel?", name="Marie Curie")
    await bar_item(page, "Marie Curie").click()
    join = page.get_by_role("button", name="Join Chat")
    await expect(join).to_be_in_viewport()
    await join.click()
    composer = page.get_by_label(re.compile("Message to"))
    await expect(composer).to_be_in_viewport()
    assert await width_of(page, "#composer") > 250
    await composer.fill("Hello Marie, let me look.")
    await composer.press("Enter")
    await expect(page.locator(".msg.agent:not(.pending)")).to_contain_text("let me look")
    await shoot(page, screenshots, "phone-chat")
    await assert_accessible(page, "a chat on a phone")
    await window_stays(page)
    await page.context.close()
