"""The Reports page's Calendar hours / Business hours control in real Chromium: the figures, the
labels that say which hours are shown, the address and the CSV links follow it (docs/reports.md,
"Business hours"). Screenshot into docs/images."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, expect

from frontdesk.config import Settings
from frontdesk.kit import clock
from tests.clock import FrozenClock
from tests.conftest import PASSWORD, Desk
from tests.e2e.desk import DESK_TESTS, log_in
from tests.e2e.settle import settled
from tests.mail.support import INBOUND_TOKEN
from tests.unit.reports.business_history import at, build_four

pytestmark = DESK_TESTS
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


async def test_the_hours_control_switches_the_times_to_business_hours(
    app: FastAPI, desk: Desk, live: str, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = await build_four(desk, FrozenClock(monkeypatch, at(13, 12)))
    monkeypatch.setattr(clock, "_frozen", None)  # the browser's session lives in real time
    context = await browser.new_context(
        viewport={"width": 1360, "height": 1100}, timezone_id="Europe/London"
    )
    page = await context.new_page()
    await page.goto(f"{live}/login")
    await log_in(page, built["olga"].user["email"], PASSWORD)
    # Signed in before going on: a navigation now would cancel the login's request.
    await expect(page.get_by_role("link", name="Reports")).to_be_visible()
    await page.goto(f"{live}/reports?since=2026-11-13&until=2026-11-20")

    times = page.get_by_role("region", name="Response times, in calendar hours")
    first = times.get_by_role("row", name="First response time")
    # On the wall: 300, 60000, 61800, 230520 s (tests/unit/reports/business_history.py).
    await expect(first).to_contain_text("16 hr 55 min")  # median 60900 s
    await expect(first).to_contain_text("64 hr 2 min")  # p90 230520 s
    agents = page.get_by_role("region", name="Agents")
    await expect(agents.get_by_role("columnheader", name="calendar hours")).to_be_visible()
    await expect(agents.get_by_role("row", name="Ada")).to_contain_text("8 hr 37 min")
    control = page.get_by_role("group", name="Count times in")
    await expect(control.get_by_role("radio", name="Calendar hours")).to_be_checked()

    # A click on the words (the radio under them, visually hidden, must not take the click).
    await control.get_by_text("Business hours", exact=True).click()
    await expect(control.get_by_role("radio", name="Business hours")).to_be_checked()
    times = page.get_by_role("region", name="Response times, in business hours")
    first = times.get_by_role("row", name="First response time")
    # In business hours: 120, 300, 2400, 4200 s.
    await expect(first).to_contain_text("22 min")  # median 1350 s
    await expect(first).to_contain_text("1 hr 10 min")  # p90 4200 s
    await expect(agents.get_by_role("columnheader", name="business hours")).to_be_visible()
    await expect(agents.get_by_role("row", name="Ada")).to_contain_text("37 min")  # 2250 s
    await expect(page.get_by_test_id("report-hours-hint")).to_contain_text("stay in calendar")
    week = f"{live}/reports?since=2026-11-13&until=2026-11-20"
    await expect(page).to_have_url(f"{week}&hours=business")
    csv = times.get_by_role("link", name="CSV")
    assert "hours=business" in (await csv.get_attribute("href") or "")
    await settled(page)
    await page.screenshot(path=str(IMAGES / "desk-reports-business-hours.png"))

    # Kept in the address: a reload shows business hours again; back to calendar hours.
    await page.reload()
    await expect(page.get_by_role("radio", name="Business hours")).to_be_checked()
    await expect(first).to_contain_text("22 min")
    # The keyboard's way: the arrow keys move between the two radios, as in any radio group.
    await page.get_by_role("radio", name="Business hours").focus()
    await page.keyboard.press("ArrowLeft")
    await expect(page.get_by_role("radio", name="Calendar hours")).to_be_checked()
    await expect(page.get_by_role("radio", name="Calendar hours")).to_be_focused()
    await expect(
        page.get_by_role("region", name="Response times, in calendar hours").get_by_role(
            "row", name="First response time"
        )
    ).to_contain_text("16 hr 55 min")
    await expect(page).to_have_url(week)
    await context.close()
