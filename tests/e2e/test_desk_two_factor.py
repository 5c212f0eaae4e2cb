"""Two-factor authentication in real Chromium: an agent sets it up from Preferences → Security
(the code typed is computed here from the key the page shows), logs out, and logs back in with
a code; an owner requires it of agents in Settings → Security, and an agent without it sees only
the set-up screen (screenshots: docs/images/two-factor-*.png)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from frontdesk.users import totp
from tests.clock import FrozenClock
from tests.e2e.desk import DESK_TESTS, assert_accessible, log_in, open_desk, user_menu
from tests.e2e.settle import settled

pytestmark = DESK_TESTS

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def picture(page: Page, name: str) -> None:
    await settled(page)
    await page.screenshot(path=str(IMAGES / f"two-factor-{name}.png"))


async def secret_shown(page: Page) -> str:
    key = page.get_by_test_id("two-factor-secret")
    await expect(key).to_be_visible()
    secret = await key.get_attribute("data-secret")
    assert secret
    # What a person would type: the grouped key, spaces ignored.
    assert (await key.inner_text()).replace(" ", "") == secret
    return secret


async def test_set_up_log_out_and_log_in_with_a_code(
    desk: Any, live: str, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server's clock stands still, so that the test chooses which 30-second step it is in.
    clock = FrozenClock(monkeypatch, datetime.now(UTC))
    ada = await desk.user(name="Ada Agent")
    page = await open_desk(browser, live, ada)

    await page.goto(f"{live}/preferences")
    section = page.get_by_test_id("security-preferences")
    await expect(section.get_by_test_id("two-factor-state")).to_contain_text("Off")
    await section.get_by_role("button", name="Set up two-factor authentication").click()
    secret = await secret_shown(page)
    await expect(section.get_by_role("img", name="QR code to scan")).to_be_visible()
    await section.scroll_into_view_if_needed()
    await assert_accessible(page, "two-factor setup")
    await picture(page, "setup")

    # The password too: a session left open is not enough to turn it on.
    await section.get_by_label("Enter the 6-digit code").fill(totp.code_at(secret, clock.now))
    await section.get_by_label("Enter your password").fill("not my password")
    await section.get_by_role("button", name="Turn on").click()
    await expect(section.get_by_role("alert")).to_contain_text("not your password")
    await section.get_by_label("Enter the 6-digit code").fill("000000")
    await section.get_by_label("Enter your password").fill("correct horse battery")
    await section.get_by_role("button", name="Turn on").click()
    await expect(section.get_by_role("alert")).to_contain_text("not right")
    # A wrong code keeps the password typed.
    await expect(section.get_by_label("Enter your password")).to_have_value("correct horse battery")
    await section.get_by_label("Enter the 6-digit code").fill(totp.code_at(secret, clock.now))
    await section.get_by_role("button", name="Turn on").click()
    codes = section.get_by_test_id("recovery-codes")
    await expect(codes.locator("li")).to_have_count(10)
    recovery = [code.strip() for code in await codes.locator("li").all_inner_texts()]
    await picture(page, "recovery-codes")
    await section.get_by_role("button", name="I have saved them").click()
    await expect(section.get_by_test_id("two-factor-state")).to_contain_text("Since")
    await expect(section).to_contain_text("Recovery codes left: 10 of 10.")

    await user_menu(page).click()
    await page.get_by_role("menuitem", name="Log out").click()
    await expect(page.get_by_role("heading", name="Log in to your desk")).to_be_visible()
    await log_in(page, ada["email"], "correct horse battery")
    code_form = page.get_by_role("form", name="Two-factor authentication")
    await expect(code_form).to_be_visible()
    await expect(code_form.get_by_label("Code")).to_be_focused()
    await assert_accessible(page, "two-factor login")
    # The code just used to turn it on does not work twice.
    await code_form.get_by_label("Code").fill(totp.code_at(secret, clock.now))
    await code_form.get_by_role("button", name="Verify").click()
    await expect(code_form.get_by_role("alert")).to_contain_text("already used")
    await picture(page, "login")

    clock.advance(seconds=30)
    await code_form.get_by_label("Code").fill(totp.code_at(secret, clock.now))
    await code_form.get_by_role("button", name="Verify").click()
    await expect(user_menu(page)).to_contain_text("Ada Agent")

    # A recovery code works too, and the desk says how many are left.
    await user_menu(page).click()
    await page.get_by_role("menuitem", name="Log out").click()
    await expect(page.get_by_role("heading", name="Log in to your desk")).to_be_visible()
    await log_in(page, ada["email"], "correct horse battery")
    await code_form.get_by_label("Code").fill(recovery[0])
    await code_form.get_by_role("button", name="Verify").click()
    await expect(user_menu(page)).to_contain_text("Ada Agent")
    await expect(page.get_by_role("alert")).to_contain_text("recovery code: 9 left")
    await page.context.close()


async def test_an_owner_requires_it_and_an_agent_can_only_set_it_up(
    desk: Any, live: str, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, datetime.now(UTC))
    olga = await desk.user(role="owner", name="Olga Owner")
    bob = await desk.user(name="Bob Agent")
    carl = await desk.user(name="Carl Agent")
    # Bob is at work when the rule changes.
    bob_page = await open_desk(browser, live, bob)
    page = await open_desk(browser, live, olga)
    await page.goto(f"{live}/settings/security")
    policy = page.get_by_test_id("two-factor-policy")
    await policy.get_by_label("Agents", exact=True).check()
    await expect(policy.get_by_role("status")).to_contain_text("Saved")
    await assert_accessible(page, "security settings")
    await picture(page, "policy")
    await page.context.close()

    # His open desk gives way to the set-up screen at once, without his doing anything: it
    # hears no more of the desk's events until he has set it up.
    await expect(
        bob_page.get_by_role("region", name="Set up two-factor authentication")
    ).to_be_visible()
    await expect(bob_page.get_by_role("navigation", name="Main")).to_have_count(0)
    await bob_page.context.close()

    # Carl signs in after: the set-up screen and nothing else.
    context = await browser.new_context(viewport={"width": 1360, "height": 860})
    page = await context.new_page()
    await page.goto(f"{live}/login")
    await log_in(page, carl["email"], "correct horse battery")
    screen = page.get_by_role("region", name="Set up two-factor authentication")
    await expect(screen).to_be_visible()
    await expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    secret = await secret_shown(page)
    await page.emulate_media(color_scheme="dark")
    await picture(page, "required-dark")
    await page.emulate_media(color_scheme="light")
    await picture(page, "required")

    await screen.get_by_label("Enter the 6-digit code").fill(totp.code_at(secret, clock.now))
    await screen.get_by_label("Enter your password").fill("correct horse battery")
    await screen.get_by_role("button", name="Turn on").click()
    await expect(screen.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    await screen.get_by_role("button", name="I have saved them").click()
    await expect(user_menu(page)).to_contain_text("Carl Agent")
    await context.close()


async def test_a_new_password_from_preferences_needs_the_current_one(
    desk: Any, live: str, browser: Browser
) -> None:
    ada = await desk.user(name="Ada Agent")
    page = await open_desk(browser, live, ada)
    await page.goto(f"{live}/preferences")
    form = page.get_by_test_id("password-change")
    await form.get_by_label("Current password").fill("not my password")
    await form.get_by_label("New password", exact=True).fill("a much longer passphrase")
    await form.get_by_label("New password again").fill("a much longer passphrase")
    await form.get_by_role("button", name="Change password").click()
    await expect(form.get_by_role("alert")).to_contain_text("not your current password")

    await form.get_by_label("Current password").fill("correct horse battery")
    await form.get_by_role("button", name="Change password").click()
    await expect(form.get_by_role("status")).to_contain_text("Your password was changed")
    await form.scroll_into_view_if_needed()
    await picture(page, "password")
    await page.context.close()

    context = await browser.new_context(viewport={"width": 1360, "height": 860})
    page = await context.new_page()
    await page.goto(f"{live}/login")
    await log_in(page, ada["email"], "a much longer passphrase")
    await expect(user_menu(page)).to_contain_text("Ada Agent")
    await context.close()
