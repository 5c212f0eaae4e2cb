"""The messenger in real Chromium: embedded on a website of another origin (as a company would),
talking to the live server, with an agent driven over the API on the other side."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from collections.abc import AsyncIterator
from html import escape
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.async_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Route,
    WebSocketRoute,
    expect,
)

from frontdesk.web import MESSENGER_DIST
from tests.conftest import IN_CI, Agent, Desk
from tests.e2e.conftest import PolicyWatch
from tests.e2e.desk import eventually
from tests.e2e.settle import settled
from tests.realtime import serve

AXE = MESSENGER_DIST.parent / "node_modules" / "axe-core" / "axe.min.js"
BUDGET = 30 * 1024
XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'
HOSTILE_CSS = """
* { all: unset !important; }
html { font-size: 64px !important; }
div { display: none !important; }
button { width: 2px !important; height: 2px !important; font-size: 90px !important; }
body { display: block !important; min-height: 3000px !important; transform: scale(1) !important; }
"""

# Headless pages are never hidden: pretend the visitor switched tabs, and back.
HIDE_PAGE = """Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
document.dispatchEvent(new Event('visibilitychange'));"""
SHOW_PAGE = """Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
document.dispatchEvent(new Event('visibilitychange'));"""

pytestmark = pytest.mark.e2e


def requires_bundle() -> None:
    if not (MESSENGER_DIST / "messenger.js").is_file():
        message = "web/messenger/dist/messenger.js is missing: cd web/messenger && npm run build"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def page_html(
    live: str, key: str, title: str, *, head: str = "", body: str = "", lang: str = "en"
) -> str:
    return f"""<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">
<title>{escape(title)}</title>{head}
<script>window.frontdesk = window.frontdesk || [];</script>
<script src="{live}/messenger.js" data-inbox="{escape(key)}" async></script>
</head><body><h1>{escape(title)}</h1>
<p><a id="two" href="/two">Page two</a>
<button id="spa" onclick="history.pushState({{}}, '', '/pricing'); document.title = 'Pricing'">
Pricing (client-side)</button></p>{body}</body></html>"""


class Website:
    """A company's site on another origin than the desk, embedding the messenger."""

    def __init__(self, live: str) -> None:
        self.live = live
        self.key = ""
        self.head = ""
        self.url = ""
        # The page's language: the messenger speaks it when it has the words (before the
        # browser's).
        self.lang = "en"
        self.app = FastAPI()

        @self.app.get("/{path:path}")
        async def page(path: str) -> HTMLResponse:
            title = {"": "Shop — home", "two": "Page two"}.get(path, path.title())
            return HTMLResponse(
                page_html(self.live, self.key, title, head=self.head, lang=self.lang)
            )


@pytest.fixture
async def website(live: str) -> AsyncIterator[Website]:
    requires_bundle()
    site = Website(live)
    async with serve(site.app) as host:
        site.url = f"http://{host}"
        yield site


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-US")
    ctx.set_default_timeout(8000)
    yield ctx
    await ctx.close()


async def axe_ok(page: Page, state: str) -> None:
    """No serious or critical accessibility violation inside the messenger."""
    if not AXE.is_file():
        if IN_CI:
            pytest.fail("axe-core is missing: cd web/messenger && npm ci", pytrace=False)
        return
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    violations = await page.evaluate(
        """async () => {
            const result = await axe.run(
                { include: [['frontdesk-messenger']] }, { resultTypes: ['violations'] });
            return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({ id: v.id, help: v.help, nodes: v.nodes.map(n => n.target) }));
        }"""
    )
    assert violations == [], f"{state}: {json.dumps(violations, indent=1)}"


def messenger(page: Page) -> Locator:
    return page.locator("frontdesk-messenger")


def launcher(page: Page) -> Locator:
    return messenger(page).locator("button.launcher")


async def shot(page: Page, folder: Path, name: str) -> None:
    await settled(page)  # the panel's entrance animation, say
    await page.screenshot(path=str(folder / f"messenger-{name}.png"))


