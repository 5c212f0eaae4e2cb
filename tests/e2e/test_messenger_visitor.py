"""What the visitor is owed, in real Chromium (docs/messenger.md): two tabs writing offline each
get their message delivered exactly once; a message stays where it was written, not jumping
above the one refused before it; the header tells the truth after a long wait (English and
French); the chat's end is announced once to screen readers; and on a phone the full-screen
panel keeps the keyboard in it, Escape closing it back onto the launcher (screenshots:
screenshots/messenger-tabs-*.png, -order-*.png, -phone-focus*.png, -waiting-long-fr.png)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, Route, expect

from frontdesk.config import Settings
from frontdesk.kit import clock
from tests.conftest import Agent, Desk
from tests.e2e.test_messenger import Website, chat_id, launcher, messenger, online_agent, shot

pytestmark = pytest.mark.e2e

LIMIT = 280  # the server's message limit here, so that a message can be refused for good

# Every announcement a live region of the messenger makes: the text each time one gets new words.
ANNOUNCEMENTS = """() => {
  window.__said = [];
  if (window.__listening) return;
  window.__listening = true;
  const root = document.querySelector('frontdesk-messenger').shadowRoot;
  const live = (node) => {
    const el = node.nodeType === 1 ? node : node.parentElement;
    return el && el.closest('[aria-live], [role=status], [role=alert], [role=log]');
  };
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        const region = live(node);
        if (region && !region.closest('[hidden]') && node.textContent.trim()) {
          window.__said.push(node.textContent.trim());
        }
      }
    }
  }).observe(root, { childList: true, subtree: true });
}"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_message_length": LIMIT})


async def desktop(browser: Browser, locale: str = "en-US") -> BrowserContext:
    context = await browser.new_context(viewport={"width": 1200, "height": 800}, locale=locale)
    context.set_default_timeout(8000)
    return context


async def open_panel(page: Page, site: Website) -> Locator:
    await page.goto(site.url)
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await expect(panel).to_be_visible()
    return panel


async def start(panel: Locator, text: str) -> None:
    await panel.get_by_label("Message", exact=True).fill(text)
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".waiting")).to_be_visible()


async def write(panel: Locator, text: str) -> None:
    composer = panel.get_by_label("Message", exact=True)
    await composer.fill(text)
    await composer.press("Enter")


async def stored_texts(agent: Agent, chat: int) -> list[str]:
    events = (await agent.client.get(f"/api/v1/chats/{chat}")).json()["events"]
    return [e["data"]["message"]["text"] for e in events if e["type"] == "chat.message_added"]


async def test_two_tabs_writing_offline_each_get_their_message_delivered_exactly_once(
    site: Website, browser: Browser, desk: Desk, screenshots: Path
) -> None:
    support, ada = await online_agent(desk)
    site.key = support["public_key"]
    context = await desktop(browser)
    # The tabs' clock runs as usual and jumps when the test says: the back-off of the tries
    # that failed offline (up to 8 s) is jumped, not waited out.
    await context.clock.install()
    # No live connection (its hello is never answered): messages go over HTTP, which is down.
    await context.route_web_socket(re.compile(r"/messenger/v1/ws$"), lambda _ws: None)
    offline = True
    posted: list[str] = []

    async def messages(route: Route) -> None:
        if route.request.method == "POST":
            body = route.request.post_data_json
            assert body is not None
            posted.append(body["client_msg_id"])
        if offline:
            await route.abort("internetdisconnected")
        else:
            await route.continue_()

    await context.route(re.compile(r"/messenger/v1/chats/\d+/messages$"), messages)
    tab_a = await context.new_page()
    panel_a = await open_panel(tab_a, site)
    await start(panel_a, "Hello")
    chat = await chat_id(tab_a, site.key)
    tab_b = await context.new_page()
    panel_b = await open_panel(tab_b, site)
    await expect(panel_b.locator(".waiting")).to_be_visible()

    await write(panel_a, "Written in tab A")
    await expect(panel_a.locator(".msg.own").last).to_contain_text("Not sent yet")
    await write(panel_b, "Written in tab B")
    await expect(panel_b.locator(".msg.own").last).to_contain_text("Not sent yet")
    await shot(tab_b, screenshots, "tabs-offline")

    # Tab A is closed before the network comes back: tab B sends its message as well as its own.
    await tab_a.close()
    await expect(panel_b.locator(".msg.own", has_text="Written in tab A")).to_be_visible()
    offline = False
    await tab_b.clock.fast_forward(8_000)  # RESEND_AFTER, the longest back-off
    await expect(panel_b.locator(".msg[data-state]")).to_have_count(0, timeout=20_000)

    texts = await stored_texts(ada, chat)
    assert sorted(texts) == ["Hello", "Written in tab A", "Written in tab B"]
    # Each was tried by one tab at a time, under one id: stored once.
    assert len(set(posted)) == 2
    await shot(tab_b, screenshots, "tabs-delivered")
    await context.close()


