"""Business hours in real Chromium: the messenger online, away (everyone busy) and closed, with
"when we are back" in the visitor's own time zone; and the editor in the inbox's settings."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Locator, Page, Route, expect

from frontdesk.chats.models import Chat
from frontdesk.kit import clock
from frontdesk.users.models import User
from tests.conftest import Agent, Desk
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.e2e.test_messenger import Website, axe_ok, launcher, messenger, online_agent, shot
from tests.e2e.test_messenger import website as website

pytestmark = DESK_TESTS

# Friday 4 December 2026, 18:30 in Paris: closed until Monday 09:00 (08:00 UTC, 03:00 in New York).
FRIDAY_EVENING = datetime(2026, 12, 4, 17, 30, tzinfo=UTC)
# Monday 7 December 2026, 10:00 in Paris.
MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PARIS_OFFICE: dict[str, Any] = {
    "enabled": True,
    "time_zone": "Europe/Paris",
    "weekly": [
        {"day": day, "opens": "09:00", "closes": "17:00"}
        for day in ("mon", "tue", "wed", "thu", "fri")
    ],
    "holidays": [],
    "away_message": "Our team answers on weekdays, 9 to 5 (Paris time).",
}


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Any:
    def freeze(instant: datetime) -> None:
        monkeypatch.setattr(clock, "utcnow", lambda: instant)

    return freeze


@pytest.fixture
async def new_york(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A visitor in New York: six hours behind Paris."""
    context = await browser.new_context(
        viewport={"width": 1000, "height": 760}, locale="en-US", timezone_id="America/New_York"
    )
    context.set_default_timeout(8000)
    yield context
    await context.close()


async def office_inbox(desk: Desk, **agent: Any) -> tuple[dict[str, Any], Agent]:
    support, ada = await online_agent(desk, **agent)
    admin = await desk.agent(role="admin")
    response = await admin.client.put(f"/api/v1/inboxes/{support['id']}/hours", json=PARIS_OFFICE)
    assert response.status_code == 200, response.text
    return support, ada


async def open_messenger(
    context: BrowserContext, website: Website, inbox: dict[str, Any], now: datetime
) -> tuple[Page, Locator]:
    website.key = inbox["public_key"]
    page = await context.new_page()
    await page.clock.set_fixed_time(now)
    await page.goto(website.url)
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await expect(panel).to_be_visible()
    return page, panel


async def test_out_of_hours_the_messenger_is_closed_and_says_when_we_are_back(
    website: Website, new_york: BrowserContext, desk: Desk, frozen: Any, screenshots: Path
) -> None:
    frozen(FRIDAY_EVENING)
    support, ada = await office_inbox(desk)  # Ada is online, but the office is closed
    page, panel = await open_messenger(new_york, website, support, FRIDAY_EVENING)
    card = panel.locator(".hours-card")
    await expect(card).to_have_attribute("data-state", "closed")
    await expect(card).to_contain_text("We're closed right now")
    await expect(card).to_contain_text(
        re.compile(r"We'll be back Monday, December 7 at 3:00\sAM \(your time\)\.")
    )
    await expect(card).to_contain_text("Our team answers on weekdays, 9 to 5 (Paris time).")
    await expect(card).to_contain_text("Leave your email and we'll reply.")
    await expect(panel.locator(".subtitle")).to_have_text("We're closed")
    await expect(panel.get_by_role("button", name="Start chat")).to_have_count(0)
    await panel.get_by_label("Your name").fill("Linus Pauling")
    await panel.get_by_label("Email").fill("linus@example.org")
    await panel.get_by_label("Message", exact=True).fill("Do you ship to Norway?")
    await shot(page, screenshots, "hours-closed")
    await axe_ok(page, "closed")

    await panel.get_by_role("button", name="Send message").click()
    await expect(panel).to_contain_text("Your reference number is #")
    await expect(panel).to_contain_text(
        re.compile(r"we'll answer from Monday, December 7 at 3:00\sAM \(your time\)")
    )
    await shot(page, screenshots, "hours-closed-sent")
    [ticket] = (await ada.client.get("/api/v1/tickets", params={"type": "web"})).json()["items"]
    assert ticket["state"] == "open"
    customer = (await ada.client.get(f"/api/v1/customers/{ticket['customer_id']}")).json()
    assert customer["emails"] == ["linus@example.org"]


