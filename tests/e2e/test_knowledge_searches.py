"""The knowledge base's Searches view in real Chromium: readers search the help center and the
messenger (what the visitor settles on is counted, once); an admin sees the terms with how
often they found nothing, filters the ones without results and writes an article from one,
its title the term; a term with HTML in it is shown as the text the reader typed; an agent
has no Searches view (screenshot docs/images/desk-knowledge-searches.png)."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from playwright.async_api import Browser, expect

from tests.conftest import Agent
from tests.e2e.desk import DESK_TESTS, assert_accessible, open_desk, shoot
from tests.e2e.test_messenger import Website, launcher, messenger

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
HOSTILE = '<img src=x onerror="window.__pwned=1">'


async def search_help_center(app: FastAPI, query: str, *, reader: str, lang: str = "en") -> None:
    """A reader's search on the help center's page (each reader a browser of its own)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://desk.test",
        headers={"User-Agent": reader},
    ) as client:
        found = await client.get("/help/search", params={"q": query, "lang": lang})
        assert found.status_code == 200, found.text


async def until_counted(admin: Agent, term: str) -> None:
    """The count is written after the answer is sent: until the desk's API lists it."""
    async with asyncio.timeout(10):
        while True:
            page = (await admin.client.get("/api/v1/knowledge/searches")).json()
            if any(item["term"] == term for item in page["items"]):
                return
            await asyncio.sleep(0.05)


async def test_an_admin_sees_what_readers_searched_and_writes_what_was_missing(
    app: FastAPI, desk: Any, live: str, site: Website, browser: Browser, screenshots: Path
) -> None:
    support = await desk.inbox(name="Northwind Goods")
    admin_user = await desk.user(role="admin", name="Grace Hopper")
    admin = await desk.login(admin_user)
    for title in ("Where is my parcel?", "How do I return an order?"):
        created = await admin.client.post(
            "/api/v1/knowledge/articles", json={"title": title, "body": "Track it online."}
        )
        await admin.client.post(
            f"/api/v1/knowledge/articles/{created.json()['id']}/publish", json={"version": 1}
        )
    for query, readers, lang in [
        ("Where is my parcel", 5, "en"),
        ("gift card", 3, "en"),
        ("Return an order", 2, "en"),
        ("Gift  Card balance", 1, "en"),
        ("carte cadeau", 2, "fr"),
    ]:
        for n in range(readers):
            await search_help_center(app, query, reader=f"reader {n}", lang=lang)

    # A visitor types in the messenger, then presses Enter: that query is counted, once.
    site.key = support["public_key"]
    context = await browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-US")
    await context.clock.install()
    visitor = await context.new_page()
    await visitor.goto(site.url)
    await launcher(visitor).click()
    panel = messenger(visitor).get_by_role("dialog")
    box = panel.get_by_label("Search our help articles")
    await expect(box).to_be_visible()
    # The page's time stands still while the visitor types: a pause of theirs settles a query
    # too (1.5 s), and a slow machine must not make one of the test's keystrokes such a pause.
    await visitor.clock.pause_at(await visitor.evaluate("Date.now() + 1000"))
    await box.press_sequentially("Exchange a size")
    async with visitor.expect_response(
        lambda r: "/messenger/v1/help/articles?" in r.url and "typing" not in r.url
    ) as settled_search:
        await box.press("Enter")
    assert (await settled_search.value).status == 200
    await until_counted(admin, "exchange a size")
    await context.close()

    page = await open_desk(browser, live, admin_user, path="/knowledge")
    await page.get_by_role("link", name="Searches").click()
    table = page.get_by_test_id("search-terms")
    rows = table.locator("tbody tr")
    await expect(rows).to_have_count(6)
    await expect(rows.first).to_contain_text("where is my parcel")
    # Still in the knowledge base, as the menu says.
    await expect(
        page.locator("nav.nav").get_by_role("link", name="Knowledge base", exact=True)
    ).to_have_class(re.compile(r"\bactive\b"))
    await expect(page.get_by_test_id("search-totals")).to_have_text(
        "14 searches · 50% found nothing"
    )
    gift = table.locator('tr[data-term="gift card"]')
    await expect(gift).to_contain_text("3 (100%)")
    await expect(gift).to_contain_text("Nothing found")
    # A term that found articles has nothing to write.
    parcel = table.locator('tr[data-term="where is my parcel"]')
    await expect(parcel.get_by_role("link")).to_have_count(0)
    await shoot(page, screenshots, "knowledge-searches")
    shutil.copy(
        screenshots / "desk-knowledge-searches.png", DOCS_IMAGES / "desk-knowledge-searches.png"
    )
    await assert_accessible(page, "knowledge base searches")

    await page.get_by_label("Only searches without results").check()
    await expect(rows).to_have_count(4)
    await expect(table).not_to_contain_text("where is my parcel")
    await page.get_by_label("Period").select_option(label="Last 7 days")
    await expect(rows).to_have_count(4)

    await gift.get_by_role("link", name="Write an article titled “gift card”").click()
    await expect(page).to_have_url(f"{live}/knowledge/new?title=gift+card")
    await expect(page.get_by_label("Title", exact=True)).to_have_value("gift card")

    # A reader's HTML is the text they typed, nothing more.
    await search_help_center(app, HOSTILE, reader="mallory")
    await until_counted(admin, HOSTILE)
    await page.goto(f"{live}/knowledge/searches")
    hostile = page.get_by_test_id("search-terms").locator("tbody tr").filter(has_text=HOSTILE)
    await expect(hostile.locator("td.term")).to_have_text(HOSTILE)
    await expect(page.get_by_test_id("search-terms").locator("img")).to_have_count(0)
    assert await page.evaluate("window.__pwned") is None
    await hostile.get_by_role("link", name="Write an article").click()
    # The links' names say "titled": only the editor's field is labelled "Title" exactly. Until
    # the editor is shown, the links alone would answer, and that is a failure, not a wait.
    await expect(page).to_have_url(re.compile(r"/knowledge/new\?title="))
    await expect(page.get_by_label("Title", exact=True)).to_have_value(HOSTILE)
    await page.context.close()

    # An agent writes drafts but has no Searches view (nor its API: test_searches.py).
    agent = await desk.user(name="Ada")
    theirs = await open_desk(browser, live, agent, path="/knowledge")
    await expect(theirs.get_by_role("link", name="New article")).to_be_visible()
    await expect(theirs.get_by_role("link", name="Searches")).to_have_count(0)
    await theirs.context.close()
