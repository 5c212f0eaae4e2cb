"""The typing preview through the real messenger and desk (docs/chat.md, "Typing preview"): what
the visitor types shows in the agent's chat window before it is sent, marked as not sent, and goes
when the message arrives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.e2e.test_desk_chat_window import marie_starts_a_chat, open_chat, team
from tests.e2e.test_messenger import Website, requires_bundle
from tests.realtime import serve

pytestmark = DESK_TESTS


async def test_the_agent_sees_the_draft_until_it_is_sent(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    requires_bundle()
    inbox, [ada_user] = await team(desk, app, "Ada Lovelace")
    site = Website(live)
    site.key = inbox["public_key"]
    async with serve(site.app) as host:
        page, panel = await marie_starts_a_chat(browser, host)

        ada = await open_desk(browser, live, ada_user)
        await open_chat(ada, "Marie Curie")
        await ada.get_by_role("button", name="Join chat").click()
        await expect(panel).to_contain_text("Ada Lovelace joined the chat")

        draft = "My order number is <b>4521</b>"
        composer = panel.locator("textarea.composer-input")
        await composer.press_sequentially(draft, delay=20)
        preview = ada.get_by_test_id("typing-preview")
        # The whole draft, the last state after the throttle, as text (escaped, not markup).
        await expect(preview).to_have_text(f"Marie Curie is typing: {draft}")
        await expect(preview.locator("b")).to_have_count(0)
        log = ada.get_by_role("log", name="Conversation")
        await expect(log).not_to_contain_text("4521")  # not a message
        assert await preview.get_attribute("aria-live") is None
        await shoot(ada, screenshots, "chat-typing-preview")

        await composer.press("Enter")
        await expect(log).to_contain_text(draft)
        await expect(preview).to_have_count(0)
        for tab in (ada, page):
            await tab.context.close()


async def test_an_admin_switches_it_off_in_the_messenger_settings(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    admin = await desk.user(role="admin", name="Grace Hopper")
    page = await open_desk(browser, live, admin, path="/settings/messenger")
    form = page.get_by_role("form", name="Typing preview")
    box = form.get_by_role("checkbox", name="Show agents what visitors type before they send it")
    await expect(box).to_be_checked()  # on by default
    await box.uncheck()
    await form.get_by_role("button", name="Save").click()
    await expect(form.get_by_role("status")).to_contain_text("Saved")
    got = await PageApi(page, live)("GET", f"/api/v1/inboxes/{inbox['id']}")
    assert got["messenger_settings"]["typing_preview"] == "off"
    await form.scroll_into_view_if_needed()
    await shoot(page, screenshots, "settings-typing-preview")
    await assert_accessible(page, "settings: messenger, typing preview")
    await page.context.close()
