"""Automation rules in real Chromium (issue #16): an admin builds a rule in Settings → Rules,
tries it with a dry run that lists the existing tickets it would touch, saves it, and a new
ticket is labelled by it, its run listed under the rule; a time-based rule says how far it has
gone through the existing tickets (screenshots: desk-rules-*); a rule on the ticket's custom
status, priority and assignee (desk-rule-status-condition)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, expect

from frontdesk.rules import timed, timers
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.e2e.test_desk_macros import make_label

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def test_build_a_rule_with_its_dry_run(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Admin", role="admin")
    bob = await desk.user(name="Bob Billing")
    for user in (ada, bob):
        await desk.add_member(inbox, user)
    await make_label(app, "Billing")
    await make_label(app, "VIP")
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    for n, subject in enumerate(["Refund for order 1042", "Where is my parcel?", "REFUND please"]):
        body = {
            "inbox_id": inbox["id"],
            "customer": {"email": f"c{n}@example.org", "name": f"Cora{n} Customer"},
            "subject": subject,
        }
        await api("POST", "/api/v1/tickets", body, status=201)

    await page.goto(f"{live}/settings/rules")
    await expect(page.get_by_text("No rules yet. Add one with Add a rule.")).to_be_visible()
    await page.get_by_role("button", name="Add a rule").click()
    await page.get_by_label("Name").fill("Refunds to billing")
    await page.get_by_label("When", exact=True).select_option("created")
    # A new rule answers tickets customers create; these are filed as an agent would.
    created_by = page.get_by_label("Created by")
    await expect(created_by).to_have_value("customer")
    await created_by.select_option(label="by anyone")
    await page.get_by_role("button", name="Add a condition").click()
    condition = page.locator("[data-condition]")
    await condition.get_by_label("Subject or message").fill("refund")
    await (
        page.get_by_role("group", name="Then")
        .locator("label.chip-check")
        .filter(has_text="Billing")
        .first.check()
    )
    await page.get_by_label("Assign to").select_option(label="Bob Billing")
    await page.get_by_role("button", name="Dry run").click()
    dry = page.locator("[data-dry-run]")
    await expect(dry).to_contain_text("2 tickets match the conditions now")
    await expect(dry).to_contain_text("Refund for order 1042")
    await expect(dry).to_contain_text("REFUND please")
    await expect(dry).not_to_contain_text("parcel")
    await assert_accessible(page, "rule editor with its dry run")
    await page.set_viewport_size({"width": 1360, "height": 1280})
    await shoot(page, screenshots, "rules-editor")
    await page.set_viewport_size({"width": 1360, "height": 860})

    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Rule “Refunds to billing” created.")).to_be_visible()
    rule = page.locator("[data-rule='Refunds to billing']")
    await expect(rule).to_contain_text("A ticket is created")
    await expect(rule).to_contain_text("Add Billing")

    made = await api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": inbox["id"],
            "customer": {"email": "dan@example.org", "name": "Dan"},
            "subject": "I want a refund",
        },
        status=201,
    )
    after = await api("GET", f"/api/v1/tickets/{made['id']}")
    assert [label["name"] for label in after["labels"]] == ["Billing"]
    assert after["assignee_id"] == bob["id"]
    when = {"type": "in_state", "state": "hold", "hours": 120}
    close = [{"type": "set_state", "state": "closed"}]
    body = {"name": "Close after 5 days on hold", "when": when, "actions": close}
    await api("POST", "/api/v1/rules", body, status=201)
    await page.reload()
    timed_rule = page.locator("[data-rule='Close after 5 days on hold']")
    await expect(timed_rule).to_contain_text("Starts on the existing tickets within a minute.")
    # One batch of a window of two: the first two of the four tickets judged.
    monkeypatch.setattr(timed, "WINDOW", 2)
    monkeypatch.setattr(timers, "BATCHES", 1)
    await timers.run_time_rules(app.state.sessionmaker)
    await page.reload()
    await expect(timed_rule).to_contain_text("Going through the existing tickets: about 50 % done")
    await rule.get_by_role("button", name="Last runs").click()
    await expect(rule).to_contain_text("I want a refund")
    await expect(rule).to_contain_text("done")
    await assert_accessible(page, "rules list with last runs")
    await shoot(page, screenshots, "rules-list")

    await page.goto(f"{live}/tickets/{made['id']}")
    await expect(page.get_by_text("The rule “Refunds to billing” ran")).to_be_visible()
    await shoot(page, screenshots, "rules-timeline")


async def test_a_rule_on_the_status_priority_and_assignee(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    """ "When the customer replies, if the status is Waiting on vendor, nobody has it and it is
    not low: add Chase vendor", built in the editor: the status select lists each state's plain
    status and the custom ones under their state; the dry run finds the one ticket."""
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Admin", role="admin")
    await desk.add_member(inbox, ada)
    await make_label(app, "Chase vendor")
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    vendor = await api(
        "POST", "/api/v1/ticket-statuses", {"name": "Waiting on vendor", "state": "hold"}, 201
    )
    await api("POST", "/api/v1/ticket-statuses", {"name": "In progress", "state": "open"}, 201)
    for n, (subject, extra) in enumerate(
        [
            ("Spare parts for the X200", {"status_id": vendor["id"], "priority": "urgent"}),
            ("Also waiting, but low", {"status_id": vendor["id"], "priority": "low"}),
            ("Plain hold", {"state": "hold"}),
        ]
    ):
        body = {
            "inbox_id": inbox["id"],
            "customer": {"email": f"c{n}@example.org", "name": f"Cora{n} Customer"},
            "subject": subject,
            **extra,
        }
        await api("POST", "/api/v1/tickets", body, status=201)

    await page.goto(f"{live}/settings/rules")
    await page.get_by_role("button", name="Add a rule").click()
    editor = page.locator("form.editor")
    await editor.get_by_label("Name").fill("Customer writes while we wait on the vendor")
    await editor.get_by_label("When", exact=True).select_option("customer_replied")
    for field in ("Status", "Assignee", "Priority"):
        await editor.get_by_role("button", name="Add a condition").click()
        row = editor.locator("[data-condition]").last
        await row.locator("select").first.select_option(label=field)
    status, assignee, priority = (editor.locator("[data-condition]").nth(n) for n in range(3))
    chosen = status.get_by_label("Status")
    # Each state's plain status, then the custom ones under their state.
    await expect(chosen.locator("option")).to_have_text(
        [
            "Choose a status",
            "Open (no finer status)",
            "Hold (no finer status)",
            "Snoozed",
            "Closed",
            "In progress",
            "Waiting on vendor",
        ]
    )
    await expect(chosen.locator("optgroup")).to_have_count(2)
    await chosen.select_option(label="Waiting on vendor")
    await expect(assignee.get_by_label("Assignee")).to_have_value("none")
    await priority.locator("select").nth(1).select_option(label="is not")
    await priority.get_by_label("Priority").select_option(label="Low")
    await (
        editor.get_by_role("group", name="Then")
        .locator("label.chip-check")
        .filter(has_text="Chase vendor")
        .first.check()
    )
    await editor.get_by_role("button", name="Dry run").click()
    dry = editor.locator("[data-dry-run]")
    await expect(dry).to_contain_text("1 ticket matches the conditions now")
    await expect(dry).to_contain_text("Spare parts for the X200")
    await assert_accessible(page, "rule editor with status, assignee and priority conditions")
    await expect(dry).to_contain_text("Spare parts for the X200 · Waiting on vendor · Support")
    await page.set_viewport_size({"width": 1360, "height": 1200})
    await page.locator("#rule-editor-title").evaluate("(title) => title.scrollIntoView()")
    await shoot(page, screenshots, "rule-status-condition")
    shutil.copy(screenshots / "desk-rule-status-condition.png", DOCS_IMAGES)
    await page.set_viewport_size({"width": 1360, "height": 860})

    await editor.get_by_role("button", name="Save").click()
    rule = page.locator("[data-rule='Customer writes while we wait on the vendor']")
    await expect(rule).to_contain_text(
        "Status is “Waiting on vendor” & Assignee is “Nobody” & Priority is not “Low”"
    )
    (saved,) = await api("GET", "/api/v1/rules")
    assert saved["conditions"] == [
        {"field": "status", "op": "is", "value": vendor["id"]},
        {"field": "assignee", "op": "is", "value": None},
        {"field": "priority", "op": "is_not", "value": "low"},
    ]
    # Edited again, the form shows what it says.
    await rule.get_by_role("button", name="Edit").click()
    await expect(editor.locator("[data-condition]").first.get_by_label("Status")).to_have_value(
        f"status-{vendor['id']}"
    )
    # In French the values are in guillemets, with narrow no-break spaces (“…” until 2026-12-07).
    await api("PATCH", "/api/v1/me", {"preferences": {"language": "fr"}})
    await page.reload()
    await expect(rule).to_contain_text("Statut est « Waiting on vendor »")
    assert "«\u202fWaiting on vendor\u202f» & Agent assigné est «\u202fPersonne\u202f»" in (
        await rule.inner_text()
    )
    await shoot(page, screenshots, "rule-list-fr")


async def test_a_rule_in_a_status_for_n_hours(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    """ "Waiting on vendor for 5 days → a note", built in the editor: *In a status for…* offers
    the custom statuses under their state, and the list says the status and the hours."""
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Admin", role="admin")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    await api(
        "POST", "/api/v1/ticket-statuses", {"name": "Waiting on vendor", "state": "hold"}, 201
    )
    await api("POST", "/api/v1/ticket-statuses", {"name": "In progress", "state": "open"}, 201)

    await page.goto(f"{live}/settings/rules")
    await page.get_by_role("button", name="Add a rule").click()
    editor = page.locator("form.editor")
    await editor.get_by_label("Name").fill("Chase the vendor")
    await editor.get_by_label("When", exact=True).select_option(label="In a status for…")
    chosen = editor.locator("[data-when-status]")
    await expect(chosen.locator("option")).to_have_text(
        ["Choose a status", "In progress", "Waiting on vendor"]
    )
    await expect(chosen.locator("optgroup")).to_have_count(2)
    await chosen.select_option(label="Waiting on vendor")
    await editor.locator("input.hours").fill("120")
    await editor.get_by_label("Note").fill("@ada the vendor has not answered for 5 days")
    await assert_accessible(page, "rule editor in a status for N hours")
    await page.locator("#rule-editor-title").evaluate("(title) => title.scrollIntoView()")
    await shoot(page, screenshots, "rule-in-status")
    await editor.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Rule “Chase the vendor” created.")).to_be_visible()
    rule = page.locator("[data-rule='Chase the vendor']")
    await expect(rule).to_contain_text("In a status for… 120 h: Waiting on vendor")
    (saved,) = await api("GET", "/api/v1/rules")
    assert saved["when"]["type"] == "in_status"
    assert saved["when"]["hours"] == 120
