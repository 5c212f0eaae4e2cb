"""Custom ticket statuses in real Chromium (docs/desk.md, "Ticket statuses"): an admin adds
"Waiting on vendor" under Hold in Settings → Ticket statuses; an agent sets it on a ticket from
the ticket page's state select, sees it on the page and in the list, and filters the list by it.
Screens looked at in light and dark: the settings page and the state select opened out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.e2e.test_desk_dark import expect_dark

pytestmark = DESK_TESTS


async def test_an_admin_names_a_status_and_an_agent_sets_it(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    admin = await desk.agent(role="admin", name="Olga Admin")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)

    settings = await open_desk(browser, live, admin.user, path="/settings/statuses")
    await settings.get_by_label("Name of the new status").fill("Waiting on vendor")
    await settings.get_by_label("State of the new status").select_option("hold")
    await settings.get_by_label("Description of the new status").fill("Parts are on order")
    await settings.get_by_role("button", name="Add status").click()
    held = settings.get_by_test_id("statuses-hold")
    await expect(held.get_by_label("Name of the status Waiting on vendor")).to_have_value(
        "Waiting on vendor"
    )
    await settings.get_by_label("Name of the new status").fill("In progress")
    await settings.get_by_label("State of the new status").select_option("open")
    await settings.get_by_role("button", name="Add status").click()
    await expect(settings.get_by_label("Name of the status In progress")).to_be_visible()
    await shoot(settings, screenshots, "ticket-statuses")
    await assert_accessible(settings, "Settings → Ticket statuses")
    await settings.emulate_media(color_scheme="dark")
    await shoot(settings, screenshots, "dark-ticket-statuses")
    await expect_dark(settings, "Settings → Ticket statuses")
    # Lena's organisation, whose page lists her tickets too.
    acme = await PageApi(settings, live)(
        "POST", "/api/v1/organisations", {"name": "Acme", "domains": ["example.com"]}, status=201
    )
    await settings.context.close()

    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    body = {"inbox_id": inbox["id"], "customer": {"email": "lena@example.com", "name": "Lena"}}
    ticket = await api("POST", "/api/v1/tickets", {**body, "subject": "Spare parts"}, status=201)
    await api("POST", "/api/v1/tickets", {**body, "subject": "Another question"}, status=201)
    await page.goto(f"{live}/tickets/{ticket['id']}")
    picker = page.get_by_test_id("ticket-state-select")
    hold_group = picker.locator("optgroup[data-state='hold']")
    await expect(hold_group.locator("option")).to_have_text(["Hold", "Waiting on vendor"])
    await picker.select_option(label="Waiting on vendor")
    await expect(page.get_by_test_id("ticket-state")).to_have_text("Waiting on vendor")
    saved = await api("GET", f"/api/v1/tickets/{ticket['id']}")
    assert (saved["state"], saved["status"]["name"]) == ("hold", "Waiting on vendor")
    # The select opened out, for the screenshot only: a native list is drawn outside the page.
    await picker.evaluate("(select) => { select.size = 8; }")
    await shoot(page, screenshots, "ticket-status-picker")
    await page.emulate_media(color_scheme="dark")
    await shoot(page, screenshots, "dark-ticket-status-picker")
    await page.emulate_media(color_scheme="light")
    await picker.evaluate("(select) => { select.size = 0; }")

    await page.goto(f"{live}/tickets")
    row = page.locator(".ticket-row", has_text="Spare parts")
    await expect(row.get_by_test_id("row-state")).to_have_text("Waiting on vendor")
    await expect(
        page.locator(".ticket-row", has_text="Another question").get_by_test_id("row-state")
    ).to_have_text("Open")
    await page.get_by_label("Status", exact=True).select_option(label="Waiting on vendor")
    await expect(page.locator(".ticket-row")).to_have_count(1)
    await expect(page.locator(".ticket-row")).to_contain_text("Spare parts")
    assert "status_id=" in page.url
    await shoot(page, screenshots, "ticket-status-list")
    await assert_accessible(page, "the ticket list filtered by a status")

    # The customer's page names the status as the list does (it said "Hold" until 2026-12-07).
    await page.goto(f"{live}/customers/{saved['customer_id']}")
    tickets = page.get_by_test_id("customer-tickets")
    await expect(tickets.locator(f"[data-ticket-id='{ticket['id']}'] .badge")).to_have_text(
        "Waiting on vendor"
    )
    await expect(tickets.locator("tr", has_text="Another question").locator(".badge")).to_have_text(
        "Open"
    )
    # So does her organisation's (it said "Hold" until 2026-12-07).
    await page.goto(f"{live}/organisations/{acme['id']}")
    listed = page.get_by_test_id("organisation-tickets")
    await expect(listed.locator(f"[data-ticket-id='{ticket['id']}'] .badge")).to_have_text(
        "Waiting on vendor"
    )
    await expect(listed.locator("tr", has_text="Another question").locator(".badge")).to_have_text(
        "Open"
    )
    # And the customer panel beside her other ticket (it said "Hold" until 2026-12-07).
    other = await api("GET", f"/api/v1/tickets?customer_id={saved['customer_id']}&limit=5")
    [another] = [row for row in other["items"] if row["subject"] == "Another question"]
    await page.goto(f"{live}/tickets/{another['id']}")
    history = page.locator("section[aria-labelledby='history-heading']")
    badge = history.locator(f"[data-ticket-id='{ticket['id']}'] .badge")
    await expect(badge).to_have_text("Waiting on vendor")
    assert "badge-hold" in (await badge.get_attribute("class") or "")
    await history.scroll_into_view_if_needed()
    await shoot(page, screenshots, "ticket-status-customer-panel")
    await page.emulate_media(color_scheme="dark")
    await shoot(page, screenshots, "dark-ticket-status-customer-panel")
    await page.context.close()


async def test_a_new_ticket_is_filed_with_a_status(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    """The New ticket page's Status select (shown once there are statuses) files the ticket
    with "Waiting on vendor": the message goes as Send & Hold would, and the ticket page shows
    the status."""
    inbox = await desk.inbox(name="Support")
    admin = await desk.agent(role="admin", name="Olga Admin")
    made_ids: dict[str, int] = {}
    for name, state in (("Waiting on vendor", "hold"), ("In progress", "open")):
        made = await admin.client.post(
            "/api/v1/ticket-statuses", json={"name": name, "state": state}
        )
        assert made.status_code == 201, made.text
        made_ids[name] = made.json()["id"]
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)

    page = await open_desk(browser, live, ada)
    await page.get_by_role("link", name="New ticket").click()
    status = page.get_by_label("Status", exact=True)
    # Plain Open unless she says otherwise; each state lists its statuses under it.
    await expect(status).to_have_value("open")
    await expect(status.locator("optgroup[data-state='hold'] option")).to_have_text(
        ["Hold", "Waiting on vendor"]
    )
    await page.get_by_label("To", exact=True).fill("lena@example.com")
    await page.get_by_label("Subject", exact=True).fill("Spare parts")
    await page.get_by_label("Message", exact=True).fill("We ordered the part from our vendor.")
    await status.select_option(label="Waiting on vendor")
    await assert_accessible(page, "the new ticket form with a status")
    await shoot(page, screenshots, "new-ticket-status")

    # Archived meanwhile, and this desk not told (its reads of the statuses fail): the server's
    # 422 lands on the Status select, which takes the focus; nothing is filed.
    await page.route("**/api/v1/ticket-statuses", lambda route: route.abort())
    vendor_url = f"/api/v1/ticket-statuses/{made_ids['Waiting on vendor']}"
    archived = await admin.client.patch(vendor_url, json={"archived": True})
    assert archived.status_code == 200, archived.text
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(status).to_have_attribute("aria-invalid", "true")
    await expect(status).to_be_focused()
    await expect(page.locator("#new-ticket-status-error")).to_contain_text("archived")
    await page.unroute("**/api/v1/ticket-statuses")
    restored = await admin.client.patch(vendor_url, json={"archived": False})
    assert restored.status_code == 200, restored.text
    await page.get_by_role("button", name="Send", exact=True).click()

    await expect(page.get_by_role("heading", name="Spare parts")).to_be_visible()
    await expect(page.get_by_test_id("ticket-state")).to_have_text("Waiting on vendor")
    await expect(page.get_by_test_id("ticket-state-select")).to_have_value(
        re.compile(r"^status-\d+$")
    )
    await expect(page.locator("article.entry.reply.out")).to_contain_text("ordered the part")
    ticket_id = int(page.url.rstrip("/").split("/")[-1])
    saved = await PageApi(page, live)("GET", f"/api/v1/tickets/{ticket_id}")
    assert (saved["state"], saved["status"]["name"]) == ("hold", "Waiting on vendor")
    await page.context.close()
