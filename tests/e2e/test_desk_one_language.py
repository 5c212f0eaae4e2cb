"""The desk loads one language (docs/performance.md, "The desk loads one language"): an English
agent's browser never fetches the French words; a French agent's desk shows French from its
first render, never English first; and when the French words cannot be fetched the desk shows
English, says why in the console, and Preferences tells the agent."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, Route, expect

from tests.conftest import PASSWORD
from tests.e2e.desk import DESK, DESK_TESTS, PageApi, log_in, user_menu

pytestmark = DESK_TESTS

FRENCH_CHUNK = re.compile(r"/assets/french-[^/]*\.js$")

# Notes whether the desk ever showed an English word of its navigation, from before its first
# render (an init script runs before the page's own scripts, on every load of the page).
ENGLISH_WATCH = """
window.__englishSeen = false;
new MutationObserver(() => {
  const app = document.getElementById("app");
  const text = (app && app.textContent) || "";
  if (/\\b(Preferences|Settings)\\b/.test(text)) window.__englishSeen = true;
}).observe(document, { childList: true, subtree: true, characterData: true });
"""


def nav(page: Page) -> Any:
    return page.locator("nav.nav")


async def signed_in(
    browser: Browser, live: str, user: dict[str, Any]
) -> tuple[BrowserContext, Page, list[str]]:
    """An English browser, signed in, and the addresses of every request its page makes."""
    context = await browser.new_context(viewport={"width": 1360, "height": 860}, locale="en-US")
    page = await context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.goto(f"{live}/login")
    await log_in(page, user["email"], PASSWORD)
    await expect(user_menu(page)).to_contain_text(user["name"])
    return context, page, requested


def french_fetches(requested: list[str]) -> list[str]:
    return [url for url in requested if FRENCH_CHUNK.search(url)]


async def test_an_english_agent_never_fetches_the_french_words(
    desk: Any, live: str, browser: Browser
) -> None:
    # The chunk the English agent must not fetch is there to be fetched.
    assert list((DESK / "dist" / "assets").glob("french-*.js"))
    ada = await desk.user(name="Ada Lovelace")
    context, page, requested = await signed_in(browser, live, ada)
    await nav(page).get_by_role("link", name="Preferences").click()
    await expect(page.get_by_role("heading", name="Preferences", level=1)).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("heading", name="Preferences", level=1)).to_be_visible()
    assert french_fetches(requested) == []
    await context.close()


async def test_a_french_agent_sees_french_from_the_first_render(
    desk: Any, live: str, browser: Browser
) -> None:
    grace = await desk.user(name="Grace Hopper")
    context, page, requested = await signed_in(browser, live, grace)
    await PageApi(page, live)("PATCH", "/api/v1/me", {"preferences": {"language": "fr"}})
    await page.add_init_script(ENGLISH_WATCH)

    await page.goto(f"{live}/")
    await expect(nav(page).get_by_role("link", name="Préférences")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert await page.evaluate("window.__englishSeen") is False
    assert len(french_fetches(requested)) == 1
    await context.close()


async def test_french_words_that_cannot_be_fetched_leave_the_desk_in_english(
    desk: Any, live: str, browser: Browser
) -> None:
    ada = await desk.user(name="Ada Lovelace")
    context, page, _ = await signed_in(browser, live, ada)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    async def refuse(route: Route) -> None:
        await route.abort()

    await page.route(FRENCH_CHUNK, refuse)
    await nav(page).get_by_role("link", name="Preferences").click()
    await page.get_by_test_id("language").select_option("fr")
    await expect(page.get_by_role("alert")).to_have_text(
        "The desk could not fetch the words of this language and stays in English."
        " Reload the page to try again."
    )
    await expect(page.get_by_role("heading", name="Preferences", level=1)).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "en")

    # Loaded again with French chosen: the desk shows, in English, and the console says why.
    await page.goto(f"{live}/")
    await expect(nav(page).get_by_role("link", name="Preferences")).to_be_visible()
    assert any(re.search(r'words in "fr" could not be loaded', text) for text in console)
    await context.close()
