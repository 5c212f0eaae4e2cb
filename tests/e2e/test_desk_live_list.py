"""The ticket list and the folder counts on screen in real Chromium, while the inbox is busy: every
desk of an inbox hears each of its tickets' events and fetches what it shows again, at most every
two seconds (`web/desk/src/tickets/store.ts`, `LIVE_EVERY`), not once per event, and not only
once the events stop."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, Requests, api_as, open_desk

pytestmark = DESK_TESTS

EVERY = 2.0  # seconds, LIVE_EVERY
TICKETS = 16


async def test_a_busy_inbox_costs_each_desk_a_fetch_every_two_seconds(
    desk: Any, live: str, browser: Browser
) -> None:
    inbox = await desk.inbox(name="Support")
    agent = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, agent)
    api = await api_as(desk, agent)
    # The rate is the page's own, on its clock (Date.now and its timers, which the desk's
    # throttle uses): the test moves that clock on between tickets instead of sleeping.
    page = await open_desk(browser, live, agent, path=f"/inboxes/{inbox['id']}/open", clock=True)
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    requests = Requests(page)
    await requests.sent_so_far(page, timers=500)  # the opening fetches are done
    opened = len(requests.seen)

    started = await page.evaluate("Date.now()")
    # A ticket every 0.3 s: each event alone used to cost every desk a fetch of each.
    for number in range(TICKETS):
        body = {"inbox_id": inbox["id"], "customer": {"email": f"c{number}@example.com"}}
        await api("POST", "/api/v1/tickets", {**body, "subject": f"Order {number}"}, status=201)
        await page.clock.run_for(300)
    # The last one is listed (the fetch after the events came), with nothing reloaded.
    await expect(page.get_by_role("link", name=re.compile(f"Order {TICKETS - 1}"))).to_be_visible()
    elapsed = (await page.evaluate("Date.now()") - started) / 1000
    open_folder = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("^Open")
    )
    await expect(open_folder).to_contain_text(str(TICKETS))

    fetched: dict[str, int] = {"/api/v1/tickets": 0, "/api/v1/tickets/counts": 0}
    for request in requests.seen[opened:]:
        path = urlsplit(request.url).path
        if request.method == "GET" and path in fetched:
            fetched[path] += 1
    most = elapsed / EVERY + 2
    assert 1 <= fetched["/api/v1/tickets"] <= most, (fetched, elapsed)
    assert 1 <= fetched["/api/v1/tickets/counts"] <= most, (fetched, elapsed)
    await page.context.close()
