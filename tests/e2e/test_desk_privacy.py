"""Customer data rights in real Chromium: an admin downloads a customer's data from their record
on the ticket page, then erases them after typing their address; the desk goes back to the list
and the ticket is gone. An agent sees neither button (screenshots docs/images/privacy-*.png)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
EMAIL = "cora.lindqvist@example.org"


def publish(screenshots: Path, name: str) -> None:
    shutil.copy(screenshots / f"desk-{name}.png", DOCS_IMAGES / f"{name}.png")


async def test_an_admin_exports_then_erases_a_customer(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    olga = await desk.user(role="owner", name="Olga Owner")
    agent = await desk.user(role="agent", name="Anna Agent")
    for user in (olga, agent):
        await desk.add_member(inbox, user)
    page = await open_desk(browser, live, olga)
    api = PageApi(page, live)
    ticket = await api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": inbox["id"],
            "customer": {"email": EMAIL, "name": "Cora Lindqvist"},
            "subject": "Where is my parcel?",
        },
        status=201,
    )
    await api(
        "POST",
        f"/api/v1/tickets/{ticket['id']}/replies",
        {"text": "It left our warehouse yesterday.", "then": "hold"},
        status=201,
    )
    other = await api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": inbox["id"],
            "customer": {"email": "boris@example.net", "name": "Boris Okonkwo"},
            "subject": "Invoice copy",
        },
        status=201,
    )

    await page.goto(f"{live}/tickets/{ticket['id']}")
    privacy = page.get_by_test_id("customer-privacy")
    await expect(privacy).to_be_visible()
    async with page.expect_download() as downloading:
        await privacy.get_by_role("link", name="Export data").click()
    download = await downloading.value
    assert download.suggested_filename.endswith("-export.zip")
    saved = await download.path()
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
        assert f"tickets/{ticket['id']}.json" in names
        thread = json.loads(archive.read(f"tickets/{ticket['id']}.json"))
    assert any("warehouse" in entry["text"] for entry in thread["entries"])
    assert f"tickets/{other['id']}.json" not in names
    await privacy.scroll_into_view_if_needed()
    await shoot(page, screenshots, "privacy-customer")
    publish(screenshots, "privacy-customer")

    await privacy.get_by_role("button", name="Erase customer…").click()
    dialog = page.get_by_role("dialog", name="Erase Cora Lindqvist?")
    await expect(dialog).to_be_visible()
    confirm = dialog.get_by_role("button", name="Erase for good")
    await expect(confirm).to_be_disabled()
    await dialog.get_by_label("Type one of their addresses").fill("boris@example.net")
    await confirm.click()
    await expect(dialog.get_by_role("alert")).to_contain_text("to confirm the erasure")
    await dialog.get_by_label("Type one of their addresses").fill(EMAIL.upper())
    await assert_accessible(page, "erase dialog")
    await shoot(page, screenshots, "privacy-erase")
    publish(screenshots, "privacy-erase")
    await page.emulate_media(color_scheme="dark")
    await shoot(page, screenshots, "privacy-erase-dark")
    publish(screenshots, "privacy-erase-dark")
    await page.emulate_media(color_scheme="light")
    await confirm.click()
    await expect(page).to_have_url(f"{live}/inboxes/{inbox['id']}/open")
    rows = page.locator("a.ticket-row")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Invoice copy")
    await shoot(page, screenshots, "privacy-after")
    publish(screenshots, "privacy-after")
    await api("GET", f"/api/v1/tickets/{ticket['id']}", status=404)

    anna = await open_desk(browser, live, agent)
    await anna.goto(f"{live}/tickets/{other['id']}")
    await expect(anna.get_by_role("heading", name="Customer")).to_be_visible()
    await expect(anna.get_by_test_id("customer-privacy")).to_have_count(0)
