"""The ticket list and the folder counts on screen in real Chromium, while the inbox is busy: every
desk of an inbox hears each of its tickets' events and fetches what it shows again, at most every
two seconds (`web/desk/src/tickets/store.ts`, `LIVE_EVERY`), not once per event, and not only
once the events stop."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, Request, expect

from tests.e2e.desk import DESK_TESTS, agent_of_an_inbox

pytestmark = DESK_TESTS

EVERY = 2.0  # seconds, LIVE_EVERY
TICKETS = 16


async def test_a_busy_inbox_costs_each_desk_a_fetch_every_two_seconds(
    desk: Any, live: str, browser: Browser
) -> None:
    inbox, page, api = await agent_of_an_inbox(desk, browser, live)
    await page.goto(f"{live}/inboxes/{inbox['id']}/open")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await page.wait_for_timeout(500)  # the opening fetches are done

    fetched: dict[str, int] = {"/api/v1/tickets": 0, "/api/v1/tickets/counts": 0}

    def seen(request: Request) -> None:
        path = urlsplit(request.url).path
        if request.method == "GET" and path in fetched:
            fetched[path] += 1

    page.on("request", seen)
    loop = asyncio.get_running_loop()
    started = loop.time()
    # A ticket every 0.3 s: each event alone used to cost every desk a fetch of each.
    for number in range(TICKETS):
        body = {"inbox_id": inbox["id"], "customer": {"email": f"c{number}@example.com"}}
        await api("POST", "/api/v1/tickets", {**body, "subject": f"Order {number}"}, status=201)
        await asyncio.sleep(0.3)
    # The last one is listed (the fetch after the events came), with nothing reloaded.
    await expect(page.get_by_role("link", name=re.compile(f"Order {TICKETS - 1}"))).to_be_visible()
    elapsed = loop.time() - started
    open_folder = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("^Open")
    )
    await expect(open_folder).to_contain_text(str(TICKETS))

    most = elapsed / EVERY + 2
    assert 1 <= fetched["/api/v1/tickets"] <= most, (fetched, elapsed)
    assert 1 <= fetched["/api/v1/tickets/counts"] <= most, (fetched, elapsed)
    await page.context.close()
