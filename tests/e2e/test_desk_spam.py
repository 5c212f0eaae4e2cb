"""Spam in real Chromium: an admin marks a ticket spam from its page, blocking its sender; it
leaves the Open folder for Spam (with its count), the blocked senders list names who blocked it,
the page and the folder say when it will be deleted, and the list's bulk "Not spam" brings it
back (screenshots docs/images/desk-spam-folder.png and
desk-blocked-senders.png, the latter also in dark mode)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.e2e.test_desk_dark import expect_dark

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
SPAMMER = "deals@junk.example"


async def test_mark_spam_with_block_and_see_the_folder(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Lovelace", role="owner")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    tickets = {}
    for subject, email in (("Cheap watches", SPAMMER), ("Where is my order?", "cora@example.org")):
        body = {"inbox_id": inbox["id"], "customer": {"email": email}, "subject": subject}
        tickets[subject] = await api("POST", "/api/v1/tickets", body, status=201)
    junk = tickets["Cheap watches"]

    await page.goto(f"{live}/tickets/{junk['id']}")
    await page.get_by_test_id("spam-open").click()
    dialog = page.get_by_role("dialog", name=f"Mark #{junk['number']} as spam")
    await expect(dialog).to_be_visible()
    # How long spam is kept is the server's setting, not a text of the desk's.
    await expect(dialog.get_by_test_id("spam-retention")).to_have_text(
        "Spam is deleted 30 days after it is marked."
    )
    await dialog.get_by_role("radio", name=f"Also block {SPAMMER}").check()
    await assert_accessible(page, "spam dialog")
    await shoot(page, screenshots, "spam-dialog")
    await dialog.get_by_role("button", name="Mark as spam").click()
    await expect(page.get_by_test_id("ticket-changed")).to_contain_text(
        f"#{junk['number']} moved to Spam; {SPAMMER} is blocked."
    )
    await expect(page.get_by_test_id("ticket-state")).to_have_text("Spam")
    await expect(page.get_by_test_id("spam-note")).to_be_visible()
    await expect(page.get_by_test_id("not-spam")).to_be_visible()
    # Its state is Spam's until "Not spam": the select is off, with the day it goes; no Merge.
    await expect(page.get_by_test_id("spam-line")).to_contain_text("In Spam: deleted on")
    await expect(page.get_by_test_id("ticket-state-select")).to_be_disabled()
    await expect(page.get_by_test_id("merge-open")).to_have_count(0)
    await shoot(page, screenshots, "spam-ticket")

    # The folder, with its count, beside the others; the Open folder no longer has it.
    nav = page.get_by_role("navigation", name="Main")
    spam_link = nav.get_by_role("link", name="Spam")
    await expect(spam_link).to_contain_text("1")
    await expect(nav.get_by_role("link", name="Open")).to_contain_text("1")
    await spam_link.click()
    rows = page.get_by_role("list", name="Tickets")
    await expect(rows).to_contain_text("Cheap watches")
    await expect(rows).not_to_contain_text("Where is my order?")
    await expect(rows.get_by_test_id("spam-deletes")).to_contain_text("Deleted on")
    await shoot(page, screenshots, "spam-folder")
    shutil.copy(screenshots / "desk-spam-folder.png", DOCS_IMAGES / "desk-spam-folder.png")

    await page.goto(f"{live}/settings/blocked-senders")
    table = page.get_by_test_id("blocked-senders")
    await expect(table).to_contain_text(SPAMMER)
    await expect(table).to_contain_text("Ada Lovelace")
    await page.get_by_label("Address or domain to block").fill("@spam.example")
    await page.get_by_role("button", name="Block", exact=True).click()
    await expect(table).to_contain_text("@spam.example")
    await assert_accessible(page, "blocked senders")
    await shoot(page, screenshots, "blocked-senders")
    shutil.copy(screenshots / "desk-blocked-senders.png", DOCS_IMAGES / "desk-blocked-senders.png")
    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "blocked senders")
    await shoot(page, screenshots, "dark-blocked-senders")
    await page.emulate_media(color_scheme="light")
    # A search (a part of the domain), unblocking from the filtered list, and no match left.
    search = page.get_by_role("searchbox", name="Search blocked senders")
    await search.fill("SPAM.example")
    await expect(table.locator("tbody tr")).to_have_count(1)
    await expect(table).not_to_contain_text(SPAMMER)
    await table.get_by_role("button", name="Unblock @spam.example").click()
    await table.locator("[data-action=confirm]").click()
    await expect(page.get_by_text("@spam.example is no longer blocked.")).to_be_visible()
    await expect(table).to_contain_text("No blocked sender matches “SPAM.example”.")
    await search.fill("")
    await expect(table).to_contain_text(SPAMMER)

    # From the list: selected, "Not spam", and it is open again.
    await page.goto(f"{live}/inboxes/{inbox['id']}/spam")
    await page.get_by_label(f"Select ticket #{junk['number']}").check()
    await page.get_by_role("button", name="More", exact=True).click()  # the bulk bar's menu
    await page.get_by_role("menuitem", name="Not spam").click()
    await expect(page.get_by_test_id("bulk-spam-said")).to_contain_text("1 ticket is open again.")
    await expect(page.get_by_text("Cheap watches")).to_have_count(0)
    assert (await api("GET", f"/api/v1/tickets/{junk['id']}"))["state"] == "open"
