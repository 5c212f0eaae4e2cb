"""The knowledge base in real Chromium: an admin writes an article in the desk (live preview),
publishes it and finds it on the public help center; a visitor searches the help articles in
the messenger, opens one and goes back; the help center's name and "Contact us" are its
settings; a browser's vote and a messenger visitor's count once; a delete made on an older
version than the article's deletes nothing and says who changed it; no serious axe violation on
the desk's page or the public ones (screenshots
docs/images/desk-knowledge-base.png, desk-article-editor.png, help-center.png,
messenger-help-articles.png)."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, Route, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.e2e.settle import settled
from tests.e2e.test_messenger import Website, launcher, messenger, shot

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
BODY = """Most orders can be returned **within 30 days** of delivery.

1. Open your order in your account.
2. Choose *Return an item* and print the label.
3. Drop the parcel at any post office.

Refunds reach your card within 5 working days. See our [returns policy](https://example.org/returns).
"""


async def test_an_admin_writes_and_publishes_an_article_seen_on_the_help_center(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Northwind Goods")
    admin = await desk.user(role="admin", name="Grace Hopper")
    page = await open_desk(browser, live, admin)
    api = PageApi(page, live)
    orders = await api(
        "POST",
        "/api/v1/knowledge/categories",
        {"name": "Orders & returns", "description": "Sending things back, refunds, exchanges."},
        status=201,
    )
    shipping = await api(
        "POST",
        "/api/v1/knowledge/categories",
        {"name": "Shipping", "description": "Where your parcel is and when it arrives."},
        status=201,
    )
    await api(
        "PUT",
        "/api/v1/knowledge/settings",
        {"name": "Northwind Goods", "contact_url": "https://northwind.example/contact"},
    )
    for title, body, category, publish in [
        ("Where is my parcel?", "Track it from the email we sent.", shipping, True),
        ("Do you ship abroad?", "We ship to the EU, the UK and Norway.", shipping, True),
        ("Exchanging a size", "Ask us in the chat.", orders, False),
    ]:
        article = await api(
            "POST",
            "/api/v1/knowledge/articles",
            {"title": title, "body": body, "category_id": category["id"]},
            status=201,
        )
        if publish:
            await api("POST", f"/api/v1/knowledge/articles/{article['id']}/publish", {"version": 1})

    await page.get_by_role("link", name="Knowledge base").click()
    table = page.get_by_test_id("articles")
    await expect(table).to_contain_text("Exchanging a size")
    # The editor's categories answer late: a title typed meanwhile is kept when it comes.
    typed = asyncio.Event()

    async def after_typing(route: Route) -> None:
        await typed.wait()
        await route.continue_()

    await page.route("**/api/v1/knowledge/categories", after_typing)
    await page.get_by_role("link", name="New article").click()
    await page.get_by_label("Title").fill("How do I return an order?")
    typed.set()
    await page.get_by_label("Category").select_option(label="Orders & returns")
    await expect(page.get_by_label("Title")).to_have_value("How do I return an order?")
    await page.unroute("**/api/v1/knowledge/categories")
    await page.get_by_label("Text (Markdown)").fill(BODY)
    preview = page.locator(".rendered")
    await expect(preview.locator("strong")).to_have_text("within 30 days")
    await expect(preview.locator("ol li")).to_have_count(3)
    await page.keyboard.press("Control+s")
    await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    await page.get_by_role("button", name="Publish").click()
    await expect(page.get_by_role("status").filter(has_text="Published")).to_be_visible()
    await shoot(page, screenshots, "article-editor")
    shutil.copy(screenshots / "desk-article-editor.png", DOCS_IMAGES / "desk-article-editor.png")

    await page.get_by_role("link", name="Back to the knowledge base").click()
    # Its title first, then the article that says "parcel" in its text only.
    await page.get_by_label("Search articles").fill("parcel")
    await expect(table.locator("tbody tr")).to_have_count(2)
    await expect(table.locator("tbody tr").first).to_contain_text("Where is my parcel?")
    await page.get_by_label("Search articles").fill("")
    await expect(table.locator("tbody tr")).to_have_count(4)
    await shoot(page, screenshots, "knowledge-base")
    shutil.copy(screenshots / "desk-knowledge-base.png", DOCS_IMAGES / "desk-knowledge-base.png")
    await assert_accessible(page, "knowledge base")
    settings = page.get_by_test_id("help-center-settings")
    await expect(settings.get_by_label("Name")).to_have_value("Northwind Goods")
    await settings.get_by_label("“Contact us” link").fill("javascript:alert(1)")
    await settings.get_by_role("button", name="Save settings").click()
    await expect(settings.get_by_role("alert")).to_contain_text("mailto:")
    await settings.get_by_label("“Contact us” link").fill("https://northwind.example/contact")
    await settings.get_by_role("button", name="Save settings").click()
    await expect(settings.get_by_role("status")).to_have_text("Help center settings saved.")

    public = await page.context.new_page()
    await public.goto(f"{live}/help")
    await expect(public).to_have_title("Northwind Goods")
    await expect(public.locator("body")).not_to_contain_text("Exchanging a size")
    await expect(public.get_by_role("link", name="Contact us")).to_have_attribute(
        "href", "https://northwind.example/contact"
    )
    await assert_accessible(public, "help center")
    await public.get_by_role("link", name="How do I return an order?").click()
    await expect(
        public.get_by_role("heading", level=1, name="How do I return an order?")
    ).to_be_visible()
    await expect(public.get_by_role("link", name="returns policy")).to_have_attribute(
        "rel", "noopener nofollow"
    )
    await public.set_viewport_size({"width": 1100, "height": 900})
    await settled(public)
    await public.screenshot(path=str(screenshots / "help-center.png"))
    shutil.copy(screenshots / "help-center.png", DOCS_IMAGES / "help-center.png")
    await assert_accessible(public, "help center article")
    await public.get_by_role("button", name="Yes").click()
    await expect(public.get_by_role("status")).to_have_text("Thanks for telling us!")
    # The browser's vote: given its voter cookie on the way, counted once.
    [voter] = [
        c for c in await page.context.cookies(f"{live}/help") if c["name"] == "frontdesk_voter"
    ]
    assert (voter["httpOnly"], voter["sameSite"], voter["path"]) == (True, "Lax", "/help")
    [written] = (await api("GET", "/api/v1/knowledge/articles?q=return"))["items"]
    assert (written["helpful_yes"], written["helpful_no"]) == (1, 0)

    # The reply box's Insert article: the title and the public link, at the cursor.
    ticket = await api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora"},
            "subject": "Sending back a mug",
        },
        status=201,
    )
    await page.goto(f"{live}/tickets/{ticket['id']}")
    reply = page.locator("#reply-text")
    await reply.fill("Hello Cora, here is how:")
    # One row of tools under the text, Insert article beside Attach files.
    attach = await page.get_by_text("Attach files", exact=True).bounding_box()
    insert = await page.get_by_role("button", name="Insert article").bounding_box()
    assert attach is not None
    assert insert is not None
    assert abs(attach["y"] - insert["y"]) < 2, (attach, insert)
    assert insert["x"] > attach["x"] + attach["width"]
    await page.get_by_role("button", name="Insert article").click()
    await page.get_by_role("combobox", name="Search articles").fill("return")
    await expect(page.get_by_role("option", name="How do I return an order?")).to_be_visible()
    await shoot(page, screenshots, "insert-article")
    await page.keyboard.press("Enter")
    await expect(reply).to_have_value(
        re.compile(
            r"^Hello Cora, here is how: How do I return an order\?: http://.+/help/articles/\d+-how-do-i-return-an-order$"
        )
    )
    await expect(reply).to_be_focused()

    # A private note has it too, inserting the same: an agent points a colleague at an article,
    # and so does a light agent, who writes notes only.
    await page.get_by_role("tab", name="Private note").click()
    await reply.fill("Cora wants to send the mug back, see")
    await page.get_by_role("button", name="Insert article").click()
    await page.get_by_role("combobox", name="Search articles").fill("return")
    await page.keyboard.press("Enter")
    await expect(reply).to_have_value(
        re.compile(r"^Cora wants to send the mug back, see How do I return an order\?: http://")
    )
    await page.get_by_role("button", name="Add note").click()
    await expect(page.locator("article.entry.note")).to_contain_text("How do I return an order?")
    await page.context.close()

    linus = await desk.user(name="Linus Engineer", role="collaborator")
    await desk.add_member(inbox, linus)
    page = await open_desk(browser, live, linus, path=f"/tickets/{ticket['id']}")
    await expect(page.get_by_test_id("light-agent-line")).to_be_visible()
    reply = page.locator("#reply-text")
    await reply.fill("The returns article answers this:")
    await page.get_by_role("button", name="Insert article").click()
    await page.get_by_role("combobox", name="Search articles").fill("return")
    await expect(page.get_by_role("option", name="How do I return an order?")).to_be_visible()
    await shoot(page, screenshots, "insert-article-note")
    await page.keyboard.press("Enter")
    await expect(reply).to_have_value(
        re.compile(r"^The returns article answers this: How do I return an order\?: http://")
    )
    await page.get_by_role("button", name="Add note").click()
    await expect(page.locator("article.entry.note").last).to_contain_text(
        "The returns article answers this: How do I return an order?"
    )
    await page.context.close()


async def test_a_visitor_searches_the_help_articles_in_the_messenger(
    site: Website, browser: Browser, desk: Any, screenshots: Path
) -> None:
    support = await desk.inbox(name="Northwind Goods")
    admin = await desk.agent(role="admin", inboxes=[support], name="Grace")
    for title, body in [
        ("How do I return an order?", BODY),
        (
            "Where is my parcel?",
            "Track it from the email we sent. <script>window.__pwned=1</script>",
        ),
    ]:
        created = await admin.client.post(
            "/api/v1/knowledge/articles", json={"title": title, "body": body}
        )
        await admin.client.post(
            f"/api/v1/knowledge/articles/{created.json()['id']}/publish", json={"version": 1}
        )
    site.key = support["public_key"]
    context = await browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-US")
    page = await context.new_page()
    await page.goto(site.url)
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    search = panel.get_by_label("Search our help articles")
    await search.fill("parcel")
    await expect(panel.get_by_role("button", name="Where is my parcel?")).to_be_visible()
    await shot(page, screenshots, "help-search")
    await panel.get_by_role("button", name="Where is my parcel?").click()
    await expect(panel.get_by_role("heading", name="Where is my parcel?")).to_be_focused()
    await expect(panel).to_contain_text("<script>window.__pwned=1</script>")
    assert await page.evaluate("window.__pwned") is None
    await panel.get_by_role("button", name="Back").click()
    await expect(search).to_be_focused()
    await search.fill("refund")
    await panel.get_by_role("button", name="How do I return an order?").click()
    await expect(panel.get_by_role("link", name="returns policy")).to_have_attribute(
        "target", "_blank"
    )
    await shot(page, screenshots, "help-articles")
    shutil.copy(
        screenshots / "messenger-help-articles.png", DOCS_IMAGES / "messenger-help-articles.png"
    )
    async with page.expect_response(
        lambda response: "/feedback" in response.url and response.request.method == "POST"
    ) as voted:
        await panel.get_by_role("button", name="Yes").click()
    await expect(panel).to_contain_text("Thanks for telling us!")
    # Sent with the visitor's token, made for it: the visitor's one vote.
    assert (await voted.value).status == 204
    [found] = (await admin.client.get("/api/v1/knowledge/articles", params={"q": "return"})).json()[
        "items"
    ]
    assert (found["helpful_yes"], found["helpful_no"]) == (1, 0)
    await (
        panel.get_by_role("button", name="Send us a message")
        .or_(panel.get_by_role("button", name="Chat with us"))
        .click()
    )
    await expect(panel.get_by_label("Message")).to_be_focused()


async def test_a_delete_after_a_colleagues_change_shows_it_and_deletes_nothing(
    desk: Any, live: str, browser: Browser
) -> None:
    """The editor deletes the version it showed when Delete was clicked: when a colleague changed
    the article since (here while the question was asked; their change loads itself at once,
    test_knowledge_together.py), it says who, shows the article as it is now, and nothing is
    deleted; deleting again works."""
    admin = await desk.user(role="admin", name="Grace Hopper")
    bob = await desk.agent(name="Bob Marley")
    created = await bob.client.post(
        "/api/v1/knowledge/articles", json={"title": "Opening hours", "body": "Nine to five."}
    )
    path = f"/api/v1/knowledge/articles/{created.json()['id']}"
    page = await open_desk(browser, live, admin, path=f"/knowledge/{created.json()['id']}")
    text = page.get_by_label("Text (Markdown)")
    await expect(text).to_have_value("Nine to five.")
    delete = page.get_by_role("button", name="Delete", exact=True)
    confirm = page.get_by_role("alertdialog").get_by_role("button", name="Delete", exact=True)
    await delete.click()
    changed = await bob.client.patch(path, json={"version": 1, "body": "Ten to four."})
    assert changed.status_code == 200, changed.text
    await expect(text).to_have_value("Ten to four.")
    await confirm.click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "Bob Marley changed this article since you opened it: nothing was deleted."
    )
    await expect(text).to_have_value("Ten to four.")
    await expect(page.get_by_text(re.compile(r"Version 2\b"))).to_be_visible()
    assert (await bob.client.get(path)).status_code == 200

    await delete.click()
    await confirm.click()
    await expect(page).to_have_url(re.compile(r"/knowledge$"))
    assert (await bob.client.get(path)).status_code == 404
    await page.context.close()
