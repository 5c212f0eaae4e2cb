"""Customers → Import… in real Chromium: an admin chooses a small CSV file with one bad row, the
preview says how the columns were read, what importing will do and the bad row in the server's
words; Import creates the customers, the summary says so, and the list shows them. An agent has
no Import button. The dialog passes the accessibility check (screenshot
docs/images/desk-customers-import.png)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"

SHEET = (
    "Full name;E-mail;Phone number;Company\n"
    "Jane Doe;jane@example.org;+33 6 12 34 56 78;Acme\n"
    "Alan Turing;alan@example.org;;Bletchley Park\n"
    "Bob;bob@;;\n"
    "Grace Hopper;grace@example.org;+1 555 0100;Navy\n"
)


async def test_an_admin_previews_then_imports_a_csv_file(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path, tmp_path: Path
) -> None:
    agent = await desk.user(name="Ada Agent")
    agent_page = await open_desk(browser, live, agent, path="/customers")
    await expect(agent_page.get_by_role("heading", name="Customers", level=1)).to_be_visible()
    await expect(agent_page.get_by_role("link", name="New customer")).to_be_visible()
    await expect(agent_page.get_by_role("button", name="Import…")).to_have_count(0)

    admin = await desk.user(role="admin", name="Olga Admin")
    page = await open_desk(browser, live, admin, path="/customers")
    api = PageApi(page, live)
    # Grace is in the desk already, named by an agent: the file only gives her a phone.
    await api(
        "POST",
        "/api/v1/customers",
        {"name": "Rear Admiral Hopper", "emails": ["grace@example.org"]},
        201,
    )
    sheet = tmp_path / "customers.csv"
    sheet.write_text(SHEET, encoding="utf-8-sig")

    await page.get_by_role("button", name="Import…").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_role("heading", name="Import customers")).to_be_visible()
    await shoot(page, screenshots, "customers-import-choose")
    await dialog.get_by_label("CSV file").set_input_files(sheet)
    await expect(dialog.get_by_role("heading", name="Preview of customers.csv")).to_be_visible()
    await expect(dialog).to_contain_text(
        "Email from “E-mail”, name from “Full name”, phone from “Phone number”"
    )
    await expect(dialog).to_contain_text("Ignored: Company")
    counts = dialog.get_by_test_id("customers-import-counts")
    await expect(counts).to_contain_text("Will create2")
    await expect(counts).to_contain_text("Will update1")
    await expect(counts).to_contain_text("Errors1")
    await expect(dialog.locator("tr[data-row='4']")).to_contain_text(
        "'bob@' is not an email address."
    )
    await expect(dialog.locator("tr[data-row='5']")).to_contain_text("Fills in the phone")
    await expect(dialog.get_by_role("listitem")).to_have_text(
        ["Row 4: 'bob@' is not an email address."]
    )
    await assert_accessible(page, "the import's preview")
    await shoot(page, screenshots, "customers-import")
    shutil.copy(screenshots / "desk-customers-import.png", DOCS_IMAGES)
    # The preview wrote nothing.
    assert (await api("GET", "/api/v1/customers?email=jane@example.org"))["items"] == []

    await dialog.get_by_role("button", name="Import 3 customers").click()
    await expect(dialog.get_by_role("heading", name="Import finished")).to_be_visible()
    await expect(dialog).to_contain_text("customers.csv: 4 rows read.")
    await expect(counts).to_contain_text("Created2")
    await expect(counts).to_contain_text("Updated1")
    await shoot(page, screenshots, "customers-import-done")
    await dialog.get_by_role("button", name="Close").click()
    await expect(dialog).to_be_hidden()

    rows = page.get_by_test_id("customers").locator("tbody tr[data-customer-id]")
    await expect(rows).to_have_count(3)
    await expect(rows.nth(0)).to_contain_text("Alan Turing")
    await expect(rows.nth(1)).to_contain_text("Jane Doe")
    await expect(rows.nth(1)).to_contain_text("+33612345678")
    await expect(rows.nth(2)).to_contain_text("Rear Admiral Hopper")
    await expect(rows.nth(2)).to_contain_text("+15550100")
