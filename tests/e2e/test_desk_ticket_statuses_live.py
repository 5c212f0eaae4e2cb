"""Custom ticket statuses change while a desk is open (docs/desk.md, "Ticket statuses"), in real
Chromium: an admin adds, renames and archives a status, and an agent's open ticket page offers
it as it now is, without a reload (`ticket_status.changed`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, open_desk

pytestmark = DESK_TESTS


async def test_an_open_ticket_page_offers_the_statuses_an_admin_just_changed(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    admin = await desk.user(name="Olga Admin", role="admin")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)

    settings = await open_desk(browser, live, admin)
    api = PageApi(settings, live)
    body = {"inbox_id": inbox["id"], "customer": {"email": "lena@example.com", "name": "Lena"}}
    ticket = await api("POST", "/api/v1/tickets", {**body, "subject": "Spare parts"}, status=201)

    page = await open_desk(browser, live, ada)
    await page.goto(f"{live}/tickets/{ticket['id']}")
    picker = page.get_by_test_id("ticket-state-select")
    # No status yet: the states alone, no heading over Hold.
    await expect(picker.locator("option[value='hold']")).to_have_count(1)
    hold = picker.locator("optgroup[data-state='hold']")
    await expect(hold).to_have_count(0)

    made = await api(
        "POST",
        "/api/v1/ticket-statuses",
        {"name": "Waiting on vendor", "state": "hold"},
        status=201,
    )
    await expect(hold.locator("option")).to_have_text(["Hold", "Waiting on vendor"])
    # Opened out, for a screenshot only: a native list is drawn outside the page.
    await picker.evaluate("(select) => { select.size = 8; }")
    await page.screenshot(path=str(screenshots / "desk-live-status-offered.png"))
    await picker.evaluate("(select) => { select.size = 0; }")
    url = f"/api/v1/ticket-statuses/{made['id']}"
    await api("PATCH", url, {"name": "Waiting on supplier"})
    await expect(hold.locator("option")).to_have_text(["Hold", "Waiting on supplier"])
    # Archived: no longer offered (the ticket does not have it).
    await api("PATCH", url, {"archived": True})
    await expect(hold).to_have_count(0)
    await expect(picker.locator("option[value='hold']")).to_have_count(1)
    await page.context.close()
    await settings.context.close()
