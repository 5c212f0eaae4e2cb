"""Ratings in real Chromium: the visitor rates the chat that just ended in the messenger and the
agent sees it appear on the ticket without reloading; the page an email's rating link opens.
Screenshots go to ./screenshots; the ones in docs/images are copies of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, expect

from frontdesk.db.session import unit_of_work
from frontdesk.ratings import service as ratings_service
from tests.conftest import Desk
from tests.e2e.desk import DESK, assert_accessible, open_desk
from tests.e2e.settle import settled
from tests.e2e.test_messenger import Website, axe_ok, chat_id, launcher, messenger
from tests.e2e.test_messenger import context as context
from tests.e2e.test_messenger import website as website
from tests.mail.support import SmtpSink, deliver, later, with_smtp

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (DESK / "dist" / "index.html").is_file(), reason="desk not built"),
]
LINK = re.compile(r"https?://[^/\s]+(/rate/\d+\.[0-9a-f]+)/(good|okay|bad)")


async def test_the_visitor_rates_the_ended_chat_and_the_agent_sees_it_live(
    app: FastAPI,
    website: Website,
    context: BrowserContext,
    desk: Desk,
    browser: Browser,
    live: str,
    screenshots: Path,
) -> None:
    support = await desk.inbox(name="Support", email_address="support@desk.test")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(support, ada_user)
    ada = await desk.login(ada_user)
    assert (await ada.client.put("/api/v1/me/availability", json={"available": True})).is_success
    website.key = support["public_key"]
    page = await context.new_page()
    await page.goto(website.url)
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await panel.get_by_label("Your name").fill("Marie Curie")
    await panel.get_by_label("Email").fill("marie@example.org")
    await panel.get_by_label("Message", exact=True).fill("Where is my order?")
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".waiting")).to_be_visible()
    chat = await chat_id(page, website.key)
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    reply = {"text": "It ships tomorrow.", "client_msg_id": "ada-1"}
    assert (await ada.client.post(f"/api/v1/chats/{chat}/messages", json=reply)).is_success
    assert (await ada.client.post(f"/api/v1/chats/{chat}/end")).status_code == 200
    ticket_id = (await ada.client.get(f"/api/v1/chats/{chat}")).json()["ticket_id"]

    # The agent has the ticket open before the visitor rates.
    desk_page = await open_desk(browser, live, ada_user)
    await desk_page.goto(f"{live}/tickets/{ticket_id}")
    await expect(desk_page.get_by_role("heading", level=1)).to_be_visible()
    await expect(desk_page.get_by_test_id("ticket-ratings")).to_have_count(0)

    card = panel.locator(".rating")
    await expect(card).to_contain_text("How did we do?")
    await card.get_by_role("button", name="Okay").click()
    await expect(card.get_by_role("button", name="Okay")).to_have_attribute("aria-pressed", "true")
    await expect(card).to_contain_text("You can change it for a day")
    await card.get_by_role("button", name="Good").click()
    await expect(card.get_by_role("button", name="Good")).to_have_attribute("aria-pressed", "true")
    await card.get_by_label("Anything to add?").fill("Ada was <b>great</b>")
    await card.get_by_role("button", name="Send comment").click()
    await expect(card).to_contain_text("Comment saved")
    await axe_ok(page, "rating")
    await settled(page)
    await panel.screenshot(path=str(screenshots / "messenger-rating.png"))
    await page.emulate_media(color_scheme="dark")
    await settled(page)
    await panel.screenshot(path=str(screenshots / "messenger-rating-dark.png"))

    ratings = desk_page.get_by_test_id("ticket-ratings")
    await expect(ratings).to_contain_text("Good")
    await expect(ratings).to_contain_text("rated in the chat")
    await expect(ratings).to_contain_text("Ada was <b>great</b>")
    await assert_accessible(desk_page, "ticket with a rating")
    head = desk_page.locator(".convo-head")
    await head.screenshot(path=str(screenshots / "desk-ticket-rating.png"))

    # Marie writes again: her new ticket's sidebar shows how she rated the chat, and follows a
    # change as it happens.
    created = await ada.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": support["id"],
            "customer": {"email": "marie@example.org"},
            "subject": "Another question",
        },
    )
    assert created.status_code == 201, created.text
    await desk_page.goto(f"{live}/tickets/{created.json()['id']}")
    history = desk_page.get_by_role("complementary").locator("li", has_text="Where is my order?")
    await expect(history.get_by_test_id("rating-badge")).to_contain_text("Good")
    await expect(history).to_contain_text("Ada was <b>great</b>")
    await page.emulate_media(color_scheme="light")
    await card.get_by_role("button", name="Bad").click()
    await expect(history.get_by_test_id("rating-badge")).to_contain_text("Bad")


async def test_the_email_link_opens_the_rating_page(
    app: FastAPI, desk: Desk, browser: Browser, live: str, sink: SmtpSink, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address="support@shop.test")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    admin = await desk.agent(role="admin")
    body = {"email_enabled": True, "email_delay_minutes": 0, "question": "Did we solve it?"}
    await admin.client.patch(f"/api/v1/inboxes/{inbox['id']}/rating-settings", json=body)
    created = await ada.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora"},
            "subject": "Parcel",
        },
    )
    ticket = created.json()
    await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Sent again.", "then": "close"}
    )
    async with unit_of_work(app.state.sessionmaker) as session:
        assert await ratings_service.send_due_requests(session, now=later(1)) == 1
    await deliver(app, with_smtp(app.state.settings, sink))
    (mail,) = [r for r in sink.received if r.message["Subject"].startswith("How did we do?")]
    text = mail.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    base = LINK.search(text)
    assert base is not None

    reader = await browser.new_context(viewport={"width": 800, "height": 700})
    page = await reader.new_page()
    # The email as a mail client shows its HTML part.
    html = mail.message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    await page.set_content(html)
    await expect(page.get_by_role("link", name="Good")).to_have_attribute(
        "href", re.compile(r"/rate/\d+\.[0-9a-f]+/good$")
    )
    await page.screenshot(path=str(screenshots / "rating-email.png"))
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    await page.goto(f"{live}{base.group(1)}/good")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Thanks! Your answer is saved.")
    await expect(page.get_by_role("group", name="Did we solve it?")).to_be_visible()
    await expect(page.get_by_label("Good")).to_be_checked()
    await page.get_by_label("Okay").check()
    await page.get_by_label("Anything you would like to add?").fill("Slow, but solved.")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_label("Okay")).to_be_checked()
    await expect(page.get_by_label("Anything you would like to add?")).to_have_value(
        "Slow, but solved."
    )
    assert problems == [], problems  # no CSP refusal: the only style is allowed by its hash
    await assert_accessible(page, "rating page")
    await page.screenshot(path=str(screenshots / "rating-page.png"))
    (rating,) = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json()
    assert (rating["score"], rating["comment"]) == ("okay", "Slow, but solved.")

    await page.goto(f"{live}{base.group(1)[:-3]}abc/good")
    await expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    await reader.close()

    # Without scripts (as a mail scanner fetches it) the link records nothing; Save sends it.
    plain = await browser.new_context(java_script_enabled=False)
    page = await plain.new_page()
    await page.goto(f"{live}{base.group(1)}/bad")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sending your answer…")
    await expect(page.get_by_label("Bad")).to_be_checked()
    await page.screenshot(path=str(screenshots / "rating-page-without-scripts.png"))
    (rating,) = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json()
    assert rating["score"] == "okay"
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Thanks! Your answer is saved.")
    (rating,) = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json()
    assert (rating["score"], rating["comment"]) == ("bad", "Slow, but solved.")
    await plain.close()


async def test_an_admin_sets_an_inboxs_rating_settings(
    app: FastAPI, desk: Desk, browser: Browser, live: str, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Shop Support")
    admin_user = await desk.user(name="Grace Admin", role="admin")
    page = await open_desk(browser, live, admin_user)
    await page.goto(f"{live}/settings/ratings")
    await expect(page.get_by_role("heading", name="Satisfaction ratings")).to_be_visible()
    chat_box = page.get_by_label("In the messenger, when an answered chat ends")
    email_box = page.get_by_label("By email, after a ticket is closed")
    await expect(chat_box).to_be_checked()
    await expect(email_box).not_to_be_checked()
    await email_box.check()
    await page.get_by_label("Delay before the email (minutes)").fill("30")
    await page.get_by_label("Question").fill("Did we help?")
    # The inboxes read again meanwhile (a colleague renames this one; a reconnection does the
    # same): what is being typed stays.
    admin = await desk.login(admin_user)
    renamed = await admin.client.patch(
        f"/api/v1/inboxes/{inbox['id']}", json={"name": "Shop Support Team"}
    )
    assert renamed.status_code == 200, renamed.text
    await expect(page.get_by_label("Inbox")).to_contain_text("Shop Support Team")
    await expect(email_box).to_be_checked()
    await expect(page.get_by_label("Question")).to_have_value("Did we help?")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Saved.")
    await assert_accessible(page, "rating settings")
    await page.screenshot(path=str(screenshots / "desk-rating-settings.png"))
    stored = (await admin.client.get(f"/api/v1/inboxes/{inbox['id']}/rating-settings")).json()
    assert stored == {
        "inbox_id": inbox["id"],
        "chat_enabled": True,
        "email_enabled": True,
        "question": "Did we help?",
        "email_delay_minutes": 30,
    }
