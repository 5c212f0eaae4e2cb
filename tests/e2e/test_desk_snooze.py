"""Snoozing a ticket in one click in real Chromium: the ticket page's Snooze menu offers later
today, tomorrow morning, Monday morning and in a week, each with its time, on the agent's clock
(their time zone preference, not the computer's); "Tomorrow morning" snoozes the ticket until 9:00
tomorrow there, the page says until when, and the folder counts follow. Screenshots of the open
menu, light, dark and on a phone: screenshots/desk-snooze-menu.png, desk-snooze-menu-dark.png,
desk-snooze-menu-phone.png."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, Page, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot

pytestmark = DESK_TESTS

ZONE = "Asia/Tokyo"
WEEKS = timedelta(days=21)


async def ada_in_tokyo(
    desk: Any, live: str, browser: Browser
) -> tuple[Page, PageApi, dict[str, Any], date]:
    """Ada's desk, of the inbox Support, and the day on her page: she reads times in Tokyo,
    whatever this computer's zone, and on her page it is 10:00 there, two days from now (so no
    midnight passes during a test, and the server takes the times chosen)."""
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada, clock=True)
    api = PageApi(page, live)
    await api("PATCH", "/api/v1/me", {"preferences": {"time_zone": ZONE}})
    day = (datetime.now(ZoneInfo(ZONE)) + timedelta(days=2)).date()
    await page.clock.set_system_time(datetime.combine(day, time(10, 0), ZoneInfo(ZONE)))
    return page, api, inbox, day


async def test_tomorrow_morning_snoozes_the_ticket_until_9_on_the_agents_clock(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    page, api, inbox, day = await ada_in_tokyo(desk, live, browser)
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": "rosalind@example.org", "name": "Rosalind Franklin"},
        "subject": "Parcel stuck in customs",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    await page.goto(f"{live}/tickets/{ticket['id']}")
    await expect(page.get_by_role("heading", name="Parcel stuck in customs")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    open_folder = nav.locator(f"a[href='/inboxes/{inbox['id']}/open']")
    snoozed_folder = nav.locator(f"a[href='/inboxes/{inbox['id']}/snoozed']")
    await expect(open_folder).to_contain_text("1")
    await expect(snoozed_folder).to_contain_text("0")

    # From the keyboard: ↓ on the button opens the menu at its first choice, ↓ goes on.
    await page.get_by_test_id("snooze-menu").focus()
    await page.keyboard.press("ArrowDown")
    menu = page.get_by_role("dialog", name="Snooze this ticket")
    later = menu.get_by_role("button", name=re.compile("^Later today"))
    await expect(later).to_be_focused()
    # Three hours on, to the next minute (Ada's clock ran a few seconds since 10:00).
    await expect(later).to_contain_text(re.compile(r"01:0\d PM"))
    tomorrow = menu.get_by_role("button", name=re.compile("^Tomorrow morning"))
    # Its time beside it, as Ada's clock reads it: "Mon, Dec 9, 09:00 AM".
    weekday = (day + timedelta(days=1)).strftime("%a")
    await expect(tomorrow).to_contain_text(re.compile(rf"{weekday}, .*09:00"))
    await expect(menu.get_by_role("button", name=re.compile("^In a week"))).to_contain_text(
        (day + timedelta(days=7)).strftime("%a")
    )
    await expect(menu.get_by_role("button", name="Pick a date and time…")).to_be_visible()
    await page.keyboard.press("ArrowDown")
    await expect(tomorrow).to_be_focused()
    await shoot(page, screenshots, "snooze-menu")
    await assert_accessible(page, "the snooze menu")
    await page.emulate_media(color_scheme="dark")
    await shoot(page, screenshots, "snooze-menu-dark")
    await page.emulate_media(color_scheme="light")
    # On a phone the menu stays within the screen.
    await page.set_viewport_size({"width": 390, "height": 844})
    await expect(menu).to_be_in_viewport(ratio=1)
    await shoot(page, screenshots, "snooze-menu-phone")
    await page.set_viewport_size({"width": 1360, "height": 860})
    # Esc closes it and goes back to the button; Enter on a choice snoozes.
    await page.keyboard.press("Escape")
    await expect(menu).to_have_count(0)
    await expect(page.get_by_test_id("snooze-menu")).to_be_focused()

    # A time the server refuses (Ada's clock was wrong: her tomorrow is in the past) says why.
    await page.clock.set_system_time(datetime.combine(day, time(10, 0), ZoneInfo(ZONE)) - WEEKS)
    await page.keyboard.press("Enter")
    await tomorrow.click()
    await expect(page.get_by_role("alert")).to_have_text("The snooze must end in the future.")
    await expect(page.get_by_test_id("ticket-state")).to_have_text("Open")

    await page.clock.set_system_time(datetime.combine(day, time(10, 0), ZoneInfo(ZONE)))
    await page.get_by_test_id("snooze-menu").click()
    await tomorrow.focus()
    await page.keyboard.press("Enter")

    await expect(page.get_by_test_id("ticket-state")).to_have_text("Snoozed")
    await expect(page.get_by_test_id("snoozed-until")).to_contain_text("9:00 AM")
    saved = await api("GET", f"/api/v1/tickets/{ticket['id']}")
    until = datetime.fromisoformat(saved["snoozed_until"])
    assert until == datetime.combine(day + timedelta(days=1), time(9, 0), ZoneInfo(ZONE))
    assert saved["state"] == "snoozed"
    await expect(open_folder).to_contain_text("0")
    await expect(snoozed_folder).to_contain_text("1")
    await expect(page.get_by_role("alert")).to_have_count(0)
    await shoot(page, screenshots, "snoozed")
    await page.context.close()
