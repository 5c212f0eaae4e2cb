"""A ticket's checklist in real Chromium (docs/desk.md, "Checklists"): an agent adds items with
Enter, ticks one with the keyboard, edits one inline (Enter saves, Esc cancels), moves one, and
deletes one after the question; "2 of 3 done" follows; a colleague's open desk sees each change
live, and the ticket list shows the "2/3" badge; item text is text, never markup (screenshot
saved as docs/images/desk-checklist.png); dark mode has no light patches."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.e2e.test_desk_dark import expect_dark

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def test_an_agent_works_through_a_checklist_while_a_colleague_watches(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Lovelace")
    ben = await desk.user(name="Ben Okafor")
    await desk.add_member(inbox, ada)
    await desk.add_member(inbox, ben)

    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": "cora@example.org", "name": "Cora Customer"},
        "subject": "Parcel arrived broken",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    watcher = await open_desk(browser, live, ben)
    await watcher.goto(f"{live}/tickets/{ticket['id']}")
    watched = watcher.get_by_test_id("ticket-checklist")
    await expect(watched).to_contain_text("No items yet")

    await page.goto(f"{live}/tickets/{ticket['id']}")
    panel = page.get_by_test_id("ticket-checklist")
    new = panel.get_by_label("New checklist item")
    for text in ("Refund issued", "Replacement shipped", "Ask for <b>photos</b>"):
        await new.fill(text)
        await new.press("Enter")
        # The box is empty and keeps the focus for the next item.
        await expect(new).to_have_value("")
        await expect(new).to_be_focused()
    items = panel.get_by_test_id("checklist-item")
    await expect(items).to_have_count(3)
    # Text, never markup.
    await expect(items.nth(2)).to_have_text("Ask for <b>photos</b>")
    await expect(panel.get_by_test_id("checklist-progress")).to_have_text("0 of 3 done")
    await expect(watched.get_by_test_id("checklist-item")).to_have_count(3)

    # Ticked with the keyboard: Space on the checkbox.
    refund = panel.get_by_role("checkbox", name="Refund issued")
    await refund.focus()
    await page.keyboard.press("Space")
    await expect(refund).to_be_checked()
    await expect(panel.get_by_test_id("checklist-progress")).to_have_text("1 of 3 done")
    await expect(watched.get_by_role("checkbox", name="Refund issued")).to_be_checked()
    await expect(watched.get_by_test_id("checklist-progress")).to_have_text("1 of 3 done")

    # Edited inline: Esc leaves it as it was, Enter saves.
    await panel.get_by_role("button", name="Edit “Ask for <b>photos</b>”").click()
    field = panel.get_by_label("Item text")
    await expect(field).to_be_focused()
    await field.fill("Something else")
    await field.press("Escape")
    await expect(items.nth(2)).to_have_text("Ask for <b>photos</b>")
    await expect(panel.get_by_role("button", name="Edit “Ask for <b>photos</b>”")).to_be_focused()
    await page.keyboard.press("Enter")
    await panel.get_by_label("Item text").fill("Ask for photos of the parcel")
    await panel.get_by_label("Item text").press("Enter")
    await expect(items.nth(2)).to_have_text("Ask for photos of the parcel")
    await expect(watched.get_by_test_id("checklist-item").nth(2)).to_have_text(
        "Ask for photos of the parcel"
    )

    # Moved up: the list's order, here and on the colleague's desk.
    await panel.get_by_role("button", name="Move “Ask for photos of the parcel” up").click()
    await expect(items.nth(1)).to_have_text("Ask for photos of the parcel")
    await expect(watched.get_by_test_id("checklist-item").nth(1)).to_have_text(
        "Ask for photos of the parcel"
    )
    await panel.get_by_role("checkbox", name="Ask for photos of the parcel").check()
    await expect(panel.get_by_test_id("checklist-progress")).to_have_text("2 of 3 done")
    await expect(watched.get_by_test_id("checklist-progress")).to_have_text("2 of 3 done")

    await assert_accessible(page, "ticket checklist")
    await panel.scroll_into_view_if_needed()
    await shoot(page, screenshots, "checklist")
    shutil.copy(screenshots / "desk-checklist.png", DOCS_IMAGES)
    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "ticket checklist")
    await shoot(page, screenshots, "checklist-dark")
    await page.emulate_media(color_scheme="light")

    # The list's badge, from the page's one read; then heard live.
    await watcher.goto(f"{live}/inboxes/{inbox['id']}/open")
    badge = watcher.get_by_test_id("checklist-badge")
    await expect(badge).to_contain_text("2/3")
    await expect(badge).to_have_attribute("title", "Checklist: 2 of 3 done")
    await shoot(watcher, screenshots, "checklist-badge")

    # Deleted after the question; Cancel first changes nothing.
    remove = panel.get_by_role("button", name="Delete “Replacement shipped”")
    await remove.click()
    dialog = page.get_by_role("alertdialog")
    await expect(dialog).to_contain_text("Delete the checklist item “Replacement shipped”?")
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(items).to_have_count(3)
    await remove.click()
    await page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    await expect(items).to_have_count(2)
    await expect(panel.get_by_test_id("checklist-progress")).to_have_text("2 of 2 done")
    await expect(badge).to_contain_text("2/2")


async def test_the_list_badge_follows_a_merge_and_its_undo(
    desk: Any, live: str, browser: Browser
) -> None:
    """A merge moves checklist items without an event of their own: the list, read again after
    it, shows the kept ticket's new counts, not those heard of it before the merge."""
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada, path=f"/inboxes/{inbox['id']}/open")
    api = PageApi(page, live)

    async def ticket_with(subject: str, *texts: str) -> tuple[int, list[int]]:
        body = {
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora Customer"},
            "subject": subject,
        }
        ticket = await api("POST", "/api/v1/tickets", body, status=201)
        items = [
            (
                await api(
                    "POST",
                    f"/api/v1/tickets/{ticket['id']}/checklist/items",
                    {"text": text},
                    status=201,
                )
            )["id"]
            for text in texts
        ]
        return ticket["id"], items

    kept, (label,) = await ticket_with("Parcel arrived broken", "Send a label")
    merged, (refund, _) = await ticket_with("Refund for the parcel", "Refund", "Apologise")
    rows = page.locator("ul.list > li")
    row_of = {
        kept: rows.filter(has_text="Parcel arrived broken"),
        merged: rows.filter(has_text="Refund for the parcel"),
    }
    badge_of = {
        ticket_id: row.get_by_test_id("checklist-badge") for ticket_id, row in row_of.items()
    }
    await expect(badge_of[kept]).to_contain_text("0/1")
    # Ticked elsewhere: heard live.
    for ticket_id, item in ((kept, label), (merged, refund)):
        await api("PATCH", f"/api/v1/tickets/{ticket_id}/checklist/items/{item}", {"done": True})
    await expect(badge_of[kept]).to_contain_text("1/1")
    await expect(badge_of[merged]).to_contain_text("1/2")

    move = await api(
        "POST", f"/api/v1/tickets/{merged}/merge", {"into_ticket_id": kept}, status=201
    )
    await expect(row_of[merged]).to_have_count(0)
    await expect(badge_of[kept]).to_contain_text("2/3")
    await api("POST", f"/api/v1/tickets/moves/{move['id']}/undo")
    await expect(badge_of[merged]).to_contain_text("1/2")
    await expect(badge_of[kept]).to_contain_text("1/1")
    await page.context.close()
