"""The inbox's mailbox at a mail provider, as an admin sets it up in Settings → Inboxes: against a
real Dovecot, a wrong password shows its error in the form, the right one shows what was fetched,
and the password is never sent back to the page."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, Route, expect

from frontdesk.mail.fetching import fetch_due_mailboxes
from tests.conftest import Desk
from tests.e2e.desk import DESK_TESTS, assert_accessible, open_desk, shoot
from tests.mail.dovecot import Dovecot, message, running_dovecot

pytestmark = DESK_TESTS


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot() as server:
        yield server


async def open_inbox_settings(page: Page) -> None:
    await page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    await (
        page.get_by_role("navigation", name="Settings").get_by_role("link", name="Inboxes").click()
    )
    await expect(
        page.get_by_role("heading", name="Mailbox at your mail provider (IMAP)")
    ).to_be_visible()


async def test_an_admin_connects_a_mailbox_and_sees_its_status(
    app: FastAPI, browser: Browser, live: str, desk: Desk, dovecot: Dovecot, screenshots: Path
) -> None:
    await desk.inbox(name="Support", email_address=dovecot.user)
    admin = await desk.user(role="admin", name="Ada Admin")
    page = await open_desk(browser, live, admin)
    # The stored mailbox arrives late, as on a slow link: what the admin types meanwhile is
    # not overwritten when it does.
    held = asyncio.Event()

    async def late(route: Route) -> None:
        if route.request.method == "GET" and not held.is_set():
            held.set()
            await asyncio.sleep(1.5)
        await route.continue_()

    await page.route(re.compile(r"/api/v1/inboxes/\d+/mailbox$"), late)
    await open_inbox_settings(page)
    form = page.locator(
        "form", has=page.get_by_role("heading", name="Mailbox at your mail provider (IMAP)")
    )
    await form.get_by_label("IMAP server").fill(dovecot.host)
    await form.get_by_label(re.compile("^Security")).select_option("plain")
    await form.get_by_label(re.compile("^Port")).fill(str(dovecot.port))
    await expect(form.get_by_label("User name", exact=True)).to_have_value(dovecot.user)
    await form.get_by_label("Password", exact=True).fill("wrong-password")
    await form.get_by_role("button", name="Save mailbox").click()
    await expect(form.get_by_role("status")).to_have_text("Saved.")
    await expect(form.get_by_test_id("mailbox-status")).to_contain_text("Not yet")
    assert held.is_set()

    dovecot.deliver([message(subject="Lost parcel", body="Where is it?")])
    settings = app.state.settings
    assert await fetch_due_mailboxes(app.state.sessionmaker, settings) == 0
    await page.reload()
    await open_inbox_settings(page)
    status = form.get_by_test_id("mailbox-status")
    await expect(status.get_by_role("alert")).to_contain_text("the server refused the login")
    await expect(status).to_contain_text("Failed 1 time(s) in a row")
    # The stored password is never sent to the page: the field stays empty.
    await expect(form.get_by_label("Password", exact=True)).to_have_value("")
    await shoot(page, screenshots, "settings-inbox-mailbox-error")
    await assert_accessible(page, "settings: inbox mailbox with an error")

    await form.get_by_label("Password", exact=True).fill(dovecot.password)
    await form.get_by_role("button", name="Save mailbox").click()
    await expect(status.get_by_role("alert")).to_have_count(0)
    assert await fetch_due_mailboxes(app.state.sessionmaker, settings) == 1
    await page.reload()
    await open_inbox_settings(page)
    await expect(status).to_contain_text("Messages fetched")
    await expect(status.locator("dd").nth(1)).to_have_text("1")
    await shoot(page, screenshots, "settings-inbox-mailbox")