async def test_a_message_taken_over_from_a_closed_tab_but_already_stored_is_drawn_once(
    site: Website, browser: Browser, desk: Desk
) -> None:
    support, ada = await online_agent(desk)
    site.key = support["public_key"]
    context = await desktop(browser)
    tab_a = await context.new_page()
    # Tab A has no live connection, and never hears the answer to its POST: the server stores
    # the message, but it stays in tab A's record as not acknowledged.
    await tab_a.route_web_socket(re.compile(r"/messenger/v1/ws$"), lambda _ws: None)
    tried = asyncio.Event()

    async def answer_lost(route: Route) -> None:
        if route.request.method == "POST":
            await route.fetch()
            tried.set()
            await route.abort("internetdisconnected")
        else:
            await route.continue_()

    await tab_a.route(re.compile(r"/messenger/v1/chats/\d+/messages$"), answer_lost)
    panel_a = await open_panel(tab_a, site)
    await start(panel_a, "Hello")
    chat = await chat_id(tab_a, site.key)
    tab_b = await context.new_page()
    panel_b = await open_panel(tab_b, site)
    await expect(panel_b.locator(".waiting")).to_be_visible()

    await write(panel_a, "Stored already")
    await tried.wait()
    # Tab B, live, has it from the server.
    stored = panel_b.locator(".msg.own", has_text="Stored already")
    await expect(stored).to_have_count(1)

    # Tab A closes with the message still in its record: tab B takes the record over.
    await tab_a.close()
    await tab_b.wait_for_function(
        "() => !Object.keys(localStorage).some((key) => key.includes(':outbox:'))"
    )
    await expect(panel_b.locator(".msg[data-state]")).to_have_count(0)
    await expect(stored).to_have_count(1)
    # Nor is it "Not sent" once the chat ends.
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    assert (await ada.client.post(f"/api/v1/chats/{chat}/end")).is_success
    await expect(panel_b.locator(".ended")).to_be_visible()
    await expect(panel_b.locator(".msg[data-state]")).to_have_count(0)
    assert (await stored_texts(ada, chat)).count("Stored already") == 1
    await context.close()


async def test_a_message_stays_where_it_was_written_below_the_one_refused_before_it(
    site: Website, browser: Browser, desk: Desk, screenshots: Path
) -> None:
    support, ada = await online_agent(desk)
    site.key = support["public_key"]
    context = await desktop(browser)
    page = await context.new_page()
    panel = await open_panel(page, site)
    await start(panel, "Hello")
    chat = await chat_id(page, site.key)
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    await expect(panel).to_contain_text("Ada joined the chat")

    await write(panel, "x" * (LIMIT + 1))
    refused = panel.locator(".msg.own[data-state=failed]")
    await expect(refused).to_contain_text("Not sent: That's too long")
    await write(panel, "A shorter question")
    own = panel.locator(".msg.own")
    # Stored: it stays below the refused one, where it was written…
    await expect(own.last).to_contain_text("A shorter question")
    await expect(panel.locator(".msg[data-state=sending]")).to_have_count(0)
    await expect(own.last).to_contain_text("A shorter question")
    # …and the agent's answer comes after it.
    reply = {"text": "Happy to help", "client_msg_id": "reply-1"}
    assert (await ada.client.post(f"/api/v1/chats/{chat}/messages", json=reply)).is_success
    log = panel.locator(".log > li")
    await expect(log.last).to_contain_text("Happy to help")
    order = [text.strip() for text in await log.all_inner_texts()]
    assert [i for i, t in enumerate(order) if "shorter" in t or "too long" in t] == [
        len(order) - 3,
        len(order) - 2,
    ]
    assert "too long" in order[-3]
    await shot(page, screenshots, "order-refused-then-sent")
    await context.close()


@pytest.mark.parametrize(
    ("locale", "usual", "late"),
    [
        ("en-US", "Someone will be with you shortly", "Waiting for the next agent"),
        ("fr-FR", "Un conseiller va vous répondre", "En attente du prochain conseiller"),
    ],
)
async def test_after_a_long_wait_the_header_says_the_visitor_waits_for_the_next_agent(
    site: Website,
    browser: Browser,
    desk: Desk,
    screenshots: Path,
    monkeypatch: pytest.MonkeyPatch,
    locale: str,
    usual: str,
    late: str,
) -> None:
    support, _ada = await online_agent(desk)
    site.key = support["public_key"]
    # The page says which language the messenger speaks (its own <html lang> is English).
    language = locale.split("-")[0]
    site.head = (
        "<script>window.frontdesk = window.frontdesk || [];"
        f' window.frontdesk.push(["config", {{"locale": "{language}"}}]);</script>'
    )
    context = await desktop(browser, locale)
    page = await context.new_page()
    await page.clock.install()  # the messenger's 10 s poll comes when the test moves the clock
    panel = await open_panel(page, site)
    await panel.get_by_role("textbox").last.fill("Can I change my delivery address?")
    await panel.locator("button[type=submit]").click()
    subtitle = panel.locator(".header .subtitle")
    await expect(subtitle).to_have_text(usual)

    # Two minutes later by the server's clock, nobody has joined: the next poll says so.
    monkeypatch.setattr(clock, "_frozen", datetime.now(UTC) + timedelta(minutes=2))
    await page.clock.fast_forward(10_000)
    await expect(subtitle).to_have_text(late)
    if locale.startswith("fr"):
        await shot(page, screenshots, "waiting-long-fr")
    await context.close()


