"""Presence and offers in real Chromium: an agent who closes the desk stops being offered chats
after the grace and visitors see the contact form (a reload changes nothing; reopening the desk
soon brings the agent back); an online admin in no inbox is told why nobody offers them chats;
the Chats badge counts only what is offered to me and the Chats page says why the rest is not;
waiting times tick."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from frontdesk.chats import service as chats_service
from frontdesk.chats.models import Connection
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from tests.e2e.desk import (
    DESK_TESTS,
    PageApi,
    assert_accessible,
    bar_item,
    go_online,
    open_desk,
    set_online,
    shoot,
    user_menu,
)
from tests.e2e.test_messenger import Website, launcher, messenger, website
from tests.unit.support import count_rows

pytestmark = DESK_TESTS
POLL = 10_000  # ms: how often an open messenger asks who is online (messenger.ts, pollQueue)
__all__ = ["website"]  # the messenger's fixture: a company's site embedding it


async def idle_timer(app: FastAPI, settings: Settings, *, after: float) -> int:
    """The idle-agents timer, run as if `after` seconds had passed: the clock moves, nobody
    sleeps through a grace."""
    async with unit_of_work(app.state.sessionmaker) as session:
        return await chats_service.expire_idle_agents(
            session, now=utcnow() + timedelta(seconds=after), grace=settings.agent_grace
        )


async def desks_closed(app: FastAPI, user_id: int) -> None:
    """Waits until the server has seen every desk socket of this agent close."""
    async with asyncio.timeout(10):
        while await count_rows(app, Connection, Connection.user_id == user_id):
            await asyncio.sleep(0.05)


async def desk_sockets(app: FastAPI, user_id: int) -> set[str]:
    async with app.state.sessionmaker() as session:
        found = await session.scalars(select(Connection.id).where(Connection.user_id == user_id))
        return set(found.all())


async def new_desk_socket(app: FastAPI, user_id: int, before: set[str]) -> None:
    """Waits until the server holds a desk socket of this agent other than `before`'s."""
    async with asyncio.timeout(10):
        while not await desk_sockets(app, user_id) - before:
            await asyncio.sleep(0.05)


async def messenger_says(context: BrowserContext, website: Website, text: str) -> Page:
    """A visitor arrives on the site and opens the messenger; it says `text`."""
    page = await context.new_page()
    await page.goto(website.url)
    await launcher(page).click()
    await expect(messenger(page).get_by_role("dialog")).to_contain_text(text)
    return page


async def test_an_agent_who_closes_the_desk_stops_being_offered_chats_after_the_grace(
    app: FastAPI,
    settings: Settings,
    desk: Any,
    live: str,
    browser: Browser,
    website: Website,
    screenshots: Path,
) -> None:
    support = await desk.inbox(name="Support")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(support, ada_user)
    website.key = support["public_key"]
    ada = await open_desk(browser, live, ada_user)
    await go_online(ada)
    visitors = await browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-US")
    # The open messenger asks who is online every 10 s: the test moves its clock, not waits.
    await visitors.clock.install()
    await (await messenger_says(visitors, website, "We're online")).close()
    # A visitor who opened the messenger before anything below and keeps it open.
    lingering = await messenger_says(visitors, website, "We're online")

    # A reload is not leaving: still online, long after the grace.
    before = await desk_sockets(app, ada_user["id"])
    await ada.reload()
    await expect(user_menu(ada)).to_contain_text("Online")
    await new_desk_socket(app, ada_user["id"], before)
    assert await idle_timer(app, settings, after=10 * settings.agent_grace) == 0
    await (await messenger_says(visitors, website, "We're online")).close()

    # Closing the desk: offered chats until the grace is over, then offline for visitors.
    await ada.context.close()
    await desks_closed(app, ada_user["id"])
    assert await idle_timer(app, settings, after=settings.agent_grace - 5) == 0
    await (await messenger_says(visitors, website, "We're online")).close()
    assert await idle_timer(app, settings, after=settings.agent_grace + 1) == 1
    page = await messenger_says(visitors, website, "Nobody is online right now")
    await page.close()
    # The open messenger follows without a reload, at its next poll: the contact form, not a
    # chat nobody answers.
    panel = messenger(lingering).get_by_role("dialog")
    await lingering.clock.fast_forward(POLL)
    await expect(panel).to_contain_text("Leave us a message")
    await expect(panel.get_by_role("button", name="Send message")).to_be_visible()

    # Back at the desk soon after: online again by itself, visitors see it.
    ada = await open_desk(browser, live, ada_user)
    await expect(user_menu(ada)).to_contain_text("Online")
    await expect(user_menu(ada)).to_have_class(re.compile(r"\bonline\b"))
    await (await messenger_says(visitors, website, "We're online")).close()
    await lingering.clock.fast_forward(POLL)
    await expect(panel.get_by_role("button", name="Start chat")).to_be_visible()
    await visitors.close()


