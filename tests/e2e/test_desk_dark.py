"""The desk in dark mode (issue #12): it follows the system's setting, every screen goes dark with
nothing left light but the emails themselves, and every screen stays readable (axe)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.desk import (
    DESK_TESTS,
    PageApi,
    assert_accessible,
    bar_item,
    go_online,
    log_in,
    seed_tickets,
    set_online,
    shoot,
    three_chats,
    user_menu,
)

pytestmark = DESK_TESTS

# Every element whose own background is light, as "tag.class text…", leaving out what is light on
# purpose: an email's own HTML (mail clients keep it light too), and the colours an admin picked
# (label swatches, the messenger's brand colour preview).
LIGHT_PATCHES = """() => {
  const light = (color) => {
    const m = color.match(/rgba?\\(([\\d.]+), ([\\d.]+), ([\\d.]+)(?:, ([\\d.]+))?\\)/);
    if (!m || (m[4] !== undefined && Number(m[4]) < 0.5)) return false;
    const [r, g, b] = [m[1], m[2], m[3]].map(Number);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 200;
  };
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("iframe.mail, .swatch")) continue;
    // The messenger settings' preview of the brand colour.
    if (el.style.background && el.closest('[aria-hidden="true"]')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden") continue;
    if (light(style.backgroundColor)) {
      const text = (el.textContent || "").trim().slice(0, 30);
      found.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} ${text}`);
    }
  }
  return found;
}"""


async def expect_dark(page: Page, screen: str) -> None:
    assert await page.evaluate(LIGHT_PATCHES) == [], f"{screen}: light patches in dark mode"


async def dark_desk(browser: Browser, live: str) -> Page:
    context = await browser.new_context(
        viewport={"width": 1360, "height": 860}, color_scheme="dark"
    )
    page = await context.new_page()
    await page.goto(f"{live}/login")
    return page


async def test_the_desk_follows_the_system_colour_scheme(
    app: FastAPI, desk: Any, live: str, browser: Browser
) -> None:
    ada_user = await desk.user(role="owner", name="Ada Lovelace")
    page = await dark_desk(browser, live)
    body = page.locator("body")
    await expect(page.locator(".login")).to_be_visible()
    await log_in(page, ada_user["email"], PASSWORD)
    await expect(user_menu(page)).to_contain_text("Ada Lovelace")
    content = page.locator("html")
    await expect(content).to_have_css("background-color", "rgb(15, 19, 24)")
    await expect(body).to_have_css("color", "rgb(228, 232, 238)")
    await expect_dark(page, "home")
    # The system turns light: the desk follows without a reload.
    await page.emulate_media(color_scheme="light")
    await expect(content).to_have_css("background-color", "rgb(245, 246, 248)")
    await expect(body).to_have_css("color", "rgb(27, 34, 48)")
    await page.context.close()


async def test_every_screen_in_dark_mode(
    app: FastAPI,
    desk: Any,
    visitors: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
) -> None:
    inbox = await desk.inbox(name="Support", email_address="support@desk.test")
    ada_user = await desk.user(role="owner", name="Ada Lovelace")
    grace_user = await desk.user(name="Grace Hopper")
    await desk.add_member(inbox, ada_user)
    await desk.add_member(inbox, grace_user)
    await set_online(app, grace_user)

    page = await dark_desk(browser, live)
    await shoot(page, screenshots, "dark-login")
    await assert_accessible(page, "dark login")
    await expect_dark(page, "login")
    await log_in(page, ada_user["email"], "not the password")
    await expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    await assert_accessible(page, "dark login error")
    await log_in(page, ada_user["email"], PASSWORD)
    await go_online(page)
    api = PageApi(page, live)
    ticket_id = await seed_tickets(app, api, inbox)

    green_chat = await three_chats(api, visitors, inbox)

    await page.reload()
    await bar_item(page, "Marie Curie").click()
    await expect(page.get_by_role("log", name="Conversation")).to_contain_text("customs")
    await page.get_by_label(re.compile("Message to")).fill("Customs are included in the price.")
    await shoot(page, screenshots, "dark-chat")
    await assert_accessible(page, "dark chat window")
    await expect_dark(page, "chat window")

    await page.get_by_role("button", name=re.compile("Transfer")).click()
    await expect(page.get_by_role("dialog")).to_contain_text("Grace Hopper")
    await shoot(page, screenshots, "dark-transfer")
    await assert_accessible(page, "dark transfer picker")
    await expect_dark(page, "transfer picker")
    await page.keyboard.press("Escape")

    await user_menu(page).click()
    await expect(page.get_by_role("menuitem").first).to_be_visible()
    await shoot(page, screenshots, "dark-user-menu")
    await assert_accessible(page, "dark user menu")
    await expect_dark(page, "user menu")
    await page.keyboard.press("Escape")

    await bar_item(page, "Alan Turing").click()
    await expect(page.get_by_role("log", name="Conversation")).to_contain_text("delivery")
    await shoot(page, screenshots, "dark-chat-waiting")
    await assert_accessible(page, "dark waiting chat")
    await expect_dark(page, "waiting chat")

    nav = page.get_by_role("navigation", name="Main")
    await nav.get_by_role("link", name=re.compile("^Chats")).click()
    await expect(page.get_by_role("table")).to_contain_text("Alan Turing")
    await shoot(page, screenshots, "dark-chats")
    await assert_accessible(page, "dark chats page")
    await expect_dark(page, "chats page")

    await nav.get_by_role("link", name=re.compile("^Open")).click()
    await expect(page.get_by_role("list", name="Tickets")).to_contain_text("Parcel stuck")
    await shoot(page, screenshots, "dark-tickets")
    await assert_accessible(page, "dark ticket list")
    await expect_dark(page, "ticket list")

    await page.get_by_role("link", name=re.compile("wrong VAT")).click()
    await expect(page).to_have_url(re.compile(rf"/tickets/{ticket_id}$"))
    await page.get_by_role("button", name="Show quoted history").click()
    await expect(page.locator(".quoted")).to_contain_text("Here is your invoice")
    await shoot(page, screenshots, "dark-ticket")
    await assert_accessible(page, "dark ticket page")
    await expect_dark(page, "ticket page")
    await page.get_by_role("tab", name="Private note").click()
    await page.get_by_placeholder(re.compile("note", re.I)).fill("Ask finance for the new number.")
    await shoot(page, screenshots, "dark-ticket-note")
    await assert_accessible(page, "dark private note")
    await expect_dark(page, "private note")

    await page.get_by_role("search").get_by_role("searchbox").fill("VAT")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("list", name="Tickets")).to_contain_text("wrong VAT")
    await shoot(page, screenshots, "dark-search")
    await assert_accessible(page, "dark search")
    await expect_dark(page, "search")

    # The chat's ticket, with its transcript.
    await api("POST", f"/api/v1/chats/{green_chat['id']}/end")
    ended = await api("GET", f"/api/v1/chats/{green_chat['id']}")
    await page.goto(f"{live}/tickets/{ended['ticket_id']}")
    await expect(page.get_by_role("article", name="Chat transcript")).to_contain_text("customs")
    await shoot(page, screenshots, "dark-transcript")
    await assert_accessible(page, "dark transcript")
    await expect_dark(page, "transcript")

    await nav.get_by_role("link", name="Preferences").click()
    await expect(page.get_by_label("Maximum simultaneous chats")).to_have_value("3")
    await shoot(page, screenshots, "dark-preferences")
    await assert_accessible(page, "dark preferences")
    await expect_dark(page, "preferences")

    await nav.get_by_role("link", name="Settings").click()
    settings_nav = page.get_by_role("navigation", name="Settings")
    for section in ("Users", "Inboxes", "Labels", "Messenger", "Sidebar apps"):
        await settings_nav.get_by_role("link", name=section).click()
        await expect(page.locator(".settings h2").first).to_be_visible()
        await shoot(page, screenshots, f"dark-settings-{section.split()[-1].lower()}")
        await assert_accessible(page, f"dark settings: {section}")
        await expect_dark(page, f"settings: {section}")

    # The outbox shows an email as it will be read: light, as mail clients show it.
    await settings_nav.get_by_role("link", name="Outbox").click()
    await page.get_by_role("button", name=re.compile("wrong VAT")).first.click()
    mail = page.locator("iframe.mail")
    await expect(mail).to_be_visible()
    await expect(mail).to_have_css("background-color", "rgb(255, 255, 255)")
    await expect(mail).to_have_css("color-scheme", "light")
    await shoot(page, screenshots, "dark-settings-outbox")
    await assert_accessible(page, "dark settings: outbox")
    await expect_dark(page, "settings: outbox")
    await page.context.close()
