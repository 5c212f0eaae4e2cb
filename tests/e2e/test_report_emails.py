"""Report emails from the Reports page in real Chromium: "Email me this report…" with the page's
inbox filter, the dialog (a `.modal`), the subscription listed with its next email, its hour
changed, and a report email's link opening the page on its period and filter. Screenshots into
docs/images."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.conftest import PASSWORD, Desk
from tests.e2e.desk import DESK_TESTS, log_in

pytestmark = DESK_TESTS
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def test_subscribing_from_the_reports_page(desk: Desk, live: str, browser: Browser) -> None:
    inbox = await desk.inbox(name="Support")
    await desk.inbox(name="Sales")
    olga = await desk.user(role="owner", name="Olga")
    await desk.add_member(inbox, olga)
    context = await browser.new_context(
        viewport={"width": 1360, "height": 900}, timezone_id="Europe/Paris"
    )
    page = await context.new_page()
    await page.goto(f"{live}/login")
    await log_in(page, olga["email"], PASSWORD)
    await page.get_by_role("link", name="Reports").click()
    await expect(page.get_by_role("heading", level=1, name="Reports")).to_be_visible()
    await (
        page.get_by_role("form", name="Report filters")
        .get_by_label("Inbox")
        .select_option(label="Support")
    )

    emails = page.get_by_role("region", name="Report emails")
    await expect(emails).to_contain_text("You get no report by email")
    await emails.get_by_role("button", name="Email me this report…").click()
    dialog = page.get_by_role("dialog", name="Email me this report")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("Filters: inbox Support")
    await expect(dialog).to_contain_text("Europe/Paris")
    await dialog.get_by_label("Daily, each morning (the day before)").check()
    await dialog.get_by_label("At").select_option(label="07:00")
    await page.screenshot(path=str(IMAGES / "desk-report-emails-dialog.png"))
    await dialog.get_by_role("button", name="Subscribe").click()
    await expect(dialog).to_be_hidden()

    row = emails.get_by_test_id("report-email")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("inbox Support")
    await expect(row.get_by_label("How often, inbox Support")).to_have_value("daily")
    await expect(row.get_by_label("At what hour, inbox Support")).to_have_value("7")
    await expect(emails.get_by_role("status")).to_contain_text("the first email comes")
    await emails.screenshot(path=str(IMAGES / "desk-report-emails.png"))

    # Listed again after a reload, then changed to 09:00.
    await page.reload()
    hour = page.get_by_label("At what hour, inbox Support")
    await hour.select_option(label="09:00")
    await expect(page.get_by_role("status")).to_contain_text("the next email comes")
    answer = await page.request.get(f"{live}/api/v1/reports/subscriptions")
    (stored,) = await answer.json()
    assert (stored["frequency"], stored["hour"], stored["inbox_id"]) == ("daily", 9, inbox["id"])
    assert stored["time_zone"] == "Europe/Paris"

    # A report email's link: the page on its period and filter.
    await page.goto(f"{live}/reports?since=2026-11-09&until=2026-11-15&inbox_id={inbox['id']}")
    await expect(page.get_by_label("From", exact=True)).to_have_value("2026-11-09")
    await expect(page.get_by_label("To", exact=True)).to_have_value("2026-11-15")
    await expect(
        page.get_by_role("form", name="Report filters").get_by_label("Inbox")
    ).to_have_value(str(inbox["id"]))
    await context.close()
