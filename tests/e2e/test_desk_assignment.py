"""The inbox's auto-assignment settings in real Chromium: an admin turns round robin on with a
limit and a reassign delay, and the API reads back what the form saved."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.conftest import Desk
from tests.e2e.desk import DESK_TESTS, assert_accessible, open_desk, shoot

pytestmark = DESK_TESTS


async def test_an_admin_sets_auto_assignment_in_the_inbox_settings(
    browser: Browser, live: str, desk: Desk, screenshots: Path
) -> None:
    support = await desk.inbox(name="Support")
    admin = await desk.user(role="admin", name="Ada Admin")
    page = await open_desk(browser, live, admin)
    await page.goto(f"{live}/settings/inboxes")
    form = page.get_by_test_id("assignment-settings")
    await expect(form.get_by_role("heading", name="Auto-assignment")).to_be_visible()
    await expect(form.get_by_role("radio", name="Off")).to_be_checked()
    await expect(form.get_by_label("Open tickets per agent")).to_be_disabled()

    await form.get_by_role("radio", name="Round robin").check()
    await form.get_by_label("Open tickets per agent").fill("5")
    await form.get_by_role("checkbox", name="Reassign untouched tickets").check()
    await form.get_by_label("Minutes").fill("45")
    await form.get_by_role("button", name="Save auto-assignment").click()
    await expect(form.get_by_role("status")).to_have_text("Saved.")
    await form.get_by_role("heading", name="Auto-assignment").scroll_into_view_if_needed()
    await shoot(page, screenshots, "settings-inbox-assignment")
    await assert_accessible(page, "settings: auto-assignment")

    reader = await desk.agent(inboxes=[support])
    read = (await reader.client.get(f"/api/v1/inboxes/{support['id']}/assignment")).json()
    assert read["mode"] == "round_robin"
    assert read["ticket_limit"] == 5
    assert read["reassign_after_minutes"] == 45

    # A value the server refuses is said, and nothing changes.
    await form.get_by_label("Minutes").fill("99999")
    await form.evaluate("f => f.noValidate = true")
    await form.get_by_role("button", name="Save auto-assignment").click()
    await expect(form.get_by_role("alert")).to_be_visible()
    again = (await reader.client.get(f"/api/v1/inboxes/{support['id']}/assignment")).json()
    assert again["reassign_after_minutes"] == 45
