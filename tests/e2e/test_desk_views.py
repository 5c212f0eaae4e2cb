"""Filters and saved views in real Chromium: an inbox's list filtered from the filter bar (the
filters in the URL), saved as a view, the view's count in the sidebar going up when a ticket
arrives, the view opened again after a reload, renamed from the keyboard and deleted; a view saved
elsewhere opened by its address, and a deleted one saying so (docs/desk.md, "Filters and views";
screenshot docs/images/desk-views.png)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.e2e.test_desk_dark import expect_dark

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"

TICKETS = [
    ("Refund not received after 14 days", "urgent", "email", "Rosalind Franklin"),
    ("Checkout page shows an error", "urgent", "chat", "Alan Turing"),
    ("Parcel stuck in customs", "high", "email", "Linus Pauling"),
    ("Feature request: weekly totals", "low", "email", "Emmy Noether"),
    ("Where is my invoice?", "normal", "chat", "Grace Hopper"),
]


async def new_ticket(
    api: PageApi, inbox: dict[str, Any], subject: str, priority: str, kind: str, name: str
) -> Any:
    email = name.split()[0].lower() + "@example.org"
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": email, "name": name},
        "subject": subject,
        "priority": priority,
        "type": kind,
    }
    return await api("POST", "/api/v1/tickets", body, status=201)


def nav_view(page: Page, name: str) -> Any:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(name))


async def test_filter_save_a_view_and_see_it_count(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    for subject, priority, kind, name in TICKETS:
        await new_ticket(api, inbox, subject, priority, kind, name)
    await page.goto(f"{live}/inboxes/{inbox['id']}/open")
    rows = page.locator("a.ticket-row")
    await expect(rows).to_have_count(len(TICKETS))

    # Priority: a list of checkboxes under a button, from the keyboard.
    bar = page.get_by_role("group", name="Filters")
    pick = bar.locator("summary", has_text="Priority")
    await pick.focus()
    await page.keyboard.press("Enter")
    await bar.get_by_role("group", name="Priority").get_by_label("Urgent").check()
    await expect(page).to_have_url(re.compile(r"/tickets\?.*priority=urgent"))
    await bar.get_by_role("group", name="Priority").get_by_label("High").check()
    await page.keyboard.press("Escape")
    await expect(rows).to_have_count(3)
    await bar.get_by_label("Assignee").select_option(label="Unassigned")
    await expect(page).to_have_url(re.compile(r"unassigned=true"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Filtered tickets")

    await bar.get_by_role("button", name="Save as view").click()
    dialog = page.get_by_role("dialog", name="Save these filters as a view")
    await expect(dialog.get_by_label("Name")).to_be_focused()
    await dialog.get_by_label("Name").fill("Urgent and high")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/views/\d+$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Urgent and high")
    await expect(nav_view(page, "Urgent and high")).to_contain_text("3")

    # A ticket arrives: the view's count follows, as the folders' do.
    await new_ticket(api, inbox, "Payment failed twice", "urgent", "email", "Katherine Johnson")
    await new_ticket(api, inbox, "Question about shipping", "low", "email", "Mary Jackson")
    await expect(nav_view(page, "Urgent and high")).to_contain_text("4")
    await expect(rows).to_have_count(4)
    await expect(page.get_by_text("4 tickets")).to_be_visible()

    await page.reload()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Urgent and high")
    await expect(rows).to_have_count(4)
    await expect(bar.locator("summary", has_text="Priority")).to_contain_text("Urgent, High")
    await expect(bar.get_by_label("Assignee")).to_have_value("none")
    await assert_accessible(page, "a saved view")
    await shoot(page, screenshots, "views")
    shutil.copyfile(screenshots / "desk-views.png", DOCS_IMAGES / "desk-views.png")
    await page.emulate_media(color_scheme="dark")
    await pick.click()
    await shoot(page, screenshots, "views-dark")
    await expect_dark(page, "saved view")
    await page.keyboard.press("Escape")
    await page.emulate_media(color_scheme="light")

    # Rename from the keyboard; the sidebar follows.
    await bar.get_by_role("button", name="Rename").focus()
    await page.keyboard.press("Enter")
    await expect(bar.get_by_label("New name of the view")).to_be_focused()
    await page.keyboard.press("ControlOrMeta+a")
    await page.keyboard.type("Hot tickets")
    await page.keyboard.press("Enter")
    await expect(nav_view(page, "Hot tickets")).to_contain_text("4")
    await expect(bar.get_by_role("button", name="Rename")).to_be_focused()

    deleted = page.url
    await bar.get_by_role("button", name="Delete").click()
    await page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    await expect(page).to_have_url(re.compile(rf"/inboxes/{inbox['id']}/open$"))
    await expect(nav_view(page, "Hot tickets")).to_have_count(0)

    # A view saved elsewhere since the desk loaded (another tab, the API) opens from its
    # address; one deleted meanwhile says so instead of a blank page.
    later = await api(
        "POST", "/api/v1/views", {"name": "Saved elsewhere", "filters": {}}, status=201
    )
    await page.evaluate("(path) => history.pushState({}, '', path)", f"/views/{later['id']}")
    await page.evaluate("() => dispatchEvent(new PopStateEvent('popstate'))")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Saved elsewhere")
    await expect(nav_view(page, "Saved elsewhere")).to_have_count(1)
    await page.goto(deleted)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Deleted view")
    await expect(page.get_by_role("status").filter(has_text="no longer exists")).to_be_visible()
    await page.context.close()
