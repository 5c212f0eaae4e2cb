"""Undo send in real Chromium: the preference chosen on the Preferences page, a reply held with
the toast "Sending… Undo" and a greyed copy in the thread, Undo putting its text, Cc and button
back in the reply box, then sent again and arriving as the real entry. The timer is run by the
test with a later clock: nothing waits for the real seconds (screenshot
docs/images/desk-undo-send.png, and screenshots/desk-undo-send-*.png)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect

from frontdesk.kit.clock import utcnow
from frontdesk.mail.models import OutboxMessage
from frontdesk.pending_replies.timers import send_due_replies
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.mail.support import CUSTOMER, SUPPORT
from tests.unit.support import count_rows

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
BOSS = "boss@example.org"


async def timer_later(app: FastAPI) -> int:
    """The pending replies' timer, run as it would run once the 5 seconds have passed."""
    later = utcnow() + timedelta(seconds=6)
    return await send_due_replies(app.state.sessionmaker, app.state.settings, now=later)


async def adas_ticket(
    desk: Any, live: str, browser: Browser, subject: str
) -> tuple[Page, PageApi, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Ada's desk, of the inbox Shop Support, with a ticket of Cora's on `subject`: the page,
    the API as Ada, the inbox, Ada and the ticket."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": CUSTOMER, "name": "Cora Customer"},
        "subject": subject,
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    return page, api, inbox, ada, ticket