async def test_in_hours_with_everyone_busy_the_messenger_is_away_with_the_queue(
    app: FastAPI,
    website: Website,
    new_york: BrowserContext,
    desk: Desk,
    visitors: Any,
    frozen: Any,
    screenshots: Path,
) -> None:
    frozen(MONDAY_MORNING)
    support, ada = await office_inbox(desk)
    async with app.state.sessionmaker.begin() as session:
        user = await session.get(User, ada.id)
        assert user is not None
        user.max_concurrent_chats = 1
    busy = await (await visitors(support)).start_chat()
    assert (await ada.client.post(f"/api/v1/chats/{busy['id']}/join")).status_code == 200
    async with app.state.sessionmaker.begin() as session:
        chat = await session.get(Chat, busy["id"])
        assert chat is not None
        chat.answered_at = chat.started_at + timedelta(minutes=4)  # recent chats waited 4 min

    page, panel = await open_messenger(new_york, website, support, MONDAY_MORNING)
    card = panel.locator(".hours-card")
    await expect(card).to_have_attribute("data-state", "away")
    await expect(card).to_contain_text("All our agents are busy")
    await expect(card).to_contain_text("Start a chat and you'll be next in line.")
    await expect(card).to_contain_text("Usual wait: about 4 minutes.")
    await expect(panel.locator(".subtitle")).to_have_text("Everyone is busy")
    await panel.get_by_label("Your name").fill("Marie Curie")
    await panel.get_by_label("Message", exact=True).fill("Is the radium lamp in stock?")
    await shot(page, screenshots, "hours-away")
    await axe_ok(page, "away")
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".waiting")).to_contain_text("Waiting for someone to join")


async def test_in_hours_with_someone_free_the_messenger_is_online(
    website: Website, new_york: BrowserContext, desk: Desk, frozen: Any, screenshots: Path
) -> None:
    frozen(MONDAY_MORNING)
    support, _ada = await office_inbox(desk)
    page, panel = await open_messenger(new_york, website, support, MONDAY_MORNING)
    await expect(panel.locator(".subtitle")).to_have_text("We're online")
    await expect(panel.locator(".hours-card")).to_have_count(0)
    await expect(panel.locator(".greeting")).to_be_visible()
    await shot(page, screenshots, "hours-online")
    await panel.get_by_label("Message", exact=True).fill("Hello!")
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".waiting")).to_contain_text("Waiting for someone to join")


