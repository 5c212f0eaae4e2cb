"""Proactive messages in real Chromium (docs/messenger.md, "Proactive messages"): an admin's
message for /pricing* shows beside the launcher once the visitor navigates there in the page,
announced politely; the bubble opens the messenger with it as the agent's first line, and the
visitor's reply starts a chat the agent sees with that line first, marked proactive.
Screenshots: docs/images/messenger-proactive.png (and its dark twin), desk-proactive-chat.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, FloatRect, Page, expect

from tests.conftest import Desk
from tests.e2e.desk import assert_accessible, eventually, open_desk
from tests.e2e.test_messenger import Website, axe_ok, launcher, messenger, online_agent, shot
from tests.e2e.test_messenger import context as context

pytestmark = pytest.mark.e2e
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
TEXT = "Looking at pricing? Ask me anything."
# The launcher's corner of the 1200 by 800 page, where the bubble shows: the docs' picture.
CORNER: FloatRect = {"x": 800, "y": 560, "width": 400, "height": 240}


async def proactive_message(
    desk: Desk, inbox: dict[str, Any], sender_id: int, text: str = TEXT
) -> dict[str, Any]:
    admin = await desk.agent(role="admin", name="Olga")
    made = await admin.client.post(
        "/api/v1/proactive-messages",
        json={
            "inbox_id": inbox["id"],
            "name": "Pricing help",
            "text": text,
            "sender_id": sender_id,
            "page_rule": "/pricing*",
            "delay_seconds": 0,
        },
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


async def counts(ada_or_admin: Any, inbox: dict[str, Any]) -> tuple[int, int]:
    response = await ada_or_admin.client.get(
        "/api/v1/proactive-messages", params={"inbox_id": inbox["id"]}
    )
    row = response.json()[0]
    return int(row["shown_count"]), int(row["started_count"])


async def pricing(context: BrowserContext, site: Website) -> Page:
    """The shop's home page, then /pricing by the page's own navigation (pushState)."""
    page = await context.new_page()
    await page.goto(site.url)
    await expect(launcher(page)).to_be_visible()
    await page.locator("#spa").click()
    await page.wait_for_url("**/pricing")
    return page


async def test_a_proactive_message_shows_on_pricing_and_starts_the_chat(
    site: Website,
    context: BrowserContext,
    browser: Browser,
    live: str,
    desk: Desk,
    screenshots: Path,
) -> None:
    support, ada = await online_agent(desk)
    made = await proactive_message(desk, support, ada.id)
    site.key = support["public_key"]
    admin = await desk.agent(role="admin", name="Olga")

    page = await pricing(context, site)
    bubble = messenger(page).locator(".proactive")
    await expect(bubble).to_be_visible()
    await expect(bubble.locator(".proactive-name")).to_have_text("Ada: ")
    await expect(bubble.locator(".proactive-avatar")).to_have_text("A")
    await expect(bubble.locator(".proactive-text")).to_have_text(TEXT)
    # Told politely, from a region that was in the page before the words came.
    region = messenger(page).locator("[role=status][aria-live=polite]", has_text=TEXT)
    await expect(region).to_contain_text("Message from Ada.")
    await axe_ok(page, "proactive bubble")
    assert await eventually(lambda: _shown(admin, support)) == (1, 0)
    # Shown again in another tab of the same browser: counted once (the browser keeps the ids
    # it counted; no id of it goes to the server). Checked with the chat's count below.
    again = await pricing(context, site)
    await expect(messenger(again).locator(".proactive")).to_be_visible()
    counted = f"localStorage.getItem('frontdesk:{site.key}:proactive:counted')"
    assert json.loads(await again.evaluate(counted)) == [made["id"]]
    await again.close()
    await shot(page, screenshots, "proactive")
    await page.screenshot(path=str(DOCS_IMAGES / "messenger-proactive.png"), clip=CORNER)

    # Reachable by keyboard: the bubble's button takes the focus, Enter opens the messenger.
    open_button = bubble.get_by_role("button", name=TEXT)
    await open_button.focus()
    await page.keyboard.press("Enter")
    panel = messenger(page).get_by_role("dialog")
    await expect(panel).to_be_visible()
    await expect(bubble).to_be_hidden()
    first_line = panel.locator(".form .msg.agent")
    await expect(first_line).to_contain_text(TEXT)
    await expect(first_line.locator(".author")).to_have_text("Ada: ")
    await shot(page, screenshots, "proactive-open")
    await panel.get_by_label("Message", exact=True).fill("Is there a yearly plan?")
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".waiting")).to_be_visible()
    # The conversation opens with Ada's line, then the visitor's.
    lines = panel.locator(".log .msg")
    await expect(lines).to_have_count(2)
    await expect(lines.nth(0)).to_contain_text(f"Ada: {TEXT}")
    await expect(lines.nth(1)).to_contain_text("You: Is there a yearly plan?")
    # Seen in the open panel: no unread badge for it once the panel is closed.
    await messenger(page).get_by_role("button", name="Close chat").first.click()
    await expect(launcher(page)).to_be_focused()
    await expect(messenger(page).locator(".badge")).to_be_hidden()
    assert await page.evaluate("window.frontdesk.unreadCount()") == 0
    stored = f"localStorage.getItem('frontdesk:{site.key}:proactive:seen')"
    seen = json.loads(await page.evaluate(stored))
    assert seen == [made["id"]]
    assert await counts(admin, support) == (1, 1)

    # The agent sees the chat with the proactive line first, as Ada's, labelled.
    raw = await page.evaluate(f"localStorage.getItem('frontdesk:{site.key}:chat')")
    chat_id = json.loads(raw)["id"]
    desk_page = await open_desk(browser, live, ada.user, path=f"/chats/{chat_id}")
    seen_by_ada = desk_page.locator(".messages .msg")
    await expect(seen_by_ada).to_have_count(2)
    await expect(seen_by_ada.nth(0)).to_contain_text(TEXT)
    await expect(seen_by_ada.nth(0).locator(".proactive-tag")).to_have_text("Proactive")
    await expect(seen_by_ada.nth(0).locator(".who")).to_contain_text("Ada")
    await expect(seen_by_ada.nth(1)).to_contain_text("Is there a yearly plan?")
    await desk_page.screenshot(path=str(screenshots / "desk-proactive-chat.png"))
    await desk_page.context.close()

    # The admin's settings: the row with its two counts, and the form to add another.
    settings = await open_desk(browser, live, admin.user, path="/settings/proactive")
    row = settings.get_by_test_id("proactive-messages").locator("tbody tr")
    await expect(row).to_have_count(1)
    await expect(row.locator("td.num")).to_have_text(["1", "1"])
    await expect(row).to_contain_text("/pricing*")
    await expect(settings.get_by_role("form", name="Add a proactive message")).to_be_visible()
    await assert_accessible(settings, "proactive settings")
    await settings.screenshot(path=str(DOCS_IMAGES / "desk-proactive-settings.png"), full_page=True)
    await settings.context.close()


async def _shown(admin: Any, inbox: dict[str, Any]) -> tuple[int, int] | None:
    found = await counts(admin, inbox)
    return found if found[0] else None


async def test_dismissed_it_never_comes_back_and_dark_follows_the_messenger(
    site: Website, browser: Browser, desk: Desk, screenshots: Path
) -> None:
    support, ada = await online_agent(desk)
    made = await proactive_message(desk, support, ada.id)
    await proactive_message(desk, support, ada.id, text="Need a quote for your team?")
    site.key = support["public_key"]
    context = await browser.new_context(
        viewport={"width": 1200, "height": 800}, locale="en-US", color_scheme="dark"
    )
    try:
        page = await pricing(context, site)
        bubble = messenger(page).locator(".proactive")
        await expect(bubble).to_be_visible()
        await shot(page, screenshots, "proactive-dark")
        await page.screenshot(path=str(DOCS_IMAGES / "messenger-proactive-dark.png"), clip=CORNER)
        close = bubble.get_by_role("button", name="Dismiss the message")
        await close.focus()
        await page.keyboard.press("Enter")
        await expect(bubble).to_be_hidden()
        await expect(launcher(page)).to_be_focused()
        stored = f"localStorage.getItem('frontdesk:{site.key}:proactive:seen')"
        assert json.loads(await page.evaluate(stored)) == [made["id"]]
        # Back on the page: the dismissed one never comes back; the next that matches does.
        await page.reload()
        await page.locator("#spa").click()
        await page.wait_for_url("**/pricing")
        bubble = messenger(page).locator(".proactive")
        await expect(bubble.locator(".proactive-text")).to_have_text("Need a quote for your team?")
    finally:
        await context.close()


# The /status answers the page has had, and how many it had when the bubble first showed.
STATUS_READS = """() => performance.getEntriesByType('resource')
    .filter((entry) => entry.name.includes('/messenger/v1/status')).length"""
BUBBLE_WATCH = f"""
const statusReads = {STATUS_READS};
const watch = () => {{
  const host = document.querySelector('frontdesk-messenger');
  const bubble = host && host.shadowRoot && host.shadowRoot.querySelector('.proactive');
  if (bubble && !bubble.hidden && window.__bubbleAt === undefined) {{
    window.__bubbleAt = statusReads();
  }}
  requestAnimationFrame(watch);
}};
requestAnimationFrame(watch);
"""


async def test_not_shown_while_nobody_can_answer(
    site: Website, context: BrowserContext, desk: Desk
) -> None:
    """A message "only when someone can answer" (the default) asks /status again just before it
    would show, and stays away while the inbox is not online; with an agent back, the next page
    it matches shows it."""
    support, ada = await online_agent(desk)
    await proactive_message(desk, support, ada.id)
    site.key = support["public_key"]
    away = await ada.client.put("/api/v1/me/availability", json={"available": False})
    assert away.status_code == 200, away.text
    await context.add_init_script(BUBBLE_WATCH)

    page = await pricing(context, site)
    bubble = messenger(page).locator(".proactive")
    # Its delay (0 s) is over: the messenger asked whether anyone is online (the second read
    # of /status, after the page's first), or, wrongly, showed the bubble.
    await page.wait_for_function(
        f"() => ({STATUS_READS})() >= 2 || window.__bubbleAt !== undefined"
    )
    await expect(bubble).to_be_hidden()
    assert await page.evaluate("window.__bubbleAt") is None
    counted = f"localStorage.getItem('frontdesk:{site.key}:proactive:counted')"
    assert await page.evaluate(counted) is None

    # Ada is back: the next page the rule matches (the same, navigated to again) shows it, once
    # the messenger read that someone is online.
    back = await ada.client.put("/api/v1/me/availability", json={"available": True})
    assert back.status_code == 200, back.text
    await page.locator("#spa").click()
    await expect(bubble).to_be_visible()
    assert await page.evaluate("window.__bubbleAt") == 3
