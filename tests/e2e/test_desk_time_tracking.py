"""Time tracking in real Chromium: an agent logs "1h 30m" on a ticket, starts the timer (its
clock in the sidebar and the top bar) and stops it; a colleague's open desk sees the total change
each time; Edit puts the cursor in the duration; a timer left running 9 hours is not logged by
its clock: the desk asks the time really worked, prefilled; the report's Time tracked section sums
it (screenshots saved as docs/images/desk-time-tracking.png and docs/images/desk-report-time.png);
dark mode has no light patches."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect
from sqlalchemy import update

from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.timetracking.models import RunningTimer
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.e2e.test_desk_dark import expect_dark

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def test_an_agent_logs_time_and_runs_the_timer_while_a_colleague_watches(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Lovelace", role="admin")
    ben = await desk.user(name="Ben Okafor")
    await desk.add_member(inbox, ada)
    await desk.add_member(inbox, ben)

    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": "cora@example.org", "name": "Cora Customer"},
        "subject": "Migrate our invoices",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    watcher = await open_desk(browser, live, ben)
    await watcher.goto(f"{live}/tickets/{ticket['id']}")
    watched_total = watcher.get_by_test_id("time-total")
    await expect(watched_total).to_have_text("0 min")
    ben_api = PageApi(watcher, live)
    await ben_api(
        "POST",
        f"/api/v1/tickets/{ticket['id']}/time-entries",
        {"minutes": 20, "note": "Read the <script> they sent", "billable": False},
        status=201,
    )
    await expect(watched_total).to_have_text("20 min")

    await page.goto(f"{live}/tickets/{ticket['id']}")
    time = page.get_by_test_id("ticket-time")
    await expect(time.get_by_test_id("time-total")).to_have_text("20 min")
    duration = time.get_by_label("Duration")
    await duration.fill("1h 30")
    await expect(time.locator("#time-duration-hint")).to_have_text("1 h 30 min")
    await duration.fill("1h 30m 10s")
    await expect(time.get_by_test_id("time-log")).to_be_disabled()
    await duration.fill("1h 30m")
    await time.get_by_label("Note").fill("Imported the old invoices")
    await time.get_by_test_id("time-log").click()
    await expect(time.get_by_test_id("time-total")).to_have_text("1 h 50 min")
    await expect(watched_total).to_have_text("1 h 50 min")
    entries = time.get_by_test_id("time-entries")
    await expect(entries.locator("li")).to_have_count(2)
    # The note is text, never markup.
    await expect(entries).to_contain_text("Read the <script> they sent")
    # Ben's entry is his: Ada, an admin, may still edit it.
    await expect(entries.get_by_role("button", name="Edit 20 min", exact=False)).to_be_visible()

    await time.get_by_test_id("timer-start").click()
    await expect(time.get_by_test_id("timer-clock")).to_contain_text("Timer running: 0:0")
    indicator = page.get_by_test_id("timer-indicator")
    await expect(indicator).to_contain_text(f"#{ticket['number']}")
    await assert_accessible(page, "ticket time")
    await shoot(page, screenshots, "time-tracking")
    shutil.copy(screenshots / "desk-time-tracking.png", DOCS_IMAGES)
    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "ticket time")
    await shoot(page, screenshots, "time-tracking-dark")
    await page.emulate_media(color_scheme="light")

    # Under a minute, the timer logs one.
    await time.get_by_test_id("timer-stop").click()
    await expect(time.get_by_test_id("time-total")).to_have_text("1 h 51 min")
    await expect(watched_total).to_have_text("1 h 51 min")
    await expect(indicator).to_have_count(0)
    await expect(time.get_by_test_id("timer-start")).to_be_visible()

    # Edit puts the cursor in the duration, to type the right one.
    await entries.get_by_role("button", name="Edit 20 min", exact=False).click()
    await expect(duration).to_be_focused()
    await time.get_by_role("button", name="Cancel").click()

    # A timer left running overnight: the desk asks what was worked, prefilled with its clock.
    await time.get_by_test_id("timer-start").click()
    await expect(indicator).to_be_visible()
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(
            update(RunningTimer).values(started_at=utcnow() - timedelta(hours=9, minutes=5))
        )
    await page.reload()
    await time.get_by_test_id("timer-stop").click()
    asked = time.get_by_test_id("timer-ask")
    await expect(asked).to_contain_text("more than 8 hours")
    asked_duration = asked.get_by_label("Time worked")
    await expect(asked_duration).to_be_focused()
    await expect(asked_duration).to_have_value("9h 5m")
    await assert_accessible(page, "long timer")
    await shoot(page, screenshots, "time-tracking-ask")
    await asked_duration.fill("2h")
    await asked.get_by_test_id("timer-ask-log").click()
    await expect(time.get_by_test_id("time-total")).to_have_text("3 h 51 min")
    await expect(indicator).to_have_count(0)

    await page.goto(f"{live}/reports")
    report = page.get_by_test_id("report-time-tracked")
    await expect(report.get_by_test_id("report-time-total")).to_have_text("3 h 51 min")
    await expect(report).to_contain_text("Ben Okafor")
    await report.scroll_into_view_if_needed()
    await shoot(page, screenshots, "report-time")
    shutil.copy(screenshots / "desk-report-time.png", DOCS_IMAGES)
    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "time report")
