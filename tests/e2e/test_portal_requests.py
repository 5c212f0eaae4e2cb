"""A new request from the customer portal in real Chromium (docs/portal.md, "New request"): an
admin chooses the inbox for new requests in the desk's help center settings; a signed-in
customer presses **New request**, writes one and lands on its page; the desk has the ticket in
that inbox, from the help center. No script runs in the customer's pages, the help center's
policy holds, no serious axe violation. Screenshot docs/images/portal-new-request.png."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, open_desk
from tests.e2e.settle import settled
from tests.e2e.test_portal import assert_accessible_without_script, signed_in_customer
from tests.mail.support import SmtpSink

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def test_a_signed_in_customer_opens_a_new_request(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    sink: SmtpSink,
    screenshots: Path,
    policy_watch: Any,
) -> None:
    support = await desk.inbox(name="Northwind Goods", email_address="help@northwind.test")
    requests = await desk.inbox(name="Help center requests")
    ada = await desk.user(role="admin", name="Ada Lovelace")
    await desk.add_member(support, ada)
    await desk.add_member(requests, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    await api("PUT", "/api/v1/knowledge/settings", {"name": "Northwind Goods"})
    older = await api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": support["id"],
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

    # The admin chooses where new requests go.
    await page.goto(f"{live}/knowledge")
    settings = page.get_by_test_id("help-center-settings")
    # Loaded: the name saved above is in its field.
    await expect(settings.get_by_placeholder("Help center")).to_have_value("Northwind Goods")
    chosen = settings.get_by_label("Inbox for new requests", exact=True)
    await chosen.select_option(label="Help center requests")
    await settings.get_by_role("button", name="Save settings").click()
    await expect(settings.get_by_role("status")).to_have_text("Help center settings saved.")
    saved = await api("GET", "/api/v1/knowledge/settings")
    assert saved["portal_inbox_id"] == requests["id"]

    customer = await signed_in_customer(app, browser, live, sink, policy_watch, "cora@example.org")

    await customer.screenshot(path=str(screenshots / "portal-list-new-request.png"))
    await customer.get_by_role("link", name="New request").click()
    await expect(customer.get_by_role("heading", level=1, name="New request")).to_be_visible()
    await expect(customer.get_by_text("by email, at cora@example.org")).to_be_visible()
    await customer.get_by_label("Subject", exact=True).fill("Wrong size delivered")
    await customer.get_by_label("Message", exact=True).fill(
        "I ordered the blue jacket in M and received an S. Can I exchange it?"
    )
    await assert_accessible_without_script(customer)
    await settled(customer)
    await customer.screenshot(path=str(screenshots / "portal-new-request.png"))
    shutil.copy(screenshots / "portal-new-request.png", DOCS_IMAGES / "portal-new-request.png")
    await customer.get_by_role("button", name="Send request").click()

    await expect(
        customer.get_by_role("heading", level=1, name="Wrong size delivered")
    ).to_be_visible()
    first = customer.locator("ol.thread li.customer").first
    await expect(first).to_contain_text("received an S")
    await expect(first).to_contain_text("from the help center")
    await expect(customer.locator(".meta .state")).to_have_text("Open")
    await assert_accessible_without_script(customer)
    await customer.get_by_role("link", name="All my requests").click()
    await expect(customer.locator("table.requests tbody tr")).to_have_count(2)
    assert policy_watch.violations == []
    await customer.context.close()

    # The desk: the ticket in the chosen inbox, Cora's message from the help center.
    listed = await api("GET", f"/api/v1/tickets?inbox_id={requests['id']}")
    (row,) = listed["items"]
    await page.goto(f"{live}/tickets/{row['id']}")
    await expect(page.get_by_test_id("entry-arrival")).to_have_text("from the help center")
    await expect(page.get_by_text("received an S")).to_be_visible()
