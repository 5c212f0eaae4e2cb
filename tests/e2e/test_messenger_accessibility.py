"""The messenger for a visitor on the keyboard or who asked for less motion, in real Chromium
(docs/messenger.md, "Accessibility"): ending a chat leaves the focus on the ended card's button,
not on the page; and the waiting and typing dots stand still under prefers-reduced-motion
(screenshot: screenshots/messenger-ended-focus.png)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.conftest import Desk
from tests.e2e.test_messenger import Website, chat_id, online_agent, shot

# How a visitor opens the messenger and starts a chat, as the polish tests do.
from tests.e2e.test_messenger_polish import start_chat, visit

pytestmark = pytest.mark.e2e

ANIMATION = "el => getComputedStyle(el).animationName"
# Found and read in one go: the waiting card is drawn again as the queue's place comes.
ANIMATION_OF = """(selector) => {
  const found = document.querySelector("frontdesk-messenger").shadowRoot.querySelector(selector);
  return found && getComputedStyle(found).animationName;
}"""


async def test_ending_a_chat_from_the_keyboard_keeps_the_focus_in_the_messenger(
    site: Website, browser: Browser, desk: Desk, screenshots: Path
) -> None:
    support, ada = await online_agent(desk)
    site.key = support["public_key"]
    context, page, panel = await visit(browser, site)
    await start_chat(panel, "Where is my parcel?")
    chat = await chat_id(page, site.key)
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    await expect(panel).to_contain_text("Ada joined the chat")

    # End chat, Enter; the question, on Keep chatting; Shift+Tab to End chat, Enter.
    await panel.locator(".end-bar").get_by_role("button", name="End chat").focus()
    await page.keyboard.press("Enter")
    await expect(panel.get_by_role("button", name="Keep chatting")).to_be_focused()
    await page.keyboard.press("Shift+Tab")
    await page.keyboard.press("Enter")
    await expect(panel.locator(".ended")).to_contain_text("This chat has ended.")
    # The focus is on what replaced the buttons, not lost to the page.
    await expect(panel.get_by_role("button", name="Start a new chat")).to_be_focused()
    await shot(page, screenshots, "ended-focus")
    await context.close()


async def test_the_dots_stand_still_for_a_visitor_who_asked_for_less_motion(
    site: Website, browser: Browser, desk: Desk
) -> None:
    support, ada = await online_agent(desk)
    site.key = support["public_key"]
    context, page, panel = await visit(browser, site)
    await start_chat(panel, "Hello")
    await expect(panel.locator(".waiting .dots i").first).to_be_visible()
    assert await page.evaluate(ANIMATION_OF, ".waiting .dots i") == "blink"
    assert await panel.evaluate(ANIMATION) == "rise"

    await page.emulate_media(reduced_motion="reduce")
    assert await page.evaluate(ANIMATION_OF, ".waiting .dots i") == "none"
    assert await panel.evaluate(ANIMATION) == "none"
    # An agent typing: the same dots, still.
    chat = await chat_id(page, site.key)
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    await ada.client.post(f"/api/v1/chats/{chat}/typing", json={"typing": True})
    await expect(panel.locator(".typing .dots i").first).to_be_visible()
    assert await page.evaluate(ANIMATION_OF, ".typing .dots i") == "none"
    await context.close()
