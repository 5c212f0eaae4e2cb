"""Snoozing many tickets at once, and one from the keyboard, in real Chromium: two tickets ticked
in a list, Snooze → Tomorrow morning in the bulk bar, and both sleep until 9:00 tomorrow on the
agent's clock (their time zone preference); then on a ticket page "z" opens its Snooze menu,
↓ and Enter snooze it. Screenshots of the bulk bar's open menu, light and dark:
screenshots/desk-bulk-snooze.png, desk-bulk-snooze-dark.png (docs/images/desk-bulk-snooze.png)."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, assert_accessible, shoot
from tests.e2e.test_desk_snooze import ZONE, ada_in_tokyo

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def test_bulk_snooze_tomorrow_morning_then_z_on_a_ticket(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    page, api, inbox, day = await ada_in_tokyo(desk, live, browser)
    tickets = []
    for subject in ("Parcel stuck in customs", "Refund for order 1042", "Wrong size sent"):
        body = {
            "inbox_id": inbox["id"],
            "customer": {"email": "rosalind@example.org", "name": "Rosalind Franklin"},
            "subject": subject,
        }
        tickets.append(await api("POST", "/api/v1/tickets", body, status=201))
    first, second, third = tickets
    nine_tomorrow = datetime.combine(day + timedelta(days=1), time(9, 0), ZoneInfo(ZONE))

    await page.goto(f"{live}/inboxes/{inbox['id']}/open")
    await page.get_by_label(f"Select ticket #{first['number']}").check()
    await page.get_by_label(f"Select ticket #{second['number']}").check()
    bar = page.get_by_role("region", name="Bulk actions")
    await bar.get_by_test_id("bulk-snooze").click()
    menu = page.get_by_role("dialog", name="Snooze 2 tickets")
    tomorrow = menu.get_by_role("button", name=re.compile("^Tomorrow morning"))
    weekday = (day + timedelta(days=1)).strftime("%a")
    await expect(tomorrow).to_contain_text(re.compile(rf"{weekday}, .*09:00"))
    await shoot(page, screenshots, "bulk-snooze")
    shutil.copy(screenshots / "desk-bulk-snooze.png", DOCS_IMAGES / "desk-bulk-snooze.png")
    await assert_accessible(page, "the bulk snooze menu")
    await page.emulate_media(color_scheme="dark")
    await shoot(page, screenshots, "bulk-snooze-dark")
    await page.emulate_media(color_scheme="light")
    await tomorrow.click()

    await expect(bar.get_by_role("status")).to_contain_text("Done on 2 of 2.")
    rows = page.get_by_role("list", name="Tickets")
    await expect(rows).not_to_contain_text("Parcel stuck in customs")
    await expect(rows).to_contain_text("Wrong size sent")
    for ticket in (first, second):
        saved = await api("GET", f"/api/v1/tickets/{ticket['id']}")
        assert saved["state"] == "snoozed"
        assert datetime.fromisoformat(saved["snoozed_until"]) == nine_tomorrow
    assert (await api("GET", f"/api/v1/tickets/{third['id']}"))["state"] == "open"

    # On a ticket page: "z" opens the Snooze menu at its first choice (Later today), ↓ goes to
    # Tomorrow morning, Enter snoozes.
    await page.goto(f"{live}/tickets/{third['id']}")
    await expect(page.get_by_role("heading", name="Wrong size sent")).to_be_visible()
    await page.locator("body").focus()
    await page.keyboard.press("z")
    single = page.get_by_role("dialog", name="Snooze this ticket")
    await expect(single.get_by_role("button", name=re.compile("^Later today"))).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await expect(single.get_by_role("button", name=re.compile("^Tomorrow morning"))).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("ticket-state")).to_have_text("Snoozed")
    saved = await api("GET", f"/api/v1/tickets/{third['id']}")
    assert saved["state"] == "snoozed"
    assert datetime.fromisoformat(saved["snoozed_until"]) == nine_tomorrow
    await page.context.close()
