"""The desk in real Chromium: two agents and a visitor through a whole chat, the chat bar's
colours, capacity, unanswered chats, and a desk no other site may frame. Every main screen, its
login errors, accessibility and screenshots (screenshots/desk-*.png), light and dark, are
test_desk_dark.py's test_every_screen_light_and_dark."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.async_api import Browser, expect
from sqlalchemy import update

from frontdesk.chats.timers import end_unanswered_chats
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.privacy.models import Erasure, ErasureKind
from tests.e2e.conftest import PolicyWatch
from tests.e2e.desk import (
    DESK_TESTS,
    PageApi,
    Requests,
    bar_item,
    chat_bar,
    expect_dot,
    go_online,
    open_desk,
    set_online,
    to_background,
)
from tests.realtime import serve

pytestmark = DESK_TESTS


# --- the story ---------------------------------------------------------------------------------


async def test_a_chat_from_offer_to_closed_ticket(
    desk: Any, visitors: Any, live: str, browser: Browser
) -> None:
    inbox = await desk.inbox(name="Support", email_address="support@desk.test")
    ada_user = await desk.user(role="admin", name="Ada Lovelace")
    grace_user = await desk.user(name="Grace Hopper")
    await desk.add_member(inbox, ada_user)
    await desk.add_member(inbox, grace_user)

    ada = await open_desk(browser, live, ada_user, notifications=True)
    grace = await open_desk(browser, live, grace_user, notifications=True)
    await go_online(ada)
    await go_online(grace)
    await to_background(grace)

    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Hi, my parcel has not arrived")
    chat_id = chat["id"]

    # Red in both bars, in words too; the title counts it; the background tab notifies.
    for page in (ada, grace):
        await expect_dot(page, "Marie Curie", "Waiting for an agent")
        await expect(page).to_have_title(re.compile(r"^\(1\) "))
    await grace.wait_for_function("window.__notifications.length === 1")
    assert "Marie Curie" in await grace.evaluate("window.__notifications[0].title")

    # Agent one takes it: it leaves agent two's bar.
    await bar_item(ada, "Marie Curie").click()
    await expect(ada).to_have_url(re.compile(rf"/chats/{chat_id}$"))
    await expect(ada.get_by_role("log", name="Conversation")).to_contain_text("parcel")
    await ada.get_by_role("button", name="Join chat").click()
    await expect(ada.get_by_label(re.compile("Message to"))).to_be_visible()
    await expect(chat_bar(grace)).to_have_count(0)
    await expect(grace).not_to_have_title(re.compile(r"^\("))
    await expect_dot(ada, "Marie Curie", "No new messages")

    # Agent one works elsewhere; the visitor writes: orange. Opening the chat reads it: green.
    await ada.get_by_role("link", name=re.compile("^Open")).first.click()
    await expect(ada.get_by_role("heading", name="Open")).to_be_visible()
    response = await visitor.client.post(
        f"/messenger/v1/chats/{chat_id}/messages",
        json={"text": "It was due on Monday", "client_msg_id": "visitor-2"},
    )
    assert response.status_code == 201, response.text
    await expect_dot(ada, "Marie Curie", "Unread messages")
    await bar_item(ada, "Marie Curie").click()
    await expect(ada.get_by_role("log", name="Conversation")).to_contain_text("due on Monday")
    await expect_dot(ada, "Marie Curie", "No new messages")

    # Agent one answers (Enter sends) and labels the chat.
    composer = ada.get_by_label(re.compile("Message to"))
    await composer.fill("Let me check that for you.")
    await composer.press("Enter")
    await expect(ada.locator(".msg.agent:not(.pending)")).to_contain_text(
        "Let me check that for you."
    )
    await ada.locator("#chat-label-input").fill("shipping")
    await ada.locator("#chat-label-input").press("Enter")
    await expect(ada.locator(".convo-head .label-chip")).to_contain_text("shipping")

    # Transfer to agent two, who sees an invitation and joins; agent one is out.
    await ada.get_by_role("button", name=re.compile("Assigned to")).click()
    await ada.get_by_role("dialog").get_by_role("button", name=re.compile("Grace Hopper")).click()
    await expect(ada.get_by_role("status")).to_contain_text("Grace Hopper")
    await grace.bring_to_front()
    await expect_dot(grace, "Marie Curie", "Invitation to a chat")
    await bar_item(grace, "Marie Curie").click()
    await expect(grace.get_by_text("wants you to take over")).to_be_visible()
    await grace.get_by_role("button", name="Join chat").click()
    await expect(grace.get_by_label(re.compile("Message to"))).to_be_visible()
    await expect(chat_bar(ada)).to_have_count(0)
    await expect(ada.get_by_role("log", name="Conversation")).to_contain_text(
        "Ada Lovelace left the chat"
    )
    await expect(ada.get_by_text("You handed this chat over to Grace Hopper.")).to_be_visible()

    # Agent two ends it (and confirms): a closed ticket, theirs, labelled, with the transcript.
    await grace.get_by_role("button", name="End chat", exact=True).click()
    await grace.get_by_role("alertdialog").get_by_role("button", name="End chat").click()
    await expect(grace).to_have_url(re.compile(r"/tickets/\d+$"))
    ticket_id = int(grace.url.rsplit("/", 1)[1])
    await expect(grace.get_by_test_id("ticket-state")).to_have_text("Closed")
    await expect(grace.get_by_role("article", name="Chat transcript")).to_contain_text(
        "Let me check that for you."
    )
    await expect(grace.locator(".convo-head .label-chip")).to_contain_text("shipping")
    await expect(grace.get_by_label("Assignee")).to_have_value(str(grace_user["id"]))
    await expect(chat_bar(grace)).to_have_count(0)

    api = PageApi(ada, live)
    ticket = await api("GET", f"/api/v1/tickets/{ticket_id}")
    assert ticket["state"] == "closed"
    assert ticket["assignee_id"] == grace_user["id"]
    assert [label["name"] for label in ticket["labels"]] == ["shipping"]
    assert ticket["entries"][0]["kind"] == "transcript"
    outbox = await api("GET", "/api/v1/outbox")
    transcript_mail = [mail for mail in outbox if mail["ticket_id"] == ticket_id]
    assert transcript_mail, outbox
    assert transcript_mail[0]["recipients"] == ["marie@example.org"]
    # The visitor only typed that address: it gets a notice, not what was written.
    assert "It was due on Monday" not in transcript_mail[0]["text"]


async def test_a_visitors_page_is_a_link_only_when_it_is_a_web_address(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser
) -> None:
    """The page a visitor is on is whatever their messenger reports: a made-up `javascript:` URL
    is shown as text, never as a link an agent could click."""
    inbox = await desk.inbox()
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    await set_online(app, ada_user)
    visitor = await visitors(inbox)
    await visitor.start_chat(
        "Look at my order", name="Mallory", page_url="javascript:alert(1)", page_title="Order"
    )
    page = await open_desk(browser, live, ada_user)
    # An agent's desk: no Settings (the owner's has them: test_every_screen_light_and_dark).
    await expect(page.get_by_role("link", name="Settings")).to_have_count(0)
    await bar_item(page, "Mallory").click()
    where = page.get_by_label("Visitor")
    await expect(where).to_contain_text("On Order")
    await expect(where.get_by_role("link")).to_have_count(0)
    # Live, as the visitor moves on: a web page is a link, a script URL in any case is not.
    for url, title, link in [
        ("https://shop.test/orders", "Orders", True),
        ("JavaScript:alert(1)", "Back", False),
        ("data:text/html,<script>alert(1)</script>", "Data", False),
    ]:
        sent = await visitor.client.post("/messenger/v1/page", json={"url": url, "title": title})
        assert sent.status_code == 204, sent.text
        await expect(where).to_contain_text(f"On {title}")
        if link:
            await expect(where.get_by_role("link", name=title)).to_have_attribute("href", url)
        else:
            await expect(where.get_by_role("link")).to_have_count(0)
    await page.context.close()


async def test_at_capacity_then_unanswered(
    app: FastAPI, settings: Settings, desk: Any, visitors: Any, live: str, browser: Browser
) -> None:
    """An agent at their limit is not offered a chat and cannot join it; nobody answers it, so
    it ends unanswered and becomes an open, unassigned ticket."""
    inbox = await desk.inbox(name="Sales", unanswered_timeout_seconds=0)
    user = await desk.user(name="Barbara Liskov", max_concurrent_chats=1)
    await desk.add_member(inbox, user)
    page = await open_desk(browser, live, user)
    await go_online(page)

    first = await visitors(inbox)
    await first.start_chat("First question", name="Ada Yonath", email="ada@example.org")
    await bar_item(page, "Ada Yonath").click()
    await page.get_by_role("button", name="Join chat").click()
    await expect_dot(page, "Ada Yonath", "No new messages")

    second = await visitors(inbox)
    await second.start_chat("Is anyone there?", name="Hedy Lamarr", email="hedy@example.org")
    await page.get_by_role("link", name=re.compile("^Chats")).click()
    await expect(page.get_by_role("table")).to_contain_text("Hedy Lamarr")
    await expect(chat_bar(page).get_by_role("link")).to_have_count(1)
    await expect(page).not_to_have_title(re.compile(r"^\("))

    await page.get_by_role("table").get_by_role("link", name="Hedy Lamarr").click()
    await page.get_by_role("button", name="Join chat").click()
    await expect(page.get_by_role("alert")).to_contain_text("limit of 1 simultaneous chat")
    await expect(page.get_by_role("button", name="Join chat")).to_be_visible()

    assert await end_unanswered_chats(app.state.sessionmaker, settings) == 1
    await expect(page.get_by_text("This chat has ended.")).to_be_visible()
    await page.get_by_role("link", name=re.compile("^Unassigned")).click()
    row = page.get_by_role("list", name="Tickets").get_by_role("link").first
    await expect(row).to_contain_text("Is anyone there?")
    await expect(row).to_contain_text("Open")
    await expect(row).to_contain_text("Unassigned")
    await expect(chat_bar(page).get_by_role("link")).to_have_count(1)


async def test_the_desk_follows_messages_without_asking_the_server_again(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser
) -> None:
    """Messages, a new chat and its first agent reach the bar and the Chats page as events: the
    desk sends no request for them (with fifty desks open, each message would cost fifty)."""
    inbox = await desk.inbox()
    ada_user = await desk.user(name="Ada Lovelace")
    grace_user = await desk.user(name="Grace Hopper")
    for user in (ada_user, grace_user):
        await desk.add_member(inbox, user)
    await set_online(app, ada_user)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Where is my parcel?", name="Marie Curie")
    # Both desks' clocks installed: their timers (a debounced fetch) run when the test says.
    grace = PageApi(await open_desk(browser, live, grace_user, clock=True), live)
    await set_online(app, grace_user)
    await grace("POST", f"/api/v1/chats/{chat['id']}/join")

    page = await open_desk(browser, live, ada_user, path="/chats", clock=True)
    table = page.get_by_role("table")
    await expect(table).to_contain_text("Grace Hopper")
    await grace("POST", f"/api/v1/chats/{chat['id']}/read", {"seq": 2})
    await expect_dot(grace.page, "Marie Curie", "No new messages")

    # What the desks asked until now (opening, joining, reading) is left out.
    requests = Requests(page, grace.page)
    for tab in (page, grace.page):
        await requests.sent_so_far(tab, timers=1_000)
    opening = len(requests.urls)
    for number in range(3):
        sent = await visitor.client.post(
            f"/messenger/v1/chats/{chat['id']}/messages",
            json={"text": f"Hello? {number}", "client_msg_id": f"v{number}"},
        )
        assert sent.status_code == 201, sent.text
    await expect_dot(grace.page, "Marie Curie", "Unread messages")
    await expect(bar_item(grace.page, "Marie Curie")).to_contain_text("3")
    newcomer = await visitors(inbox)
    await newcomer.start_chat("Do you ship to Norway?", name="Alan Turing")
    await expect(table).to_contain_text("Alan Turing")
    await expect_dot(page, "Alan Turing", "Waiting for an agent")
    # A debounced fetch, were there one, is due within a second: both desks' timers are run,
    # then each sends a witness of ours, which comes after anything they sent before it.
    for tab in (page, grace.page):
        await requests.sent_so_far(tab, timers=1_000)
    assert [url for url in requests.urls[opening:] if "/api/" in url] == []
    await page.context.close()
    await grace.page.context.close()


async def test_a_visitor_typing_a_customers_address_is_shown_unverified(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser
) -> None:
    """Anyone can type a customer's address into the messenger: the agent is told, and the chat's
    ticket goes to a customer of its own, unverified, not to the one who owns the address. The
    merge that files it on the owner waits while the owner is being erased (docs/privacy.md)."""
    inbox = await desk.inbox(name="Support")
    user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, user)
    page = await open_desk(browser, live, user)
    await go_online(page)
    api = PageApi(page, live)
    ceo = {"name": "Cleo Exec", "emails": ["ceo@client.example"]}
    owner = await api("POST", "/api/v1/customers", ceo, status=201)

    visitor = await visitors(inbox)
    await visitor.start_chat("Send me the invoices", name="Cleo", email="ceo@client.example")
    await bar_item(page, "Cleo").click()
    await expect(page.locator(".convo-head")).to_contain_text("Unverified")
    sidebar = page.get_by_role("complementary", name="Customer")
    await expect(sidebar.get_by_role("note")).to_contain_text("belongs to Cleo Exec")
    await expect(sidebar).not_to_contain_text("Previous tickets")

    await page.get_by_role("button", name="Join chat").click()
    await page.get_by_role("button", name="End chat", exact=True).click()
    await page.get_by_role("alertdialog").get_by_role("button", name="End chat").click()
    await expect(page).to_have_url(re.compile(r"/tickets/\d+$"))
    await expect(page.get_by_role("article", name="Chat transcript")).to_contain_text(
        "Unverified email"
    )
    sidebar = page.get_by_role("complementary", name="Customer")
    await expect(sidebar).to_contain_text("Unverified")
    ticket_id = int(page.url.rsplit("/", 1)[1])
    assert (await api("GET", f"/api/v1/tickets/{ticket_id}"))["customer_id"] != owner["id"]
    await expect(page.get_by_text("To the customer (no email known)")).to_be_visible()

    # The agent, once sure, files it on the customer after all, and can answer by email; not
    # while an erasure of the owner runs, which the sidebar says.
    await expect(sidebar.get_by_role("note")).to_contain_text("belongs to Cleo Exec")
    async with unit_of_work(app.state.sessionmaker) as session:
        # An erasure of the owner running, as one in between two pieces: its last piece just
        # now, so that no process's loop takes it over in the meantime.
        progress = {"step": "entries", "at": utcnow().isoformat()}
        erasure = Erasure(kind=ErasureKind.customer, customer_id=owner["id"], progress=progress)
        session.add(erasure)
    await sidebar.get_by_role("button", name="Merge into Cleo Exec").click()
    await expect(sidebar.get_by_role("alert")).to_contain_text(
        f"Customer {owner['id']} is being erased: they cannot be merged"
    )
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(
            update(Erasure).where(Erasure.id == erasure.id).values(finished_at=utcnow())
        )
    await sidebar.get_by_role("button", name="Merge into Cleo Exec").click()
    await expect(page.get_by_text("To ceo@client.example")).to_be_visible()
    await expect(sidebar).not_to_contain_text("Unverified")
    assert (await api("GET", f"/api/v1/tickets/{ticket_id}"))["customer_id"] == owner["id"]


# --- framing ------------------------------------------------------------------------------------


async def test_the_desk_cannot_be_framed(
    live: str, browser: Browser, policy_watch: PolicyWatch
) -> None:
    # Another port of the same host: same-site, as a page of a sibling app would be.
    framing = FastAPI()

    @framing.get("/")
    async def page_with_frame() -> HTMLResponse:
        return HTMLResponse(f'<!doctype html><title>Frames</title><iframe src="{live}/login">')

    async with serve(framing) as host:
        context = await browser.new_context()
        await policy_watch.watch(context)
        page = await context.new_page()
        await page.goto(f"http://{host}/")
        assert "frame-ancestors" in " ".join(await policy_watch.reported())
        await expect(page.frame_locator("iframe").get_by_label("Email")).to_have_count(0)
        await context.close()
