"""An OAuth 2.0 mailbox set up in Settings → Inboxes: the refresh token, client and token endpoint
saved from the form (never shown again), the access token's state after a fetch, and a refresh
token the provider refused shown with what to do, then fixed by saving a new one. Against real
servers on loopback: a token endpoint run by the test and Dovecot checking tokens with it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, expect

from frontdesk.mail.fetching import fetch_due_mailboxes
from tests.conftest import Desk
from tests.e2e.desk import DESK_TESTS, assert_accessible, open_desk, shoot
from tests.e2e.test_desk_imap import open_inbox_settings
from tests.mail.dovecot import USER, message, running_dovecot
from tests.mail.oauth_provider import CLIENT_ID, CLIENT_SECRET, TokenServer

pytestmark = DESK_TESTS


@pytest.fixture
def provider() -> Iterator[TokenServer]:
    with TokenServer(user=USER) as server:
        yield server


async def test_an_admin_connects_an_oauth_mailbox_and_reconnects_it_when_refused(
    app: FastAPI,
    browser: Browser,
    live: str,
    desk: Desk,
    provider: TokenServer,
    screenshots: Path,
) -> None:
    with running_dovecot(tokeninfo_url=provider.tokeninfo_url) as dovecot:
        await desk.inbox(name="Support", email_address=USER)
        admin = await desk.user(role="admin", name="Ada Admin")
        page = await open_desk(browser, live, admin)
        await open_inbox_settings(page)
        form = page.locator(
            "form", has=page.get_by_role("heading", name="Mailbox at your mail provider (IMAP)")
        )
        await form.get_by_label("IMAP server").fill(dovecot.host)
        await form.get_by_label(re.compile("^Security")).select_option("plain")
        await form.get_by_label(re.compile("^Port")).fill(str(dovecot.port))
        await form.get_by_label("Sign-in").select_option("xoauth2")
        await expect(
            form.get_by_role("checkbox", name=re.compile("Renew the access token"))
        ).to_be_checked()
        # The presets fill the token endpoint; any other can be typed.
        await form.get_by_label("Provider").select_option("google")
        await expect(form.get_by_label("Token endpoint", exact=True)).to_have_value(
            "https://oauth2.googleapis.com/token"
        )
        await form.get_by_label("Provider").select_option("other")
        await form.get_by_label("Token endpoint", exact=True).fill(provider.token_url)
        await form.get_by_label("Client ID", exact=True).fill(CLIENT_ID)
        await form.get_by_label("Client secret", exact=True).fill(CLIENT_SECRET)
        grant = provider.grant()
        await form.get_by_label("Refresh token", exact=True).fill(grant)
        await form.get_by_role("button", name="Save mailbox").click()
        await expect(form.get_by_role("status")).to_have_text("Saved.")
        token = form.get_by_test_id("mailbox-token")
        await expect(token).to_contain_text("None current")

        dovecot.deliver([message(subject="Lost parcel", body="Where is it?")])
        settings = app.state.settings
        assert await fetch_due_mailboxes(app.state.sessionmaker, settings) == 1
        await page.reload()
        await open_inbox_settings(page)
        await expect(token).to_contain_text("Valid until")
        # Write-only: neither secret comes back to the page.
        await expect(form.get_by_label("Refresh token", exact=True)).to_have_value("")
        await expect(form.get_by_label("Client secret", exact=True)).to_have_value("")
        await expect(form.get_by_label("Client secret", exact=True)).to_have_attribute(
            "placeholder", "Stored; leave empty to keep it"
        )
        content = await page.content()
        assert grant not in content
        assert CLIENT_SECRET not in content
        await form.get_by_role("group", name="OAuth 2.0").scroll_into_view_if_needed()
        await shoot(page, screenshots, "settings-inbox-mailbox-oauth")

        # The user withdraws access at the provider: the renewal is refused, and the form says
        # what to do.
        provider.revoke_grants()
        dovecot.deliver([message(subject="Still lost", body="Any news?")])
        assert await fetch_due_mailboxes(app.state.sessionmaker, settings) == 0
        await page.reload()
        await open_inbox_settings(page)
        await expect(token.get_by_role("alert")).to_contain_text(
            "The provider refused the refresh token: invalid_grant"
        )
        await expect(token).to_contain_text("Connect the mailbox again")
        await form.get_by_role("group", name="OAuth 2.0").scroll_into_view_if_needed()
        await shoot(page, screenshots, "settings-inbox-mailbox-oauth-refused")
        await page.emulate_media(color_scheme="dark")
        await shoot(page, screenshots, "settings-inbox-mailbox-oauth-refused-dark")
        await page.emulate_media(color_scheme="light")
        await assert_accessible(page, "settings: inbox mailbox with a refused refresh token")

        await form.get_by_label("Refresh token", exact=True).fill(provider.grant())
        await form.get_by_role("button", name="Save mailbox").click()
        await expect(form.get_by_role("status")).to_have_text("Saved.")
        await expect(token.get_by_role("alert")).to_have_count(0)
        assert await fetch_due_mailboxes(app.state.sessionmaker, settings) == 1
        await page.reload()
        await open_inbox_settings(page)
        await expect(token).to_contain_text("Valid until")
