"""The bulk bar keeps one row with every action, in real Chromium: an admin with two inboxes, a
macro, labels and long names selects three tickets at 1280, 1360 and 1440 pixels, in English and
in French, and the bar's controls sit on one line; the actions used less often are in its More
menu, which the keyboard opens, walks and leaves (Enter, ↓, End, Esc), and whose "Move to inbox"
item moves the tickets (screenshots screenshots/desk-bulk-more*.png,
docs/images/desk-bulk-more.png)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def rows_of_the_bar(page: Page) -> int:
    """How many lines the bar's controls take: their distinct vertical centres."""
    return int(
        await page.locator(".bulk-bar .bar").evaluate(
            """(bar) => new Set([...bar.children].map((each) => {
                const box = each.getBoundingClientRect();
                return Math.round((box.top + box.bottom) / 2 / 10);
            })).size"""
        )
    )


async def test_every_bulk_action_on_one_row_and_more_from_the_keyboard(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    support = await desk.inbox(name="Support")
    billing = await desk.inbox(name="Billing and invoices")
    admin = await desk.user(role="admin", name="Maximilian-Alexander Schneider")
    await desk.add_member(support, admin)
    page = await open_desk(browser, live, admin, viewport={"width": 1280, "height": 800})
    api = PageApi(page, live)
    for name in ("billing", "a very long label for refunds"):
        await api("POST", "/api/v1/labels", {"name": name, "color": "#3b82f6"}, status=201)
    macro = {
        "name": "Refund done and customer told",
        "actions": [{"type": "set_state", "state": "closed"}],
    }
    await api("POST", "/api/v1/macros", macro, status=201)
    numbers = []
    for subject in ("Parcel stuck", "Refund for order 1042", "Wrong size sent"):
        body = {
            "inbox_id": support["id"],
            "customer": {"email": "rosalind@example.org", "name": "Rosalind Franklin"},
            "subject": subject,
        }
        numbers.append((await api("POST", "/api/v1/tickets", body, status=201))["number"])

    await page.goto(f"{live}/inboxes/{support['id']}/open")
    for number in numbers:
        await page.get_by_label(f"Select ticket #{number}").check()
    await expect(page.get_by_text("3 tickets selected")).to_be_visible()
    bar = page.get_by_role("region", name="Bulk actions")
    for each in ("assign", "label", "state", "macro"):
        await expect(bar.locator(f"[data-bulk={each}]")).to_be_visible()
    for width in (1280, 1360, 1440):
        await page.set_viewport_size({"width": width, "height": 800})
        assert await rows_of_the_bar(page) == 1, width

    # More: Enter opens it on its first item, the keys walk it, Esc gives the focus back.
    more = bar.get_by_role("button", name="More", exact=True)
    await page.set_viewport_size({"width": 1280, "height": 800})
    await more.focus()
    await page.keyboard.press("Enter")
    menu = page.get_by_role("menu", name="More actions on the selected tickets")
    await expect(menu.get_by_role("menuitem", name="Merge…")).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await expect(menu.get_by_role("menuitem", name="Mark as spam…")).to_be_focused()
    await page.keyboard.press("End")
    moving = menu.get_by_role("group", name="Move to inbox").get_by_role("menuitem")
    await expect(moving).to_have_text(["Billing and invoices"])  # not the list's own inbox
    await expect(moving).to_be_focused()
    await assert_accessible(page, "the bulk bar's More menu")
    await shoot(page, screenshots, "bulk-more")
    shutil.copy(screenshots / "desk-bulk-more.png", DOCS_IMAGES / "desk-bulk-more.png")
    await page.keyboard.press("Escape")
    await expect(menu).to_have_count(0)
    await expect(more).to_be_focused()

    # Enter on an item acts: the three tickets go to Billing.
    await page.keyboard.press("ArrowUp")
    await expect(moving).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(bar).to_contain_text("Done on 3 of 3.")
    listed = await api("GET", f"/api/v1/tickets?inbox_id={billing['id']}")
    assert sorted(each["number"] for each in listed["items"]) == sorted(numbers)

    # French: the same bar, one row too.
    await api("PATCH", "/api/v1/me", {"preferences": {"language": "fr"}})
    await page.goto(f"{live}/inboxes/{billing['id']}/open")
    for number in numbers:
        await page.get_by_label(f"Sélectionner le ticket n° {number}").check()
    await expect(page.get_by_text("3 sélectionnés")).to_be_visible()
    for width in (1280, 1360, 1440):
        await page.set_viewport_size({"width": width, "height": 800})
        assert await rows_of_the_bar(page) == 1, ("fr", width)
    await page.set_viewport_size({"width": 1280, "height": 800})
    await shoot(page, screenshots, "bulk-more-fr")
