"""A desk left open across a deploy (docs/desk.md, "A new version of the desk"): the pages and the
French words it fetches when first needed are gone once a new version replaced them. The desk
then loads the new version at the place the agent was going; when the network, not a new
version, kept a page away, it says so and offers to reload; and it never reloads in a loop.

A deploy is played by the browser's network: the server's index names another entry script (the
same file under another address, as a new build's would be), and the old chunk is refused."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import Browser, Page, Route, expect

from tests.e2e.desk import DESK, DESK_TESTS, PageApi, open_desk

pytestmark = DESK_TESTS

PREFERENCES_CHUNK = re.compile(r"/assets/PreferencesPage-[^/]*\.js$")
FRENCH_CHUNK = re.compile(r"/assets/french-[^/]*\.js$")
ENTRY = re.compile(r'(<script type="module" crossorigin src="/assets/index-[^"]+\.js)(")')


def new_index(version: int = 2) -> str:
    """The desk's index as a new version's would be: another address for its entry script."""
    built = (DESK / "dist" / "index.html").read_text()
    assert ENTRY.search(built), "the built index names no entry script"
    return ENTRY.sub(rf"\1?version={version}\2", built)


async def deploy(
    page: Page, live: str, *, refused: re.Pattern[str], for_ever: bool = False
) -> list[str]:
    """From now on the server serves a new version: every page load gets its index, and the chunk
    matching `refused` is refused to the page loaded before (the old version had it under that
    name). With `for_ever`, every version is without it, and each look at `/` finds yet another
    (servers of two versions taking turns during a rolling deploy). Returns the addresses loaded
    as pages since."""
    loads: list[str] = []
    looks = [0]

    async def serve(route: Route) -> None:
        request = route.request
        if request.resource_type == "document":
            loads.append(request.url)
            await route.fulfill(status=200, content_type="text/html", body=new_index())
        elif request.url == f"{live}/":
            looks[0] += 1
            version = 2 + looks[0] if for_ever else 2
            await route.fulfill(status=200, content_type="text/html", body=new_index(version))
        elif refused.search(request.url) and (for_ever or not loads):
            await route.fulfill(status=404, body="gone")
        else:
            await route.continue_()

    await page.route(re.compile(rf"^{re.escape(live)}/"), serve)
    return loads


async def mark_page(page: Page) -> Callable[[], Awaitable[bool]]:
    """Marks the page now loaded; the returned probe tells whether it is still the one shown."""
    await page.evaluate("window.__loadedBefore = true")
    return lambda: page.evaluate("window.__loadedBefore === true")


def nav(page: Page) -> Any:
    return page.locator("nav.nav")


async def test_a_page_gone_with_a_new_version_opens_from_the_new_one(
    desk: Any, live: str, browser: Browser
) -> None:
    ada = await desk.user(name="Ada Lovelace")
    page = await open_desk(browser, live, ada)
    same_page = await mark_page(page)
    loads = await deploy(page, live, refused=PREFERENCES_CHUNK)

    await nav(page).get_by_role("link", name="Preferences").click()

    await expect(page.get_by_role("heading", name="Preferences", level=1)).to_be_visible()
    assert page.url == f"{live}/preferences"
    assert await same_page() is False
    assert loads == [f"{live}/preferences"]
    await expect(page.get_by_test_id("page-unreachable")).to_have_count(0)


async def test_a_page_the_network_kept_away_says_so_and_reloads_when_asked(
    desk: Any, live: str, browser: Browser
) -> None:
    ada = await desk.user(name="Ada Lovelace")
    page = await open_desk(browser, live, ada)
    same_page = await mark_page(page)
    start = page.url

    async def drop(route: Route) -> None:
        await route.abort()

    await page.route(PREFERENCES_CHUNK, drop)
    await nav(page).get_by_role("link", name="Preferences").click()

    banner = page.get_by_test_id("page-unreachable")
    await expect(banner).to_contain_text(
        "This page could not be loaded: the server did not answer. Check your connection,"
        " then reload."
    )
    # Same version: nothing was loaded afresh, and the agent is where they were.
    assert page.url == start
    assert await same_page() is True

    await banner.get_by_role("button", name="Close").click()
    await expect(banner).to_have_count(0)

    await nav(page).get_by_role("link", name="Preferences").click()
    await expect(banner).to_be_visible()
    await page.unroute(PREFERENCES_CHUNK, drop)
    await banner.get_by_role("link", name="Reload").click()
    await expect(page.get_by_role("heading", name="Preferences", level=1)).to_be_visible()
    assert page.url == f"{live}/preferences"
    await expect(banner).to_have_count(0)


async def test_a_new_version_missing_its_own_page_is_loaded_once_not_in_a_loop(
    desk: Any, live: str, browser: Browser
) -> None:
    ada = await desk.user(name="Ada Lovelace")
    page = await open_desk(browser, live, ada)
    loads = await deploy(page, live, refused=PREFERENCES_CHUNK, for_ever=True)

    await nav(page).get_by_role("link", name="Preferences").click()

    # Loaded afresh once at /preferences, whose page cannot be had there either while yet another
    # version seems out: the desk says so instead of loading again.
    await expect(page.get_by_test_id("page-unreachable")).to_be_visible()
    assert loads == [f"{live}/preferences"]


async def test_french_words_gone_with_a_new_version_come_from_the_new_one(
    desk: Any, live: str, browser: Browser
) -> None:
    ada = await desk.user(name="Ada Lovelace")
    page = await open_desk(browser, live, ada)
    await nav(page).get_by_role("link", name="Preferences").click()
    await expect(page.get_by_role("heading", name="Preferences", level=1)).to_be_visible()
    same_page = await mark_page(page)
    loads = await deploy(page, live, refused=FRENCH_CHUNK)

    await page.get_by_test_id("language").select_option("fr")

    await expect(page.get_by_role("heading", name="Préférences", level=1)).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert await same_page() is False
    assert loads == [f"{live}/preferences"]
    saved = await PageApi(page, live)("GET", "/api/v1/me")
    assert saved["preferences"]["language"] == "fr"
