"""The desk in real Chromium when its session ends elsewhere: the open socket is closed by the
server, and the desk shows the login page without a reload, even when it can fetch nothing."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from frontdesk.db.session import unit_of_work
from frontdesk.users import service as users_service
from frontdesk.users.events import AccessEndedReason
from tests.conftest import PASSWORD
from tests.e2e.desk import DESK_TESTS, log_in, open_desk

pytestmark = DESK_TESTS


async def test_a_session_ended_elsewhere_shows_the_login_page(
    app: FastAPI, desk: Any, live: str, browser: Browser
) -> None:
    user = await desk.user(name="Ada Lovelace")
    await desk.add_member(await desk.inbox(), user)
    page = await open_desk(browser, live, user)
    # Opened again with its cookie, as the next morning: this desk never showed the login page.
    await page.goto(f"{live}/chats")
    # The desk is live (its socket said `ready` and the chat list came): the end is pushed to it.
    chats = page.get_by_role("region", name="Waiting and ongoing chats")
    await expect(chats.get_by_text("Loading…")).to_have_count(0, timeout=10_000)

    # From here the desk can fetch none of its files (a new release on the server, whose files
    # have other names; the server restarting).
    await page.route("**/assets/**", lambda route: route.abort())
    # What "log out everywhere" does (a password change elsewhere, an admin's deactivation).
    async with unit_of_work(app.state.sessionmaker) as session:
        row = await users_service.get_user(session, user_id=user["id"])
        await users_service.end_all_sessions(
            session, user=row, reason=AccessEndedReason.password_changed
        )
    # Without a reload, and without fetching the login page: it is in the desk's main bundle.
    # 10 s, not 3: a CI run under heavy load took longer than 3 s to switch.
    await expect(page.get_by_role("button", name="Log in")).to_be_visible(timeout=10_000)


async def test_logging_in_opens_the_first_inbox_and_an_agent_without_one_chats(
    desk: Any, live: str, browser: Browser
) -> None:
    ada = await desk.user(name="Ada Lovelace")
    inbox = await desk.inbox(members=[ada], name="Support")
    context = await browser.new_context(viewport={"width": 1360, "height": 860})
    page = await context.new_page()
    await page.goto(f"{live}/login")
    await log_in(page, ada["email"], PASSWORD)
    await expect(page).to_have_url(f"{live}/inboxes/{inbox['id']}/open")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Open")

    # Coming back to the desk's address the next day: the same.
    await page.goto(f"{live}/chats")
    await page.goto(f"{live}/")
    await expect(page).to_have_url(f"{live}/inboxes/{inbox['id']}/open")

    # Someone in no inbox has the chats.
    grace = await desk.user(name="Grace Hopper")
    page = await open_desk(browser, live, grace)
    await expect(page).to_have_url(f"{live}/chats")
