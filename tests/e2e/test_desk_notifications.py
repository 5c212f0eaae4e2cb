"""Notifications in real Chromium (issue #17): Ada @mentions Bob in a private note; the mention
reaches Bob's bell live, with no reload; the panel lists it, a click opens the ticket (which Bob
now follows) and marks it read. The preferences page shows the choices and the push switch,
and saves a choice (screenshots: screenshots/desk-notifications-*, light and dark)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect

from tests.e2e.desk import (
    DESK_TESTS,
    ApiClient,
    PageApi,
    api_as,
    assert_accessible,
    open_desk,
    shoot,
)
from tests.e2e.test_desk_dark import expect_dark

pytestmark = DESK_TESTS


def bell(page: Page) -> Any:
    return page.get_by_test_id("notification-bell")


async def _ticket_with_mention(
    desk: Any, live: str, browser: Browser
) -> tuple[ApiClient, Page, dict[str, Any], dict[str, Any]]:
    inbox = await desk.inbox(name="Acme Support")
    ada = await desk.user(name="Ada Lovelace")
    bob = await desk.user(name="Bob Noyce")
    for user in (ada, bob):
        await desk.add_member(inbox, user)
    bob_page = await open_desk(browser, live, bob)
    await expect(bell(bob_page)).to_have_attribute("aria-label", "Notifications")
    ada_api = await api_as(desk, ada)
    ticket = await ada_api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora Customer"},
            "subject": "Refund for order 1042",
        },
        status=201,
    )
    ada_page = await open_desk(browser, live, ada, path=f"/tickets/{ticket['id']}")
    await ada_page.get_by_role("tab", name="Private note").click()
    handle = bob["email"].split("@")[0]
    box = ada_page.locator("#reply-text")
    # Typing @ offers the agents who see the ticket; Enter inserts the handle.
    await box.press_sequentially("@Bo")
    options = ada_page.get_by_role("listbox", name="Agents to mention").get_by_role("option")
    await expect(options).to_have_count(1)
    await expect(options.first).to_contain_text("Bob Noyce")
    await box.press("Enter")
    await box.press_sequentially("can you approve this refund?")
    await expect(box).to_have_value(f"@{handle} can you approve this refund?")
    await ada_page.get_by_role("button", name="Add note").click()
    # The author sees whom the mention told.
    await expect(ada_page.get_by_text("Notified: Bob Noyce")).to_be_visible()
    await ada_page.context.close()
    return ada_api, bob_page, ticket, bob


async def test_a_mention_arrives_live_and_opens_the_ticket(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    ada, bob_page, ticket, _bob = await _ticket_with_mention(desk, live, browser)
    # The ticket goes on after the mention: the note is far from its newest entries.
    for number in range(15):
        body = {"text": f"Later note {number}\n\nwith a second paragraph"}
        await ada("POST", f"/api/v1/tickets/{ticket['id']}/notes", body, status=201)

    # Live: Bob's desk did not reload.
    await expect(bell(bob_page)).to_have_attribute("aria-label", "Notifications, 1 unread")
    await expect(bell(bob_page).locator(".bell-count")).to_have_text("1")
    await bell(bob_page).click()
    panel = bob_page.get_by_role("dialog", name="Notifications")
    item = panel.locator(".notification-item").first
    await expect(item).to_contain_text(
        f"Ada Lovelace mentioned you on #{ticket['number']} Refund for order 1042"
    )
    await expect(item).to_contain_text("can you approve this refund?")
    await expect(item).to_have_class(re.compile(r"\bunread\b"))
    await assert_accessible(bob_page, "notification panel")
    await shoot(bob_page, screenshots, "notifications-bell")
    # The same panel in dark mode (it had a test of its own, which mentioned Bob all over again).
    await bob_page.emulate_media(color_scheme="dark")
    await expect(panel.locator(".notification-item")).to_have_count(1)
    await expect_dark(bob_page, "notification panel")
    await shoot(bob_page, screenshots, "notifications-bell-dark")
    await bob_page.emulate_media(color_scheme="light")

    await item.click()
    # It opens at the note that named him, marked.
    await expect(bob_page).to_have_url(re.compile(rf"{live}/tickets/{ticket['id']}#entry-\d+$"))
    note = bob_page.locator(".entry.targeted")
    await expect(note).to_contain_text("can you approve this refund?")
    await expect(note).to_be_in_viewport()
    await expect(bob_page.get_by_text("Later note 14", exact=True)).not_to_be_in_viewport()
    # Mentioned, Bob follows the ticket; and the notification is read.
    await expect(bob_page.get_by_test_id("follow-ticket")).to_have_text("Following")
    await expect(bell(bob_page)).to_have_attribute("aria-label", "Notifications")
    await bob_page.get_by_test_id("follow-ticket").click()
    await expect(bob_page.get_by_test_id("follow-ticket")).to_have_text("Follow")


async def test_the_preferences_choose_what_notifies_where(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    user = await desk.user(name="Bob Noyce")
    page = await open_desk(browser, live, user, path="/preferences")
    settings = page.get_by_test_id("notification-settings")
    email = settings.get_by_role("checkbox", name="Email: Someone @mentions me in a note")
    await expect(email).not_to_be_checked()
    await expect(
        settings.get_by_role("checkbox", name="Bell: A ticket is assigned to me")
    ).to_be_checked()
    await email.check()
    await expect(settings.get_by_role("status").first).to_have_text("Saved.")
    # Headless Chromium on loopback has no push service behind it: this browser says "off".
    await expect(page.get_by_test_id("push-state")).to_contain_text("Push is off")
    await settings.scroll_into_view_if_needed()
    await assert_accessible(page, "notification preferences")
    await settings.screenshot(path=str(screenshots / "desk-notifications-preferences.png"))
    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "notification preferences")
    await settings.screenshot(path=str(screenshots / "desk-notifications-preferences-dark.png"))

    saved = await PageApi(page, live)("GET", "/api/v1/notifications/preferences")
    assert saved["preferences"]["mentioned"]["email"] is True
    await page.reload()
    await expect(
        page.get_by_role("checkbox", name="Email: Someone @mentions me in a note")
    ).to_be_checked()


async def test_a_refused_permission_is_explained(
    app: FastAPI, desk: Any, live: str, browser: Browser
) -> None:
    user = await desk.user(name="Bob Noyce")
    page = await open_desk(browser, live, user)
    cdp = await page.context.new_cdp_session(page)
    target = await cdp.send("Target.getTargetInfo")
    await cdp.send(
        "Browser.setPermission",
        {
            "permission": {"name": "notifications"},
            "setting": "denied",
            "origin": live,
            "browserContextId": target["targetInfo"]["browserContextId"],
        },
    )
    await page.goto(f"{live}/preferences")
    await expect(page.get_by_test_id("push-state")).to_contain_text(
        "This browser blocks notifications for the desk"
    )
    await expect(page.get_by_role("button", name="Turn on push here")).to_be_disabled()