async def chat_id(page: Page, key: str) -> int:
    raw = await page.evaluate(f"localStorage.getItem('frontdesk:{key}:chat')")
    return int(json.loads(raw)["id"])


async def online_agent(desk: Desk, **inbox: Any) -> tuple[dict[str, Any], Agent]:
    support = await desk.inbox(**inbox)
    ada = await desk.agent(inboxes=[support], name="Ada")
    response = await ada.client.put("/api/v1/me/availability", json={"available": True})
    assert response.status_code == 200, response.text
    return support, ada


async def test_chat_survives_navigation_and_reload(
    website: Website, context: BrowserContext, desk: Desk, screenshots: Path
) -> None:
    support, ada = await online_agent(desk, email_address="support@desk.test")
    website.key = support["public_key"]
    page = await context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    await page.goto(website.url)

    await expect(launcher(page)).to_be_visible()
    assert await context.cookies() == []
    assert await page.evaluate(f"localStorage.getItem('frontdesk:{website.key}:token')") is None
    assert sockets == [], "no socket before the visitor opens the messenger"
    await shot(page, screenshots, "closed")
    await axe_ok(page, "closed")

    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await expect(panel).to_be_visible()
    await expect(panel.get_by_label("Your name")).to_be_focused()
    await expect(panel).to_contain_text("So we can follow up by email")
    await shot(page, screenshots, "open-form")
    await axe_ok(page, "open form")

    await panel.get_by_label("Your name").fill("Marie Curie")
    await panel.get_by_label("Email").fill("marie@example.org")
    await panel.get_by_label("Message", exact=True).fill("Hello, where is my order?")
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".waiting")).to_contain_text("Waiting for someone to join")
    await expect(panel.locator(".waiting")).to_contain_text("next in line")
    await shot(page, screenshots, "waiting")
    await axe_ok(page, "waiting")
    chat = await chat_id(page, website.key)

    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    await expect(panel).to_contain_text("Ada joined the chat")
    await ada.client.post(f"/api/v1/chats/{chat}/typing", json={"typing": True})
    await expect(panel).to_contain_text("Ada is typing")
    reply = {"text": "Hi Marie, it ships tomorrow.", "client_msg_id": "ada-1"}
    assert (await ada.client.post(f"/api/v1/chats/{chat}/messages", json=reply)).is_success
    await expect(panel.locator(".msg.agent")).to_contain_text("it ships tomorrow")
    await expect(panel.locator(".typing")).to_be_hidden()

    composer = panel.get_by_label("Message", exact=True)
    await composer.fill("Great, thank you!")
    await composer.press("Enter")
    await expect(panel.locator(".msg.own")).to_have_count(2)
    await expect(panel.locator(".msg[data-state]")).to_have_count(0)
    await shot(page, screenshots, "conversation")
    await axe_ok(page, "conversation")

    # A full navigation and a reload: same conversation, nothing twice, the panel still open.
    await page.locator("#two").click()
    await page.wait_for_url("**/two")
    panel = messenger(page).get_by_role("dialog")
    await expect(panel.locator(".msg")).to_have_count(3)
    await page.reload()
    panel = messenger(page).get_by_role("dialog")
    await expect(panel.locator(".msg")).to_have_count(3)
    await expect(panel.locator(".system")).to_have_count(1)

    async def visitor() -> dict[str, Any] | None:
        detail = (await ada.client.get(f"/api/v1/chats/{chat}")).json()["visitor"]
        # Between the reloaded page's old socket closing and its new one saying hello, the
        # visitor is rightly shown away: what counts is that they come back, on page two.
        back = detail["page_url"].endswith("/two") and detail["connected"]
        return detail if back and not detail["minimized"] else None

    seen = await eventually(visitor)
    assert seen["page_title"] == "Page two"

    # Client-side navigation and minimising are reported too.
    await messenger(page).get_by_role("button", name="Close chat").first.click()
    await expect(launcher(page)).to_be_focused()
    await page.locator("#spa").click()

    async def moved() -> dict[str, Any] | None:
        detail = (await ada.client.get(f"/api/v1/chats/{chat}")).json()["visitor"]
        return detail if detail["page_url"].endswith("/pricing") and detail["minimized"] else None

    assert (await eventually(moved))["page_title"] == "Pricing"

    # An agent message while minimised in a background tab: an unread badge on the launcher and
    # on the page's title; coming back restores the title, opening clears the badge.
    await page.evaluate(HIDE_PAGE)
    reply = {"text": "Anything else?", "client_msg_id": "ada-2"}
    assert (await ada.client.post(f"/api/v1/chats/{chat}/messages", json=reply)).is_success
    await expect(messenger(page).locator(".badge")).to_have_text("1")
    await expect(page).to_have_title("(1) Pricing")
    assert await page.evaluate("window.frontdesk.unreadCount()") == 1
    await page.evaluate(SHOW_PAGE)
    await expect(page).to_have_title("Pricing")
    await launcher(page).click()
    await expect(messenger(page).locator(".badge")).to_be_hidden()

    # A second tab shows the same conversation and receives what the first one sends.
    other = await context.new_page()
    await other.goto(website.url)
    await other.evaluate("window.frontdesk.push(fd => fd.open())")
    other_panel = messenger(other).get_by_role("dialog")
    await expect(other_panel.locator(".msg")).to_have_count(4)
    await composer.fill("One last thing")
    await panel.get_by_role("button", name="Send").click()
    # Then the time it was stored, small under it.
    await expect(other_panel.locator(".msg.own").last).to_have_text(
        re.compile(r"^You: One last thing\d{1,2}:\d\d\s[AP]M$")
    )
    await expect(other_panel.locator(".msg")).to_have_count(5)
    await other.close()

    assert (await ada.client.post(f"/api/v1/chats/{chat}/end")).status_code == 200
    await expect(panel.locator(".ended")).to_contain_text("This chat has ended")
    # Only an address the website signed gets the conversation by email.
    await expect(panel.locator(".ended")).not_to_contain_text("transcript was emailed")
    await expect(panel.locator(".composer")).to_be_hidden()
    await expect(panel.locator(".msg")).to_have_count(5)
    await shot(page, screenshots, "ended")
    await axe_ok(page, "ended")


