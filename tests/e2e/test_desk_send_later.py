"""Send later in real Chromium: a reply scheduled from the reply box with "Pick a date and
time…", on the agent's clock (their time zone preference), shown in the thread to its author
with Send now, Edit and Cancel, and live to a colleague who has the ticket open; then cancelled,
and nothing is sent at its time (screenshot docs/images/desk-send-later.png); a long address and
"Reply scheduled for …" show whole in the reply box at 1280 and 1024 px wide and on a phone."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from playwright.async_api import Browser, ViewportSize, expect

from frontdesk.kit.clock import utcnow
from frontdesk.mail.models import OutboxMessage
from frontdesk.pending_replies.timers import send_due_replies
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.mail.support import CUSTOMER, SUPPORT
from tests.unit.support import count_rows

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
ZONE = "Asia/Tokyo"


async def test_a_reply_scheduled_from_the_reply_box_shows_to_colleagues_and_is_cancelled(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.user(name="Ada Lovelace")
    bob = await desk.user(name="Bob Marley")
    await desk.add_member(inbox, ada)
    await desk.add_member(inbox, bob)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    # Ada reads times in Tokyo, whatever this computer's zone.
    await api("PATCH", "/api/v1/me", {"preferences": {"time_zone": ZONE}})
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": CUSTOMER, "name": "Cora Customer"},
        "subject": "Refund for order 1042",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    bobs = await open_desk(browser, live, bob, path=f"/tickets/{ticket['id']}")
    await expect(bobs.get_by_role("heading", name="Refund for order 1042")).to_be_visible()

    await page.goto(f"{live}/tickets/{ticket['id']}")
    await expect(page.get_by_role("heading", name="Refund for order 1042")).to_be_visible()
    words = "Your refund went out this morning: allow three days for it to show."
    await page.get_by_label("Reply to the customer").fill(words)
    await page.get_by_role("button", name="Send later").click()
    menu = page.get_by_role("dialog", name="Send later")
    await expect(menu.get_by_role("button", name="Tomorrow morning (9:00)")).to_be_visible()
    await menu.get_by_role("button", name="Pick a date and time…").click()
    tomorrow = (datetime.now(ZoneInfo(ZONE)) + timedelta(days=1)).date()
    await menu.get_by_label("Date and time", exact=True).fill(f"{tomorrow.isoformat()}T10:30")
    await expect(menu).to_contain_text(f"In your time zone: {ZONE}")
    await shoot(page, screenshots, "send-later-menu")
    await assert_accessible(page, "the send later menu")
    await menu.get_by_role("button", name="Schedule").click()

    line = page.get_by_test_id("scheduled-reply")
    await expect(line).to_contain_text("You scheduled this reply for")
    await expect(line).to_contain_text("10:30")
    await expect(line).to_contain_text(words)
    # Sent with plain Send: nothing else becomes of the ticket, and the line says nothing more.
    await expect(line.get_by_test_id("scheduled-then")).to_have_count(0)
    await expect(page.get_by_test_id("reply-done")).to_contain_text("Reply scheduled for")
    await expect(page.get_by_label("Reply to the customer")).to_have_value("")
    for action in ("Send now", "Edit", "Cancel"):
        await expect(line.get_by_role("button", name=action, exact=True)).to_be_visible()
    # The server holds it for Tokyo's 10:30, and nothing is sent yet.
    (held,) = await api("GET", f"/api/v1/tickets/{ticket['id']}/scheduled-replies")
    due = datetime.fromisoformat(held["due_at"]).astimezone(ZoneInfo(ZONE))
    assert (due.date(), due.hour, due.minute) == (tomorrow, 10, 30)

    # Bob, who has the ticket open, sees it at once, with its text but without its buttons.
    bobs_line = bobs.get_by_test_id("scheduled-reply")
    await expect(bobs_line).to_contain_text("Reply scheduled by Ada Lovelace for")
    await expect(bobs_line).to_contain_text(words)
    await expect(bobs_line.get_by_role("button")).to_have_count(0)

    await page.get_by_label("Reply to the customer").focus()
    await shoot(page, screenshots, "send-later")
    await assert_accessible(page, "a reply scheduled with send later")
    shutil.copy(screenshots / "desk-send-later.png", DOCS_IMAGES)

    # Cancelled, after asking: gone from both threads, and its time sends nothing.
    await line.get_by_role("button", name="Cancel", exact=True).click()
    await page.get_by_role("button", name="Cancel the reply").click()
    await expect(line).to_have_count(0)
    await expect(bobs_line).to_have_count(0)
    assert await api("GET", f"/api/v1/tickets/{ticket['id']}/scheduled-replies") == []
    later = utcnow() + timedelta(days=3)
    assert await send_due_replies(app.state.sessionmaker, app.state.settings, now=later) == 0
    assert await count_rows(app, OutboxMessage, OutboxMessage.ticket_id == ticket["id"]) == 0

    # One that closes the ticket when it goes (Send & Close, as a macro's draft may suggest)
    # says so, to everyone who sees it.
    closing = await api(
        "POST",
        f"/api/v1/tickets/{ticket['id']}/replies",
        {
            "text": "Closing this one.",
            "then": "close",
            "send_at": (utcnow() + timedelta(days=2)).isoformat(),
        },
        status=202,
    )
    assert closing["text"] == "Closing this one."
    then = bobs.get_by_test_id("scheduled-then")
    await expect(then).to_have_text("· then the ticket is closed")
    await expect(line.get_by_test_id("scheduled-then")).to_have_text("· then the ticket is closed")


# Inside the reply box and not cut short: `el`'s whole text shows (no hidden overflow), its box
# lies within the reply box's, and the row under the box does not run over either.
FULLY_SHOWN = """(el) => {
  const box = el.closest("form.reply-box").getBoundingClientRect();
  const row = el.closest("footer");
  const own = el.getBoundingClientRect();
  return el.scrollWidth <= el.clientWidth && row.scrollWidth <= row.clientWidth
    && own.width > 0 && own.left >= box.left && own.right <= box.right;
}"""


async def test_a_long_address_and_the_scheduled_line_show_whole_in_the_reply_box(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada, viewport={"width": 1280, "height": 800})
    api = PageApi(page, live)
    address = "margaret.hamilton-accounts-payable@northern-lighthouse-logistics.example.org"
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": address, "name": "Margaret Hamilton"},
        "subject": "Invoice 2231 paid twice",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    await page.goto(f"{live}/tickets/{ticket['id']}")
    await page.get_by_label("Reply to the customer").fill("We refund the second payment today.")
    await page.get_by_role("button", name="Send later").click()
    menu = page.get_by_role("dialog", name="Send later")
    await menu.get_by_role("button", name="Tomorrow morning (9:00)").click()
    done = page.get_by_test_id("reply-done")
    await expect(done).to_contain_text("Reply scheduled for")
    to = page.get_by_test_id("reply-to")
    await expect(to).to_have_text(f"To {address}")

    sizes: list[tuple[str, ViewportSize]] = [
        ("reply-box-1280", {"width": 1280, "height": 800}),
        ("reply-box-1024", {"width": 1024, "height": 800}),
        ("reply-box-phone", {"width": 390, "height": 844}),
    ]
    for name, size in sizes:
        await page.set_viewport_size(size)
        await page.locator("form.reply-box footer").scroll_into_view_if_needed()
        await shoot(page, screenshots, name)
        assert await to.evaluate(FULLY_SHOWN), name
        assert await done.evaluate(FULLY_SHOWN), name
