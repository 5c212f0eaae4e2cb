"""The ticket list's "Reply scheduled" mark in real Chromium (docs/desk.md, "Send later"): a reply
scheduled through the API (`send_at`) marks its ticket's row, on each agent's own clock (their
time zone preference), live on a colleague's open list, and on the customer's page; cancelled,
the mark goes from both lists without a reload (screenshot docs/images/desk-send-later-list.png)."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, api_as, assert_accessible, open_desk, shoot
from tests.mail.support import CUSTOMER

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
TOKYO = ZoneInfo("Asia/Tokyo")
PARIS = ZoneInfo("Europe/Paris")


async def test_the_list_marks_a_scheduled_reply_live_on_each_agents_clock(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Shop Support")
    ada = await desk.user(name="Ada Lovelace")
    bob = await desk.user(name="Bob Marley")
    await desk.add_member(inbox, ada)
    await desk.add_member(inbox, bob)
    # Ada reads times in Tokyo, Bob in Paris, whatever this computer's zone.
    bobs_api = await api_as(desk, bob)
    await bobs_api("PATCH", "/api/v1/me", {"preferences": {"time_zone": "Europe/Paris"}})
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    await api("PATCH", "/api/v1/me", {"preferences": {"time_zone": "Asia/Tokyo"}})
    tickets = {}
    for subject in ("Refund for order 1042", "Where is my parcel?"):
        body = {
            "inbox_id": inbox["id"],
            "customer": {"email": CUSTOMER, "name": "Cora Customer"},
            "subject": subject,
        }
        tickets[subject] = await api("POST", "/api/v1/tickets", body, status=201)
    refund = tickets["Refund for order 1042"]

    folder = f"/inboxes/{inbox['id']}/open"
    bobs = await open_desk(browser, live, bob, path=folder)
    bobs_row = bobs.locator("li", has_text="Refund for order 1042")
    await expect(bobs_row).to_be_visible()
    await expect(bobs.get_by_test_id("scheduled-badge")).to_have_count(0)

    # Tomorrow at 9:00 in Tokyo: 1:00 in Paris (winter), the day before there.
    tomorrow = (datetime.now(TOKYO) + timedelta(days=1)).date()
    send_at = datetime.combine(tomorrow, time(9, 0), tzinfo=TOKYO)
    held = await api(
        "POST",
        f"/api/v1/tickets/{refund['id']}/replies",
        {"text": "Your refund went out this morning.", "send_at": send_at.isoformat()},
        status=202,
    )

    # Bob's open list marks the row at once, on his clock; the other row has no mark.
    bobs_mark = bobs_row.get_by_test_id("scheduled-badge")
    paris = send_at.astimezone(PARIS).strftime("%I:%M %p")
    await expect(bobs_mark).to_contain_text("Reply scheduled · ")
    await expect(bobs_mark).to_contain_text(paris)
    await expect(bobs.get_by_test_id("scheduled-badge")).to_have_count(1)

    # Ada's list, read afresh, on hers.
    await page.goto(f"{live}{folder}")
    row = page.locator("li", has_text="Refund for order 1042")
    mark = row.get_by_test_id("scheduled-badge")
    await expect(mark).to_contain_text("09:00 AM")
    await expect(mark).to_have_attribute(
        "title", re.compile(r"^A reply is scheduled to go .*09:00 AM$")
    )
    parcel = page.locator("li", has_text="Where is my parcel?")
    await expect(parcel.get_by_test_id("scheduled-badge")).to_have_count(0)
    await shoot(page, screenshots, "send-later-list")
    await assert_accessible(page, "the ticket list with a scheduled reply")
    shutil.copy(screenshots / "desk-send-later-list.png", DOCS_IMAGES)

    # The customer's page marks the ticket in their tickets too.
    await bobs.goto(f"{live}/customers/{refund['customer_id']}")
    customers_row = bobs.locator("tr[data-ticket-id]", has_text="Refund for order 1042")
    await expect(customers_row.get_by_test_id("scheduled-badge")).to_contain_text(paris)
    other_row = bobs.locator("tr[data-ticket-id]", has_text="Where is my parcel?")
    await expect(other_row).to_be_visible()
    await expect(other_row.get_by_test_id("scheduled-badge")).to_have_count(0)
    await bobs.goto(f"{live}{folder}")
    await expect(bobs_mark).to_contain_text(paris)

    # Cancelled: the mark leaves both lists without a reload.
    await api("DELETE", f"/api/v1/tickets/{refund['id']}/pending-replies/{held['id']}")
    await expect(mark).to_have_count(0)
    await expect(bobs_mark).to_have_count(0)