async def test_a_message_lost_on_the_way_is_retried_with_the_same_id(
    website: Website, context: BrowserContext, desk: Desk
) -> None:
    support, ada = await online_agent(desk)
    website.key = support["public_key"]
    page = await context.new_page()
    lose_messages = True
    sent: list[str] = []
    greeted = asyncio.Event()

    def through(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_server(raw: str | bytes) -> None:
            frame = json.loads(raw)
            if frame["type"] == "message":
                sent.append(frame["client_msg_id"])
                if lose_messages:
                    return
            server.send(raw)

        def to_page(raw: str | bytes) -> None:
            ws.send(raw)
            if '"visitor_id"' in str(raw):  # the answer to hello: the socket is ready
                greeted.set()

        ws.on_message(to_server)
        server.on_message(to_page)

    async def posted(route: Route) -> None:
        # After the reload the messenger may send it over HTTP, its socket not up yet: the same
        # id either way.
        if route.request.method == "POST":
            sent.append(json.loads(route.request.post_data or "{}")["client_msg_id"])
        await route.continue_()

    await page.route_web_socket(re.compile(r"/messenger/v1/ws$"), through)
    await page.goto(website.url)
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await panel.get_by_label("Message", exact=True).fill("Hello")
    await panel.get_by_role("button", name="Start chat").click()
    composer = panel.get_by_label("Message", exact=True)
    await expect(panel.locator(".waiting")).to_be_visible()
    # The socket must be up, or the messenger rightly sends over HTTP and nothing is lost.
    await asyncio.wait_for(greeted.wait(), 10)

    await composer.fill("Are you there?")
    await composer.press("Enter")
    bubble = panel.locator(".msg.own").last
    await expect(bubble).to_have_attribute("data-state", "sending")
    await expect(bubble).to_contain_text("Sending…")
    assert len(sent) == 1

    # Reloaded before the server acknowledged it: still there, and sent again with the same id.
    lose_messages = False
    await page.route(re.compile(r"/messenger/v1/chats/\d+/messages$"), posted)
    await page.reload()
    panel = messenger(page).get_by_role("dialog")
    await expect(panel.locator(".msg.own")).to_have_count(2)
    await expect(panel.locator(".msg[data-state]")).to_have_count(0)
    assert len(sent) >= 2
    assert set(sent) == {sent[0]}
    chat = await chat_id(page, website.key)
    events = (await ada.client.get(f"/api/v1/chats/{chat}")).json()["events"]
    texts = [e["data"]["message"]["text"] for e in events if e["type"] == "chat.message_added"]
    assert texts == ["Hello", "Are you there?"]


async def test_contact_form_when_nobody_is_online(
    website: Website, context: BrowserContext, desk: Desk, screenshots: Path
) -> None:
    support = await desk.inbox()
    ada = await desk.agent(role="admin", inboxes=[support], name="Ada")
    teal = {"messenger_settings": {"color": "#0f766e"}}
    assert (await ada.client.patch(f"/api/v1/inboxes/{support['id']}", json=teal)).is_success
    website.key = support["public_key"]
    page = await context.new_page()
    await page.goto(website.url)
    await expect(launcher(page)).to_have_css("background-color", "rgb(15, 118, 110)")
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await expect(panel).to_contain_text("Nobody is online right now")
    await panel.get_by_label("Your name").fill("Linus Pauling")
    await panel.get_by_label("Email").fill("linus@example.org")
    await panel.get_by_label("Message").fill("Do you ship to Norway?")
    await shot(page, screenshots, "contact-form")
    await axe_ok(page, "contact form")

    await panel.get_by_role("button", name="Send message").click()
    await expect(panel).to_contain_text("Your reference number is #")
    await axe_ok(page, "contact sent")
    await shot(page, screenshots, "contact-sent")
    tickets = (await ada.client.get("/api/v1/tickets", params={"type": "web"})).json()
    items = tickets["items"] if isinstance(tickets, dict) else tickets
    assert len(items) == 1
    number = items[0]["number"]
    await expect(panel).to_contain_text(f"#{number}")


async def test_identify_prefills_the_form_and_what_the_visitor_types_wins(
    website: Website, context: BrowserContext, desk: Desk
) -> None:
    support, _ada = await online_agent(desk)
    website.key = support["public_key"]
    website.head = """<script>window.frontdesk = window.frontdesk || [];
window.frontdesk.push(function (fd) {
  fd.messenger.identify({ name: "Grace Hopper", email: "grace@example.org" });
  fd.on("ready", function () { window.__ready = true; });
});</script>"""
    page = await context.new_page()
    await page.goto(website.url)
    await page.wait_for_function("window.__ready === true")
    key = website.key
    await page.wait_for_function(f"localStorage.getItem('frontdesk:{key}:identity') !== null")
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await expect(panel.get_by_label("Your name")).to_have_value("Grace Hopper")
    await expect(panel.get_by_label("Email")).to_have_value("grace@example.org")
    await panel.get_by_label("Your name").fill("Grace B. Hopper")
    await page.reload()
    panel = messenger(page).get_by_role("dialog")
    await expect(panel.get_by_label("Your name")).to_have_value("Grace B. Hopper")

    # French on request; the draft survives the change of language.
    await page.evaluate("window.frontdesk.config({ locale: 'fr' })")
    await expect(panel.get_by_label("Votre nom")).to_have_value("Grace B. Hopper")
    await expect(panel.get_by_role("button", name="Démarrer le chat")).to_be_visible()


async def test_html_in_names_and_messages_is_shown_as_text(
    website: Website, context: BrowserContext, desk: Desk
) -> None:
    support, ada = await online_agent(desk)
    website.key = support["public_key"]
    page = await context.new_page()
    await page.goto(website.url)
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await panel.get_by_label("Your name").fill(XSS)
    await panel.get_by_label("Message", exact=True).fill(XSS)
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".msg.own .text")).to_have_text(XSS)
    chat = await chat_id(page, website.key)
    await ada.client.post(f"/api/v1/chats/{chat}/join")
    await ada.client.post(f"/api/v1/chats/{chat}/messages", json={"text": XSS})
    await expect(panel.locator(".msg.agent .text")).to_have_text(XSS)
    await expect(panel.locator(".msg.own .text")).to_have_text(XSS)
    assert await messenger(page).locator("img").count() == 0
    assert await page.evaluate("window.__pwned") is None
    detail = (await ada.client.get(f"/api/v1/chats/{chat}")).json()
    assert detail["visitor"]["name"] == XSS


