"""Linked tickets in real Chromium (docs/desk.md, "Linked tickets"): an agent finds another
ticket by its number in the sidebar's Linked tickets panel and links it; a colleague with that
ticket open sees the link arrive live, and its timeline line; a ticket of an inbox the agent is
not in shows its number alone; Unlink removes it on both (screenshot saved as
docs/images/desk-ticket-links.png); no serious accessibility violation; dark mode has no light
patches."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.e2e.test_desk_dark import expect_dark

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def test_an_agent_links_two_tickets_in_the_sidebar_and_unlinks_them(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    support = await desk.inbox(name="Support")
    billing = await desk.inbox(name="Billing")
    ada = await desk.user(name="Ada Lovelace")
    ben = await desk.user(name="Ben Okafor")
    owner = await desk.user(name="Olive Owner", role="admin")
    await desk.add_member(support, ada)
    await desk.add_member(support, ben)

    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)

    async def ticket(subject: str, inbox: dict[str, Any], email: str) -> dict[str, Any]:
        body = {
            "inbox_id": inbox["id"],
            "customer": {"email": email, "name": "Cora Customer"},
            "subject": subject,
        }
        made: dict[str, Any] = await api("POST", "/api/v1/tickets", body, status=201)
        return made

    printer = await ticket("Printer prints blank pages", support, "cora@example.org")
    toner = await ticket("Toner <b>empty</b> again", support, "dan@example.org")
    # A ticket of an inbox Ada is not in, linked by an admin who sees both.
    admin = await open_desk(browser, live, owner)
    secret = await PageApi(admin, live)(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": billing["id"],
            "customer": {"email": "eve@example.org", "name": "Eve"},
            "subject": "Secret refund",
        },
        status=201,
    )
    await PageApi(admin, live)(
        "POST", f"/api/v1/tickets/{printer['id']}/links", {"ticket_id": secret["id"]}, status=201
    )

    # Ben has the toner ticket open.
    watcher = await open_desk(browser, live, ben)
    await watcher.goto(f"{live}/tickets/{toner['id']}")
    watched = watcher.get_by_test_id("ticket-links")
    await expect(watched).to_contain_text("No linked tickets")

    await page.goto(f"{live}/tickets/{printer['id']}")
    panel = page.get_by_test_id("ticket-links")
    links = panel.get_by_test_id("ticket-link")
    await expect(links).to_have_count(1)
    await expect(links.nth(0)).to_have_text(f"#{secret['number']} — in an inbox you are not in")
    await expect(panel).not_to_contain_text("Secret")

    # Its own number finds it, and says why it is not offered (not "No ticket found").
    search = panel.get_by_label("Link a ticket")
    await search.fill(f"#{printer['number']}")
    await expect(panel.get_by_test_id("ticket-links-results")).to_have_text(
        "A ticket cannot be linked to itself."
    )

    # Found by its number, linked with Enter.
    await search.fill(f"#{toner['number']}")
    choice = panel.get_by_role("button", name=f"Link #{toner['number']}")
    await expect(choice).to_be_visible()
    await shoot(page, screenshots, "ticket-links-search")
    await search.press("Enter")
    await expect(links).to_have_count(2)
    linked = links.nth(1)
    # Its number, subject (text, never markup), status and inbox, a link to it.
    await expect(linked).to_contain_text(f"#{toner['number']} Toner <b>empty</b> again")
    await expect(linked).to_contain_text("Open")
    await expect(linked).to_contain_text("Support")
    await expect(linked.get_by_role("link")).to_have_attribute("href", f"/tickets/{toner['id']}")
    await expect(search).to_have_value("")

    # Ben sees it arrive, and the line on the toner ticket's timeline.
    await expect(watched.get_by_test_id("ticket-link")).to_have_count(1)
    await expect(watched.get_by_test_id("ticket-link")).to_contain_text(
        f"#{printer['number']} Printer prints blank pages"
    )
    await expect(
        watcher.get_by_text(f"Ada Lovelace linked this ticket to #{printer['number']}")
    ).to_be_visible()

    await assert_accessible(page, "linked tickets")
    await panel.scroll_into_view_if_needed()
    await shoot(page, screenshots, "ticket-links")
    shutil.copy(screenshots / "desk-ticket-links.png", DOCS_IMAGES)
    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "linked tickets")
    await shoot(page, screenshots, "ticket-links-dark")
    await page.emulate_media(color_scheme="light")

    # Followed from the panel: the other ticket lists this one.
    await linked.get_by_role("link").click()
    await expect(page).to_have_url(f"{live}/tickets/{toner['id']}")
    await expect(panel.get_by_test_id("ticket-link")).to_have_count(1)
    await expect(panel.get_by_test_id("ticket-link")).to_contain_text(
        f"#{printer['number']} Printer prints blank pages"
    )

    # Unlinked with one click, gone on both desks.
    await panel.get_by_role("button", name=f"Unlink #{printer['number']}").click()
    await expect(panel).to_contain_text("No linked tickets")
    await expect(watched).to_contain_text("No linked tickets")
    await page.goto(f"{live}/tickets/{printer['id']}")
    await expect(panel.get_by_test_id("ticket-link")).to_have_count(1)
