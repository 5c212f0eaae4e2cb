"""The messenger as a guest on a demanding page, in real Chromium (docs/messenger.md, "A good
guest on someone else's page"): on a phone, under a strict style policy, over the page's own
fixed header and cookie banner at the highest z-index, with the snippet pasted twice; the log kept
at the bottom as the keyboard opens and as cards and images arrive; and on the desktop, a chat
nobody answers in time, where the visitor leaves their email for that chat."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Response
from fastapi.responses import HTMLResponse
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from frontdesk.config import Settings
from frontdesk.kit import clock
from tests.conftest import Desk
from tests.e2e.conftest import PolicyWatch
from tests.e2e.desk import eventually
from tests.e2e.settle import settled
from tests.e2e.test_messenger import (
    axe_ok,
    chat_id,
    launcher,
    messenger,
    online_agent,
    requires_bundle,
    shot,
)
from tests.realtime import serve

pytestmark = pytest.mark.e2e

LIMIT = 8000  # the server's message limit here: above the 5,000 the messenger used to cut at
TOP = 2147483647
SHOP_CSS = f"""
body {{ margin: 0; font: 16px/1.5 Georgia, serif; }}
.top {{ position: fixed; top: 0; left: 0; right: 0; height: 64px; z-index: {TOP};
  background: #7c2d12; color: #fff; padding: 16px; box-sizing: border-box; }}
.cookies {{ position: fixed; bottom: 0; left: 0; right: 0; height: 110px; z-index: {TOP};
  background: #1c1917; color: #fff; padding: 16px; box-sizing: border-box; }}
main {{ padding: 80px 16px 140px; }}
"""
QUEUE = "window.frontdesk = window.frontdesk || [];"
# A small PNG (120 by 80, brick red), pasted as a screenshot from the clipboard would be.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAHgAAABQCAIAAABd+SbeAAAAzElEQVR4nO3QQRHAIADAMEDNROD/kDUVK48lCnqdZz+D763bAX9h"
    "dMToiNERoyNGR4yOGB0xOmJ0xOiI0RGjI0ZHjI4YHTE6YnTE6IjREaMjRkeMjhgdMTpidMToiNERoyNGR4yOGB0xOmJ0xOiI0RGj"
    "I0ZHjI4YHTE6YnTE6IjREaMjRkeMjhgdMTpidMToiNERoyNGR4yOGB0xOmJ0xOiI0RGjI0ZHjI4YHTE6YnTE6IjREaMjRkeMjhgd"
    "MTpidMToiNERoyNGR4yOvO2hAczh8SjhAAAAAElFTkSuQmCC"
)
# Records each AudioContext the page makes, with whether a gesture was under way then.
AUDIO_SPY = """
(() => {
  const Real = window.AudioContext;
  window.__audio = [];
  window.AudioContext = class extends Real {
    constructor(...args) {
      super(...args);
      window.__audio.push({ gesture: navigator.userActivation.isActive });
    }
  };
})();
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_message_length": LIMIT})


class Shop:
    """A shop on another origin than the desk, with a strict policy (no inline style or script),
    its own header and cookie banner at the highest z-index, and the snippet pasted twice."""

    def __init__(self, live: str) -> None:
        self.live = live
        self.key = ""
        self.url = ""
        self.viewport_tag = True
        self.app = FastAPI()

        @self.app.get("/shop.css")
        async def css() -> Response:
            return Response(SHOP_CSS, media_type="text/css")

        @self.app.get("/queue.js")
        async def queue() -> Response:
            return Response(QUEUE, media_type="text/javascript")

        @self.app.get("/{path:path}")
        async def page(path: str) -> HTMLResponse:
            ws = self.live.replace("http://", "ws://")
            policy = (
                f"default-src 'self'; script-src 'self' {self.live}; style-src 'self'; "
                f"img-src 'self' {self.live}; connect-src {self.live} {ws}"
            )
            return HTMLResponse(self.html(), headers={"Content-Security-Policy": policy})

    def html(self) -> str:
        # Pasted twice, without async: both copies run before the page has a <body>.
        snippet = (
            '<script src="/queue.js"></script>'
            f'<script src="{self.live}/messenger.js" data-inbox="{escape(self.key)}"></script>'
        )
        viewport = (
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            if self.viewport_tag
            else ""
        )
        text = "".join(f"<p>Our mugs are fired twice, glazed by hand ({n}).</p>" for n in range(40))
        return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">{viewport}
<title>Pottery shop</title><link rel="stylesheet" href="/shop.css">{snippet}{snippet}</head>
<body><header class="top">Pottery shop</header><main>{text}</main>
<div class="cookies">We use cookies to remember your basket.</div></body></html>"""


@pytest.fixture
async def shop(live: str) -> AsyncIterator[Shop]:
    requires_bundle()
    site = Shop(live)
    async with serve(site.app) as host:
        site.url = f"http://{host}"
        yield site


async def phone(browser: Browser, policy_watch: PolicyWatch) -> BrowserContext:
    context = await browser.new_context(
        viewport={"width": 360, "height": 640},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="en-GB",
    )
    context.set_default_timeout(8000)
    await policy_watch.watch(context)
    return context


async def hit(page: Page, target: Locator) -> str:
    """What a tap in the middle of `target` lands on: the messenger's host or the page's own."""
    box = await target.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    return str(await page.evaluate(f"document.elementFromPoint({x}, {y}).localName"))


async def at_bottom(log: Locator) -> bool:
    """Whether the conversation is scrolled to its end (within a second: it follows layout)."""

    async def probe() -> bool:
        return bool(
            await log.evaluate(
                "el => { const s = el.closest('.scroll');"
                " return s.scrollHeight - s.scrollTop - s.clientHeight < 2; }"
            )
        )

    try:
        return await eventually(probe, timeout=1)
    except AssertionError:
        return False


async def test_on_a_phone_over_a_strict_page_with_its_own_fixed_bars(
    shop: Shop,
    browser: Browser,
    desk: Desk,
    policy_watch: PolicyWatch,
    screenshots: Path,
) -> None:
    support, ada = await online_agent(desk)
    shop.key = support["public_key"]
    context = await phone(browser, policy_watch)
    await context.add_init_script(AUDIO_SPY)
    page = await context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    await page.goto(shop.url)

    # The snippet pasted twice is one messenger; styled though the policy refuses inline styles.
    await expect(messenger(page)).to_have_count(1)
    await expect(launcher(page)).to_be_visible()
    await expect(launcher(page)).to_have_css("position", "fixed")
    await expect(launcher(page)).to_have_css("background-color", "rgb(37, 99, 235)")
    assert await page.evaluate("typeof window.frontdesk.open") == "function"
    await launcher(page).tap()
    panel = messenger(page).get_by_role("dialog")
    await expect(panel).to_be_visible()
    # Over the page's header and banner: the close button and the form take the taps.
    close = panel.get_by_role("button", name="Close chat")
    assert await hit(page, close) == "frontdesk-messenger"
    start = panel.get_by_role("button", name="Start chat")
    assert await hit(page, start) == "frontdesk-messenger"
    await settled(page)  # the panel's rise
    box = await panel.bounding_box()
    assert box is not None
    assert [round(box[k]) for k in ("x", "y", "width", "height")] == [0, 0, 360, 640]
    # 16px fields: iOS zooms in on anything smaller.
    message = panel.get_by_label("Message", exact=True)
    assert await message.evaluate("el => getComputedStyle(el).fontSize") == "16px"
    await shot(page, screenshots, "phone-form")

    await message.fill("Do the mugs go in the dishwasher?")
    await start.tap()
    await expect(panel.locator(".waiting")).to_be_visible()
    chat = await chat_id(page, shop.key)
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    for n in range(8):
        text = f"Line {n} of a long answer about glazes, kilns and dishwashers."
        body = {"text": text, "client_msg_id": f"ada-{n}"}
        assert (await ada.client.post(f"/api/v1/chats/{chat}/messages", json=body)).is_success
    log = panel.locator(".log")
    await expect(panel.locator(".msg.agent")).to_have_count(8)
    # The author is read as "Ada: …", as the visitor's own are "You: …"; the time stands under
    # the last of the agent's run only.
    assert (await panel.locator(".msg.agent").first.text_content() or "").startswith("Ada: Line 0")
    await expect(panel.locator(".msg.agent .at:visible")).to_have_count(1)
    await expect(panel.locator(".msg.own .at:visible")).to_have_count(1)
    assert await at_bottom(log)

    # The keyboard opens: the panel fits above it, and the log stays at its end.
    composer = panel.locator(".composer-input")
    await composer.tap()
    await page.set_viewport_size({"width": 360, "height": 340})
    await expect(panel).to_have_js_property("offsetHeight", 340)
    assert await hit(page, composer) == "frontdesk-messenger"
    assert await at_bottom(log)
    await shot(page, screenshots, "phone-keyboard")

    # Landscape: still the full-screen panel.
    await page.set_viewport_size({"width": 640, "height": 360})
    await expect(panel).to_have_js_property("offsetWidth", 640)
    await expect(panel).to_have_js_property("offsetHeight", 360)
    await shot(page, screenshots, "phone-landscape")
    await page.set_viewport_size({"width": 360, "height": 640})

    # A long message is not cut: the server's limit is the one that counts.
    long = ("The mug from order 1042 arrived chipped on the handle. " * 100)[:5200]
    await composer.focus()
    await page.keyboard.insert_text(long)
    assert await composer.evaluate("el => el.value.length") == 5200
    await composer.press("Enter")
    await expect(panel.locator(".msg.own")).to_have_count(2)
    await expect(panel.locator(".msg[data-state]")).to_have_count(0)
    events = (await ada.client.get(f"/api/v1/chats/{chat}")).json()["events"]
    assert any(e["data"].get("message", {}).get("text") == long for e in events)

    # A pasted screenshot: its bubble becomes a thumbnail, and the log stays at its end.
    await composer.evaluate(
        """(el, bytes) => {
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array(bytes)], 'shot.png', { type: 'image/png' }));
            el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
        }""",
        list(PNG),
    )
    await eventually(
        lambda: panel.locator(".msg.own .thumb img").evaluate_all(
            "imgs => imgs.length > 0 && imgs[0].naturalWidth > 0"
        )
    )
    assert await at_bottom(log)

    # After a reload the chime can sound again once the visitor touches the page anywhere (not
    # only the launcher).
    await page.reload()
    panel = messenger(page).get_by_role("dialog")
    await expect(panel.locator(".msg.own .thumb img")).to_be_visible()
    await messenger(page).get_by_role("button", name="Close chat").tap()
    await page.locator("main p").nth(3).tap()
    # (Polled with evaluate: the page's policy forbids the eval that wait_for_function uses.)
    made = await eventually(lambda: page.evaluate("window.__audio"), timeout=3)
    assert made == [{"gesture": True}]
    await launcher(page).tap()
    log = panel.locator(".log")

    # The chat ends: the rating card, shown once its offer is known, is in view.
    assert (await ada.client.post(f"/api/v1/chats/{chat}/end")).status_code == 200
    rating = panel.locator(".rating")
    await expect(rating).to_be_visible()
    assert await at_bottom(log)
    await expect(rating.get_by_role("button", name="Good")).to_be_in_viewport()
    await shot(page, screenshots, "phone-ended")

    assert policy_watch.violations == []
    await context.close()


async def test_a_page_without_a_viewport_tag_on_a_phone_gets_the_full_screen_panel(
    shop: Shop, browser: Browser, desk: Desk, policy_watch: PolicyWatch, screenshots: Path
) -> None:
    support, _ada = await online_agent(desk)
    shop.key = support["public_key"]
    shop.viewport_tag = False  # laid out 980 px wide: no width query matches
    context = await phone(browser, policy_watch)
    page = await context.new_page()
    await page.goto(shop.url)
    # Shown shrunk to fit the screen, the launcher and the panel are zoomed back to their size.
    size = await page.evaluate("[innerWidth, innerHeight]")
    zoom = size[0] / 360
    button = await launcher(page).bounding_box()
    assert button is not None
    assert round(button["width"] / zoom) == 56, (button, zoom)
    await launcher(page).tap()
    panel = messenger(page).get_by_role("dialog")
    await expect(panel).to_be_visible()
    await settled(page)
    title = panel.locator(".title")
    assert abs(await title.evaluate("el => el.getBoundingClientRect().height") / zoom - 22) < 2
    box = await panel.bounding_box()
    assert box is not None
    assert (round(box["x"]), round(box["y"])) == (0, 0)
    assert abs(box["width"] - size[0]) <= 1, (box, size)
    assert abs(box["height"] - size[1]) <= 1, (box, size)
    await shot(page, screenshots, "phone-no-viewport-tag")
    await context.close()


async def changes_of(page: Page, selector: str) -> int:
    """How many times the part of the messenger at `selector` changed since `watch_changes`."""
    return int(await page.evaluate(f"window.__changes[{selector!r}]"))


async def watch_changes(page: Page, selector: str) -> None:
    await page.evaluate(
        """(selector) => {
            window.__changes = window.__changes || {};
            window.__changes[selector] = 0;
            const root = document.querySelector('frontdesk-messenger').shadowRoot;
            new MutationObserver((records) => { window.__changes[selector] += records.length; })
              .observe(root.querySelector(selector),
                       { childList: true, subtree: true, characterData: true });
        }""",
        selector,
    )


async def reopen(page: Page) -> None:
    """Closes and opens the panel: opening asks the server for the place in line again, and
    draws the waiting card with its answer."""
    async with page.expect_response(lambda r: "/messenger/v1/status" in r.url):
        await messenger(page).get_by_role("button", name="Close chat").first.click()
        await launcher(page).click()
    await page.wait_for_timeout(300)


async def test_nobody_answers_in_time_and_the_visitor_leaves_their_email_for_that_chat(
    site: Any,
    browser: Browser,
    desk: Desk,
    screenshots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    support, ada = await online_agent(desk)
    site.key = support["public_key"]
    context = await browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-US")
    context.set_default_timeout(8000)
    page = await context.new_page()
    await page.goto(site.url)
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await panel.get_by_label("Message", exact=True).fill("Can I change my delivery address?")
    await panel.get_by_role("button", name="Start chat").click()
    waiting = panel.locator(".waiting")
    await expect(waiting).to_contain_text("Usual wait: about a minute.")
    first = await chat_id(page, site.key)

    # The place in line, asked again, says the same: the live region is left alone (a screen
    # reader would read it again at each change).
    await watch_changes(page, ".queue")
    await reopen(page)
    await reopen(page)
    await expect(waiting).to_contain_text("You're next in line.")
    assert await changes_of(page, ".queue") == 0

    # Two minutes later by the server's clock (the visitor's may be off), nobody has joined: it
    # says so, and takes an email for this chat.
    monkeypatch.setattr(clock, "_frozen", datetime.now(UTC) + timedelta(minutes=2))
    await reopen(page)
    await expect(waiting).to_contain_text("This is taking longer than usual.")
    await expect(waiting).not_to_contain_text("Usual wait")
    email = waiting.get_by_label("Email")
    await expect(email).to_be_visible()
    await axe_ok(page, "waiting too long")
    await shot(page, screenshots, "waiting-long")
    await email.fill("marie@example")
    await waiting.get_by_role("button", name="Email me").click()
    # The server's refusal, in the visitor's words, under the field.
    await expect(email).to_have_accessible_description(
        "That email address can't receive mail. Check it for typos."
    )
    await email.fill("marie@example.org")
    await waiting.get_by_role("button", name="Email me").click()
    await expect(waiting).to_contain_text("If nobody can join soon, we'll answer by email.")
    await expect(waiting.get_by_label("Email")).to_have_count(0)

    # It ends unanswered: the answer comes by email, on this chat's ticket.
    await panel.get_by_role("button", name="End chat").click()
    await panel.get_by_role("button", name="End chat").last.click()
    ended = panel.locator(".ended")
    await expect(ended).to_contain_text("We'll reply by email.")
    detail = (await ada.client.get(f"/api/v1/chats/{first}")).json()
    ticket = (await ada.client.get(f"/api/v1/tickets/{detail['ticket_id']}")).json()
    customer = (await ada.client.get(f"/api/v1/customers/{ticket['customer_id']}")).json()
    assert customer["emails"] == ["marie@example.org"]

    # Another visitor's chat that ended unanswered without an address takes one on its ended
    # card, for its own ticket, not a new chat's.
    await context.close()
    context = await browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-US")
    context.set_default_timeout(8000)
    page = await context.new_page()
    await page.goto(site.url)
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    waiting, ended = panel.locator(".waiting"), panel.locator(".ended")
    await panel.get_by_label("Message", exact=True).fill("And can I pay by invoice?")
    await panel.get_by_role("button", name="Start chat").click()
    await expect(waiting).to_be_visible()
    second = await chat_id(page, site.key)
    await panel.get_by_role("button", name="End chat").click()
    await panel.get_by_role("button", name="End chat").last.click()
    await expect(ended).to_contain_text("Sorry, nobody could answer in time.")
    await expect(ended).to_contain_text("Leave your email and we'll answer your message there.")
    await axe_ok(page, "ended, asking for an email")
    await shot(page, screenshots, "ended-ask-email")
    await ended.get_by_label("Email").fill("marie@example.org")
    await ended.get_by_role("button", name="Email me").click()
    await expect(ended).to_contain_text("We'll reply by email.")
    await expect(ended.get_by_label("Email")).to_have_count(0)
    await expect(ended.get_by_role("button", name="Start a new chat")).to_be_focused()
    detail = (await ada.client.get(f"/api/v1/chats/{second}")).json()
    ticket = (await ada.client.get(f"/api/v1/tickets/{detail['ticket_id']}")).json()
    customer = (await ada.client.get(f"/api/v1/customers/{ticket['customer_id']}")).json()
    assert customer["emails"] == ["marie@example.org"]
    assert len((await ada.client.get("/api/v1/tickets")).json()["items"]) == 2
    # After a reload the card remembers it: the server says the chat has the address.
    await page.reload()
    await expect(messenger(page).locator(".ended")).to_contain_text("We'll reply by email.")
    await context.close()
