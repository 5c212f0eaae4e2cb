"""Saved replies in real Chromium (issue #14): "/" in the chat composer and in the ticket reply
box opens the picker, which searches as you type, inserts with the keyboard or the mouse, and
fills the variables for the conversation, leaving unknown and empty ones visible; the Saved
replies page creates, shares, edits and deletes them (screenshots: screenshots/desk-replies-*)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect

from tests.e2e.desk import (
    AXE,
    DESK_TESTS,
    PageApi,
    assert_accessible,
    bar_item,
    open_desk,
    set_online,
    shoot,
)
from tests.e2e.test_desk_dark import expect_dark

pytestmark = DESK_TESTS

GREETING = (
    "Hi {{customer.first_name}}, this is {{agent.first_name}} from {{inbox.name}}. "
    "Your ticket: {{ticket.number}}."
)


def picker(page: Page) -> Any:
    return page.get_by_role("listbox", name="Saved replies")


async def assert_accessible_within(page: Page, selector: str, screen: str) -> None:
    """axe on one part of the page: the reply box and its picker (the ticket thread around it
    has a finding of its own, older than saved replies)."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text())
    violations = await page.evaluate(
        """async (selector) => {
          const result = await axe.run(selector, { resultTypes: ["violations"] });
          return result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({ id: v.id, at: v.nodes.map((n) => n.target.join(" ")) }));
        }""",
        selector,
    )
    assert violations == [], f"{screen}: {violations}"


async def active_option(page: Page, box_id: str) -> str:
    """The option the composer points at (aria-activedescendant), by its text."""
    active = await page.locator(f"#{box_id}").get_attribute("aria-activedescendant")
    assert active, "the composer points at no option"
    return await page.locator(f"#{active}").inner_text()


async def test_a_saved_reply_in_a_chat_fills_its_variables(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Acme Support")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    await set_online(app, ada_user)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Where is my parcel?", name="Marie Curie")
    page = await open_desk(browser, live, ada_user)
    api = PageApi(page, live)
    team = {"name": "Greeting", "text": GREETING, "inbox_id": inbox["id"]}
    greeting = await api("POST", "/api/v1/saved-replies", team, status=201)
    for name, text in [
        ("Refund policy", "Refunds reach your card within 5 working days."),
        ("Parcel delayed", "Your parcel is delayed by the carrier; it should arrive tomorrow."),
        ("Goodbye", "Thanks for writing, {{customer.first_name}}. Have a good day!"),
    ]:
        await api("POST", "/api/v1/saved-replies", {"name": name, "text": text}, status=201)

    await bar_item(page, "Marie Curie").click()
    await page.get_by_role("button", name="Join Chat").click()
    composer = page.locator("#composer")
    await expect(composer).to_be_focused()
    await composer.press_sequentially("/gre")
    await expect(picker(page).get_by_role("option")).to_have_count(1)
    assert (await active_option(page, "composer")).startswith("Greeting")
    await composer.press_sequentially("e")
    await expect(picker(page).get_by_role("option")).to_have_count(1)
    for _ in "gree":
        await composer.press("Backspace")
    # "/" alone: every reply the agent may use here, most used first, then by name.
    options = picker(page).get_by_role("option")
    await expect(options).to_have_count(4)
    await expect(options.first).to_contain_text("Goodbye")
    await assert_accessible(page, "chat with the saved-reply picker")
    await shoot(page, screenshots, "replies-chat-picker")
    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "saved-reply picker")
    await shoot(page, screenshots, "replies-chat-picker-dark")
    await page.emulate_media(color_scheme="light")
    await composer.press_sequentially("gre")
    await expect(options).to_have_count(1)

    await composer.press("Enter")
    filled = "Hi Marie, this is Ada from Acme Support. Your ticket: {{ticket.number}}."
    await expect(composer).to_have_value(filled)
    await expect(picker(page)).to_have_count(0)
    left = page.locator("[aria-live=polite]").filter(has_text="left as written")
    await expect(left).to_contain_text("{{ticket.number}}")
    await shoot(page, screenshots, "replies-chat-inserted")

    # The mouse: a second reply at the end, after a space.
    await composer.press_sequentially(" /refund")
    await picker(page).get_by_role("option", name=re.compile("Refund policy")).click()
    await expect(composer).to_have_value(f"{filled} Refunds reach your card within 5 working days.")
    await expect(composer).to_be_focused()

    # Enter sends what the composer shows: the visitor reads the variable left as written.
    await composer.press("Enter")
    log = page.get_by_role("log", name="Conversation")
    # Shown once the server took it (a message on its way is shown as "Sending…").
    await expect(log.locator(".msg.agent:not(.pending)")).to_contain_text(
        "Hi Marie, this is Ada from Acme Support."
    )
    events = (await visitor.client.get(f"/messenger/v1/chats/{chat['id']}")).json()
    texts = [e["data"]["message"]["text"] for e in events["events"] if "message" in e["data"]]
    assert any(text.startswith(filled) for text in texts), texts
    listed = await api("GET", "/api/v1/saved-replies?scope=team")
    assert [(r["id"], r["usage_count"]) for r in listed["items"]] == [(greeting["id"], 1)]
    await page.context.close()