async def test_undo_puts_the_reply_back_and_sending_again_delivers_it(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    page, api, _inbox, _ada, ticket = await adas_ticket(
        desk, live, browser, "Parcel arrived crushed"
    )

    # Undo send: 5 seconds, chosen on the Preferences page.
    await page.goto(f"{live}/preferences")
    choice = page.get_by_test_id("undo-send-preference")
    await expect(choice).to_have_value("0")
    await choice.select_option("5")
    me = await api("GET", "/api/v1/me")
    assert me["preferences"]["undo_send_seconds"] == 5

    await page.goto(f"{live}/tickets/{ticket['id']}")
    await expect(page.get_by_role("heading", name="Parcel arrived crushed")).to_be_visible()
    box = page.get_by_label("Reply to the customer")
    words = "A replacement is on its way; you will have it tomorrow."
    # The toast's live region is in the page before anything is said in it (out of sight), so
    # that what is put in it is announced.
    toast = page.get_by_test_id("undo-send-toast")
    await expect(toast).to_be_attached()
    assert await toast.evaluate("el => getComputedStyle(el).display") != "none"
    assert await toast.get_attribute("role") == "status"
    await box.fill(words)
    await page.get_by_label("Cc", exact=True).fill(BOSS)
    await page.get_by_role("button", name="Send & Close").click()

    await expect(toast).to_contain_text("Sending…")
    undo = toast.get_by_role("button", name="Undo send")
    await expect(undo).to_be_visible()
    held = page.get_by_test_id("pending-reply")
    await expect(held).to_contain_text(words)
    await expect(held).to_contain_text("Only you see this")
    await expect(box).to_have_value("")
    # Esc (closing a menu, say) does not take the reply back.
    await page.keyboard.press("Escape")
    await expect(undo).to_be_visible()
    await shoot(page, screenshots, "undo-send")
    await assert_accessible(page, "reply held for undo send")
    await page.emulate_media(color_scheme="dark")
    await shoot(page, screenshots, "undo-send-dark")
    await assert_accessible(page, "reply held for undo send, dark")
    await page.emulate_media(color_scheme="light")
    shutil.copy(screenshots / "desk-undo-send.png", DOCS_IMAGES)
    assert await count_rows(app, OutboxMessage, OutboxMessage.ticket_id == ticket["id"]) == 0

    # Undo, from the keyboard: Tab from the reply box reaches it before anything of the
    # customer's sidebar; the text, the Cc and the button come back; nothing was sent.
    await box.focus()
    for _ in range(20):
        await page.keyboard.press("Tab")
        here = await page.evaluate(
            "() => ({undo: document.activeElement?.dataset?.testid === 'undo-send',"
            " sidebar: !!document.activeElement?.closest('aside.sidebar')})"
        )
        assert not here["sidebar"], "Tab went through the customer's sidebar before Undo"
        if here["undo"]:
            break
    await expect(undo).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(box).to_have_value(words)
    await expect(page.get_by_label("Cc", exact=True)).to_have_value(BOSS)
    await expect(page.locator("button.btn-primary", has_text="Send & Close")).to_be_visible()
    await expect(held).to_have_count(0)
    await expect(toast).to_contain_text("back in the box")
    assert await api("GET", f"/api/v1/tickets/{ticket['id']}/pending-replies") == []
    assert await timer_later(app) == 0

    # Sent again with the button Undo gave back (Enter in Cc submits the highlighted one), and
    # this time let go: the timer sends it and the thread shows the real entry in its place.
    await page.get_by_label("Cc", exact=True).press("Enter")
    await expect(held).to_contain_text(words)
    assert await timer_later(app) == 1
    entry = page.locator("article.entry.reply.out").last
    await expect(entry).to_contain_text(words)
    await expect(entry).to_contain_text(f"Cc {BOSS}")
    await expect(held).to_have_count(0)
    await expect(page.get_by_test_id("ticket-state")).to_have_text("Closed")
    assert await count_rows(app, OutboxMessage, OutboxMessage.ticket_id == ticket["id"]) == 1


async def test_each_held_reply_has_its_own_undo(
    app: FastAPI, desk: Any, live: str, browser: Browser
) -> None:
    """Two replies held at once: the toast shows the newest, and each greyed reply in the thread
    has its own Undo, the earlier one too."""
    page, api, _inbox, _ada, ticket = await adas_ticket(desk, live, browser, "Two thoughts")
    await api("PATCH", "/api/v1/me", {"preferences": {"undo_send_seconds": 30}})
    await page.goto(f"{live}/tickets/{ticket['id']}")
    box = page.get_by_label("Reply to the customer")
    held = page.get_by_test_id("pending-reply")
    for words in ("First thought.", "Second thought."):
        await box.fill(words)
        await page.get_by_role("button", name="Send", exact=True).click()
        await expect(held.filter(has_text=words)).to_be_visible()
    await expect(held.get_by_test_id("pending-undo")).to_have_count(2)
    await held.filter(has_text="First thought.").get_by_role("button", name="Undo send").click()
    await expect(box).to_have_value("First thought.")
    await expect(held).to_have_count(1)
    await expect(held).to_contain_text("Second thought.")
    assert [row["text"] for row in await api("GET", "/api/v1/me/pending-replies")] == [
        "Second thought."
    ]


async def test_a_reply_refused_on_a_ticket_no_longer_seen_is_shown_on_every_page(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    """Taken out of the inbox while her reply waited, Ada can no longer open the ticket: her
    bell tells her at once, live (screenshots/desk-reply-not-sent.png), and so does the banner
    above every page, which gives her its text."""
    page, api, inbox, ada, ticket = await adas_ticket(desk, live, browser, "Moved away")
    words = "Your refund is on its way."
    await api(
        "POST",
        f"/api/v1/tickets/{ticket['id']}/replies",
        {"text": words, "undo_seconds": 5},
        status=202,
    )
    admin = await desk.agent(role="admin")
    removed = await admin.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{ada['id']}")
    assert removed.status_code == 200, removed.text
    assert await timer_later(app) == 1
    # Heard live, with no reload: the bell counts it, and the banner looks at once.
    bell = page.get_by_test_id("notification-bell")
    await expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    banner = page.get_by_test_id("unsent-replies")
    await expect(banner).to_contain_text(f"A reply of yours on ticket {ticket['id']} was not sent")
    await bell.click()
    item = page.locator(".notification-item[data-kind='reply_not_sent']")
    await expect(item).to_contain_text(
        f"Your reply on #{ticket['number']} was not sent. You no longer have access to this "
        "ticket's inbox."
    )
    await shoot(page, screenshots, "reply-not-sent")
    await page.keyboard.press("Escape")
    await page.goto(f"{live}/preferences")
    await expect(banner).to_contain_text(f"A reply of yours on ticket {ticket['id']} was not sent")
    await expect(banner).to_contain_text("no longer have access")
    await banner.get_by_text("Your text").click()
    await expect(banner).to_contain_text(words)
    await banner.get_by_role("button", name="Dismiss").click()
    await expect(banner).to_have_count(0)
    assert await api("GET", "/api/v1/me/pending-replies") == []


async def test_undo_on_a_split_ticket_folded_back_meanwhile_takes_the_reply_back(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    """Ada's reply waits on a split ticket when a colleague undoes the split, which takes it to
    the original: her toast still counts down (screenshots/desk-undo-send-split-undone.png), its
    Undo takes the reply back (through the split ticket's address) and the desk puts it in the
    original's reply box, the split ticket having none any more; it never goes out."""
    page, api, _inbox, _ada, first = await adas_ticket(desk, live, browser, "Two orders")
    for text in ("About the first order.", "About the second order."):
        await api("POST", f"/api/v1/tickets/{first['id']}/notes", {"text": text}, status=201)
    shown = await api("GET", f"/api/v1/tickets/{first['id']}")
    second = next(e for e in shown["entries"] if e["text"].startswith("About the second"))
    move = await api(
        "POST", f"/api/v1/tickets/{first['id']}/entries/{second['id']}/split", {}, status=201
    )
    await api("PATCH", "/api/v1/me", {"preferences": {"undo_send_seconds": 30}})
    await page.goto(f"{live}/tickets/{move['target_ticket_id']}")
    words = "The second order ships on Monday."
    await page.get_by_label("Reply to the customer").fill(words)
    await page.get_by_role("button", name="Send", exact=True).click()
    toast = page.get_by_test_id("undo-send-toast")
    await expect(toast).to_contain_text("Sending…")

    # A colleague undoes the split: the page reads the ticket again, which points to the
    # original now, where the reply waits; the toast still counts down.
    admin = await desk.agent(role="admin")
    undone = await admin.client.post(f"/api/v1/tickets/moves/{move['id']}/undo")
    assert undone.status_code == 200, undone.text
    await expect(page.get_by_test_id("merged-into")).to_be_visible()
    await expect(toast).to_contain_text("Sending…")
    await shoot(page, screenshots, "undo-send-split-undone")
    await toast.get_by_role("button", name="Undo send").click()
    await expect(page).to_have_url(f"{live}/tickets/{first['id']}")
    await expect(page.get_by_label("Reply to the customer")).to_have_value(words)
    await expect(toast).to_contain_text("back in the box")
    await shoot(page, screenshots, "undo-send-split-undone-back")
    later = utcnow() + timedelta(seconds=31)
    assert await send_due_replies(app.state.sessionmaker, app.state.settings, now=later) == 0
    for ticket_id in (first["id"], move["target_ticket_id"]):
        assert await count_rows(app, OutboxMessage, OutboxMessage.ticket_id == ticket_id) == 0
