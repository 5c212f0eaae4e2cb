"""The chat window in real Chromium (issue #12, "The chat window"): a waiting time that ticks,
what an agent who handed a chat over or left it can do, hand-offs kept from the customer, ending
that asks first, a header that holds two agents at 1280 px, namesakes told apart in the transfer
list, and the visitor's page shown by title and address."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import (
    Browser,
    BrowserContext,
    FilePayload,
    Locator,
    Page,
    Route,
    WebSocketRoute,
    expect,
)

from tests.e2e.desk import (
    DESK_TESTS,
    ApiClient,
    PageApi,
    api_as,
    assert_accessible,
    bar_item,
    desk_context,
    eventually,
    open_desk,
    open_page,
    set_online,
    shoot,
)
from tests.e2e.test_messenger import Website, chat_id, launcher, messenger, requires_bundle
from tests.realtime import serve

pytestmark = DESK_TESTS

PDF = b"%PDF-1.4\n%%EOF\n"

HAND_OFF_WORDS = re.compile(r"invited|take over|transferred|withdrawn|handed")


async def team(desk: Any, app: FastAPI, *names: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An inbox and its agents, online."""
    inbox = await desk.inbox(name="Support", email_address="support@desk.test")
    users = []
    for name in names:
        user = await desk.user(name=name)
        await desk.add_member(inbox, user)
        await set_online(app, user)
        users.append(user)
    return inbox, users


async def open_chat(page: Page, visitor_name: str) -> None:
    await bar_item(page, visitor_name).click()
    await expect(page.get_by_role("log", name="Conversation")).to_be_visible()


async def marie_starts_a_chat(browser: Browser, host: str) -> tuple[Page, Locator]:
    """Marie Curie asks "Where is my parcel?" in the messenger of the site at `host`, and waits."""
    context = await browser.new_context(viewport={"width": 1200, "height": 800})
    page = await context.new_page()
    await page.goto(f"http://{host}")
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await panel.get_by_label("Your name").fill("Marie Curie")
    await panel.get_by_label("Email").fill("marie@example.org")
    await panel.get_by_label("Message", exact=True).fill("Where is my parcel?")
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".waiting")).to_be_visible()
    return page, panel


async def test_the_waiting_time_ticks(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser
) -> None:
    _inbox, [ada_user] = await team(desk, app, "Ada Lovelace")
    visitor = await visitors(_inbox)
    await visitor.start_chat("Is anyone there?", name="Marie Curie")
    ada = await open_desk(browser, live, ada_user, clock=True)
    await open_chat(ada, "Marie Curie")
    waiting = ada.get_by_label("Visitor").get_by_text(re.compile(r"^Waiting \d"))
    await expect(waiting).to_have_text(re.compile(r"^Waiting \d+ sec"))
    first = await waiting.inner_text()
    # Nothing else happens meanwhile: only a clock can move it on (the page's, moved 2 s on
    # rather than waited for).
    await ada.clock.fast_forward(2_000)
    await expect(waiting).not_to_have_text(first, timeout=4_000)
    await expect(waiting).to_have_text(re.compile(r"^Waiting \d+ sec"))
    await ada.context.close()


