"""The customer portal in real Chromium (docs/portal.md): from the help center's "My requests",
a customer asks for a link, opens the emailed link, signs in, reads their request and answers
it; the desk shows the answer on the ticket, from the help center, the ticket open again. No
script runs, the help center's policy holds, no serious axe violation. Screenshot
docs/images/portal.png."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk
from tests.e2e.settle import settled
from tests.mail.support import SmtpSink, deliver, with_smtp

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
LINK = re.compile(r"/help/requests/sign-in/[A-Za-z0-9_-]+")


async def signed_in_customer(
    app: FastAPI,
    browser: Browser,
    live: str,
    sink: SmtpSink,
    policy_watch: Any,
    email: str,
    *,
    height: int = 900,
) -> Page:
    """A customer's browser, without script, signed in to My requests by the link mailed to
    `email`."""
    context = await browser.new_context(
        viewport={"width": 1100, "height": height}, java_script_enabled=False
    )
    await policy_watch.watch(context)
    customer = await context.new_page()
    await customer.goto(f"{live}/help/requests")
    await customer.get_by_label("Email address", exact=True).fill(email)
    await customer.get_by_role("button", name="Email me a link").click()
    await deliver(app, with_smtp(app.state.settings, sink))
    (mail,) = [r for r in sink.received if "sign-in link" in str(r.message["Subject"])]
    body = mail.message.get_body(preferencelist=("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found is not None
    await customer.goto(f"{live}{found.group(0)}")
    await customer.get_by_role("button", name="Sign in").click()
    return customer


async def test_a_customer_signs_in_and_answers_from_the_help_center(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    sink: SmtpSink,
    screenshots: Path,
    policy_watch: Any,
) -> None:
    inbox = await desk.inbox(name="Northwind Goods", email_address="help@northwind.test")
    ada = await desk.user(role="admin", name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    await api("PUT", "/api/v1/knowledge/settings", {"name": "Northwind Goods"})
    older = await api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora Customer"},
            "subject": "Invoice for order 1043",
        },
        status=201,
    )
    await api(
        "POST",
        f"/api/v1/tickets/{older['id']}/replies",
        {"text": "Here it is, sent again.", "then": "close"},
        status=201,
    )
    ticket = await api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora Customer"},
            "subject": "My parcel has not arrived",
        },
        status=201,
    )
    await api(
        "POST",
        f"/api/v1/tickets/{ticket['id']}/replies",
        {
            "text": "Sorry about that, Cora. It left our warehouse on Monday: "
            "it should reach you by Friday.",
            "then": "close",
        },
        status=201,
    )

    context = await browser.new_context(
        viewport={"width": 1100, "height": 900}, java_script_enabled=False
    )
    await policy_watch.watch(context)
    customer = await context.new_page()
    await customer.goto(f"{live}/help")
    await customer.get_by_role("link", name="My requests").click()
    await expect(customer.get_by_role("heading", level=1, name="My requests")).to_be_visible()
    await customer.get_by_label("Email address", exact=True).fill("cora@example.org")
    await customer.get_by_role("button", name="Email me a link").click()
    await expect(customer.get_by_role("status")).to_contain_text(
        "If this address is one we know, we've sent a link to it."
    )
    await customer.screenshot(path=str(screenshots / "portal-sign-in.png"))
    await assert_accessible_without_script(customer)

    await deliver(app, with_smtp(app.state.settings, sink))
    (mail,) = [r for r in sink.received if "sign-in link" in str(r.message["Subject"])]
    assert mail.rcpt_tos == ["cora@example.org"]
    body = mail.message.get_body(preferencelist=("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found is not None
    await customer.goto(f"{live}{found.group(0)}")
    await customer.get_by_role("button", name="Sign in").click()

    rows = customer.locator("table.requests tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text("My parcel has not arrived")
    await expect(rows.first).to_contain_text("Solved")
    await expect(customer.get_by_text("Signed in as Cora Customer")).to_be_visible()
    await customer.screenshot(path=str(screenshots / "portal-list.png"))
    await assert_accessible_without_script(customer)
    await customer.get_by_role("link", name="My parcel has not arrived").click()
    await expect(
        customer.get_by_role("heading", level=1, name="My parcel has not arrived")
    ).to_be_visible()
    await expect(customer.locator("ol.thread li.agent")).to_contain_text("Ada Lovelace")
    await customer.get_by_label("Your answer", exact=True).fill(
        "Still nothing today. Could you check with the carrier?"
    )
    await customer.get_by_role("button", name="Send").click()
    answer = customer.locator("ol.thread li.customer").last
    await expect(answer).to_contain_text("Still nothing today.")
    await expect(answer).to_contain_text("from the help center")
    await expect(customer.locator(".meta .state")).to_have_text("Open")
    await assert_accessible_without_script(customer)
    await settled(customer)
    await customer.screenshot(path=str(screenshots / "portal.png"), full_page=True)
    shutil.copy(screenshots / "portal.png", DOCS_IMAGES / "portal.png")
    assert policy_watch.violations == []

    # The desk: Cora's answer, said to come from the help center, the ticket open again.
    await page.goto(f"{live}/tickets/{ticket['id']}")
    arrival = page.get_by_test_id("entry-arrival")
    await expect(arrival).to_have_text("from the help center")
    await expect(page.get_by_text("Still nothing today.")).to_be_visible()
    stored = await api("GET", f"/api/v1/tickets/{ticket['id']}")
    assert stored["state"] == "open"

    # An admin turns it off in the desk: the customer's pages are "not found", signed in or not.
    await page.get_by_role("link", name="Knowledge base").click()
    settings = page.get_by_test_id("help-center-settings")
    choice = settings.get_by_label("Customers can sign in to see their requests", exact=True)
    await expect(choice).to_be_checked()
    await choice.uncheck()
    await settings.get_by_role("button", name="Save settings").click()
    await expect(settings.get_by_role("status")).to_have_text("Help center settings saved.")
    await settings.screenshot(path=str(screenshots / "desk-help-center-portal-setting.png"))
    assert (await api("GET", "/api/v1/knowledge/settings"))["customer_portal"] is False
    await customer.reload()
    await expect(customer.get_by_role("heading", name="This page is not here")).to_be_visible()
    await expect(customer.get_by_role("link", name="My requests")).to_have_count(0)
    await choice.check()
    await settings.get_by_role("button", name="Save settings").click()
    await expect(settings.get_by_role("status")).to_have_text("Help center settings saved.")
    await customer.reload()

    await customer.get_by_role("button", name="Sign out").click()
    await expect(customer.get_by_role("button", name="Email me a link")).to_be_visible()
    await context.close()


async def assert_accessible_without_script(page: Any) -> None:
    """axe runs as a script: in a page of its own with script on, the same address and cookies."""
    context = page.context
    cookies = await context.cookies()
    checking = await context.browser.new_context(viewport={"width": 1100, "height": 900})
    await checking.add_cookies(cookies)
    copy = await checking.new_page()
    await copy.goto(page.url)
    await assert_accessible(copy, f"portal {page.url}")
    await checking.close()
