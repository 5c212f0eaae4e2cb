"""A rule that replies to the customer, in real Chromium (issue #16): the admin picks a team
saved reply in the rule editor's reply action, a new ticket gets it, and its thread shows the
reply as the rule's, with the variables filled (screenshots: desk-rule-reply-*)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot

pytestmark = DESK_TESTS


async def test_a_rule_answers_new_tickets_with_a_team_saved_reply(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address="support@shop.test")
    ada = await desk.user(name="Ada Admin", role="admin")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    await api(
        "POST",
        "/api/v1/saved-replies",
        {"name": "Mine", "text": "Personal words"},
        status=201,
    )
    await api(
        "POST",
        "/api/v1/saved-replies",
        {
            "name": "We got it",
            "text": "Hello {{customer.first_name}}, your request #{{ticket.number}} is in.",
            "inbox_id": inbox["id"],
        },
        status=201,
    )

    await page.goto(f"{live}/settings/rules")
    await page.get_by_role("button", name="Add a rule").click()
    await page.get_by_label("Name").fill("Acknowledge")
    await page.get_by_label("When", exact=True).select_option("created")
    # The ticket below is filed over the API, as an agent would: by anyone, then.
    created_by = page.get_by_label("Created by")
    await expect(created_by).to_have_value("customer")
    await created_by.select_option(label="by anyone")
    reply = page.locator("[data-rule-reply]")
    await reply.get_by_label("Send a saved reply").check()
    picker = reply.locator("select")
    # Only team replies: a personal one is its owner's alone.
    await expect(picker.locator("option")).to_have_text(["Choose a saved reply", "We got it"])
    await picker.select_option(label="We got it")
    await expect(reply).to_contain_text("signed by the inbox")
    await assert_accessible(page, "rule editor with a reply")
    await page.set_viewport_size({"width": 1360, "height": 1400})
    await reply.scroll_into_view_if_needed()
    await shoot(page, screenshots, "rule-reply-editor")
    await page.set_viewport_size({"width": 1360, "height": 860})

    # A reply with an agent's variable is refused with the server's words.
    await reply.get_by_label("Write a reply", exact=True).check()
    await reply.locator("textarea").fill("Regards, {{agent.name}}")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("alert")).to_contain_text("{{agent.name}}")
    await reply.get_by_label("Send a saved reply").check()
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Rule “Acknowledge” created.")).to_be_visible()
    await expect(page.locator("[data-rule='Acknowledge']")).to_contain_text("Send a saved reply")

    made = await api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora Customer"},
            "subject": "Kettle",
        },
        status=201,
    )
    await page.goto(f"{live}/tickets/{made['id']}")
    sent = page.locator("article.entry.reply.out")
    await expect(sent).to_contain_text("frontdesk · rule “Acknowledge”")
    await expect(sent).to_contain_text(f"Hello Cora, your request #{made['number']} is in.")
    await expect(sent).to_contain_text("Automatic")
    await assert_accessible(page, "ticket with a rule's reply")
    await shoot(page, screenshots, "rule-reply-thread")