async def test_an_online_admin_in_no_inbox_is_told_why_no_chat_is_offered(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    support = await desk.inbox(name="Support")
    admin_user = await desk.user(role="admin", name="Ada Lovelace")
    grace_user = await desk.user(name="Grace Hopper")
    await desk.add_member(support, grace_user)
    page = await open_desk(browser, live, admin_user)
    await go_online(page)
    await expect(page.get_by_role("menu")).to_have_count(0)

    # The menu button says it, and the menu says why and where to fix it.
    await expect(user_menu(page)).to_have_accessible_name(re.compile(r"^Online \(no inbox\)"))
    await user_menu(page).click()
    menu = page.get_by_role("menu", name="Account")
    await expect(menu).to_contain_text(
        "You are online but not a member of any inbox, so no chats are offered to you."
    )
    await expect(
        menu.get_by_role("menuitem", name="Add yourself in Settings → Inboxes")
    ).to_be_visible()
    await shoot(page, screenshots, "presence-no-inbox-menu")
    await assert_accessible(page, "user menu, online in no inbox")
    await page.keyboard.press("Escape")

    # "Who is online" does not count them as taking chats: visitors of Support see the form.
    await page.get_by_role("link", name=re.compile("^Chats")).click()
    await expect(page.get_by_role("status").first).to_contain_text("not a member of any inbox")
    who = page.get_by_role("region", name="Who is online")
    await expect(who).to_contain_text("Ada Lovelace")
    await expect(who).to_contain_text("in no inbox: offered no chats")
    await expect(who).to_contain_text("Nobody who takes its chats is online for Support")
    await shoot(page, screenshots, "presence-no-inbox-chats")
    await assert_accessible(page, "Chats page, online in no inbox")

    # Adding oneself (as Settings → Inboxes does) ends the warning without a reload.
    api = PageApi(page, live)
    member = {"user_id": admin_user["id"]}
    await api("POST", f"/api/v1/inboxes/{support['id']}/members", member, 204)
    await expect(user_menu(page)).not_to_contain_text("no inbox")
    await page.reload()
    await expect(who).to_contain_text("takes chats for Support")
    await expect(who).not_to_contain_text("Nobody who takes its chats")


async def test_the_chats_badge_counts_what_is_offered_and_the_page_says_why_not_the_rest(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    sales = await desk.inbox(name="Sales")
    user = await desk.user(name="Barbara Liskov", max_concurrent_chats=1)
    await desk.add_member(sales, user)
    # A colleague online too: when Barbara goes offline, the waiting chats still have someone.
    colleague = await desk.user(name="Grace Hopper")
    await desk.add_member(sales, colleague)
    await set_online(app, colleague)
    page = await open_desk(browser, live, user)
    await go_online(page)
    await expect(page.get_by_role("menu")).to_have_count(0)
    nav_chats = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("^Chats")
    )

    first = await visitors(sales)
    await first.start_chat("First question", name="Ada Yonath", email="ada@example.org")
    await expect(nav_chats.locator(".count.hot")).to_have_text("1")
    await expect(nav_chats.locator(".count.hot")).to_have_attribute(
        "aria-label", "1 chat offered to you"
    )
    await bar_item(page, "Ada Yonath").click()
    await page.get_by_role("button", name="Join Chat").click()
    await expect(nav_chats.locator(".count.hot")).to_have_count(0)

    # At the limit: two more chats wait, none offered; the badge is not red.
    for name in ("Hedy Lamarr", "Rosalind Franklin"):
        await (await visitors(sales)).start_chat("Is anyone there?", name=name)
    await nav_chats.click()
    table = page.get_by_role("table")
    await expect(table).to_contain_text("Rosalind Franklin")
    await expect(nav_chats.locator(".count.hot")).to_have_count(0)
    await expect(nav_chats.locator(".count")).to_have_text("3")
    why = page.locator("[data-reason=at_limit]")
    await expect(why).to_have_text(
        re.compile(
            r"2 more waiting chats are not offered to you: you are at your limit of 1 at a time\."
        )
    )
    await expect(why.get_by_role("link", name="Change your limit in Preferences")).to_be_visible()
    await expect(table.get_by_text("Not offered to you")).to_have_count(2)
    await shoot(page, screenshots, "presence-not-offered")
    await assert_accessible(page, "Chats page, at the limit")

    # Offline, the same chats are not offered for another reason.
    await user_menu(page).click()
    await page.get_by_role("menuitem", name="Go Offline").click()
    await expect(user_menu(page)).to_contain_text("Offline")
    await expect(page.locator("[data-reason=offline]")).to_contain_text(
        "2 waiting chats are not offered to you: you are offline."
    )
    await expect(why).to_have_count(0)

    # In French too: the same session in a browser that speaks French.
    french = await browser.new_context(
        viewport={"width": 1360, "height": 860},
        locale="fr-FR",
        storage_state=await page.context.storage_state(),
    )
    page = await french.new_page()
    await page.goto(f"{live}/chats")
    await expect(page.locator("[data-reason=offline]")).to_contain_text(
        "2 chats en attente ne vous sont pas proposés : vous êtes hors ligne."
    )
    await expect(user_menu(page)).to_contain_text("Hors ligne")
    await shoot(page, screenshots, "presence-not-offered-fr")
    await assert_accessible(page, "Chats page, offline, in French")


async def test_waiting_times_tick_on_the_chats_page(
    app: FastAPI, desk: Any, visitors: Any, live: str, browser: Browser
) -> None:
    support = await desk.inbox(name="Support")
    user = await desk.user(name="Grace Hopper")
    await desk.add_member(support, user)
    await set_online(app, user)
    chat = await (await visitors(support)).start_chat("Hello?", name="Marie Curie")
    # The page's clock is moved on rather than waited for: only a clock moves the times.
    page = await open_desk(browser, live, user, path="/chats", clock=True)
    waited = page.locator(f"tr[data-chat='{chat['id']}'] td.waited")
    await expect(waited).to_have_text(re.compile(r"^\d+ sec$"))
    shown = await waited.inner_text()
    await page.clock.fast_forward(2_000)
    await expect(waited).not_to_have_text(shown, timeout=3_000)
    seconds = int(re.sub(r"\D", "", await waited.inner_text()))
    await page.clock.fast_forward(2_000)
    await expect(waited).not_to_have_text(f"{seconds} sec", timeout=3_000)