async def test_hostile_css_does_not_break_it(
    website: Website, browser: Browser, desk: Desk, screenshots: Path
) -> None:
    support, _ada = await online_agent(desk)
    website.key = support["public_key"]
    website.head = f"<style>{HOSTILE_CSS}</style>"
    ctx = await browser.new_context(viewport={"width": 375, "height": 700})
    ctx.set_default_timeout(8000)
    page = await ctx.new_page()
    await page.goto(website.url)
    box = await launcher(page).bounding_box()
    assert box is not None
    assert 50 <= box["width"] <= 64, box
    assert 50 <= box["height"] <= 64, box
    assert box["x"] + box["width"] <= 375, box
    assert box["y"] + box["height"] <= 700, box
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await expect(panel).to_be_visible()
    field = panel.get_by_label("Message", exact=True)
    await field.fill("Typed on a hostile page")
    await expect(field).to_have_value("Typed on a hostile page")
    font = await field.evaluate("el => getComputedStyle(el).fontSize")
    assert font == "16px"  # a phone's: iOS zooms in on a smaller field
    await shot(page, screenshots, "narrow")
    panel_box = await panel.bounding_box()
    assert panel_box is not None
    # Full screen on phones.
    assert [round(panel_box[k]) for k in ("x", "y", "width", "height")] == [0, 0, 375, 700]
    await page.keyboard.press("Escape")
    await expect(panel).to_be_hidden()
    await ctx.close()