async def test_an_admin_sets_the_hours_in_the_inbox_settings(
    browser: Browser, live: str, desk: Desk, screenshots: Path
) -> None:
    support = await desk.inbox(name="Support")
    admin = await desk.user(role="admin", name="Ada Admin")
    page = await open_desk(browser, live, admin)
    await page.goto(f"{live}/settings/inboxes")
    form = page.get_by_test_id("hours-settings")
    await expect(form.get_by_role("heading", name="Business hours")).to_be_visible()
    await expect(form.get_by_test_id("hours-state")).to_have_text("Always open.")

    await form.get_by_label("Use business hours").check()
    await form.get_by_label("Time zone").select_option("Europe/Paris")
    await form.get_by_role("button", name=re.compile("^Weekdays 9:00")).click()
    await form.get_by_role("button", name="Add hours: Saturday").click()
    await form.get_by_label("Saturday · Opens").fill("10:00")
    await form.get_by_label("Saturday · Closes").fill("13:00")
    # A late shift on Friday: past midnight, into Saturday.
    await form.get_by_role("button", name="Add hours: Friday").click()
    await form.locator("#hours-fri-1-opens").fill("20:00")
    await form.locator("#hours-fri-1-closes").fill("01:00")
    await expect(form.locator("[data-day=fri] .interval").nth(1)).to_contain_text("next day")
    await form.get_by_role("button", name="Add a holiday").click()
    await form.get_by_label("Date").fill("2026-12-25")
    # Chromium writes the date in the browser's order (12/25/2026): the row says the day in words,
    # and a screen reader hears it with the field.
    await expect(form.locator("#holiday-0-day")).to_have_text("Dec 25, 2026")
    await expect(form.get_by_label("Date")).to_have_accessible_description("Dec 25, 2026")
    # Its remove button names the day in the same words, not the ISO date (French below).
    remove = form.locator(".holiday").get_by_role("button")
    await expect(remove).to_have_accessible_name("Remove the holiday on Dec 25, 2026")
    await form.get_by_placeholder("Name (optional)").fill("Christmas")
    await form.get_by_label("Every year").check()
    await form.get_by_label("Away message").fill("Back on Monday!")
    await form.get_by_role("button", name="Save business hours").click()
    await expect(form.get_by_role("status")).to_have_text("Saved.")
    await expect(form.get_by_test_id("hours-state")).to_contain_text(
        re.compile("^(Open|Closed) now")
    )
    # On the inbox's clock, named: the admin's own may show another time (docs/routing.md).
    await expect(form.get_by_test_id("hours-state")).to_contain_text("Europe/Paris time")
    await form.get_by_role("heading", name="Business hours").scroll_into_view_if_needed()
    await page.mouse.wheel(0, 120)
    await shoot(page, screenshots, "settings-inbox-hours")
    await assert_accessible(page, "settings: business hours")

    hours = await admin_api(desk, support)
    assert hours["time_zone"] == "Europe/Paris"
    assert {"day": "fri", "opens": "20:00", "closes": "01:00"} in hours["weekly"]
    assert {"day": "sat", "opens": "10:00", "closes": "13:00"} in hours["weekly"]
    assert hours["holidays"] == [{"date": "2026-12-25", "name": "Christmas", "yearly": True}]

    # Overlapping hours are refused, the row marked, nothing saved.
    await form.get_by_role("button", name="Add hours: Monday").click()
    await form.locator("#hours-mon-1-opens").fill("16:00")
    await form.locator("#hours-mon-1-closes").fill("18:00")
    await form.get_by_role("button", name="Save business hours").click()
    await expect(form.get_by_role("alert")).to_contain_text("overlaps Mon 09:00-17:00")
    refused = form.locator("[data-day=mon] .interval.refused")
    await expect(refused).to_contain_text("overlaps Mon 09:00-17:00")
    await expect(refused.locator("input").first).to_be_focused()
    await shoot(page, screenshots, "settings-inbox-hours-refused")
    assert len((await admin_api(desk, support))["weekly"]) == len(hours["weekly"])

    # In French, the saved holiday's row and its remove button say the day in French.
    await PageApi(page, live)("PATCH", "/api/v1/me", {"preferences": {"language": "fr"}})
    await page.reload()
    await expect(form.locator("#holiday-0-day")).to_have_text("25 déc. 2026")
    await expect(remove).to_have_accessible_name("Supprimer le jour férié du 25 déc. 2026")


async def test_hours_turned_on_without_any_are_refused_at_the_week(
    browser: Browser, live: str, desk: Desk, screenshots: Path
) -> None:
    support = await desk.inbox(name="Support")
    admin = await desk.user(role="admin", name="Ada Admin")
    page = await open_desk(browser, live, admin)

    served = asyncio.Event()

    async def slow_read(route: Route) -> None:
        # The hours arrive after the admin is ready to click: the form waits for them, so that
        # their arrival cannot undo the click (it did, once, on a loaded machine).
        if route.request.method == "GET":
            await asyncio.sleep(1)
        await route.continue_()
        served.set()

    await page.route(f"**/api/v1/inboxes/{support['id']}/hours", slow_read)
    await page.goto(f"{live}/settings/inboxes")
    form = page.get_by_test_id("hours-settings")
    use_hours = form.get_by_label("Use business hours")
    await use_hours.check()
    # Once the hours have arrived and the page has had time to show them, the click stands.
    await served.wait()
    await page.wait_for_timeout(300)
    await expect(use_hours).to_be_checked()
    await form.get_by_role("button", name="Save business hours").click()
    await expect(form.get_by_role("alert")).to_contain_text("Add the hours the inbox is open")
    await expect(form.locator(".week.refused")).to_be_visible()
    await expect(form.get_by_role("button", name="Add hours: Monday")).to_be_focused()
    await shoot(page, screenshots, "settings-inbox-hours-none")
    assert (await admin_api(desk, support))["enabled"] is False


async def admin_api(desk: Desk, inbox: dict[str, Any]) -> dict[str, Any]:
    reader = await desk.agent(inboxes=[inbox])
    response = await reader.client.get(f"/api/v1/inboxes/{inbox['id']}/hours")
    assert response.status_code == 200, response.text
    return dict(response.json())