async def test_after_a_transfer_or_a_leave_the_agent_reads_along_and_knows_why(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox, [ada_user, bob_user, grace_user] = await team(
        desk, app, "Ada Lovelace", "Bob Noyce", "Grace Hopper"
    )
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("My parcel is late", name="Marie Curie")
    ada = await open_desk(browser, live, ada_user, path=f"/chats/{chat['id']}")
    # Bob's desk is never looked at: he acts through the API.
    bob = await api_as(desk, bob_user)
    await expect(ada.get_by_role("log", name="Conversation")).to_be_visible()
    await ada.get_by_role("button", name="Join chat").click()

    # Ada hands it over to Bob, who takes it.
    await ada.get_by_role("button", name=re.compile("Assigned to")).click()
    await ada.get_by_role("dialog").get_by_role("button", name=re.compile("Bob Noyce")).click()
    await expect(ada.get_by_role("status")).to_contain_text("Waiting for Bob Noyce")
    await bob("POST", f"/api/v1/chats/{chat['id']}/join")

    log = ada.get_by_role("log", name="Conversation")
    await expect(log).to_contain_text("Ada Lovelace left the chat")
    # The hand-off itself is shown to agents, marked as theirs alone.
    internal = log.locator(".sysline.internal")
    await expect(internal).to_have_text(re.compile("Agents only.*Ada Lovelace asked Bob Noyce"))
    # No button that cannot work: what she can do, and why.
    await expect(ada.get_by_role("button", name="Join chat")).to_have_count(0)
    why = ada.locator(".join-bar")
    await expect(why).to_contain_text("You handed this chat over to Bob Noyce.")
    await expect(why).to_contain_text("You can read along")
    await expect(why).to_contain_text("ask Bob Noyce to invite you")
    await expect(why).to_contain_text("only a participant can")
    await shoot(ada, screenshots, "chat-handed-over")
    await assert_accessible(ada, "chat window after a transfer")

    # Invited back, she joins; then she leaves on her own.
    await bob("POST", f"/api/v1/chats/{chat['id']}/invite", {"user_id": ada_user["id"]})
    await expect(ada.get_by_text("Bob Noyce invited you to this chat.")).to_be_visible()
    await ada.get_by_role("button", name="Join chat").click()
    await ada.get_by_role("button", name="Leave").click()
    await expect(why).to_contain_text("You left this chat. Bob Noyce is answering it.")
    await expect(ada.get_by_role("button", name="Join chat")).to_have_count(0)

    # Grace was never in it: she is told who answers it, and who can let her in.
    grace = await open_desk(browser, live, grace_user, path=f"/chats/{chat['id']}")
    await expect(grace.locator(".join-bar")).to_contain_text(
        "Bob Noyce is answering this chat. You can read along; to join, ask Bob Noyce"
    )
    await expect(grace.get_by_role("button", name="Join chat")).to_have_count(0)

    # Bob ends it: Ada, reading along, sees the customer record it was filed on at once.
    sidebar = ada.locator(".sidebar")
    await expect(sidebar).to_contain_text("The customer record is linked when this chat ends.")
    await bob("POST", f"/api/v1/chats/{chat['id']}/end")
    await expect(sidebar).not_to_contain_text("linked when this chat ends")
    await expect(sidebar).to_contain_text("Previous tickets")
    for page in (ada, grace):
        await page.context.close()


async def test_the_customer_reads_joins_and_leaves_and_so_does_every_agent(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    """Invitations and transfers stay between agents: the messenger, the desk's window, the
    ticket's transcript and the emailed transcript all read "joined" and "left"."""
    requires_bundle()
    inbox, [ada_user, bob_user] = await team(desk, app, "Ada Lovelace", "Bob Noyce")
    site = Website(live)
    site.key = inbox["public_key"]
    async with serve(site.app) as host:
        page, panel = await marie_starts_a_chat(browser, host)
        chat = await chat_id(page, site.key)

        ada = await open_desk(browser, live, ada_user)
        bob = await open_desk(browser, live, bob_user)
        await open_chat(ada, "Marie Curie")
        await ada.get_by_role("button", name="Join chat").click()
        await ada.get_by_role("button", name=re.compile("Assigned to")).click()
        await ada.get_by_role("dialog").get_by_role("button", name=re.compile("Bob Noyce")).click()
        await open_chat(bob, "Marie Curie")
        await expect(bob.get_by_text("Ada Lovelace wants you to take over")).to_be_visible()
        await bob.get_by_role("button", name="Join chat").click()

        await expect(panel).to_contain_text("Bob Noyce joined the chat")
        await expect(panel).to_contain_text("Ada Lovelace left the chat")
        await expect(panel).not_to_contain_text(HAND_OFF_WORDS)

        log = bob.get_by_role("log", name="Conversation")
        await expect(log).to_contain_text("Bob Noyce joined the chat")
        await expect(log).to_contain_text("Ada Lovelace left the chat")
        await expect(log.locator(".sysline:not(.internal)")).not_to_contain_text([HAND_OFF_WORDS])
        await shoot(bob, screenshots, "chat-after-transfer")

        await bob.get_by_role("button", name="End chat", exact=True).click()
        await bob.get_by_role("alertdialog").get_by_role("button", name="End chat").click()
        await expect(bob).to_have_url(re.compile(r"/tickets/\d+$"))
        ticket_id = int(bob.url.rsplit("/", 1)[1])
        transcript = bob.get_by_role("article", name="Chat transcript")
        await expect(transcript).to_contain_text("Bob Noyce joined the chat")
        await expect(transcript).to_contain_text("Ada Lovelace left the chat")
        await expect(transcript).not_to_contain_text(HAND_OFF_WORDS)
        ticket = await PageApi(bob, live)("GET", f"/api/v1/tickets/{ticket_id}")
        assert not HAND_OFF_WORDS.search(ticket["entries"][0]["text"])
        assert chat
        for tab in (ada, bob, page):
            await tab.context.close()


async def test_ending_a_chat_asks_first_and_escape_keeps_it(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox, [ada_user] = await team(desk, app, "Ada Lovelace")
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Hello", name="Marie Curie", email="marie@example.org")
    ada = await open_desk(browser, live, ada_user)
    await open_chat(ada, "Marie Curie")
    # The join's answer comes late, after the chat's live event has shown Ada in: the question
    # she opens meanwhile keeps the focus when it does.
    answered = asyncio.Event()
    asked = asyncio.Event()  # held until End chat's question is open

    async def late(route: Route) -> None:
        response = await route.fetch()
        await asked.wait()
        await route.fulfill(response=response)
        answered.set()

    await ada.route(re.compile(r"/api/v1/chats/\d+/join$"), late)
    await ada.get_by_role("button", name="Join chat").click()

    end = ada.get_by_role("button", name="End chat", exact=True)
    await end.click()
    confirm = ada.get_by_role("alertdialog", name="End this chat?")
    await expect(confirm).to_be_visible()
    # The visitor only typed the address: the truth about what it receives.
    await expect(confirm).to_contain_text("marie@example.org gets a short notice")
    keep = confirm.get_by_role("button", name="Keep chatting")
    await expect(keep).to_be_focused()
    assert not answered.is_set(), "the join answered before End chat was asked: nothing tested"
    asked.set()
    await asyncio.wait_for(answered.wait(), 10)
    await ada.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done)))")
    await expect(keep).to_be_focused()
    await shoot(ada, screenshots, "chat-end-confirm")
    await assert_accessible(ada, "end chat confirmation")

    await ada.keyboard.press("Escape")
    await expect(confirm).to_have_count(0)
    await expect(end).to_be_focused()
    api = PageApi(ada, live)
    assert (await api("GET", f"/api/v1/chats/{chat['id']}"))["state"] == "active"

    await end.click()
    await confirm.get_by_role("button", name="Keep chatting").click()
    await expect(confirm).to_have_count(0)
    await expect(ada.get_by_label(re.compile("Message to"))).to_be_visible()

    await end.click()
    await confirm.get_by_role("button", name="End chat").click()
    await expect(ada).to_have_url(re.compile(r"/tickets/\d+$"))
    assert (await api("GET", f"/api/v1/chats/{chat['id']}"))["state"] == "ended"
    await ada.context.close()


