"""The desk in real Chromium when its socket drops and comes back: it fetches again what it shows
(the list, the counts, the ticket on screen and the few opened just before it) and resumes the
chats it is in or shows, not every ticket and chat opened since it was loaded. A day's work opens
hundreds, and a deploy drops every desk at once."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.async_api import Browser, BrowserContext, Page, WebSocketRoute, expect

from tests.e2e.desk import (
    DESK_TESTS,
    PageApi,
    Requests,
    api_as,
    bar_item,
    desk_context,
    eventually,
    go_online,
    open_page,
)

pytestmark = DESK_TESTS

OPENED = 9
# The tickets whose details the desk keeps (web/desk/src/tickets/store.ts, KEPT).
KEPT = 5
TICKET = re.compile(r"/api/v1/tickets/(\d+)$")


def reached(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return check()

    return probe


async def routed_sockets(page: Page | BrowserContext) -> list[WebSocketRoute]:
    """The page's desk sockets from now on, each passed through to the server untouched (no
    handler of ours), so that the test can drop one."""
    sockets: list[WebSocketRoute] = []

    def through(ws: WebSocketRoute) -> None:
        ws.connect_to_server()
        sockets.append(ws)

    await page.route_web_socket(re.compile(r"/api/v1/ws(\?|$)"), through)
    return sockets


async def test_a_reconnect_fetches_the_ticket_on_screen_and_the_last_few_opened(
    desk: Any, live: str, browser: Browser
) -> None:
    inbox = await desk.inbox(name="Support")
    agent = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, agent)
    api = await api_as(desk, agent)
    subjects = [f"Question {n}" for n in range(OPENED)]
    ids = {}
    for n, subject in enumerate(subjects):
        body = {
            "inbox_id": inbox["id"],
            "customer": {"email": f"customer{n}@example.com"},
            "subject": subject,
        }
        ids[subject] = (await api("POST", "/api/v1/tickets", body, status=201))["id"]

    context = await desk_context(browser, live, agent)
    await context.clock.install()  # the page's timers run when the test says, too
    sockets = await routed_sockets(context)
    page = await open_page(context, live, agent, f"/inboxes/{inbox['id']}/open")
    # Each ticket opened from the list and left again, within the one page (no reload).
    for subject in subjects:
        await page.get_by_role("link", name=re.compile(subject)).click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text(subject)
        if subject != subjects[-1]:
            await page.go_back()
            await expect(page.get_by_role("link", name=re.compile(subject))).to_be_visible()

    requests = Requests(page)

    def fetched() -> list[int]:
        found = (TICKET.search(r.url.split("?")[0]) for r in requests.seen if r.method == "GET")
        return [int(match.group(1)) for match in found if match]

    assert len(sockets) == 1
    await sockets[0].close()
    await eventually(reached(lambda: len(sockets) == 2), timeout=15)
    on_screen = ids[subjects[-1]]
    await eventually(reached(lambda: on_screen in fetched()), timeout=10)
    # The catch-up asks for its tickets together; any more, a retry on the page's timers
    # included, comes before the page's witness request.
    await requests.sent_so_far(page, timers=1_000)

    assert sorted(fetched()) == sorted(ids[subject] for subject in subjects[-KEPT:]), fetched()
    # The ticket on screen is still shown, and still live.
    await expect(page.get_by_role("heading", level=1)).to_contain_text(subjects[-1])
    await api("POST", f"/api/v1/tickets/{on_screen}/notes", {"text": "After the drop"}, 201)
    await expect(page.get_by_text("After the drop")).to_be_visible()
    await page.context.close()


async def test_a_reconnect_resumes_the_chats_the_agent_is_in_not_every_chat_opened(
    desk: Any, visitors: Any, live: str, browser: Browser
) -> None:
    """The socket's URL names each chat to resume, and the server refuses more than 200: a desk
    that held every chat it had opened could not reconnect after a busy day."""
    inbox = await desk.inbox(name="Support")
    user = await desk.user(name="Ada Lovelace", max_concurrent_chats=5)
    await desk.add_member(inbox, user)
    context = await desk_context(browser, live, user)
    sockets = await routed_sockets(context)
    page = await open_page(context, live, user, "/")
    await go_online(page)
    api = PageApi(page, live)
    chats = {}
    for name in ("Marie", "Pierre", "Irene"):
        visitor = await visitors(inbox)
        chats[name] = await visitor.start_chat(f"Hello, this is {name}", name=name)
    for name in ("Marie", "Pierre"):
        await api("POST", f"/api/v1/chats/{chats[name]['id']}/join")

    async def look_at(name: str) -> None:
        await bar_item(page, name).click()
        log = page.get_by_role("log", name="Conversation")
        await expect(log).to_contain_text(f"Hello, this is {name}")

    # Two chats Ada is in, and one she only looks at, then leaves for another.
    for name in ("Pierre", "Irene", "Marie"):
        await look_at(name)
    # Pierre's chat ends while Ada reads Marie's.
    await api("POST", f"/api/v1/chats/{chats['Pierre']['id']}/end")
    await expect(bar_item(page, "Pierre")).to_have_count(0)

    assert len(sockets) == 1
    await sockets[0].close()
    await eventually(reached(lambda: len(sockets) == 2), timeout=15)
    resumed = parse_qs(urlsplit(sockets[1].url).query).get("resume", [""])[0]
    assert [int(pair.split(":")[0]) for pair in resumed.split(",") if pair] == [
        chats["Marie"]["id"]
    ], resumed
    # Marie's chat is still live on screen.
    await api("POST", f"/api/v1/chats/{chats['Marie']['id']}/messages", {"text": "Still here"}, 201)
    await expect(page.get_by_role("log", name="Conversation")).to_contain_text("Still here")
    await page.context.close()
