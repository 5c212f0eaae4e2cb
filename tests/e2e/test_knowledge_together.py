"""Two agents on one knowledge base article in real Chromium (docs/knowledge-base.md, "Editing
together"): each sees the other viewing and editing; a colleague's save loads itself into an
editor without unsaved changes, with a quiet line, and shows a banner over one with them, the
typed text kept; a deletion is said at once; the article list follows a publication without a
reload (screenshot docs/images/desk-article-collision.png)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def presence(page: Page) -> Any:
    return page.get_by_test_id("article-presence")


def live_line(page: Page) -> Any:
    return page.get_by_test_id("article-live")


async def test_two_agents_edit_one_article_and_hear_each_other_live(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    ada_user = await desk.user(name="Ada Lovelace")
    ben_user = await desk.user(role="admin", name="Ben Okafor")
    ben = await open_desk(browser, live, ben_user)
    article = await PageApi(ben, live)(
        "POST",
        "/api/v1/knowledge/articles",
        {"title": "Returns", "body": "Send it back within 30 days."},
        status=201,
    )
    path = f"/knowledge/{article['id']}"
    ada = await open_desk(browser, live, ada_user, path=path)
    await ben.goto(f"{live}{path}")
    ada_text, ben_text = ada.get_by_label("Text (Markdown)"), ben.get_by_label("Text (Markdown)")
    await expect(ada_text).to_have_value("Send it back within 30 days.")
    await expect(presence(ada)).to_contain_text("Ben Okafor is viewing this article")
    await expect(presence(ben)).to_contain_text("Ada Lovelace is viewing this article")

    # Ben types: Ada sees him editing. He saves: her editor, unchanged, takes his version.
    await ben_text.fill("Send it back within 60 days.")
    await expect(presence(ada)).to_contain_text("Ben Okafor is editing this article")
    await ben.get_by_role("button", name="Save", exact=True).click()
    await expect(ada_text).to_have_value("Send it back within 60 days.")
    await expect(live_line(ada)).to_have_text(
        "Ben Okafor changed this article: this is their version."
    )
    await expect(presence(ada)).to_contain_text("Ben Okafor is viewing this article")

    # Ada has unsaved changes when Ben saves again: a banner, and her text stays hers.
    await ada_text.fill("Send it back within 60 days, in its box.")
    await expect(presence(ben)).to_contain_text("Ada Lovelace is editing this article")
    await ben_text.fill("Send it back within 60 days. Refunds take 5 days.")
    await ben.get_by_role("button", name="Save", exact=True).click()
    await expect(live_line(ada)).to_contain_text(
        "Ben Okafor changed this article. Reload it to see their version — your unsaved changes "
        "would be lost: copy them first."
    )
    await expect(ada_text).to_have_value("Send it back within 60 days, in its box.")
    await expect(presence(ada)).to_contain_text("Ben Okafor is viewing this article")
    await ben_text.fill("Send it back within 60 days. Refunds take 5 working days.")
    await expect(presence(ada)).to_contain_text("Ben Okafor is editing this article")
    await expect(ada.locator(".rendered")).to_contain_text("in its box")  # the preview caught up
    await shoot(ada, screenshots, "article-collision")
    shutil.copy(
        screenshots / "desk-article-collision.png", DOCS_IMAGES / "desk-article-collision.png"
    )
    await assert_accessible(ada, "article editor with a colleague's change")
    await ada.get_by_role("button", name="Reload the article").click()
    await expect(ada_text).to_have_value("Send it back within 60 days. Refunds take 5 days.")
    await expect(live_line(ada)).to_have_count(0)

    # The list follows Ben's publication without a reload.
    await ada.get_by_role("link", name="Back to the knowledge base").click()
    row = ada.locator("tr[data-article='Returns']")
    await expect(row).to_contain_text("Draft")
    await ben.get_by_role("button", name="Publish", exact=True).click()
    await expect(ben.get_by_text("Published: it is on the help center now.")).to_be_visible()
    await expect(row).to_contain_text("Published")

    # Ada opens it again; Ben deletes it: she is told at once.
    await row.get_by_role("link", name="Returns").click()
    await expect(presence(ada)).to_contain_text("Ben Okafor is viewing this article")
    api, url = PageApi(ben, live), f"/api/v1/knowledge/articles/{article['id']}"
    now = await api("GET", url)
    await api("DELETE", f"{url}?version={now['version']}", status=204)
    await expect(live_line(ada)).to_have_text("Ben Okafor deleted this article.")
    await expect(presence(ada)).to_have_count(0)
    for page in (ada, ben):
        await page.context.close()
