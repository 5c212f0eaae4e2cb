"""Two agents on one knowledge base article in real Chromium (docs/knowledge-base.md, "Editing
together"): each sees the other viewing and editing; a colleague's save loads itself into an
editor without unsaved changes, with a quiet line, and shows a banner over one with them, the
typed text kept; a deletion is said at once; the article list follows a publication without a
reload (screenshot docs/images/desk-article-collision.png)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, WebSocketRoute, expect

from tests.e2e.desk import (
    DESK_TESTS,
    PageApi,
    assert_accessible,
    desk_context,
    eventually,
    open_desk,
    open_page,
    shoot,
)

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


async def test_a_deletion_missed_while_disconnected_is_said_when_the_desk_is_back(
    desk: Any, live: str, browser: Browser
) -> None:
    """The socket drops, and Ben deletes the article meanwhile: the event never reaches Ada's
    desk, which reads the article again once back, finds it gone, and says so over her unsaved
    text, not letting her type on into an article that no longer is."""
    ada_user = await desk.user(name="Ada Lovelace")
    ben_user = await desk.user(role="admin", name="Ben Okafor")
    ben = await open_desk(browser, live, ben_user)
    article = await PageApi(ben, live)(
        "POST",
        "/api/v1/knowledge/articles",
        {"title": "Returns", "body": "Send it back within 30 days."},
        status=201,
    )
    context = await desk_context(browser, live, ada_user)
    sockets: list[WebSocketRoute] = []
    missed: list[str] = []

    def deaf_to_deletions(page_side: WebSocketRoute) -> None:
        """Passes the server's messages on, except a deletion of the article: as if the
        socket had dropped just before it and come back just after."""
        server = page_side.connect_to_server()

        def heard(message: str | bytes) -> None:
            text = message if isinstance(message, str) else message.decode()
            event = json.loads(text)
            if event.get("type") == "article.changed" and event["data"]["change"] == "deleted":
                missed.append(text)
                return
            page_side.send(message)

        server.on_message(heard)
        sockets.append(page_side)

    await context.route_web_socket(re.compile(r"/api/v1/ws(\?|$)"), deaf_to_deletions)
    ada = await open_page(context, live, ada_user, f"/knowledge/{article['id']}")
    text = ada.get_by_label("Text (Markdown)")
    await expect(text).to_have_value("Send it back within 30 days.")
    await text.fill("Send it back within 30 days, in its box.")
    await expect(ada.get_by_text("Unsaved changes")).to_be_visible()

    api, url = PageApi(ben, live), f"/api/v1/knowledge/articles/{article['id']}"
    await api("DELETE", f"{url}?version={article['version']}", status=204)

    async def deletion_missed() -> bool:
        return bool(missed)

    await eventually(deletion_missed, timeout=10)
    await expect(live_line(ada)).to_have_count(0)  # nothing heard: nothing said yet

    await sockets[0].close()
    await expect(live_line(ada)).to_have_text(
        "This article was deleted while the desk was disconnected. Your unsaved changes are "
        "still here: copy them before you leave."
    )
    await expect(text).to_have_value("Send it back within 30 days, in its box.")
    await expect(presence(ada)).to_have_count(0)
    await ada.context.close()
    await ben.context.close()
