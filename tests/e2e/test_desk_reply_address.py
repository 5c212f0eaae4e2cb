"""The reply box says where an email reply goes, in real Chromium: the customer's address the
conversation is with (here, the one an agent's New ticket wrote to, not their primary), and their
primary again once that address is taken off their record (docs/email.md, "Which address a reply
goes to")."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, open_desk

pytestmark = DESK_TESTS

HOME = "cora@home.example"
WORK = "cora.lee@work.example"


async def test_the_reply_box_names_the_address_the_conversation_is_with(
    desk: Any, live: str, browser: Browser
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address="support@example.com")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    body = {"name": "Cora Lee", "emails": [HOME, WORK]}
    cora = await api("POST", "/api/v1/customers", body, status=201)
    started = {
        "inbox_id": inbox["id"],
        "customer": {"email": WORK},
        "subject": "Your team's contract",
        "message": {"text": "The contract for your team is ready."},
    }
    ticket = await api("POST", "/api/v1/tickets", started, status=201)

    await page.goto(f"{live}/tickets/{ticket['id']}")
    await expect(page.locator("article.entry.reply.out")).to_contain_text("contract")
    await expect(page.get_by_text(f"To {WORK}", exact=True)).to_be_visible()

    await api("PATCH", f"/api/v1/customers/{cora['id']}", {"emails": [HOME]})
    await page.reload()
    await expect(page.get_by_text(f"To {HOME}", exact=True)).to_be_visible()