async def test_a_saved_reply_in_a_ticket_by_keyboard_alone(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Billing")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    page = await open_desk(browser, live, ada_user)
    api = PageApi(page, live)
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": "cora@example.org", "name": "Cora Customer"},
        "subject": "Charged twice",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    refund = {
        "name": "Refund sent",
        "text": "Dear {{customer.first_name}}, ticket #{{ ticket.number }} is refunded. "
        "{{agent.name}}",
    }
    await api("POST", "/api/v1/saved-replies", refund, status=201)
    delay = {"name": "Refund delay", "text": "Refunds take five days.", "inbox_id": inbox["id"]}
    await api("POST", "/api/v1/saved-replies", delay, status=201)

    await page.goto(f"{live}/tickets/{ticket['id']}")
    await expect(page.get_by_role("heading", name="Charged twice")).to_be_visible()
    box = page.locator("#reply-text")
    # The shortcut, from nowhere in particular: the reply box takes the focus and a "/".
    await page.locator("body").click(position={"x": 5, "y": 400})
    await page.keyboard.press("s")
    await expect(box).to_be_focused()
    await expect(box).to_have_value("/")
    await expect(picker(page).get_by_role("option")).to_have_count(2)
    await page.keyboard.type("refund")
    await expect(picker(page).get_by_role("option")).to_have_count(2)
    await assert_accessible_within(page, ".reply-box", "ticket with the saved-reply picker")
    await shoot(page, screenshots, "replies-ticket-picker")
    first = await active_option(page, "reply-text")
    await page.keyboard.press("ArrowDown")
    second = await active_option(page, "reply-text")
    assert first != second
    await page.keyboard.press("ArrowDown")  # round the end, back to the first
    assert await active_option(page, "reply-text") == first
    while not (await active_option(page, "reply-text")).startswith("Refund sent"):
        await page.keyboard.press("ArrowUp")
    await page.keyboard.press("Enter")
    filled = f"Dear Cora, ticket #{ticket['number']} is refunded. Ada Lovelace"
    await expect(box).to_have_value(filled)
    await expect(box).to_be_focused()

    # A "/" that finds nothing; Escape closes the picker and keeps what was typed.
    await page.keyboard.type(" /zzz")
    await expect(page.get_by_text("No saved reply matches “zzz”.")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.get_by_text("No saved reply matches “zzz”.")).to_have_count(0)
    await expect(box).to_be_focused()
    await expect(box).to_have_value(f"{filled} /zzz")
    # A slash inside a word is a slash.
    await page.keyboard.type(" and/or")
    await expect(picker(page)).to_have_count(0)
    await page.context.close()


async def test_the_saved_replies_page(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada_user = await desk.user(name="Ada Lovelace")
    bob_user = await desk.user(name="Bob Noyce")
    for user in (ada_user, bob_user):
        await desk.add_member(inbox, user)
    page = await open_desk(browser, live, ada_user)
    bob = PageApi(await open_desk(browser, live, bob_user), live)
    api = PageApi(page, live)
    await api(
        "POST",
        "/api/v1/saved-replies",
        {"name": "Opening hours", "text": "We answer from 9 to 6, Monday to Friday."},
        status=201,
    )

    await page.get_by_role("link", name="Saved replies").click()
    await expect(page.get_by_role("heading", name="Saved replies", level=1)).to_be_visible()
    await page.get_by_role("button", name="Add a saved reply").click()
    await page.get_by_label("Name").fill("Welcome")
    text = page.get_by_label("Text", exact=True)
    await text.fill("Hello ")
    await page.get_by_role("button", name="{{customer.first_name}}").click()
    await text.press_sequentially(", welcome to {{shop.name}}!")
    # No such variable: said as it is typed, and the server refuses to save it.
    await expect(
        page.get_by_text("Not variables, so the reply cannot be saved: {{shop.name}}")
    ).to_be_visible()
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("alert")).to_contain_text("No such variable: {{shop.name}}")
    await text.fill("Hello {{customer.first_name}}, welcome to our shop!")
    await expect(page.get_by_text("Not variables")).to_have_count(0)
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").filter(has_text="created")).to_be_visible()
    welcome = page.locator('[data-reply="Welcome"]')
    await expect(welcome).to_contain_text("Hello {{customer.first_name}}, welcome to our shop!")
    await expect(welcome).to_contain_text("Personal")
    assert (await bob("GET", "/api/v1/saved-replies"))["items"] == []

    # Share it with the team: Bob sees it now.
    await welcome.get_by_role("button", name="Share with a team: Welcome").click()
    await welcome.get_by_role("button", name="Share", exact=True).click()
    await expect(welcome).to_contain_text("Team · Support")
    names = [r["name"] for r in (await bob("GET", "/api/v1/saved-replies"))["items"]]
    assert names == ["Welcome"]

    # Search by text.
    await page.get_by_label("Search saved replies").fill("monday")
    await expect(page.locator("[data-reply]")).to_have_count(1)
    await expect(page.locator('[data-reply="Opening hours"]')).to_be_visible()
    await page.get_by_label("Search saved replies").fill("")
    await expect(page.locator("[data-reply]")).to_have_count(2)
    await assert_accessible(page, "saved replies page")
    await page.mouse.move(1300, 800)  # no button hovered in the picture
    await shoot(page, screenshots, "replies-page")
    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "saved replies page")
    await page.emulate_media(color_scheme="light")

    # Edit, then delete after asking.
    await welcome.get_by_role("button", name="Edit Welcome").click()
    await page.get_by_label("Text", exact=True).fill("Hello {{customer.first_name}}!")
    await shoot(page, screenshots, "replies-page-edit")
    await page.get_by_role("button", name="Save").click()
    await expect(welcome).to_contain_text("Edited by Ada Lovelace")
    await welcome.get_by_role("button", name="Delete Welcome").click()
    await expect(welcome).to_contain_text("Delete “Welcome” for everyone who sees it?")
    await welcome.get_by_role("button", name="Delete", exact=True).click()
    await expect(page.locator("[data-reply]")).to_have_count(1)
    assert (await bob("GET", "/api/v1/saved-replies"))["items"] == []
    await page.context.close()
    await bob.page.context.close()
