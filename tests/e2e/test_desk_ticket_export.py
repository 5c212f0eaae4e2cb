"""Export CSV on the ticket list in real Chromium (docs/desk.md, "Exporting a list"): the file is
the list on screen with its filters, every ticket of it (more than a page's worth), downloaded
by a plain link with the session cookie; in French too."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.e2e.desk import DESK_TESTS, api_as, open_desk, shoot

pytestmark = DESK_TESTS


async def downloaded(page: Page, name: str) -> list[dict[str, str]]:
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name=name).click()
    download = await download_info.value
    assert download.suggested_filename.startswith("frontdesk-tickets-")
    assert download.suggested_filename.endswith(".csv")
    text = await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


async def test_export_csv_downloads_the_list_on_screen(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    other = await desk.inbox(name="Billing")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    api = await api_as(desk, ada)
    admin = await api_as(desk, await desk.user(role="admin"))
    vip = await admin("POST", "/api/v1/labels", {"name": "vip"}, status=201)
    # More than a page of the list (25): the file has them all.
    subjects = [f"Order {n:02}" for n in range(30)]
    for n, subject in enumerate(subjects):
        await api(
            "POST",
            "/api/v1/tickets",
            {
                "inbox_id": inbox["id"],
                "customer": {"email": f"c{n}@example.org", "name": f"Customer {n}"},
                "subject": subject,
                "label_ids": [vip["id"]] if n < 3 else [],
                "state": "closed" if n == 29 else "open",
            },
            status=201,
        )
    await admin(
        "POST",
        "/api/v1/tickets",
        {"inbox_id": other["id"], "customer": {"email": "x@example.org"}, "subject": "Theirs"},
        status=201,
    )

    page = await open_desk(browser, live, ada, path=f"/inboxes/{inbox['id']}/open")
    await expect(page.locator("a.ticket-row")).to_have_count(25)
    await shoot(page, screenshots, "ticket-export")
    rows = await downloaded(page, "Export CSV")
    # The Open folder: every open ticket, newest change first, as the list shows them.
    assert [row["subject"] for row in rows] == list(reversed(subjects[:29]))
    assert rows[0]["inbox"] == "Support"
    assert rows[-1]["customer_email"] == "c0@example.org"
    assert rows[-1]["labels"] == "vip"

    # A filtered list: only its tickets.
    await page.goto(f"{live}/tickets?label_id={vip['id']}&sort=number")
    await expect(page.locator("a.ticket-row")).to_have_count(3)
    await shoot(page, screenshots, "ticket-export-filtered")
    rows = await downloaded(page, "Export CSV")
    assert [row["subject"] for row in rows] == subjects[:3]

    # In French.
    await api("PATCH", "/api/v1/me", {"preferences": {"language": "fr"}})
    await page.goto(f"{live}/inboxes/{inbox['id']}/closed")
    await expect(page.locator("a.ticket-row")).to_have_count(1)
    rows = await downloaded(page, "Exporter en CSV")
    assert [row["subject"] for row in rows] == [subjects[29]]
