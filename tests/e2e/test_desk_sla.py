"""SLAs in real Chromium: an admin adds a policy on Settings → SLAs, and the ticket list shows
each ticket's priority and time left (red once breached), the "Breaching soon" folder lists the
most urgent first, and the ticket shows each target (screenshots: screenshots/desk-sla-*)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, expect

from tests.clock import FrozenClock
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot

pytestmark = DESK_TESTS


async def test_policies_page_and_time_left_in_the_list(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox = await desk.inbox(name="Support")
    olga = await desk.user(role="owner", name="Olga Owner")
    await desk.add_member(inbox, olga)
    page = await open_desk(browser, live, olga)
    api = PageApi(page, live)
    await api(
        "POST",
        "/api/v1/sla-policies",
        {"name": "Urgent", "priority": "urgent", "business_hours": False, "resolution_minutes": 30},
        status=201,
    )

    await page.goto(f"{live}/settings/slas")
    form = page.get_by_role("form", name="Add a policy")
    await form.get_by_label("Name").fill("Standard")
    await form.get_by_label("First response (minutes)").fill("")
    await form.get_by_label("Resolution (minutes)").fill("240")
    await form.get_by_label("Counted in").select_option(label="Calendar time")
    await form.get_by_role("button", name="Add policy").click()
    table = page.get_by_test_id("sla-policies")
    await expect(table.locator("tbody tr")).to_have_count(2)
    await expect(table.locator("tbody tr").nth(1)).to_contain_text("Standard")
    await expect(table.locator("tbody tr").nth(1)).to_contain_text("Resolution: 240 min")
    await expect(table.locator("tbody tr").nth(0)).to_contain_text("Priority Urgent")
    await assert_accessible(page, "SLA policies")
    await shoot(page, screenshots, "sla-policies")

    def body(subject: str, priority: str) -> dict[str, Any]:
        customer = {"email": f"{priority}@example.org", "name": f"{priority.title()} Customer"}
        return {
            "inbox_id": inbox["id"],
            "customer": customer,
            "subject": subject,
            "priority": priority,
        }

    # An urgent ticket filed two hours ago: its 30-minute resolution target is long breached.
    clock = FrozenClock(monkeypatch, datetime.now(UTC) - timedelta(hours=2))
    late = await api("POST", "/api/v1/tickets", body("Site down", "urgent"), status=201)
    clock.set(datetime.now(UTC) - timedelta(minutes=200))
    soon = await api("POST", "/api/v1/tickets", body("Refund for order 1042", "normal"), status=201)
    clock.set(datetime.now(UTC))
    fresh = await api("POST", "/api/v1/tickets", body("Question about sizes", "high"), status=201)

    await page.goto(f"{live}/inboxes/{inbox['id']}/open")
    rows = page.locator("a.ticket-row")
    await expect(rows).to_have_count(3)
    late_row = rows.filter(has_text="Site down")
    await expect(late_row.get_by_test_id("sla-badge")).to_contain_text("Breached")
    await expect(late_row.get_by_test_id("sla-badge")).to_have_class("badge sla-badge late")
    await expect(late_row).to_contain_text("Urgent")
    await expect(rows.filter(has_text="Refund").get_by_test_id("sla-badge")).to_contain_text("left")
    await expect(rows.filter(has_text="sizes").get_by_test_id("sla-badge")).to_contain_text("left")
    await assert_accessible(page, "ticket list with SLA badges")
    await shoot(page, screenshots, "sla-list")

    await page.get_by_role("link", name="Breaching soon").click()
    await expect(page.get_by_role("heading", name="Breaching soon")).to_be_visible()
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("Site down")
    await expect(rows.nth(1)).to_contain_text("Refund for order 1042")
    await shoot(page, screenshots, "sla-breaching-soon")

    await page.goto(f"{live}/tickets/{soon['id']}")
    sla = page.get_by_test_id("ticket-sla")
    await expect(sla).to_contain_text("Policy: Standard")
    await expect(sla).to_contain_text("Resolution")
    await sla.get_by_label("Priority").select_option("urgent")
    await expect(sla).to_contain_text("Policy: Urgent")
    await expect(sla.get_by_test_id("sla-badge")).to_contain_text("Breached")
    await shoot(page, screenshots, "sla-ticket")
    assert late["priority"] == "urgent"
    assert fresh["priority"] == "high"
