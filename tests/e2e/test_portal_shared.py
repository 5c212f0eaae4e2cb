"""An organisation's requests shared in the help center, in real Chromium (docs/desk.md,
"Organisations"; docs/portal.md, "Your organisation's requests"): an admin ticks "Members see
each other's requests in the help center" in the organisation's Edit form; Cora, of that
organisation, signs in to My requests (no script), opens the tab "Acme's requests", sees her
colleague's request with his name, reads it (read only), and marks her own request solved.
Screenshot docs/images/portal-shared.png."""

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
SHARED = "Members see each other's requests in the help center"


async def answered(
    api: PageApi, inbox: dict[str, Any], email: str, name: str, subject: str, text: str
) -> Any:
    body = {"inbox_id": inbox["id"], "customer": {"email": email, "name": name}, "subject": subject}
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    await api(
        "POST",
        f"/api/v1/tickets/{ticket['id']}/replies",
        {"text": text, "then": "send"},
        status=201,
    )
    return ticket


async def test_an_admin_shares_an_organisation_s_requests_and_a_member_reads_them(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    sink: SmtpSink,
    screenshots: Path,
    policy_watch: Any,
) -> None:
    inbox = await desk.inbox(name="Northwind Goods", email_address="help@northwind.test")
    olga = await desk.user(role="admin", name="Olga Admin")
    await desk.add_member(inbox, olga)
    page = await open_desk(browser, live, olga)
    api = PageApi(page, live)
    await api("PUT", "/api/v1/knowledge/settings", {"name": "Northwind Goods"})
    acme = await api(
        "POST", "/api/v1/organisations", {"name": "Acme", "domains": ["acme.example"]}, status=201
    )
    mine = await answered(
        api,
        inbox,
        "cora@acme.example",
        "Cora Customer",
        "Invoice for order 1043",
        "Here it is, sent again.",
    )
    await answered(
        api,
        inbox,
        "dan@acme.example",
        "Dan Colleague",
        "Forklift manual missing",
        "We are sending the manual by post today.",
    )
    await answered(api, inbox, "eve@rival.example", "Eve Rival", "Price list", "Attached, Eve.")

    # The admin ticks the setting in the organisation's Edit form.
    await page.goto(f"{live}/organisations/{acme['id']}")
    await expect(page.get_by_role("heading", name="Acme", level=1)).to_be_visible()
    await expect(page.get_by_test_id("organisation-shared")).to_have_text(
        "Each customer sees only their own requests"
    )
    await page.get_by_role("button", name="Edit").click()
    box = page.get_by_label(SHARED, exact=True)
    await expect(box).not_to_be_checked()
    await box.check()
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_test_id("organisation-shared")).to_have_text(
        "Members see each other's requests"
    )
    saved = await api("GET", f"/api/v1/organisations/{acme['id']}")
    assert saved["shared_requests"] is True

    customer = await signed_in_customer(
        app, browser, live, sink, policy_watch, "cora@acme.example", height=760
    )
    await expect(customer.locator("table.requests tbody tr")).to_have_count(1)

    await customer.get_by_role("link", name="Acme's requests").click()
    await expect(customer.get_by_role("heading", level=1, name="Acme's requests")).to_be_visible()
    rows = customer.locator("table.requests tbody tr")
    await expect(rows).to_have_count(2)
    await expect(customer.locator("table.requests")).to_contain_text("Dan Colleague")
    await expect(customer.locator("table.requests")).not_to_contain_text("Price list")
    await assert_accessible_without_script(customer)
    await settled(customer)
    await customer.screenshot(path=str(screenshots / "portal-shared.png"), full_page=True)
    shutil.copy(screenshots / "portal-shared.png", DOCS_IMAGES / "portal-shared.png")

    await customer.get_by_role("link", name="Forklift manual missing").click()
    await expect(customer.locator("ol.thread li.agent")).to_contain_text("sending the manual")
    await expect(customer.get_by_text("This is Dan Colleague's request.")).to_be_visible()
    await expect(customer.get_by_label("Your answer", exact=True)).to_have_count(0)
    await expect(customer.get_by_role("button", name="This is solved")).to_have_count(0)
    await assert_accessible_without_script(customer)

    # Her own request: "This is solved" closes it.
    await customer.goto(f"{live}/help/requests/{mine['number']}")
    await customer.get_by_role("button", name="This is solved").click()
    await expect(customer.locator(".meta .state")).to_have_text("Solved")
    await expect(customer.get_by_role("button", name="This is solved")).to_have_count(0)
    closed = await api("GET", f"/api/v1/tickets/{mine['id']}")
    assert closed["state"] == "closed"
    assert policy_watch.violations == []
