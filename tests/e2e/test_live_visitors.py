"""Live visitors in real Chromium, the whole story (docs/desk.md, "Visitors"; docs/messenger.md,
"Live visitors"): a visitor opens the shop, Ada sees the row in Visitors (light and dark),
invites them, the messenger shows her line as its proactive bubble at the visitor's next page,
and the reply starts a chat that opens with her line, which her row then shows.
Screenshots: desk-visitors.png (also docs/images/desk-visitors.png), desk-visitors-dark.png,
desk-visitors-off.png, desk-visitors-setting.png, desk-visitors-invite.png,
messenger-visitors-invitation.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, expect

from frontdesk.visitors import service as visitors_service
from tests.conftest import Desk
from tests.e2e.desk import DESK_TESTS, assert_accessible, eventually, open_desk, shoot
from tests.e2e.test_messenger import Website, launcher, messenger, online_agent, shot
from tests.e2e.test_messenger import context as context

pytestmark = DESK_TESTS
LINE = "Hi! Can I help you choose a plan?"
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def test_an_agent_sees_a_visitor_invites_them_and_the_reply_starts_a_chat(
    app: FastAPI,
    site: Website,
    context: BrowserContext,
    browser: Browser,
    live: str,
    desk: Desk,
    screenshots: Path,
) -> None:
    support, ada = await online_agent(desk, name="Shop")
    site.key = support["public_key"]

    # Off by default: the page explains the setting, and the messenger reports nothing.
    desk_page = await open_desk(browser, live, ada.user, path="/visitors")
    await expect(desk_page.get_by_test_id("visitors-off")).to_contain_text(
        "Show visitors on the site to agents"
    )
    await shoot(desk_page, screenshots, "visitors-off")
    # An admin turns it on in Settings → Messenger.
    admin = await desk.agent(role="admin")
    settings = await open_desk(browser, live, admin.user, path="/settings/messenger")
    form = settings.get_by_role("form", name="Live visitors")
    await form.get_by_label("Show visitors on the site to agents").check()
    await form.get_by_role("button", name="Save").click()
    await expect(form.get_by_role("status")).to_contain_text("Saved")
    await form.screenshot(path=str(screenshots / "desk-visitors-setting.png"))
    await settings.context.close()

    page = await context.new_page()
    await page.goto(site.url)
    await expect(launcher(page)).to_be_visible()

    # The row comes live (the inbox's settings and the list, from their events).
    row = desk_page.locator("tr[data-visit]")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Visitor")
    await expect(row).to_contain_text("Shop — home")
    await expect(row).to_contain_text("1 page")
    await assert_accessible(desk_page, "visitors")
    await shoot(desk_page, screenshots, "visitors")
    await desk_page.screenshot(path=str(DOCS_IMAGES / "desk-visitors.png"))
    await desk_page.emulate_media(color_scheme="dark")
    await shoot(desk_page, screenshots, "visitors-dark")
    await desk_page.emulate_media(color_scheme="light")

    # Invite, from the keyboard: the button opens the line's field, Enter sends it.
    invite = row.get_by_role("button", name="Invite to chat (Visitor)")
    await invite.focus()
    await desk_page.keyboard.press("Enter")
    field = desk_page.get_by_label("Your message to Visitor")
    await expect(field).to_be_focused()
    await field.fill(LINE)
    await shoot(desk_page, screenshots, "visitors-invite")
    await desk_page.keyboard.press("Enter")
    await expect(desk_page.get_by_role("status")).to_contain_text("Invitation sent to Visitor.")
    await expect(row).to_contain_text("Invited by Ada")
    await expect(invite).to_be_focused()

    # The visitor's next page (an in-page navigation here) brings it, as the proactive bubble.
    await page.locator("#spa").click()
    bubble = messenger(page).locator(".proactive")
    await expect(bubble.locator(".proactive-text")).to_have_text(LINE)
    await expect(bubble.locator(".proactive-name")).to_have_text("Ada: ")
    await shot(page, screenshots, "visitors-invitation")

    # The reply starts a chat that opens with Ada's line, and Ada in it.
    await bubble.get_by_role("button", name=LINE).click()
    panel = messenger(page).get_by_role("dialog")
    await panel.get_by_label("Message", exact=True).fill("Yes please, the yearly one?")
    await panel.get_by_role("button", name="Start chat").click()
    lines = panel.locator(".log .msg")
    await expect(lines).to_have_count(2)
    await expect(lines.nth(0)).to_contain_text(f"Ada: {LINE}")
    await expect(lines.nth(1)).to_contain_text("You: Yes please, the yearly one?")

    # The row says so once the desks hear it: the invitation's event was under 5 s ago, so this
    # one waits for the round the server runs every 5 s (run here, as its timer would).
    async def in_chat() -> Any:
        rows = (await ada.client.get("/api/v1/visitors")).json()
        return rows and rows[0]["chat"]

    await eventually(in_chat)
    await visitors_service.tell_changes(app.state.sessionmaker, None)
    # Ada invited, so the chat is hers at once: nobody else was offered it.
    await expect(row).to_contain_text("In a chat with Ada")
    await row.get_by_role("link", name="Open the chat").click()
    seen = desk_page.locator(".messages .msg")
    await expect(seen).to_have_count(2)
    await expect(seen.nth(0)).to_contain_text(LINE)
    await expect(seen.nth(1)).to_contain_text("Yes please, the yearly one?")
    await desk_page.context.close()
