"""The desk in dark mode (issue #12): it follows the system's setting, every screen goes dark with
nothing left light but the emails themselves, and every screen stays readable (axe). Every main
screen is looked at here in light and in dark mode (screenshots/desk-*.png, desk-dark-*.png)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import PolicyWatch
from tests.e2e.desk import (
    DESK_TESTS,
    PageApi,
    assert_accessible,
    bar_item,
    chat_bar,
    expect_dot,
    go_online,
    log_in,
    seed_tickets,
    set_online,
    shoot,
    three_chats,
    user_menu,
)
from tests.e2e.settle import settled

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


async def both_schemes(page: Page, screenshots: Path, name: str, screen: str) -> None:
    """The screen as it stands, in light then in dark: a screenshot and axe in each, and no
    patch left light in dark. The desk follows the system's scheme without a reload
    (`test_the_desk_follows_the_system_colour_scheme`), so one walk through the screens serves
    both."""
    await shoot(page, screenshots, name)
    await assert_accessible(page, screen)
    await expect_within_cards(page, screen)
    await page.emulate_media(color_scheme="dark")
    await shoot(page, screenshots, f"dark-{name}")
    await assert_accessible(page, f"dark {screen}")
    await expect_dark(page, screen)
    await page.emulate_media(color_scheme="light")


async def expect_within_cards(page: Page, screen: str) -> None:
    """Nothing sticks out of a card that does not scroll: a table one column too wide for its
    card at 1360 px drew past the card's edge (Settings → Users)."""
    sticking_out = await page.evaluate(
        """() => [...document.querySelectorAll('.card')]
            .filter((card) => card.offsetParent !== null
                && getComputedStyle(card).overflowX === 'visible'
                && card.scrollWidth > card.clientWidth + 1)
            .map((card) => `${card.scrollWidth} > ${card.clientWidth}: `
                + (card.textContent || '').trim().slice(0, 60))"""
    )
    assert not sticking_out, f"{screen}: wider than their cards: {sticking_out}"


async def dark_only(page: Page, screenshots: Path, name: str, screen: str) -> None:
    await page.emulate_media(color_scheme="dark")
    await shoot(page, screenshots, f"dark-{name}")
    await assert_accessible(page, f"dark {screen}")
    await expect_dark(page, screen)
    await page.emulate_media(color_scheme="light")


