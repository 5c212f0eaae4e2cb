"""Two agents on one ticket in real Chromium: each sees the other viewing and writing; a reply
composed before the customer wrote again is refused until "Send anyway"; a merge from the ticket
page, after which the customer's reply to the old ticket's mail lands on the merged ticket through
our SMTP listener; a split from a message, undone from the toast (screenshots:
screenshots/desk-collision-*.png)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect

from frontdesk.mail.listener import InboundListener
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.mail.support import CUSTOMER, SUPPORT, reply_mail, send_to_listener

pytestmark = DESK_TESTS


async def answered(api: PageApi, inbox: dict[str, Any], subject: str) -> dict[str, Any]:
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": CUSTOMER, "name": "Cora Customer"},
        "subject": subject,
    }
    ticket: dict[str, Any] = await api("POST", "/api/v1/tickets", body, status=201)
    reply = {"text": f"About {subject}: we are on it.", "then": "hold"}
    await api("POST", f"/api/v1/tickets/{ticket['id']}/replies", reply, status=201)
    return ticket


async def sent_mail(admin: Any, ticket_id: int) -> dict[str, Any]:
    """The outbox row of the ticket's reply: its Message-ID and Reply-To, as the customer got."""
    rows = (await admin.client.get("/api/v1/outbox")).json()
    (row,) = [row for row in rows if row["ticket_id"] == ticket_id]
    return dict(row)


def presence(page: Page) -> Any:
    return page.get_by_test_id("ticket-presence")


async def test_two_agents_see_each_other_and_a_stale_reply_needs_confirming(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    listener: InboundListener,
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada_user = await desk.user(name="Ada Lovelace")
    bob_user = await desk.user(name="Bob Builder")
    for user in (ada_user, bob_user):
        await desk.add_member(inbox, user)
    ada = await open_desk(browser, live, ada_user)
    bob = await open_desk(browser, live, bob_user)
    ticket = await answered(PageApi(ada, live), inbox, "Parcel never arrived")
    admin = await desk.agent(role="admin")
    mail = await sent_mail(admin, ticket["id"])

    await ada.goto(f"{live}/tickets/{ticket['id']}")
    await bob.goto(f"{live}/tickets/{ticket['id']}")
    await expect(presence(ada)).to_contain_text("Bob Builder is viewing")
    await expect(presence(bob)).to_contain_text("Ada Lovelace is viewing")

    await bob.get_by_label("Reply to the customer").fill("Let me check with the courier")
    await expect(presence(ada)).to_contain_text("Bob Builder is writing a reply…")
    await ada.get_by_role("tab", name="Note").click()
    await ada.get_by_role("textbox", name="Private note").fill("I called them yesterday")
    await expect(presence(bob)).to_contain_text("Ada Lovelace is writing a note…")
    await shoot(ada, screenshots, "collision-presence")
    await assert_accessible(ada, "ticket with presence")

    # While Bob writes, the customer answers the mail through our listener.
    reply_to = mail["headers"]["Reply-To"]
    raw = reply_mail(to=reply_to, text="It just arrived, thanks!", in_reply_to=mail["message_id"])
    assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}
    banner = bob.get_by_test_id("stale-banner")
    await expect(banner).to_contain_text("A new message arrived while you were writing")
    await expect(banner).to_contain_text("It just arrived, thanks!")

    # He sends without looking: refused, with what is new and a way to send anyway.
    await bob.get_by_role("button", name="Send", exact=True).click()
    await expect(banner).to_contain_text("Not sent: the conversation moved on")
    await shoot(bob, screenshots, "collision-stale")
    await assert_accessible(bob, "stale reply banner")
    await expect(bob.locator(".entry.reply.out")).to_have_count(1)
    await banner.get_by_role("button", name="Send anyway").click()
    await expect(banner).to_have_count(0)
    await expect(bob.locator(".entry.reply.out")).to_have_count(2)

    # Bob's tab closes: Ada sees him go, no ghost.
    await bob.context.close()
    await expect(presence(ada)).to_have_count(0)


async def test_merge_then_mail_to_the_old_ticket_lands_on_the_merged_one_and_a_split(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    listener: InboundListener,
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada_user = await desk.user(name="Ada Lovelace")
    bob_user = await desk.user(name="Bob Builder")
    for user in (ada_user, bob_user):
        await desk.add_member(inbox, user)
    ada = await open_desk(browser, live, ada_user)
    bob = await open_desk(browser, live, bob_user)
    api = PageApi(ada, live)
    old = await answered(api, inbox, "Where is my order?")
    kept = await answered(api, inbox, "Order 1234 missing")
    admin = await desk.agent(role="admin")
    old_mail = await sent_mail(admin, old["id"])

    await ada.goto(f"{live}/tickets/{old['id']}")
    await bob.goto(f"{live}/tickets/{kept['id']}")
    await ada.get_by_test_id("merge-open").click()
    dialog = ada.get_by_role("dialog")
    await expect(dialog).to_contain_text("Other tickets of this customer")
    await dialog.get_by_text("Order 1234 missing").click()
    await shoot(ada, screenshots, "collision-merge-dialog")
    await assert_accessible(ada, "merge dialog")
    await dialog.get_by_test_id("merge-confirm").click()
    toast = ada.get_by_test_id("move-toast")
    await expect(toast).to_contain_text(f"#{old['number']} was merged into #{kept['number']}")
    await expect(ada.get_by_test_id("merged-into")).to_contain_text(f"#{kept['number']}")
    # Bob, on the kept ticket, sees the old thread arrive live, in time order.
    await expect(bob.locator(".entry.reply.out")).to_have_count(2)
    merged_line = bob.locator(".event-line", has_text=f"merged #{old['number']} into this ticket")
    await expect(merged_line).to_have_count(1)

    # The customer answers the old ticket's mail: it lands on the merged ticket.
    reply_to = old_mail["headers"]["Reply-To"]
    raw = reply_mail(to=reply_to, text="Any news on my order?", in_reply_to=old_mail["message_id"])
    assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}
    await expect(bob.locator(".entry.reply.in")).to_contain_text("Any news on my order?")
    await toast.get_by_role("button", name="Close").click()
    await shoot(ada, screenshots, "collision-merged-away")
    await ada.get_by_test_id("merged-into").get_by_role("link").click()
    await expect(ada).to_have_url(re.compile(rf"/tickets/{kept['id']}$"))
    await expect(ada.locator(".entry.reply.in")).to_contain_text("Any news on my order?")
    await shoot(ada, screenshots, "collision-merged")

    # Split the customer's message out into a new ticket, then undo it from the toast.
    message = ada.locator(".entry.reply.in")
    await message.get_by_test_id("split-open").click()
    await message.get_by_test_id("split-confirm").click()
    toast = ada.get_by_test_id("move-toast")
    await expect(toast).to_contain_text("Moved into the new ticket")
    await expect(ada.locator(".entry.reply.in")).to_have_count(0)
    await expect(bob.locator(".entry.reply.in")).to_have_count(0)
    await toast.get_by_role("button", name="Undo").click()
    await expect(ada.locator(".entry.reply.in")).to_contain_text("Any news on my order?")
    await expect(bob.locator(".entry.reply.in")).to_have_count(1)