async def test_a_message_the_server_could_not_take_is_sent_again_and_a_refusal_is_not(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser
) -> None:
    """The server's own trouble passes (its database out of reach for a moment: answered
    `database_unavailable` with `retry_after`): the desk sends the same message again by itself.
    Messages written meanwhile wait their turn. A refusal of the message is shown at once with
    Retry, and not sent again."""
    inbox, [ada_user] = await team(desk, app, "Ada Lovelace")
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Hello", name="Marie Curie")
    api = await api_as(desk, ada_user)
    await api("POST", f"/api/v1/chats/{chat['id']}/join")
    # The server's answers, as it gives them (docs/realtime.md), to the first try of each text.
    answers = {
        "Let me check that for you.": {
            "code": "database_unavailable",
            "message": "The database could not be reached for a moment. Try again.",
            "retry_after": 3,
        },
        "Anything else?": {"code": "chat_ended", "message": "This chat has ended."},
    }
    sent: list[tuple[str, str]] = []
    frames: list[dict[str, Any]] = []  # every frame the desk sent, in order

    def through(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_server(raw: str | bytes) -> None:
            frame = json.loads(raw)
            frames.append(frame)
            if frame.get("type") == "message":
                sent.append((frame["text"], frame["client_msg_id"]))
                error = answers.pop(frame["text"], None)
                if error is not None:
                    ws.send(json.dumps({"type": "error", "ref": frame["ref"], "error": error}))
                    return
            server.send(raw)

        ws.on_message(to_server)
        server.on_message(ws.send)

    # Routed and the clock installed before the desk loads: no second load.
    context = await desk_context(browser, live, ada_user)
    await context.route_web_socket(re.compile(r"/api/v1/ws(\?|$)"), through)
    await context.clock.install()  # time runs, and jumps when the test says (`fast_forward`)
    ada = await open_page(context, live, ada_user, "/")
    await open_chat(ada, "Marie Curie")
    composer = ada.get_by_label(re.compile("Message to"))
    log = ada.get_by_role("log", name="Conversation")

    await composer.fill("Let me check that for you.")
    await composer.press("Enter")
    # Written while the first waits to be sent again: it must not overtake it.
    await composer.fill("One moment.")
    await composer.press("Enter")
    # The desk is connected: what it waits out is the server, and it says so.
    await expect(log.locator(".pending")).to_have_count(2)
    for item in await log.locator(".pending").all():
        await expect(item).to_contain_text("The server is busy — retrying…")
    await expect(log).not_to_contain_text("Waiting for the connection")
    # The wait the server asked for (3 s) is over: both go, in order.
    await ada.clock.fast_forward(3_000)
    await expect(ada.locator(".msg.agent:not(.pending)")).to_have_count(2)
    await expect(log.locator(".pending")).to_have_count(0)
    tries = [cmid for text, cmid in sent if text == "Let me check that for you."]
    assert len(tries) == 2, sent  # refused once, then sent again by the desk itself
    assert tries[0] == tries[1], "sent again as another message"

    await composer.fill("Anything else?")
    await composer.press("Enter")
    failed = log.locator(".pending")
    await expect(failed).to_contain_text("Not sent")
    await expect(failed).to_contain_text("This chat has ended.")
    await expect(failed.get_by_role("button", name="Retry")).to_be_visible()
    # Longer than a passing trouble's wait (2 s), on the page's clock; then the agent types
    # again, and the typing frame is the marker: a message sent again would have gone before it.
    await ada.clock.fast_forward(2_500)
    after = len(frames)
    await composer.fill("Are you")

    async def typed_again() -> bool:
        return any(frame.get("type") == "typing" for frame in frames[after:])

    await eventually(typed_again)
    assert [text for text, _ in sent].count("Anything else?") == 1, sent

    events = (await api("GET", f"/api/v1/chats/{chat['id']}"))["events"]
    texts = [e["data"]["message"]["text"] for e in events if e["type"] == "chat.message_added"]
    assert texts == ["Hello", "Let me check that for you.", "One moment."]
    await ada.context.close()


async def test_what_the_agent_writes_while_the_server_is_away_is_stored_once_in_order(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    """The server away for longer than a restart (the audit killed it and started it again 10 s
    later; here its HTTP and socket are taken from the page instead, and the page's clock is
    run): what the agent wrote meanwhile waits, says so, gives nothing up, and is stored in the
    order written once the server is back — over HTTP first, the socket still down — and shows
    once, in the desk and for the customer: no "Sending…" left over, nothing twice after the
    socket's resume."""
    inbox, [ada_user] = await team(desk, app, "Ada Lovelace")
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Hello", name="Marie Curie")
    api = await api_as(desk, ada_user)
    await api("POST", f"/api/v1/chats/{chat['id']}/join")
    away = {"http": False, "socket": False}
    sockets: list[WebSocketRoute] = []

    async def socket(ws: WebSocketRoute) -> None:
        if away["socket"]:
            await ws.close()
            return
        ws.connect_to_server()  # passes every frame both ways
        sockets.append(ws)

    async def http(route: Route) -> None:
        if away["http"]:
            await route.abort("connectionrefused")
        else:
            await route.fallback()

    context = await desk_context(browser, live, ada_user)
    await context.route(re.compile(r"/api/v1/"), http)
    await context.route_web_socket(re.compile(r"/api/v1/ws(\?|$)"), socket)
    await context.clock.install()  # the page's timers run when the test says (`run_for`)
    ada = await open_page(context, live, ada_user, "/")
    await open_chat(ada, "Marie Curie")
    composer = ada.get_by_label(re.compile("Message to"))
    log = ada.get_by_role("log", name="Conversation")

    away.update(http=True, socket=True)
    for ws in sockets:
        await ws.close()
    await composer.fill("Let me check that for you.")
    await composer.press("Enter")
    await composer.fill("One moment.")
    await composer.press("Enter")
    pending = log.locator(".pending")
    await expect(pending).to_have_count(2)
    # Longer than the desk used to keep trying (five tries 2 s apart): nothing is given up.
    await ada.clock.run_for(15_000)
    await expect(pending).to_have_count(2)
    for item in await pending.all():
        await expect(item).to_contain_text("Waiting for the connection…")
    await expect(log).not_to_contain_text("Not sent")
    await shoot(ada, screenshots, "chat-waiting-for-the-connection")

    # Back, the socket still down: over HTTP, in order, each shown once.
    away["http"] = False
    await ada.clock.run_for(3_000)
    mine = log.locator(".msg.agent:not(.pending) .bubble")
    await expect(mine).to_have_text(["Let me check that for you.", "One moment."])
    await expect(pending).to_have_count(0)
    # The socket back too (its back-off is at most 15 s): its resume brings nothing twice.
    away["socket"] = False
    await ada.clock.run_for(20_000)
    await expect(ada.locator(".conn")).to_be_hidden()
    await ada.clock.run_for(1_000)
    await expect(mine).to_have_text(["Let me check that for you.", "One moment."])
    await expect(pending).to_have_count(0)
    written = ["Hello", "Let me check that for you.", "One moment."]
    events = (await api("GET", f"/api/v1/chats/{chat['id']}"))["events"]
    assert [e["data"]["message"]["text"] for e in events if e["type"] == "chat.message_added"] == (
        written
    )
    seen = (await visitor.client.get(f"/messenger/v1/chats/{chat['id']}")).json()["events"]
    assert [e["data"]["message"]["text"] for e in seen if e["type"] == "chat.message_added"] == (
        written
    )
    await ada.context.close()


class Outage:
    """The server taken from a page, as a killed one is: its HTTP refused (uploads too) and its
    socket closed, new ones closed at once; `back()` brings both."""

    def __init__(self) -> None:
        self.away = False
        self.sockets: list[WebSocketRoute] = []

    async def install(self, page: Page | BrowserContext) -> None:
        async def socket(ws: WebSocketRoute) -> None:
            if self.away:
                await ws.close()
                return
            ws.connect_to_server()
            self.sockets.append(ws)

        async def http(route: Route) -> None:
            if self.away:
                await route.abort("connectionrefused")
            else:
                await route.fallback()

        await page.route(re.compile(r"/api/v1/"), http)
        await page.route_web_socket(re.compile(r"/api/v1/ws(\?|$)"), socket)

    async def begin(self) -> None:
        self.away = True
        for ws in self.sockets:
            await ws.close()

    def back(self) -> None:
        self.away = False


async def _agent_in_chat_with_clock(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser
) -> tuple[Page, ApiClient, Any, dict[str, Any], Outage]:
    """Ada in a chat with Marie, the page's timers run by the test, the server ready to go away."""
    inbox, [ada_user] = await team(desk, app, "Ada Lovelace")
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Hello", name="Marie Curie")
    api = await api_as(desk, ada_user)
    await api("POST", f"/api/v1/chats/{chat['id']}/join")
    outage = Outage()
    context = await desk_context(browser, live, ada_user)
    await outage.install(context)
    await context.clock.install()
    ada = await open_page(context, live, ada_user, "/")
    await open_chat(ada, "Marie Curie")
    return ada, api, visitor, chat, outage


def _said(events: list[dict[str, Any]]) -> list[str]:
    """A chat's messages in order: their text, or the names of the files they send."""
    said = []
    for event in events:
        if event["type"] == "chat.message_added":
            message = event["data"]["message"]
            files = [a["filename"] for a in message.get("attachments") or []]
            said.append(f"files: {', '.join(files)}" if files else message["text"])
    return said


async def test_a_file_sent_between_two_texts_during_an_outage_reaches_the_customer_between_them(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    """The files' message goes in the chat's lane with the texts: written A, a file, B while the
    server is away, the customer reads A, the file, B (it used to go by its own way, and could
    come before A or after B)."""
    ada, api, visitor, chat, outage = await _agent_in_chat_with_clock(
        app, desk, visitors, live, browser
    )
    composer = ada.get_by_label(re.compile("Message to"))
    log = ada.get_by_role("log", name="Conversation")

    await outage.begin()
    await composer.fill("Here is the guide.")
    await composer.press("Enter")
    guide: FilePayload = {"name": "guide.pdf", "mimeType": "application/pdf", "buffer": PDF}
    await ada.get_by_test_id("chat-file-input").set_input_files([guide])
    await composer.fill("Page 3 is the one.")
    await composer.press("Enter")
    pending = log.locator(".pending")
    await expect(pending).to_have_count(3)
    await ada.clock.run_for(15_000)
    await expect(pending.nth(1)).to_contain_text("guide.pdf")
    for item in await pending.all():
        await expect(item).to_contain_text("Waiting for the connection…")
    await shoot(ada, screenshots, "chat-file-waiting-its-turn")

    outage.back()
    await ada.clock.run_for(20_000)
    await expect(pending).to_have_count(0)
    sent = log.locator(".msg.agent:not(.pending)")
    await expect(sent).to_have_count(3)
    await expect(sent.nth(1).get_by_role("link")).to_contain_text("guide.pdf")
    written = ["Hello", "Here is the guide.", "files: guide.pdf", "Page 3 is the one."]
    assert _said((await api("GET", f"/api/v1/chats/{chat['id']}"))["events"]) == written
    seen = (await visitor.client.get(f"/messenger/v1/chats/{chat['id']}")).json()["events"]
    assert _said(seen) == written
    await ada.context.close()


async def test_a_stopped_message_can_be_discarded_by_keyboard_and_the_rest_wait_for_retry(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    """After 2 minutes away the messages stop, each with Retry and Discard. Discard (Enter on it)
    takes one out and leaves the focus on the next one's Discard; the server back, nothing goes
    by itself; Retry sends the rest in order, the discarded one never."""
    ada, api, _visitor, chat, outage = await _agent_in_chat_with_clock(
        app, desk, visitors, live, browser
    )
    composer = ada.get_by_label(re.compile("Message to"))
    log = ada.get_by_role("log", name="Conversation")

    await outage.begin()
    for text in ("Let me check.", "It was order 1234, right?", "One moment."):
        await composer.fill(text)
        await composer.press("Enter")
    pending = log.locator(".pending")
    await expect(pending).to_have_count(3)
    await ada.clock.run_for(125_000)
    for item in await pending.all():
        await expect(item).to_contain_text("Not sent")
        await expect(item.get_by_role("button", name="Retry")).to_be_visible()
        await expect(item.get_by_role("button", name="Discard")).to_be_visible()
    await shoot(ada, screenshots, "chat-not-sent-discard")
    await assert_accessible(ada, "chat with messages not sent")

    await pending.nth(1).get_by_role("button", name="Discard").focus()
    await ada.keyboard.press("Enter")
    await expect(pending).to_have_count(2)
    await expect(log).not_to_contain_text("order 1234")
    await expect(pending.nth(1).get_by_role("button", name="Discard")).to_be_focused()

    outage.back()
    await ada.clock.run_for(20_000)
    await expect(ada.locator(".conn")).to_be_hidden()
    await ada.clock.run_for(2_000)
    await expect(pending).to_have_count(2)
    assert _said((await api("GET", f"/api/v1/chats/{chat['id']}"))["events"]) == ["Hello"]

    # Shift+Tab from the focused Discard reaches the same message's Retry.
    await ada.keyboard.press("Shift+Tab")
    await expect(pending.nth(1).get_by_role("button", name="Retry")).to_be_focused()
    await ada.keyboard.press("Enter")
    await ada.clock.run_for(2_000)
    await expect(pending).to_have_count(0)
    mine = log.locator(".msg.agent:not(.pending) .bubble")
    await expect(mine).to_have_text(["Let me check.", "One moment."])
    events = (await api("GET", f"/api/v1/chats/{chat['id']}"))["events"]
    assert _said(events) == ["Hello", "Let me check.", "One moment."]
    await ada.context.close()


@pytest.fixture
async def two_agents_in_a_chat(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser
) -> AsyncIterator[Page]:
    inbox, [ada_user, bob_user] = await team(desk, app, "Ada Lovelace", "Bob Noyce")
    visitor = await visitors(inbox)
    name = "Maximilian-Alexander von Hohenzollern-Sigmaringen"
    chat = await visitor.start_chat("Hello", name=name)
    # Both join through the API before Ada's desk opens on the chat: Bob's desk is never seen.
    api = await api_as(desk, ada_user)
    bob = await api_as(desk, bob_user)
    await api("POST", f"/api/v1/chats/{chat['id']}/join")
    await api("POST", f"/api/v1/chats/{chat['id']}/invite", {"user_id": bob_user["id"]})
    await bob("POST", f"/api/v1/chats/{chat['id']}/join")
    ada = await open_desk(
        browser,
        live,
        ada_user,
        viewport={"width": 1280, "height": 800},
        path=f"/chats/{chat['id']}",
    )
    await expect(ada.get_by_role("log", name="Conversation")).to_contain_text(
        "Bob Noyce joined the chat"
    )
    yield ada
    await ada.context.close()


async def test_two_agents_leave_the_visitors_name_on_one_line_at_1280(
    two_agents_in_a_chat: Page, screenshots: Path
) -> None:
    page = two_agents_in_a_chat
    heading = page.get_by_role("heading", level=1)
    sizes = await page.evaluate(
        """() => {
          const h = document.querySelector('#chat-title');
          const head = document.querySelector('.convo-head');
          const style = getComputedStyle(h);
          const line = parseFloat(style.lineHeight) || 1.3 * parseFloat(style.fontSize);
          const buttons = [...document.querySelectorAll('.convo-head button')]
            .map((b) => b.getBoundingClientRect().height);
          return {
            name: h.getBoundingClientRect().height, line, buttons,
            headScroll: head.scrollWidth, headWidth: head.clientWidth,
          };
        }"""
    )
    assert sizes["name"] <= sizes["line"] * 1.2, sizes
    assert sizes["headScroll"] <= sizes["headWidth"], sizes
    assert max(sizes["buttons"]) - min(sizes["buttons"]) < 2, sizes  # no button wraps
    await expect(heading).to_have_attribute("title", re.compile("Hohenzollern-Sigmaringen"))
    # The agents by name: in the button's accessible name, and in words below the header.
    assignee = page.get_by_role("button", name=re.compile("Assigned to Ada Lovelace and Bob Noyce"))
    await expect(assignee).to_be_visible()
    await expect(page.get_by_label("Visitor")).to_contain_text("With Ada Lovelace and Bob Noyce")
    await shoot(page, screenshots, "chat-two-agents-1280")
    await assert_accessible(page, "chat window with two agents")


async def test_namesakes_are_told_apart_in_the_transfer_list(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox, [ada_user, grace_one, grace_two] = await team(
        desk, app, "Ada Lovelace", "Grace Hopper", "Grace Hopper"
    )
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Hello", name="Marie Curie")
    ada = await open_desk(browser, live, ada_user)
    await open_chat(ada, "Marie Curie")
    await ada.get_by_role("button", name="Join chat").click()
    await ada.get_by_role("button", name=re.compile("Assigned to")).click()
    picker = ada.get_by_role("dialog", name="Transfer or invite")
    graces = picker.get_by_role("button", name=re.compile("Grace Hopper"))
    await expect(graces).to_have_count(2)
    for grace in (grace_one, grace_two):
        item = picker.get_by_role("button", name=re.compile(re.escape(grace["email"])))
        await expect(item).to_be_visible()
        await expect(item).to_contain_text("GH")
    await shoot(ada, screenshots, "chat-transfer-namesakes")
    await assert_accessible(ada, "transfer list")

    await picker.get_by_role("button", name=re.compile(re.escape(grace_two["email"]))).click()
    await expect(ada.get_by_role("status")).to_contain_text("Waiting for Grace Hopper")
    detail = await PageApi(ada, live)("GET", f"/api/v1/chats/{chat['id']}")
    assert [i["user_id"] for i in detail["invitations"]] == [grace_two["id"]]
    await ada.context.close()


async def test_the_visitors_page_shows_its_title_and_a_short_address(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox, [ada_user] = await team(desk, app, "Ada Lovelace")
    visitor = await visitors(inbox)
    long_url = (
        "https://shop.example.com/catalogue/garden/tools/"
        "stainless-steel-border-spade-with-ash-handle/reviews?page=2#top"
    )
    await visitor.start_chat(
        "About this spade", name="Marie Curie", page_url=long_url, page_title="Reviews"
    )
    ada = await open_desk(browser, live, ada_user)
    await open_chat(ada, "Marie Curie")
    where = ada.get_by_label("Visitor")
    link = where.get_by_role("link")
    await expect(link).to_have_attribute("href", long_url)
    await expect(link).to_have_attribute("title", long_url)
    # Both: the title, and host and path, cut in the middle (no scheme, query or fragment).
    await expect(where).to_contain_text("On Reviews")
    address = link.locator(".address")
    await expect(address).to_have_text(re.compile(r"^shop\.example\.com/catalogue/.+….+/reviews$"))
    assert len(await address.inner_text()) <= 48
    await shoot(ada, screenshots, "chat-visitor-page")

    # A short one is shown whole; with no title, the address alone.
    sent = await visitor.client.post(
        "/messenger/v1/page", json={"url": "https://shop.example.com/", "title": ""}
    )
    assert sent.status_code == 204, sent.text
    await expect(link).to_have_text("shop.example.com")
    await assert_accessible(ada, "chat window visitor page")
    await ada.context.close()


async def test_blocking_a_visitor_asks_first_files_the_chat_in_spam_and_an_admin_lifts_it(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox, [ada_user] = await team(desk, app, "Ada Lovelace")
    visitor = await visitors(inbox)
    await visitor.start_chat("You are all useless", name="Troll", email="troll@example.org")
    ada = await open_desk(browser, live, ada_user)
    await open_chat(ada, "Troll")

    # Not joined: any agent of the inbox may block a chat nobody answered. Asked first.
    block = ada.get_by_test_id("block-visitor")
    await block.click()
    confirm = ada.get_by_role("alertdialog", name="Block this visitor?")
    await expect(confirm).to_contain_text("its ticket goes to Spam")
    # Only typed: the address is not blocked, and the desk says so.
    await expect(confirm).to_contain_text("troll@example.org was only typed")
    await expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()
    await assert_accessible(ada, "block visitor confirmation")
    await shoot(ada, screenshots, "chat-block-visitor-confirm")
    await ada.keyboard.press("Escape")
    await expect(confirm).to_have_count(0)
    await expect(block).to_be_focused()

    await block.click()
    await confirm.get_by_role("button", name="Block visitor").click()
    await expect(ada).to_have_url(re.compile(r"/tickets/\d+$"))
    await expect(ada.get_by_test_id("ticket-state")).to_have_text("Spam")
    refused = await visitor.client.post("/messenger/v1/chats", json={"text": "let me in"})
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "visitor_blocked"
    await ada.context.close()

    admin_user = await desk.user(name="Root", role="admin")
    admin = await open_desk(browser, live, admin_user, path="/settings/blocked-senders")
    table = admin.get_by_test_id("blocked-visitors")
    await expect(table).to_contain_text("Troll")
    await expect(table).to_contain_text("Ada Lovelace")
    await shoot(admin, screenshots, "blocked-visitors")
    await table.get_by_role("button", name="Unblock Troll").click()
    await table.get_by_role("button", name="Unblock Troll").click()
    await expect(admin.get_by_text("Troll can chat again.")).to_be_visible()
    await expect(table).to_contain_text("No visitor is blocked.")
    again = await visitor.client.post("/messenger/v1/chats", json={"text": "sorry"})
    assert again.status_code == 201, again.text
    await admin.context.close()
