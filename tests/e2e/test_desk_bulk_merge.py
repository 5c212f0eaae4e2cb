"""Merge from the ticket list's selection, in real Chromium (issue #17): three tickets selected,
Merge, the oldest offered as the one that stays, confirmed; the list keeps that one, and the
toast's Undo puts all three back (screenshot docs/images/desk-bulk-merge.png)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def test_merge_selected_tickets_into_the_oldest_and_undo(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    tickets = []
    for subject in ("Order 1042 not arrived", "Still waiting for 1042", "1042??", "Invoice"):
        body = {
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora Customer"},
            "subject": subject,
        }
        tickets.append(await api("POST", "/api/v1/tickets", body, status=201))
    first, second, third, _other = tickets

    await page.goto(f"{live}/inboxes/{inbox['id']}/open")
    # Merge is in the bulk bar's More menu.
    more = page.get_by_role("button", name="More", exact=True)
    merge = page.get_by_role("menuitem", name="Merge…")
    await page.get_by_label(f"Select ticket #{third['number']}").check()
    await more.click()
    await expect(page.get_by_role("menu")).to_be_visible()
    await expect(merge).to_have_count(0)  # one ticket is not a merge
    await more.click()
    await page.get_by_label(f"Select ticket #{first['number']}").check()
    await page.get_by_label(f"Select ticket #{second['number']}").check()
    await more.click()
    await merge.click()

    dialog = page.get_by_role("dialog", name="Merge 3 tickets")
    await expect(dialog).to_be_visible()
    # The oldest stays unless the agent picks another.
    await expect(dialog.get_by_role("radio", name=f"#{first['number']}")).to_be_checked()
    await shoot(page, screenshots, "bulk-merge")
    shutil.copy(screenshots / "desk-bulk-merge.png", DOCS_IMAGES / "desk-bulk-merge.png")
    await assert_accessible(page, "bulk merge dialog")
    await dialog.get_by_role("button", name=f"Merge into #{first['number']}").click()

    toast = page.get_by_test_id("move-toast")
    await expect(toast).to_contain_text(f"3 tickets were merged into #{first['number']}")
    rows = page.get_by_role("list", name="Tickets")
    await expect(rows).not_to_contain_text("Still waiting for 1042")
    await expect(rows).not_to_contain_text("1042??")
    await expect(rows).to_contain_text("Order 1042 not arrived")
    await shoot(page, screenshots, "bulk-merge-done")
    kept = await api("GET", f"/api/v1/tickets/{first['id']}")
    assert kept["merged_into_id"] is None
    for merged in (second, third):
        detail = await api("GET", f"/api/v1/tickets/{merged['id']}")
        assert (detail["merged_into_id"], detail["state"]) == (first["id"], "closed")

    await toast.get_by_role("button", name="Undo").click()
    await expect(toast).to_have_count(0)
    await expect(rows).to_contain_text("Still waiting for 1042")
    await expect(rows).to_contain_text("1042??")
    for ticket in (second, third):
        detail = await api("GET", f"/api/v1/tickets/{ticket['id']}")
        assert (detail["merged_into_id"], detail["state"]) == (None, "open")