def test_bundle_is_within_budget() -> None:
    bundle = MESSENGER_DIST / "messenger.js"
    if not bundle.is_file():
        message = "web/messenger/dist/messenger.js is missing: cd web/messenger && npm run build"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    size = len(gzip.compress(bundle.read_bytes(), compresslevel=9))
    assert size <= BUDGET, f"messenger.js is {size / 1024:.1f} KB gzipped (budget 30 KB)"


async def test_demo_page_embeds_the_first_inbox(app: FastAPI, http: Any, desk: Desk) -> None:
    empty = await http.get("/demo")
    assert empty.status_code == 200
    assert "frontdesk demo" in empty.text
    assert "messenger.js" not in empty.text.split("<footer>")[0]
    first = await desk.inbox(name="First")
    await desk.inbox(name="Second")
    page = await http.get("/demo")
    assert f'data-inbox="{first["public_key"]}"' in page.text
    assert (await http.get("/demo/about")).status_code == 200
    assert (await http.get("/demo/product/mug")).status_code == 200


async def test_demo_shop_and_its_messenger_work_under_its_policy(
    live: str, context: BrowserContext, desk: Desk, policy_watch: PolicyWatch
) -> None:
    requires_bundle()
    support, ada = await online_agent(desk)
    await policy_watch.watch(context)
    page = await context.new_page()
    await page.goto(f"{live}/demo")
    # The shop's own inline script navigates client-side.
    await page.get_by_role("link", name=re.compile("Stoneware mug")).click()
    await expect(page).to_have_title(re.compile("^Stoneware mug"))

    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await panel.get_by_label("Your name").fill("Marie Curie")
    await panel.get_by_label("Message", exact=True).fill("Is the mug dishwasher-safe?")
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".waiting")).to_contain_text("Waiting for someone to join")
    chat = await chat_id(page, support["public_key"])
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    await expect(panel).to_contain_text("Ada joined the chat")

    await policy_watch.assert_enforced(page)
