"""Custom fields in real Chromium: an owner defines a list field in Settings → Fields; an agent
picks one of its options on a ticket, and a colleague's open desk shows it at once; the ticket's
timeline says who set what; the list filters by it and keeps that as a view (screenshots saved
as docs/images/desk-fields-settings.png and docs/images/desk-ticket-fields.png); the rule and
macro editors offer fields, each with the input of its kind."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.e2e.test_desk_dark import expect_dark

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def test_an_owner_defines_a_list_field_and_an_agent_sets_it_on_a_ticket(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    owner = await desk.user(name="Olga Owner", role="owner")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    await desk.add_member(inbox, owner)

    settings = await open_desk(browser, live, owner)
    await settings.goto(f"{live}/settings/fields")
    await expect(settings.get_by_role("heading", name="Custom fields")).to_be_visible()
    await settings.get_by_label("Label", exact=True).fill("Seats")
    await settings.get_by_test_id("new-field-kind").select_option("number")
    await settings.get_by_role("button", name="Add field").click()
    await expect(settings.get_by_test_id("fields-ticket")).to_contain_text("seats")
    await settings.get_by_label("Label", exact=True).fill("Plan")
    await settings.get_by_test_id("new-field-kind").select_option("list")
    await settings.get_by_label("Options").fill("Free\nPro\nEnterprise")
    await settings.get_by_role("button", name="Add field").click()
    table = settings.get_by_test_id("fields-ticket")
    await expect(table.get_by_label("Options of Plan")).to_have_value("Free\nPro\nEnterprise")
    await expect(table).to_contain_text("plan")
    # Plan first: moved up with the keyboard.
    await settings.get_by_role("button", name="Move Plan up").press("Enter")
    await expect(table.locator("tbody tr").first).to_contain_text("plan")
    # First now, its ↑ is disabled: the focus stays in the row, on its ↓.
    await expect(settings.get_by_role("button", name="Move Plan down")).to_be_focused()
    await assert_accessible(settings, "fields settings")
    await shoot(settings, screenshots, "fields-settings")
    shutil.copy(screenshots / "desk-fields-settings.png", DOCS_IMAGES)

    api = PageApi(settings, live)
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": "cora@example.org", "name": "Cora Customer"},
        "subject": "Upgrade our subscription",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    company = {"object": "customer", "label": "Company", "kind": "text"}
    await api("POST", "/api/v1/fields", company, status=201)
    # The owner keeps the ticket open in their desk while Ada changes it.
    await settings.goto(f"{live}/tickets/{ticket['id']}")
    watched = settings.get_by_test_id("ticket-fields").get_by_label("Plan")
    await expect(watched).to_have_value("")

    page = await open_desk(browser, live, ada)
    await page.goto(f"{live}/tickets/{ticket['id']}")
    fields = page.get_by_test_id("ticket-fields")
    plan = fields.get_by_label("Plan")
    await expect(plan).to_have_value("")
    await plan.select_option("Pro")
    await expect(page.locator(".event-line").last).to_contain_text("Ada Lovelace set Plan to Pro")
    await expect(watched).to_have_value("Pro")
    assert (await api("GET", f"/api/v1/tickets/{ticket['id']}"))["fields"]["plan"] == "Pro"

    # An admin renames a field while Ada's desk shows it: the form follows without a reload.
    seats_field = next(f for f in await api("GET", "/api/v1/fields") if f["key"] == "seats")
    await api("PATCH", f"/api/v1/fields/{seats_field['id']}", {"label": "Licences"})
    await expect(fields.get_by_label("Licences")).to_be_visible()
    await api("PATCH", f"/api/v1/fields/{seats_field['id']}", {"label": "Seats"})
    seats = fields.get_by_label("Seats")
    await seats.fill("12")
    await seats.press("Enter")
    await expect(page.locator(".event-line").last).to_contain_text("set Seats to 12")
    # The customer's own fields, in the customer panel.
    company_input = page.get_by_test_id("customer-fields").get_by_label("Company")
    await company_input.fill("Lindqvist AB")
    await company_input.press("Tab")
    customer = f"/api/v1/customers/{ticket['customer_id']}"
    await expect(page.get_by_test_id("customer-fields").get_by_role("status")).to_have_text(
        "Company saved."
    )
    assert (await api("GET", customer))["fields"] == {"company": "Lindqvist AB"}
    # The owner's desk, open on the same ticket, shows the customer's new value.
    await expect(settings.get_by_test_id("customer-fields").get_by_label("Company")).to_have_value(
        "Lindqvist AB"
    )
    await assert_accessible(page, "ticket fields")
    await shoot(page, screenshots, "ticket-fields")
    shutil.copy(screenshots / "desk-ticket-fields.png", DOCS_IMAGES)

    # The list filtered by the field, kept as a view.
    other = {**body, "subject": "Invoice address", "customer": {"email": "bo@example.org"}}
    await api("POST", "/api/v1/tickets", other, status=201)
    await page.goto(f"{live}/inboxes/{inbox['id']}/open")
    rows = page.locator("a.ticket-row")
    await expect(rows).to_have_count(2)
    bar = page.get_by_role("group", name="Filters")
    await bar.get_by_label("Custom field").select_option(label="Plan: Pro")
    await expect(page).to_have_url(re.compile(r"field=plan(:|%3A)Pro"))
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("Upgrade our subscription")
    # A number field by a condition typed beside the select; one it cannot read says how.
    await bar.get_by_label("Custom field").select_option(label="Seats: compared…")
    condition = bar.get_by_label("Value of Seats")
    await expect(condition).to_be_focused()
    await condition.fill("many")
    await condition.press("Enter")
    await expect(bar.get_by_role("alert")).to_contain_text("Write 5, >5")
    await condition.fill(">10")
    await condition.press("Enter")
    await expect(page).to_have_url(re.compile(r"field=seats(:|%3A)(>|%3E)10"))
    await expect(rows).to_have_count(1)
    await shoot(page, screenshots, "fields-filter")
    await page.get_by_role("button", name="Save as view").click()
    dialog = page.get_by_role("dialog", name="Save these filters as a view")
    await dialog.get_by_label("Name").fill("Big teams")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/views/\d+$"))
    await expect(rows).to_have_count(1)

    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "ticket fields")
    await settings.emulate_media(color_scheme="dark")
    await settings.goto(f"{live}/settings/fields")
    await expect(settings.get_by_test_id("fields-ticket")).to_contain_text("plan")
    # Pro renamed: the ticket holding it holds the new name.
    renaming = settings.get_by_role("form", name="Rename an option of Plan")
    await renaming.get_by_label("Option of Plan to rename").select_option("Pro")
    await renaming.get_by_label("New name").fill("Professional")
    await renaming.get_by_role("button", name="Rename").click()
    await expect(settings.get_by_text("“Pro” is now “Professional”")).to_be_visible()
    assert (await api("GET", f"/api/v1/tickets/{ticket['id']}"))["fields"]["plan"] == "Professional"
    await expect_dark(settings, "fields settings")
    await shoot(settings, screenshots, "dark-fields-settings")
    await settings.context.close()
    await page.context.close()


async def test_the_rule_and_macro_editors_name_fields_by_kind(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    """A rule "when a ticket is created, if Plan is Pro and Seats is at least 10, tick VIP", and
    a macro that sets Plan, made in the editors (screenshots desk-rule-fields.png and
    desk-macro-fields.png)."""
    inbox = await desk.inbox(name="Support")
    owner = await desk.user(name="Olga Owner", role="owner")
    await desk.add_member(inbox, owner)
    page = await open_desk(browser, live, owner)
    api = PageApi(page, live)
    for field in (
        {"label": "Plan", "kind": "list", "options": ["Free", "Pro", "Enterprise"]},
        {"label": "Seats", "kind": "number"},
        {"label": "VIP", "kind": "checkbox"},
    ):
        await api("POST", "/api/v1/fields", {"object": "ticket", **field}, status=201)

    await page.goto(f"{live}/settings/rules")
    await page.get_by_role("button", name="Add a rule").click()
    editor = page.locator("form.editor")
    await editor.get_by_label("Name").fill("Big Pro accounts")
    for key, op, value in (("plan", None, "Pro"), ("seats", "is at least", "10")):
        await editor.get_by_role("button", name="Add a condition").click()
        row = editor.locator("[data-condition]").last
        await row.locator("select").first.select_option(label="Ticket field")
        await row.get_by_label("Field", exact=True).select_option(key)
        if op:
            await row.locator("select").nth(2).select_option(label=op)
        value_input = row.get_by_label(f"Value of {'Plan' if key == 'plan' else 'Seats'}")
        if key == "plan":
            await value_input.select_option(value)
        else:
            await value_input.fill(value)
    await editor.get_by_role("button", name="Add a field").nth(0).click()
    setting = editor.get_by_test_id("rule-set-fields").locator("[data-setting]")
    await setting.get_by_label("Field", exact=True).select_option(label="VIP")
    await expect(setting.get_by_label("Value of VIP")).to_have_value("true")
    await assert_accessible(page, "rule editor with fields")
    await editor.get_by_test_id("rule-set-fields").scroll_into_view_if_needed()
    await shoot(page, screenshots, "rule-fields")
    shutil.copy(screenshots / "desk-rule-fields.png", DOCS_IMAGES)
    await editor.get_by_role("button", name="Save").click()
    rule = page.locator('[data-rule="Big Pro accounts"]')
    said = "Ticket field Plan is Pro & Ticket field Seats is at least 10"
    await expect(rule).to_contain_text(said)
    await expect(rule).to_contain_text("Tick VIP")
    (saved,) = await api("GET", "/api/v1/rules")
    assert saved["conditions"][1] == {
        "field": "ticket_field",
        "key": "seats",
        "op": "gte",
        "value": 10,
    }
    assert saved["actions"] == [{"type": "set_fields", "fields": {"vip": True}}]

    await page.goto(f"{live}/macros")
    await page.get_by_role("button", name="Add a macro").click()
    editor = page.locator("form.editor")
    await editor.get_by_label("Name").fill("Upgraded to Enterprise")
    settings = editor.get_by_test_id("macro-set-fields")
    await settings.get_by_role("button", name="Add a field").click()
    await settings.get_by_role("button", name="Add a field").click()
    rows = settings.locator("[data-setting]")
    await rows.nth(0).get_by_label("Value of Plan").select_option("Enterprise")
    await rows.nth(1).get_by_label("Value of Seats").fill("50")
    await assert_accessible(page, "macro editor with fields")
    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "macro editor with fields")
    await shoot(page, screenshots, "dark-macro-fields")
    await page.emulate_media(color_scheme="light")
    await settings.scroll_into_view_if_needed()
    await shoot(page, screenshots, "macro-fields")
    shutil.copy(screenshots / "desk-macro-fields.png", DOCS_IMAGES)
    await editor.get_by_role("button", name="Save").click()
    macro = page.locator('[data-macro="Upgraded to Enterprise"]')
    await expect(macro).to_contain_text("Set Plan to Enterprise · Set Seats to 50")
    await page.context.close()
