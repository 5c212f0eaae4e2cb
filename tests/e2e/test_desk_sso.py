"""Single sign-on in real Chromium, against the tests' OpenID Connect provider on loopback: an
owner sets the provider up on Settings → Single sign-on, an agent clicks "Sign in with …" and goes
through the provider's redirect into the desk; a person without an account is told why on the
login page; with "SSO only" the password form hides behind "Owner sign-in"
(screenshots: screenshots/desk-sso-*, copied to docs/images/sso-*)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect

from tests.e2e.desk import DESK_TESTS, assert_accessible, log_in, open_desk, shoot, user_menu
from tests.sso.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, Person

pytestmark = DESK_TESTS


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    with OidcProvider() as running:
        yield running


async def new_page(browser: Browser, *, dark: bool = False) -> Page:
    context = await browser.new_context(
        viewport={"width": 1100, "height": 760}, color_scheme="dark" if dark else "light"
    )
    return await context.new_page()


async def test_owner_sets_up_sso_and_an_agent_signs_in_through_the_provider(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    provider: OidcProvider,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The redirect URI is the desk's public address: here, the test server's.
    monkeypatch.setattr(app.state.settings, "public_url", live)
    olga = await desk.user(role="owner", name="Olga Owner")
    amir = await desk.user(name="Amir Agent")

    page = await open_desk(browser, live, olga)
    await page.goto(f"{live}/settings/sso")
    form = page.get_by_role("form", name="Single sign-on")
    await expect(form.get_by_test_id("sso-redirect-uri")).to_have_text(
        f"{live}/api/v1/auth/sso/callback"
    )
    await form.get_by_label("Issuer URL").fill(provider.issuer + "/wrong")
    await form.get_by_role("button", name="Test the provider").click()
    await expect(form.get_by_test_id("sso-test-result")).to_contain_text("HTTP 404")
    await form.get_by_label("Issuer URL").fill(provider.issuer)
    await form.get_by_role("button", name="Test the provider").click()
    await expect(form.get_by_test_id("sso-test-result")).to_contain_text("The provider answered")
    await form.get_by_label("Client ID").fill(CLIENT_ID)
    await form.get_by_label("Client secret").fill(CLIENT_SECRET)
    await form.get_by_label("Button label").fill("Acme ID")
    await form.get_by_label("Turn single sign-on on").check()
    await form.get_by_role("button", name="Save").click()
    await expect(form.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    await expect(form.get_by_text("A secret is saved")).to_be_visible()
    await assert_accessible(page, "Single sign-on settings")
    await shoot(page, screenshots, "sso-settings")

    # Amir, signed in at the provider, clicks the button: provider, callback, desk.
    provider.person = Person(email=amir["email"], name="Amir at Acme")
    agent = await new_page(browser)
    await agent.goto(f"{live}/login")
    button = agent.get_by_role("link", name="Sign in with Acme ID")
    await expect(button).to_be_visible()
    await expect(agent.get_by_label("Password")).to_be_visible()
    await assert_accessible(agent, "Login with single sign-on")
    await shoot(agent, screenshots, "sso-login")
    await button.click()
    await expect(user_menu(agent)).to_contain_text("Amir Agent")
    assert agent.url.startswith(live)
    assert "/login" not in agent.url
    assert provider.token_requests == [("client_secret_basic", 200)]

    # Someone the desk does not know: back on the login page, told why.
    provider.person = Person(email="stranger@elsewhere.test")
    stranger = await new_page(browser)
    await stranger.goto(f"{live}/login")
    await stranger.get_by_role("link", name="Sign in with Acme ID").click()
    await expect(stranger.get_by_test_id("sso-error")).to_have_text(
        "There is no desk account for your email address. Ask an admin to add you."
    )
    assert "/login?sso_error=no_account" in stranger.url
    await shoot(stranger, screenshots, "sso-refused")

    # SSO only: the password form hides behind "Owner sign-in", and owners still get in with it.
    await page.goto(f"{live}/settings/sso")
    await form.get_by_label("Single sign-on only").check()
    await form.get_by_role("button", name="Save").click()
    await expect(form.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    only = await new_page(browser, dark=True)
    await only.goto(f"{live}/login")
    await expect(only.get_by_role("link", name="Sign in with Acme ID")).to_be_visible()
    await expect(only.get_by_label("Password")).to_have_count(0)
    await assert_accessible(only, "Login, single sign-on only")
    await shoot(only, screenshots, "sso-only-dark")
    await only.get_by_role("button", name="Owner sign-in").click()
    await log_in(only, olga["email"], "x")  # a wrong password is still just that
    await expect(only.get_by_role("alert")).to_contain_text("Wrong email or password")
    await shoot(only, screenshots, "sso-owner-sign-in-dark")
