"""Search in real Chromium: an agent types a word without its accents in the desk's search box
and gets the best matches first, the matched words marked in the subject and in a snippet of the
message, and user text shown as text, never as HTML (screenshot docs/images/search.png)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def test_search_from_the_desk_marks_what_matched(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Agent")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)

    async def ticket(subject: str, customer: str, note: str | None = None) -> None:
        name = customer.split("@")[0].replace(".", " ").title()
        body: dict[str, Any] = {
            "inbox_id": inbox["id"],
            "customer": {"email": customer, "name": name},
            "subject": subject,
        }
        if note:
            body["note"] = note
        await api("POST", "/api/v1/tickets", body, status=201)

    await ticket(
        "Question about billing",
        "noor.haddad@example.com",
        note="Hello, I attached my résumé to the application, can you confirm you received it?",
    )
    await ticket("Printer on floor 3", "li.wei@example.org", note="It prints blank pages.")
    await ticket("Résumé <b>draft</b> review", "jane.doe@example.com")

    search = page.get_by_role("search").get_by_role("searchbox")
    await search.fill("resume")
    await search.press("Enter")
    rows = page.get_by_role("list", name="Tickets").locator("a.ticket-row")
    await expect(rows).to_have_count(2)
    # The subject match first; the user's markup is shown as the characters they typed.
    await expect(rows.nth(0).locator(".subject")).to_have_text("Résumé <b>draft</b> review")
    await expect(rows.nth(0).locator(".subject mark")).to_have_text("Résumé")
    await expect(rows.nth(0).locator(".subject b")).to_have_count(0)
    await expect(rows.nth(1).locator(".subject")).to_have_text("Question about billing")
    await expect(rows.nth(1).locator(".snippet mark")).to_have_text("résumé")
    await expect(rows.nth(1).locator(".snippet")).to_contain_text("I attached my résumé")
    await expect(page.get_by_text("Best matches first.")).to_be_visible()
    await assert_accessible(page, "Search results")
    await shoot(page, screenshots, "search")
    shutil.copy(screenshots / "desk-search.png", DOCS_IMAGES / "search.png")

    # Part of an email address finds the customer's ticket.
    await search.fill("li.wei@")
    await search.press("Enter")
    await expect(rows).to_have_count(1)
    await expect(rows.nth(0).locator(".subject")).to_have_text("Printer on floor 3")

    await page.emulate_media(color_scheme="dark")
    await search.fill("resume")
    await search.press("Enter")
    await expect(rows).to_have_count(2)
    await shoot(page, screenshots, "search-dark")
