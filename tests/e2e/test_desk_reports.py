"""The Reports page in real Chromium: the figures of a known history (tests/unit/reports/
history.py), a chart with its table, the heat map, a drill-down to the tickets behind a figure
and on to a ticket, the CSV link, in light and dark mode; the SLA breaches of a known SLA history
(tests/unit/reports/sla_history.py). Screenshots into docs/images."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect

from frontdesk.config import Settings
from frontdesk.kit import clock
from tests.clock import FrozenClock
from tests.conftest import PASSWORD, Desk
from tests.e2e.desk import DESK_TESTS, assert_accessible, log_in
from tests.e2e.settle import settled
from tests.e2e.test_desk_dark import expect_dark
from tests.mail.support import INBOUND_TOKEN
from tests.unit.reports.history import START, build
from tests.unit.reports.sla_history import SLA_START, build_sla

pytestmark = DESK_TESTS
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


async def reports_page(browser: Browser, live: str, user: dict[str, Any], scheme: str) -> Page:
    context = await browser.new_context(
        viewport={"width": 1360, "height": 1500},
        color_scheme="dark" if scheme == "dark" else "light",
        timezone_id="Europe/Paris",
    )
    page = await context.new_page()
    await page.goto(f"{live}/login")
    await log_in(page, user["email"], PASSWORD)
    await page.get_by_role("link", name="Reports").click()
    await expect(page.get_by_role("heading", level=1, name="Reports")).to_be_visible()
    await page.get_by_label("From", exact=True).fill("2026-11-09")
    await page.get_by_label("To", exact=True).fill("2026-11-12")
    return page


async def test_the_reports_page_shows_the_figures_and_drills_down(
    app: FastAPI,
    desk: Desk,
    visitors: Any,
    live: str,
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history = await build(app, desk, visitors, FrozenClock(monkeypatch, START))
    monkeypatch.setattr(clock, "_frozen", None)  # the browser's session lives in real time
    olga = {"email": history.olga.user["email"], "name": "Olga"}
    page = await reports_page(browser, live, olga, "light")

    times = page.get_by_role("region", name="Response times")
    first = times.get_by_role("row", name="First response time")
    await expect(first).to_contain_text("3")  # three first responses
    await expect(first).to_contain_text("3 min")  # median 180 s
    await expect(first).to_contain_text("1 hr 0 min")  # p90 3600 s
    await expect(page.get_by_role("heading", name="Conversations (4)")).to_be_visible()
    await expect(page.locator("canvas")).to_have_count(2)  # conversations and satisfaction

    agents = page.get_by_role("region", name="Agents")
    await expect(agents.get_by_role("row", name="Ada")).to_contain_text("50%")
    # No SLA policy in this history: every target at zero.
    sla = page.get_by_role("region", name="SLA breaches", exact=True)
    await expect(sla.get_by_role("row", name="All targets")).to_contain_text("0")
    # Tuesday 10:00 in Paris: chat A.
    await expect(page.get_by_role("button", name="Tue 10:00, 1 conversations")).to_be_visible()
    csv = times.get_by_role("link", name="CSV")
    assert "/api/v1/reports/times.csv?since=2026-11-09" in (await csv.get_attribute("href") or "")
    await settled(page)
    await page.screenshot(path=str(IMAGES / "desk-reports.png"), full_page=True)
    await assert_accessible(page, "reports")

    # The chart's numbers as a table.
    volume = page.get_by_role("region", name="Conversations (4)")
    await volume.get_by_role("button", name="Show table").click()
    await expect(volume.get_by_role("row", name="Nov 11")).to_contain_text("1")

    # Drill down: the missed chat, then its ticket.
    await times.get_by_role("button", name="Missed chats (wait before leaving)").click()
    drill = page.get_by_role("region", name="Missed chats (wait before leaving): 1 ticket")
    await expect(drill).to_be_visible()
    await drill.get_by_role("link").first.click()
    await expect(page).to_have_url(f"{live}/tickets/{history.tickets['C']}")

    dark = await reports_page(browser, live, olga, "dark")
    await expect(dark.get_by_role("row", name="First response time")).to_contain_text("3 min")
    await settled(dark)
    await expect_dark(dark, "reports")
    await dark.screenshot(path=str(IMAGES / "desk-reports-dark.png"), full_page=True)


async def test_an_agent_sees_their_own_figures_without_the_agent_filter(
    app: FastAPI,
    desk: Desk,
    visitors: Any,
    live: str,
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history = await build(app, desk, visitors, FrozenClock(monkeypatch, START))
    monkeypatch.setattr(clock, "_frozen", None)
    bob = {"email": history.bob.user["email"], "name": "Bob"}
    page = await reports_page(browser, live, bob, "light")
    await expect(page.get_by_text("Your own figures.")).to_be_visible()
    await expect(page.get_by_label("Agent", exact=True)).to_have_count(0)
    agents = page.get_by_role("region", name="Agents")
    await expect(agents.get_by_role("row")).to_have_count(2)  # the header and Bob
    await expect(agents.get_by_role("row", name="Bob")).to_be_visible()


async def test_the_sla_breaches_per_target_and_per_agent_open_their_tickets(
    app: FastAPI,
    desk: Desk,
    live: str,
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history = await build_sla(app, desk, FrozenClock(monkeypatch, SLA_START))
    monkeypatch.setattr(clock, "_frozen", None)
    olga = {"email": history.olga.user["email"], "name": "Olga"}
    page = await reports_page(browser, live, olga, "light")

    sla = page.get_by_role("region", name="SLA breaches", exact=True)
    # Paris: T3's first response was due 01:20 on the 11th, still in the range.
    await expect(sla.get_by_role("row", name="First response")).to_contain_text("2")
    await expect(sla.get_by_role("row", name="Next response")).to_contain_text("1")
    await expect(sla.get_by_role("row", name="Resolution")).to_contain_text("2")
    await expect(sla.get_by_role("row", name="All targets")).to_contain_text("5")
    csv = sla.get_by_role("link", name="CSV")
    assert "/api/v1/reports/sla.csv?since=2026-11-09" in (await csv.get_attribute("href") or "")
    agents = page.get_by_role("region", name="Agents")
    await expect(agents.get_by_role("row", name="Bob")).to_contain_text("2")
    await settled(page)
    await sla.screenshot(path=str(IMAGES / "desk-reports-sla.png"))
    await agents.screenshot(path=str(IMAGES / "desk-reports-sla-agents.png"))
    await assert_accessible(page, "reports-sla")

    await sla.get_by_role("button", name="Next response").click()
    drill = page.get_by_role("region", name="Next response breaches: 1 ticket")
    await expect(drill).to_contain_text("Parcel")
    await agents.get_by_role("row", name="Bob").get_by_role("button", name="2").click()
    drill = page.get_by_role("region", name="SLA breaches: Bob: 1 ticket")
    await expect(drill).to_contain_text("Refund")
    await drill.get_by_role("link").first.click()
    await expect(page).to_have_url(f"{live}/tickets/{history.tickets['T2']}")


async def test_open_work_by_status_counts_now_and_opens_a_rows_tickets(
    desk: Desk, live: str, browser: Browser
) -> None:
    """Reports → Open work by status: the tickets open, on hold or snoozed now, per state and
    custom status, whatever the range; a row opens its tickets. Light and dark."""
    olga = await desk.agent(role="admin", name="Olga")
    inbox = await desk.inbox(name="Support")
    ids: dict[str, int] = {}
    for name, state in (("In progress", "open"), ("Waiting on vendor", "hold")):
        made = await olga.client.post(
            "/api/v1/ticket-statuses", json={"name": name, "state": state}
        )
        assert made.status_code == 201, made.text
        ids[name] = made.json()["id"]
    customer = {"email": "lena@example.com", "name": "Lena"}
    for subject, extra in (
        ("Printer jams", {}),
        ("Refund", {"status_id": ids["In progress"]}),
        ("Spare parts", {"status_id": ids["Waiting on vendor"]}),
        ("Cable order", {"status_id": ids["Waiting on vendor"]}),
        ("Invoice copy", {"state": "hold"}),
        ("Done already", {"state": "closed"}),
    ):
        body = {"inbox_id": inbox["id"], "customer": customer, "subject": subject, **extra}
        filed = await olga.client.post("/api/v1/tickets", json=body)
        assert filed.status_code == 201, filed.text

    page = await reports_page(browser, live, olga.user, "light")
    work = page.get_by_role("region", name="Open work by status")
    await expect(work.get_by_role("row", name="Waiting on vendor")).to_contain_text("2")
    await expect(work.get_by_role("row", name="In progress")).to_contain_text("1")
    rows = work.locator("tbody tr")
    await expect(rows).to_have_text(
        [
            "Open (no finer status)Open1",
            "In progressOpen1",
            "Hold (no finer status)Hold1",
            "Waiting on vendorHold2",
            "SnoozedSnoozed0",
        ],
        use_inner_text=False,
    )
    await expect(work.get_by_role("row", name="All open work")).to_contain_text("5")
    await expect(work).to_contain_text("whatever the dates above")
    csv = work.get_by_role("link", name="CSV")
    assert "/api/v1/reports/statuses.csv?" in (await csv.get_attribute("href") or "")
    await settled(page)
    await work.screenshot(path=str(IMAGES / "desk-report-open-work.png"))
    await assert_accessible(page, "reports-open-work")

    await work.get_by_role("button", name="Waiting on vendor").click()
    drill = page.get_by_role("region", name="Waiting on vendor: 2 tickets")
    await expect(drill.get_by_role("link")).to_have_text(
        [re.compile("Cable order"), re.compile("Spare parts")]
    )
    await work.get_by_role("button", name="Hold (no finer status)", exact=True).click()
    drill = page.get_by_role("region", name="Hold (no finer status): 1 ticket")
    await expect(drill.get_by_role("link")).to_have_text([re.compile("Invoice copy")])

    dark = await reports_page(browser, live, olga.user, "dark")
    dark_work = dark.get_by_role("region", name="Open work by status")
    await expect(dark_work.get_by_role("row", name="Waiting on vendor")).to_contain_text("2")
    await settled(dark)
    await expect_dark(dark, "reports-open-work")
    await dark_work.screenshot(path=str(IMAGES / "desk-report-open-work-dark.png"))