async def watch_announcements(page: Page) -> Callable[[], Any]:
    await page.evaluate(ANNOUNCEMENTS)
    return lambda: page.evaluate("window.__said")


async def test_the_end_is_announced_once_whoever_ends_the_chat(
    site: Website, browser: Browser, desk: Desk
) -> None:
    support, ada = await online_agent(desk)
    site.key = support["public_key"]
    context = await desktop(browser)

    # The agent ends it while the panel is open.
    page = await context.new_page()
    panel = await open_panel(page, site)
    await start(panel, "Hello")
    chat = await chat_id(page, site.key)
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    await expect(panel).to_contain_text("Ada joined the chat")
    said = await watch_announcements(page)
    assert (await ada.client.post(f"/api/v1/chats/{chat}/end")).status_code == 200
    await expect(panel.locator(".ended")).to_contain_text("This chat has ended.")
    await expect(panel.get_by_role("status").filter(has_text="This chat has ended.")).to_have_count(
        1
    )
    assert [s for s in await said() if "ended" in s] == ["This chat has ended."]

    # The visitor ends it: the answer to End chat and the chat's event both say so; once read.
    await panel.get_by_role("button", name="Start a new chat").click()
    await start(panel, "Another question")
    second = await chat_id(page, site.key)
    assert (await ada.client.post(f"/api/v1/chats/{second}/join")).status_code == 200
    await expect(panel.locator(".log")).to_contain_text("Ada joined the chat")
    said = await watch_announcements(page)
    await panel.locator(".end-bar").get_by_role("button", name="End chat").click()
    # The answer to End chat, and the chat's event over the socket (before or after it), each
    # draw the end: it is read once.
    async with page.expect_response(lambda r: r.url.endswith(f"/chats/{second}/end")):
        await panel.locator(".end-bar").get_by_role("button", name="End chat").click()
    await expect(panel.locator(".ended")).to_contain_text("This chat has ended.")
    assert [s for s in await said() if "ended" in s] == ["This chat has ended."]
    await context.close()


async def focused_inside(page: Page) -> bool:
    return bool(await page.evaluate("document.activeElement?.localName === 'frontdesk-messenger'"))


async def test_on_a_phone_the_panel_keeps_the_keyboard_and_escape_goes_back_to_the_launcher(
    site: Website, browser: Browser, desk: Desk, screenshots: Path
) -> None:
    support, _ada = await online_agent(desk)
    site.key = support["public_key"]
    context = await browser.new_context(
        viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True, locale="en-GB"
    )
    context.set_default_timeout(8000)
    page = await context.new_page()
    # Opened before the inbox's state arrives (a slow network, a quick thumb): the focus goes
    # to the form once it is drawn (it stayed on the close button: a CI failure).
    told = asyncio.Event()

    async def status(route: Route) -> None:
        await told.wait()
        await route.continue_()

    await page.route(re.compile(r"/messenger/v1/status"), status)
    await page.goto(site.url)
    await launcher(page).focus()
    await page.keyboard.press("Enter")
    panel = messenger(page).get_by_role("dialog")
    await expect(panel).to_be_visible()
    told.set()
    await expect(panel.get_by_label("Your name")).to_be_focused()
    controls = await panel.locator("button:visible, input:visible, textarea:visible").count()

    # Round and round, both ways: never out into the page behind.
    for key in ["Tab"] * (controls + 2) + ["Shift+Tab"] * (controls + 2):
        await page.keyboard.press(key)
        assert await focused_inside(page), key
    # For screen readers too, the page behind is out of reach.
    await expect(panel).to_have_attribute("aria-modal", "true")
    await shot(page, screenshots, "phone-focus")

    await page.keyboard.press("Escape")
    await expect(panel).to_be_hidden()
    await expect(launcher(page)).to_be_focused()
    await context.close()


async def test_on_a_desktop_the_panel_beside_the_page_lets_tab_go_on_and_is_modal_once_narrowed(
    site: Website, browser: Browser, desk: Desk
) -> None:
    support, _ada = await online_agent(desk)
    site.key = support["public_key"]
    context = await desktop(browser)
    page = await context.new_page()
    panel = await open_panel(page, site)
    await expect(panel).to_have_attribute("aria-modal", "false")
    controls = await panel.locator("button:visible, input:visible, textarea:visible").count()
    for _ in range(controls + 3):
        await page.keyboard.press("Tab")
        if not await focused_inside(page):
            break
    assert not await focused_inside(page)

    # The window narrowed to a phone's width, the open panel covers the page: modal, and back.
    await page.set_viewport_size({"width": 400, "height": 700})
    await expect(panel).to_have_attribute("aria-modal", "true")
    await page.set_viewport_size({"width": 1200, "height": 800})
    await expect(panel).to_have_attribute("aria-modal", "false")
    await context.close()
