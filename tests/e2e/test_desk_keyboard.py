"""The desk from the keyboard, in real Chromium: the ticket list (j/k, arrows, Enter, g then a
folder, g then v to Visitors), the chat bar (n/p, Shift+J to join, Escape to minimise), the
composer (r, Escape) and the help overlay ("?"); shortcuts keep quiet while the agent types
(screenshot: screenshots/desk-shortcuts.png)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, expect

from tests.e2e.desk import (
    DESK_TESTS,
    PageApi,
    assert_accessible,
    chat_bar,
    go_online,
    open_desk,
    shoot,
    user_menu,
)

pytestmark = DESK_TESTS


async def test_the_desk_from_the_keyboard(
    desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support", email_address="support@desk.test")
    ada_user = await desk.user(role="admin", name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    page = await open_desk(browser, live, ada_user)
    await go_online(page)
    api = PageApi(page, live)
    ticket_ids = []
    for subject in ("Parcel stuck in customs", "Invoice shows the wrong VAT", "Cannot log in"):
        body = {
            "inbox_id": inbox["id"],
            "customer": {"email": "rosalind@example.org", "name": "Rosalind Franklin"},
            "subject": subject,
        }
        ticket_ids.append((await api("POST", "/api/v1/tickets", body, status=201))["id"])
    for name in ("Marie Curie", "Alan Turing"):
        await (await visitors(inbox)).start_chat(f"Hello, {name} here", name=name)
    await expect(chat_bar(page).get_by_role("link")).to_have_count(2)

    # g, then o: the Open folder of the inbox; j/k and the arrows move, Enter opens.
    await page.keyboard.press("g")
    await page.keyboard.press("o")
    await expect(page).to_have_url(re.compile(rf"/inboxes/{inbox['id']}/open$"))
    rows = page.get_by_role("list", name="Tickets").get_by_role("link")
    await expect(rows).to_have_count(3)
    await page.keyboard.press("j")
    await expect(rows.nth(0)).to_be_focused()
    await page.keyboard.press("j")
    await page.keyboard.press("j")
    await page.keyboard.press("j")  # stays on the last
    await expect(rows.nth(2)).to_be_focused()
    await page.keyboard.press("k")
    await expect(rows.nth(1)).to_be_focused()
    await page.keyboard.press("ArrowUp")
    await page.keyboard.press("ArrowDown")
    await expect(rows.nth(1)).to_be_focused()
    href = await rows.nth(1).get_attribute("href")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(f"{href}$"))
    ticket_url = page.url

    # Typing in a field: letters are letters, "?" too.
    search = page.get_by_role("searchbox")
    await search.click()
    await page.keyboard.type("n?g")
    await expect(search).to_have_value("n?g")
    await expect(page).to_have_url(ticket_url)
    await expect(page.get_by_role("dialog")).to_have_count(0)
    await page.keyboard.press("Escape")
    await page.locator("main").click(position={"x": 5, "y": 5})

    # The help overlay: a dialog that lists every shortcut, Escape closes it.
    await page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    await expect(dialog).to_be_visible()
    for words in (
        "Next chat in the chat bar",
        "Join the chat on screen",
        "Write in the composer",
        "Next ticket",
        "Go to Closed",
        "Go to Visitors",
        "Minimise the chat",
    ):
        await expect(dialog).to_contain_text(words)
    await shoot(page, screenshots, "shortcuts")
    await assert_accessible(page, "shortcuts help")
    # Nothing fires behind it.
    await page.keyboard.press("n")
    await expect(page).to_have_url(ticket_url)
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()

    # n: the first chat in the bar; Shift+J joins it and the composer takes the keys.
    first = await chat_bar(page).get_by_role("link").nth(0).get_attribute("href")
    second = await chat_bar(page).get_by_role("link").nth(1).get_attribute("href")
    await page.keyboard.press("n")
    await expect(page).to_have_url(re.compile(f"{first}$"))
    await expect(page.get_by_role("button", name="Join Chat")).to_be_visible()
    await page.keyboard.press("Shift+J")
    composer = page.get_by_label(re.compile("Message to"))
    await expect(composer).to_be_focused()
    await page.keyboard.type("nice")
    await expect(composer).to_have_value("nice")
    await expect(page).to_have_url(re.compile(f"{first}$"))
    # Escape leaves the composer, r comes back to it, at the end of the draft.
    await page.keyboard.press("Escape")
    await expect(composer).not_to_be_focused()
    await expect(page).to_have_url(re.compile(f"{first}$"))
    await page.keyboard.press("r")
    await expect(composer).to_be_focused()
    await page.keyboard.type("!")
    await expect(composer).to_have_value("nice!")
    await page.keyboard.press("Escape")

    # Escape closes an open menu first, and only then minimises the chat.
    await user_menu(page).click()
    await expect(page.get_by_role("menu")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("menu")).to_have_count(0)
    await expect(page).to_have_url(re.compile(f"{first}$"))
    await page.locator("main").click(position={"x": 5, "y": 5})
    await page.keyboard.press("Escape")
    await expect(page).to_have_url(ticket_url)

    # n and p walk the bar in its order (waiting chats first), round its end.
    first, second = (
        await chat_bar(page)
        .get_by_role("link")
        .evaluate_all("links => links.map(l => l.getAttribute('href'))")
    )
    await page.keyboard.press("n")
    await expect(page).to_have_url(re.compile(f"{first}$"))
    await page.keyboard.press("n")
    await expect(page).to_have_url(re.compile(f"{second}$"))
    await page.keyboard.press("n")
    await expect(page).to_have_url(re.compile(f"{first}$"))
    await page.keyboard.press("p")
    await expect(page).to_have_url(re.compile(f"{second}$"))

    # g, then c: the Closed folder; an unknown sequence does nothing.
    await page.keyboard.press("g")
    await page.keyboard.press("c")
    await expect(page).to_have_url(re.compile(rf"/inboxes/{inbox['id']}/closed$"))
    await page.keyboard.press("g")
    await page.keyboard.press("z")
    await expect(page).to_have_url(re.compile(rf"/inboxes/{inbox['id']}/closed$"))
    # g, then v: the Visitors page, as its link in the sidebar.
    await page.keyboard.press("g")
    await page.keyboard.press("v")
    await expect(page).to_have_url(re.compile("/visitors$"))
    await expect(page.get_by_role("heading", name="Visitors on the site", level=1)).to_be_visible()


async def test_a_tickets_page_from_the_keyboard(desk: Any, live: str, browser: Browser) -> None:
    """On a ticket's page, r writes in its reply box and g goes to a folder of the ticket's inbox,
    not of the agent's first one; a snooze that ended leaves no date on the page."""
    billing = await desk.inbox(name="Billing")
    support = await desk.inbox(name="Support")
    ada_user = await desk.user(name="Ada Lovelace")
    for inbox in (billing, support):
        await desk.add_member(inbox, ada_user)
    page = await open_desk(browser, live, ada_user)
    api = PageApi(page, live)
    body = {
        "inbox_id": support["id"],
        "customer": {"email": "rosalind@example.org", "name": "Rosalind Franklin"},
        "subject": "Parcel stuck in customs",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    await page.goto(f"{live}/tickets/{ticket['id']}")
    reply = page.get_by_label("Reply to the customer", exact=True)
    await expect(reply).to_be_visible()

    await page.keyboard.press("r")
    await expect(reply).to_be_focused()
    await page.keyboard.type("g u")
    await expect(reply).to_have_value("g u")
    await page.keyboard.press("Escape")
    await expect(reply).not_to_be_focused()

    # Snoozed from the page, then reopened by someone else: the page no longer says until when,
    # and the field is empty again.
    menu = page.get_by_role("dialog", name="Snooze this ticket")
    snooze_at = menu.get_by_label(re.compile("^Snooze until"))
    await page.get_by_test_id("snooze-menu").click()
    await menu.get_by_role("button", name="Pick a date and time…").click()
    await snooze_at.fill("2099-01-01T09:00")
    await menu.get_by_role("button", name="Snooze", exact=True).click()
    await expect(page.get_by_test_id("snoozed-until")).to_contain_text("now")
    await api("PATCH", f"/api/v1/tickets/{ticket['id']}", {"state": "open"})
    await expect(page.get_by_test_id("snoozed-until")).to_have_count(0)
    await page.get_by_test_id("snooze-menu").click()
    await menu.get_by_role("button", name="Pick a date and time…").click()
    await expect(snooze_at).to_have_value("")
    await page.keyboard.press("Escape")

    await page.locator("main").click(position={"x": 5, "y": 5})
    await page.keyboard.press("g")
    await page.keyboard.press("u")
    await expect(page).to_have_url(re.compile(rf"/inboxes/{support['id']}/unassigned$"))
    await page.context.close()
