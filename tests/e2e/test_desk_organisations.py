"""Organisations in real Chromium (docs/desk.md, "Organisations"): an admin creates one with a
domain from Menu → Organisations, the customers who already wrote from that domain join it, its
page lists them and their tickets, a free-mail domain is refused in words; from a ticket, the
sidebar names the customer's organisation and its link opens it; an agent sets a customer's
organisation by hand in the sidebar's form; an agent of another inbox counts and lists only the
customers and tickets of theirs. The pages pass the accessibility check (screenshots
docs/images/desk-organisations.png, desk-organisation.png)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def ticket(api: PageApi, inbox: dict[str, Any], email: str, name: str, subject: str) -> Any:
    body = {"inbox_id": inbox["id"], "customer": {"email": email, "name": name}, "subject": subject}
    return await api("POST", "/api/v1/tickets", body, status=201)


async def test_an_admin_creates_an_organisation_and_its_customers_join(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    support = await desk.inbox(name="Support")
    olga = await desk.user(role="admin", name="Olga Admin")
    await desk.add_member(support, olga)
    page = await open_desk(browser, live, olga)
    api = PageApi(page, live)
    await ticket(api, support, "wile@acme.example", "Wile E. Coyote", "Anvil arrived broken")
    rocket = await ticket(api, support, "wile@acme.example", "Wile E. Coyote", "Rocket skates")
    await ticket(api, support, "boss@acme.example", "Ada Acme", "Invoice for March")
    await ticket(api, support, "road@runner.example", "Road Runner", "Meep meep")
    await api(
        "POST",
        "/api/v1/organisations",
        {"name": "Globex", "domains": ["globex.example"], "notes": "Reseller."},
        status=201,
    )

    await page.get_by_role("link", name="Organisations", exact=True).click()
    await expect(page.get_by_role("heading", name="Organisations", level=1)).to_be_visible()
    await page.get_by_role("link", name="New organisation").click()
    await expect(page.get_by_role("heading", name="New organisation", level=1)).to_be_visible()
    await page.get_by_label("Name").fill("Acme Corporation")
    # A free-mail domain is refused, said on the field.
    await page.get_by_label("Email domains").fill("acme.example\ngmail.com")
    await page.get_by_role("button", name="Create organisation").click()
    await expect(page.get_by_text("gmail.com is a free email provider")).to_be_visible()
    await assert_accessible(page, "the new organisation form, refused")
    await shoot(page, screenshots, "organisation-refused")
    await page.get_by_label("Email domains").fill("acme.example")
    await page.get_by_label("Notes").fill("Key account: anvils, rockets, skates.")
    await page.get_by_role("button", name="Create organisation").click()

    # Its page: the two customers who wrote from acme.example joined, with their tickets.
    await expect(page.get_by_role("heading", name="Acme Corporation", level=1)).to_be_visible()
    await expect(page.get_by_test_id("organisation-domains")).to_contain_text("acme.example")
    customers = page.get_by_test_id("organisation-customers").locator("tbody tr[data-customer-id]")
    await expect(customers).to_have_count(2)
    await expect(customers.first).to_contain_text("Ada Acme")
    await expect(customers.nth(1)).to_contain_text("Wile E. Coyote")
    tickets = page.get_by_test_id("organisation-tickets").locator("tbody tr[data-ticket-id]")
    await expect(tickets).to_have_count(3)
    await expect(tickets.first).to_contain_text("Invoice for March")
    await expect(page.get_by_test_id("organisation-tickets")).not_to_contain_text("Meep meep")
    await assert_accessible(page, "an organisation's page")
    await shoot(page, screenshots, "organisation")
    shutil.copy(screenshots / "desk-organisation.png", DOCS_IMAGES)

    await page.get_by_role("link", name="All organisations").click()
    rows = page.get_by_test_id("organisations").locator("tbody tr[data-organisation-id]")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text("Acme Corporation")
    await expect(rows.first).to_contain_text("2")
    await assert_accessible(page, "the organisation list")
    await shoot(page, screenshots, "organisations")
    shutil.copy(screenshots / "desk-organisations.png", DOCS_IMAGES)

    # From a ticket: the sidebar names the organisation, and its link opens it.
    await page.goto(f"{live}/tickets/{rocket['id']}")
    sidebar = page.get_by_role("complementary", name="Customer")
    line = sidebar.get_by_test_id("customer-organisation")
    await expect(line).to_contain_text("Acme Corporation")
    await shoot(page, screenshots, "organisation-sidebar")
    await line.get_by_role("link", name="Acme Corporation").click()
    await expect(page.get_by_role("heading", name="Acme Corporation", level=1)).to_be_visible()

    # By hand: Road Runner's organisation chosen in the sidebar's form.
    meep = (await api("GET", "/api/v1/customers?email=road@runner.example"))["items"][0]
    await page.goto(f"{live}/customers/{meep['id']}")
    sidebar = page.get_by_role("complementary", name="Customer")
    await sidebar.get_by_role("button", name="Edit").click()
    choice = sidebar.get_by_label("Organisation")
    await expect(choice.locator("option", has_text="Globex")).to_be_attached()
    await choice.select_option(label="Globex")
    await shoot(page, screenshots, "organisation-choice")
    await sidebar.get_by_role("button", name="Save").click()
    await expect(sidebar.get_by_test_id("customer-organisation")).to_contain_text("Globex")
    assert (await api("GET", f"/api/v1/customers/{meep['id']}"))["organisation"]["name"] == "Globex"

    # Deleted after a question: its customer stays, without organisation.
    await page.get_by_test_id("customer-organisation").get_by_role("link", name="Globex").click()
    await expect(page.get_by_role("heading", name="Globex", level=1)).to_be_visible()
    await page.get_by_role("button", name="Delete organisation").click()
    dialog = page.get_by_role("alertdialog")
    await expect(dialog.get_by_role("heading", name="Delete Globex?")).to_be_visible()
    await expect(dialog).to_contain_text("Its 1 customer is kept, without organisation.")
    await dialog.get_by_role("button", name="Delete organisation").click()
    await expect(page.get_by_role("heading", name="Organisations", level=1)).to_be_visible()
    await expect(rows).to_have_count(1)
    assert (await api("GET", f"/api/v1/customers/{meep['id']}"))["organisation"] is None

    # An agent of another inbox: Acme's numbers and lists are the customers and tickets of theirs
    # only, where Olga counts them all.
    sales = await desk.inbox(name="Sales")
    ada = await desk.user(role="agent", name="Ada Agent")
    await desk.add_member(sales, ada)
    await ticket(api, sales, "cfo@acme.example", "Carla Acme", "Quote for 500 anvils")
    acme = (await api("GET", "/api/v1/organisations?q=acme"))["items"][0]
    await page.goto(f"{live}/organisations/{acme['id']}")
    await expect(page.get_by_text("3 customers", exact=True)).to_be_visible()
    theirs = await open_desk(browser, live, ada, path="/organisations")
    listed = theirs.get_by_test_id("organisations").locator("tbody tr[data-organisation-id]")
    await expect(listed).to_have_count(1)
    await expect(listed.first.locator("td.count")).to_have_text("1")
    await listed.first.get_by_role("link", name="Acme Corporation").click()
    await expect(theirs.get_by_role("heading", name="Acme Corporation", level=1)).to_be_visible()
    await expect(theirs.get_by_text("1 customer", exact=True)).to_be_visible()
    mine = theirs.get_by_test_id("organisation-customers").locator("tbody tr[data-customer-id]")
    await expect(mine).to_have_count(1)
    await expect(mine.first).to_contain_text("Carla Acme")
    seen = theirs.get_by_test_id("organisation-tickets").locator("tbody tr[data-ticket-id]")
    await expect(seen).to_have_count(1)
    await expect(seen.first).to_contain_text("Quote for 500 anvils")
    await expect(theirs.get_by_role("button", name="Delete organisation")).to_have_count(0)
    await shoot(theirs, screenshots, "organisation-agent")


async def test_an_organisation_beyond_the_first_thousand_is_found_by_name(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    # 1,000 organisations come first by name; "Zeta Works" is the 1,001st, past the choice's list.
    from frontdesk.db.session import unit_of_work
    from frontdesk.labels.service import name_key
    from frontdesk.organisations.models import Organisation

    async with unit_of_work(app.state.sessionmaker) as session:
        names = [f"Account {n:04}" for n in range(1000)] + ["Zeta Works"]
        session.add_all(Organisation(name=name, name_key=name_key(name)) for name in names)
    support = await desk.inbox(name="Support")
    ada = await desk.user(role="agent", name="Ada Agent")
    await desk.add_member(support, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    await ticket(api, support, "road@runner.example", "Road Runner", "Meep meep")
    meep = (await api("GET", "/api/v1/customers?email=road@runner.example"))["items"][0]

    await page.goto(f"{live}/customers/{meep['id']}")
    sidebar = page.get_by_role("complementary", name="Customer")
    await sidebar.get_by_role("button", name="Edit").click()
    choice = sidebar.get_by_label("Organisation", exact=True)
    await expect(choice.locator("option", has_text="Account 0999")).to_be_attached()
    await expect(choice.locator("option", has_text="Zeta Works")).to_have_count(0)
    await sidebar.get_by_label("Find an organisation").fill("zeta")
    await expect(choice.locator("option", has_text="Account 0999")).to_have_count(0)
    await choice.select_option(label="Zeta Works")
    await assert_accessible(page, "the organisation choice with its search")
    await shoot(page, screenshots, "organisation-find")
    await sidebar.get_by_role("button", name="Save").click()
    await expect(sidebar.get_by_test_id("customer-organisation")).to_contain_text("Zeta Works")
    customer = await api("GET", f"/api/v1/customers/{meep['id']}")
    assert customer["organisation"]["name"] == "Zeta Works"

    # The ticket list's filter bar: the same search beside its Organisation filter.
    await ticket(api, support, "wile@acme.example", "Wile E. Coyote", "Anvil arrived broken")
    await page.goto(f"{live}/inboxes/{support['id']}/open")
    rows = page.locator("a.ticket-row")
    await expect(rows).to_have_count(2)
    bar = page.get_by_role("group", name="Filters")
    choice = bar.get_by_label("Organisation", exact=True)
    await expect(choice.locator("option", has_text="Zeta Works")).to_have_count(0)
    await bar.get_by_label("Find an organisation").fill("zeta")
    await expect(choice.locator("option")).to_have_text(["Any organisation", "Zeta Works"])
    await choice.select_option(label="Zeta Works")
    await expect(page).to_have_url(re.compile(rf"organisation_id={customer['organisation']['id']}"))
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Meep meep")
    # The list is another page with a bar of its own: the search goes on there.
    await expect(bar.get_by_label("Find an organisation")).to_have_value("zeta")
    await expect(choice.locator("option")).to_have_text(["Any organisation", "Zeta Works"])
    await shoot(page, screenshots, "organisation-filter-find")
    # The search emptied, the filter keeps its name among the first 1,000.
    await bar.get_by_label("Find an organisation").fill("")
    await expect(choice.locator("option", has_text="Account 0999")).to_be_attached()
    await expect(choice.locator("option:checked")).to_have_text("Zeta Works")
    await expect(rows).to_have_count(1)
    await assert_accessible(page, "the filter bar with its organisation search")