async def test_every_screen_light_and_dark(
    app: FastAPI,
    desk: Any,
    visitors: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    policy_watch: PolicyWatch,
) -> None:
    """Every main screen, looked at in light and in dark mode (screenshots/desk-*.png and
    desk-dark-*.png): one login and one walk for both (they were two tests, each seeding the
    same desk and logging in again)."""
    inbox = await desk.inbox(name="Support", email_address="support@desk.test")
    ada_user = await desk.user(role="owner", name="Ada Lovelace")
    grace_user = await desk.user(name="Grace Hopper")
    # A light agent's row ("Takes no chats") and a long address make the users' table its widest.
    await desk.user(
        role="collaborator",
        name="Katherine Johnson",
        email="katherine.johnson@langley-research.example",
    )
    await desk.add_member(inbox, ada_user)
    await desk.add_member(inbox, grace_user)
    await set_online(app, grace_user)

    # Login: a wrong password says so.
    context = await browser.new_context(viewport={"width": 1360, "height": 860})
    await policy_watch.watch(context)
    page = await context.new_page()
    await page.goto(f"{live}/")
    await expect(page).to_have_url(re.compile(r"/login"))
    await both_schemes(page, screenshots, "login", "login")
    await log_in(page, ada_user["email"], "not the password")
    await expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    await page.emulate_media(color_scheme="dark")
    await assert_accessible(page, "dark login error")
    await page.emulate_media(color_scheme="light")
    await log_in(page, ada_user["email"], PASSWORD)
    await go_online(page)
    api = PageApi(page, live)
    ticket_id = await seed_tickets(app, api, inbox)

    green_chat = await three_chats(api, visitors, inbox)

    # The session survives a reload, and the chat window opens from the bar.
    await page.reload()
    await expect(user_menu(page)).to_contain_text("Online")
    await bar_item(page, "Marie Curie").click()
    await expect(page.get_by_role("log", name="Conversation")).to_contain_text("customs")
    await expect_dot(page, "Marie Curie", "No new messages")
    await expect_dot(page, "Rosalind Franklin", "Unread messages")
    await expect_dot(page, "Alan Turing", "Waiting for an agent")
    await expect(page).to_have_title(re.compile(r"^\(1\) "))
    await page.get_by_label(re.compile("Message to")).fill("Customs are included in the price.")
    await settled(page)
    await chat_bar(page).screenshot(path=str(screenshots / "desk-chat-bar.png"))
    await both_schemes(page, screenshots, "chat", "chat window")

    await page.get_by_role("button", name=re.compile("Transfer")).click()
    await expect(page.get_by_role("dialog")).to_contain_text("Grace Hopper")
    await dark_only(page, screenshots, "transfer", "transfer picker")
    await page.keyboard.press("Escape")

    await user_menu(page).click()
    await expect(page.get_by_role("menuitem").first).to_be_visible()
    await dark_only(page, screenshots, "user-menu", "user menu")
    await page.keyboard.press("Escape")

    await bar_item(page, "Alan Turing").click()
    await expect(page.get_by_role("log", name="Conversation")).to_contain_text("delivery")
    await dark_only(page, screenshots, "chat-waiting", "waiting chat")

    nav = page.get_by_role("navigation", name="Main")
    await nav.get_by_role("link", name=re.compile("^Chats")).click()
    await expect(page.get_by_role("table")).to_contain_text("Alan Turing")
    await both_schemes(page, screenshots, "chats", "chats page")

    await nav.get_by_role("link", name=re.compile("^Open")).click()
    await expect(page.get_by_role("list", name="Tickets")).to_contain_text("Parcel stuck")
    await both_schemes(page, screenshots, "tickets", "ticket list")

    await page.get_by_role("link", name=re.compile("wrong VAT")).click()
    await expect(page).to_have_url(re.compile(rf"/tickets/{ticket_id}$"))
    await page.get_by_role("button", name="Show quoted history").click()
    await expect(page.locator(".quoted")).to_contain_text("Here is your invoice")
    await expect(page.get_by_label("Thread").get_by_text("Private note")).to_be_visible()
    # The ticket's own customer, not a warning meant for a chat visitor who typed their address.
    customer_panel = page.get_by_role("complementary", name="Customer")
    await expect(customer_panel).to_contain_text("rosalind@example.org")
    await expect(customer_panel).not_to_contain_text("belongs to")
    await both_schemes(page, screenshots, "ticket", "ticket page")
    await page.get_by_role("tab", name="Private note").click()
    await page.get_by_placeholder(re.compile("note", re.I)).fill("Ask finance for the new number.")
    await dark_only(page, screenshots, "ticket-note", "private note")

    await page.get_by_role("search").get_by_role("searchbox").fill("VAT")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("list", name="Tickets")).to_contain_text("wrong VAT")
    await dark_only(page, screenshots, "search", "search")

    await nav.get_by_role("link", name="Preferences").click()
    await expect(page.get_by_label("Maximum simultaneous chats")).to_have_value("3")
    await both_schemes(page, screenshots, "preferences", "preferences")

    await nav.get_by_role("link", name="Settings").click()
    settings_nav = page.get_by_role("navigation", name="Settings")
    for section in ("Users", "Inboxes", "Labels", "Messenger"):
        await settings_nav.get_by_role("link", name=section).click()
        await expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
        await expect(
            page.locator(".settings table, .settings pre, .settings form").first
        ).to_be_visible()
        name = f"settings-{section.lower()}"
        await both_schemes(page, screenshots, name, f"settings: {section}")
    await expect(page.locator("pre.snippet")).to_contain_text(inbox["public_key"])
    await settings_nav.get_by_role("link", name="Sidebar apps").click()
    await expect(page.locator(".settings h2").first).to_be_visible()
    await dark_only(page, screenshots, "settings-apps", "settings: Sidebar apps")

    # The outbox shows an email as it will be read: light, as mail clients show it, in dark
    # mode too.
    await settings_nav.get_by_role("link", name="Outbox").click()
    await page.get_by_role("button", name=re.compile("wrong VAT")).first.click()
    mail = page.locator("iframe.mail")
    await expect(mail).to_be_visible()
    await shoot(page, screenshots, "settings-outbox")
    await assert_accessible(page, "settings: outbox")
    await page.emulate_media(color_scheme="dark")
    await expect(mail).to_have_css("background-color", "rgb(255, 255, 255)")
    await expect(mail).to_have_css("color-scheme", "light")
    await shoot(page, screenshots, "dark-settings-outbox")
    await assert_accessible(page, "dark settings: outbox")
    await expect_dark(page, "settings: outbox")

    # The chat's ticket, with its transcript (last: ending the chat takes it from the bar).
    await api("POST", f"/api/v1/chats/{green_chat['id']}/end")
    ended = await api("GET", f"/api/v1/chats/{green_chat['id']}")
    await page.goto(f"{live}/tickets/{ended['ticket_id']}")
    await expect(page.get_by_role("article", name="Chat transcript")).to_contain_text("customs")
    await dark_only(page, screenshots, "transcript", "transcript")

    # Every screen above works under the desk's Content-Security-Policy, which is enforced: a
    # script injected into the page does not run. (That agents do not see Settings is in
    # test_desk.py's test_a_visitors_page_is_a_link_only_when_it_is_a_web_address.)
    await policy_watch.assert_enforced(page)
    await page.context.close()
