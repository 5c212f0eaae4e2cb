"""A ticket with a long history in real Chromium: its page shows the newest 100 entries and a
button for the earlier ones, and what arrives later does not push the entries the agent went back
to off the page again (screenshot: screenshots/desk-ticket-earlier.png); and only the desk's panes
scroll, never its window."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.e2e.desk import (
    DESK_TESTS,
    agent_of_an_inbox,
    assert_accessible,
    shoot,
)

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
NOTES = 104
SHOWN = 100  # the newest entries a ticket's page gets (tickets/api.py, ENTRIES_SHOWN)


async def test_a_long_ticket_shows_its_newest_entries_and_the_earlier_ones_on_demand(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox, page, api = await agent_of_an_inbox(desk, browser, live)
    body = {"inbox_id": inbox["id"], "customer": {"email": "lena@example.com", "name": "Lena"}}
    ticket = await api("POST", "/api/v1/tickets", {**body, "subject": "A long story"}, status=201)
    url = f"/api/v1/tickets/{ticket['id']}"
    for number in range(NOTES):
        await api("POST", f"{url}/notes", {"text": f"Note {number}"}, status=201)
    earlier = (await api("GET", url))["earlier_entries"]
    assert earlier > 0

    await page.goto(f"{live}/tickets/{ticket['id']}")
    thread = page.get_by_role("region", name="Thread")
    entries = thread.locator(".entry")
    await expect(entries.last).to_contain_text(f"Note {NOTES - 1}")
    await expect(entries).to_have_count(SHOWN)
    await expect(thread.get_by_text("Note 0", exact=True)).to_have_count(0)
    button = thread.get_by_role("button", name=f"Show the {earlier} earlier entries")
    await button.scroll_into_view_if_needed()
    await shoot(page, screenshots, "ticket-earlier")
    shutil.copy(screenshots / "desk-ticket-earlier.png", DOCS_IMAGES / "desk-ticket-earlier.png")
    await assert_accessible(page, "a long ticket, its newest entries")
    await button.click()
    await expect(thread.get_by_text("Note 0", exact=True)).to_be_visible()
    await expect(entries).to_have_count(SHOWN + earlier)
    await expect(button).to_have_count(0)

    # A note arrives: it is shown, and the first entries stay on the page.
    await api("POST", f"{url}/notes", {"text": "After going back"}, status=201)
    await expect(entries.last).to_contain_text("After going back")
    await expect(entries).to_have_count(SHOWN + earlier + 1)
    await expect(thread.get_by_text("Note 0", exact=True)).to_be_visible()

    # Only the thread scrolls: wheeling past its end or writing a reply never moves the window
    # (which showed a blank screen when something hidden for screen readers stretched it).
    await entries.last.hover()
    for _ in range(5):
        await page.mouse.wheel(0, 5000)
    await page.get_by_label("Reply to the customer", exact=True).click()
    await window_stays(page)
    await page.context.close()


async def window_stays(page: Page) -> None:
    """The desk's window cannot scroll: only its panes do."""
    reach = await page.evaluate(
        "[document.scrollingElement.scrollHeight - innerHeight, scrollY,"
        " document.scrollingElement.scrollWidth - innerWidth]"
    )
    assert reach == [0, 0, 0]


async def test_no_page_of_the_desk_scrolls_the_window(
    desk: Any, live: str, browser: Browser
) -> None:
    """Pages taller than the screen scroll in their pane, with the top bar and the menu kept."""
    _inbox, page, _api = await agent_of_an_inbox(desk, browser, live, role="owner")
    for number in range(12):
        await desk.inbox(name=f"Inbox {number}")
    for path, shown in (
        ("/reports", page.get_by_role("heading", name="Reports")),
        ("/preferences", page.get_by_role("heading", name="Preferences")),
        ("/settings/inboxes", page.get_by_text("Inbox 11").first),
    ):
        await page.goto(f"{live}{path}")
        await expect(shown).to_be_visible()
        await page.mouse.move(700, 400)
        for _ in range(5):
            await page.mouse.wheel(0, 5000)
        await window_stays(page)
    await page.context.close()
