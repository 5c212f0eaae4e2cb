"""The Customers page in real Chromium: an agent finds customers by name and by address, pages
through a long search with "Load more", opens a customer's page with their tickets, corrects
their name, merges a duplicate into them (its tickets and addresses move, it disappears), adds a
new customer (an address already someone's is refused with a link to them), reaches the page
from a ticket's sidebar, and gets "not found" for a customer only another inbox has; both pages
pass the accessibility check (screenshots docs/images/desk-customers.png, desk-customer.png)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect

from frontdesk.customers import service as customers_service
from frontdesk.db.session import unit_of_work
from frontdesk.users import service as users_service
from tests.e2e.desk import (
    DESK_TESTS,
    PageApi,
    api_as,
    assert_accessible,
    open_desk,
    shoot,
)

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
# CustomersPage.vue's page size.
PAGE = 50


def rows(page: Page) -> Any:
    return page.get_by_test_id("customers").locator("tbody tr[data-customer-id]")


async def search(page: Page, text: str) -> None:
    await page.get_by_label("Search customers").fill(text)
    # The URL follows the box once the (debounced) search went out.
    await expect(page).to_have_url(re.compile(r"search=" + re.escape(text.split()[0])))


async def ticket(api: PageApi, inbox: dict[str, Any], email: str, name: str, subject: str) -> Any:
    body = {"inbox_id": inbox["id"], "customer": {"email": email, "name": name}, "subject": subject}
    return await api("POST", "/api/v1/tickets", body, status=201)


async def test_an_agent_finds_opens_edits_merges_and_adds_customers(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    support = await desk.inbox(name="Support")
    billing = await desk.inbox(name="Billing")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(support, ada)
    owner = await desk.user(role="owner", name="Olga Owner")
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)

    await ticket(api, support, "jane@example.org", "Jane Do", "Wrong size delivered")
    latest = await ticket(api, support, "jane@example.org", "Jane Do", "Refund for the return")
    await ticket(api, support, "jane@old.example", "Jane D.", "Order 1042 never arrived")
    await ticket(api, support, "alan@example.org", "Alan Turing", "Parcel stuck in customs")
    vat = await ticket(api, support, "rosalind@example.org", "Rosalind Franklin", "Invoice VAT")
    phone = {"phones": ["+44 20 7946 0958"]}
    await api("PATCH", f"/api/v1/customers/{vat['customer_id']}", phone)
    # A customer only Billing has written to: not one Ada may see.
    carl = await (await api_as(desk, owner))(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": billing["id"],
            "customer": {"email": "carl@example.net", "name": "Carl Hidden"},
            "subject": "Card declined",
        },
        status=201,
    )

    await page.get_by_role("link", name="Customers", exact=True).click()
    await expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()
    await expect(rows(page)).to_have_count(4)
    await expect(rows(page).first).to_contain_text("Alan Turing")
    await expect(page.get_by_test_id("customers")).not_to_contain_text("Carl Hidden")
    await assert_accessible(page, "the customer list")
    await shoot(page, screenshots, "customers")
    shutil.copy(screenshots / "desk-customers.png", DOCS_IMAGES)

    # By name, by address, and nothing.
    await search(page, "turing")
    await expect(rows(page)).to_have_count(1)
    await expect(rows(page)).to_contain_text("alan@example.org")
    await search(page, "old.example")
    await expect(rows(page)).to_have_count(1)
    await expect(rows(page)).to_contain_text("Jane D.")
    await search(page, "zebra")
    await expect(rows(page)).to_have_count(0)
    await expect(page.get_by_test_id("customers")).to_contain_text("No customers match “zebra”.")

    # Her page: her tickets, newest first, each a link to the ticket.
    await search(page, "jane")
    await expect(rows(page)).to_have_count(2)
    await page.get_by_role("link", name="Jane Do", exact=True).click()
    await expect(page.get_by_role("heading", name="Jane Do", level=1)).to_be_visible()
    tickets = page.get_by_test_id("customer-tickets").locator("tbody tr[data-ticket-id]")
    await expect(tickets).to_have_count(2)
    await expect(tickets.first).to_contain_text("Refund for the return")
    await expect(tickets.first).to_contain_text("Support")
    await expect(tickets.nth(1)).to_contain_text("Wrong size delivered")

    # Her name corrected in the sidebar's form: the page's heading follows.
    sidebar = page.get_by_role("complementary", name="Customer")
    await sidebar.get_by_role("button", name="Edit").click()
    await sidebar.get_by_label("Name").fill("Jane Doe")
    await sidebar.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("heading", name="Jane Doe", level=1)).to_be_visible()

    # The duplicate, found by its address, merged into her after a question naming both.
    await page.get_by_role("button", name="Merge a duplicate into this customer…").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Find the duplicate").fill("old.example")
    await dialog.get_by_role("radio", name=re.compile("Jane D\\.")).check()
    await dialog.get_by_role("button", name="Continue").click()
    await expect(
        dialog.get_by_role("heading", name="Merge Jane D. <jane@old.example> into Jane Doe?")
    ).to_be_visible()
    await expect(dialog).to_contain_text("Their ticket in your inboxes moves here")
    await expect(dialog).to_contain_text("move here: jane@old.example.")
    await expect(dialog).to_contain_text("This cannot be undone.")
    await dialog.get_by_role("button", name="Merge", exact=True).click()
    await expect(page.get_by_role("status").filter(has_text="was merged")).to_have_text(
        "Jane D. <jane@old.example> was merged into Jane Doe."
    )
    await expect(tickets).to_have_count(3)
    await expect(tickets.first).to_contain_text("Order 1042 never arrived")
    await expect(sidebar).to_contain_text("jane@old.example")
    await assert_accessible(page, "a customer's page")
    await shoot(page, screenshots, "customer")
    shutil.copy(screenshots / "desk-customer.png", DOCS_IMAGES)
    jane = (await api("GET", "/api/v1/customers?email=jane@example.org"))["items"][0]
    await page.get_by_role("link", name="All customers").click()
    await search(page, "jane")
    await expect(rows(page)).to_have_count(1)

    # A new customer: an address that is Jane's is refused with a link to her, then saved.
    await page.get_by_role("link", name="New customer").click()
    await expect(page.get_by_role("heading", name="New customer")).to_be_visible()
    await page.get_by_label("Name").fill("Grace Hopper")
    await page.get_by_label("Email").fill("jane@old.example")
    await page.get_by_label("Phone").fill("+1 555 0100")
    await page.get_by_role("button", name="Add customer").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("The email jane@old.example already belongs to another")
    await expect(alert.get_by_role("link", name="Open the customer who has it")).to_have_attribute(
        "href", f"/customers/{jane['id']}"
    )
    await assert_accessible(page, "the new customer form, refused")
    await page.get_by_label("Email").fill("grace@example.org")
    await page.get_by_role("button", name="Add customer").click()
    await expect(page.get_by_role("heading", name="Grace Hopper", level=1)).to_be_visible()
    await expect(page.get_by_test_id("customer-tickets")).to_contain_text(
        "No tickets in your inboxes."
    )
    grace_sidebar = page.get_by_role("complementary", name="Customer")
    await expect(grace_sidebar).to_contain_text("+15550100")
    # Her form refuses Jane's address the same way, with the link to Jane.
    await grace_sidebar.get_by_role("button", name="Edit").click()
    await grace_sidebar.get_by_label("Emails").fill("grace@example.org\njane@old.example")
    await grace_sidebar.get_by_role("button", name="Save").click()
    refused = grace_sidebar.get_by_role("alert")
    await expect(refused).to_contain_text("The email jane@old.example already belongs to another")
    await expect(
        refused.get_by_role("link", name="Open the customer who has it")
    ).to_have_attribute("href", f"/customers/{jane['id']}")
    await grace_sidebar.get_by_role("button", name="Cancel").click()
    await page.get_by_role("link", name="All customers").click()
    # A phone number by a run of its digits.
    await search(page, "0100")
    await expect(rows(page)).to_have_count(1)
    await expect(rows(page)).to_contain_text("Grace Hopper")

    grace = (await api("GET", "/api/v1/customers?email=grace@example.org"))["items"][0]["id"]
    # A refusal is said in the dialog: the duplicate chosen was merged elsewhere meanwhile.
    alan = (await api("GET", "/api/v1/customers?email=alan@example.org"))["items"][0]
    rosalind = (await api("GET", "/api/v1/customers?email=rosalind@example.org"))["items"][0]
    await page.goto(f"{live}/customers/{alan['id']}")
    await page.get_by_role("button", name="Merge a duplicate into this customer…").click()
    await dialog.get_by_label("Find the duplicate").fill("rosalind")
    await dialog.get_by_role("radio", name=re.compile("Rosalind Franklin")).check()
    await dialog.get_by_role("button", name="Continue").click()
    await api("POST", f"/api/v1/customers/{grace}/merge", {"source_id": rosalind["id"]}, status=200)
    await dialog.get_by_role("button", name="Merge", exact=True).click()
    await expect(dialog.get_by_role("alert")).to_have_text("No such customer.")
    await dialog.get_by_role("button", name="Back").click()
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(page.get_by_test_id("customer-tickets")).not_to_contain_text("Invoice VAT")

    # From a ticket, her name leads to her page.
    await page.goto(f"{live}/tickets/{latest['id']}")
    await page.get_by_test_id("customer-page-link").click()
    await expect(page).to_have_url(f"{live}/customers/{jane['id']}")
    await expect(page.get_by_role("heading", name="Jane Doe", level=1)).to_be_visible()

    # Billing's customer is none of Ada's: the page says "not found", as the API does.
    await page.goto(f"{live}/customers/{carl['customer_id']}")
    await expect(page.get_by_role("heading", name="Nothing here")).to_be_visible()


async def test_load_more_follows_the_cursor(
    app: FastAPI, desk: Any, live: str, browser: Browser
) -> None:
    ada = await desk.user(name="Ada Lovelace")
    async with unit_of_work(app.state.sessionmaker) as session:
        user = await users_service.get_user(session, user_id=ada["id"])
        for n in range(PAGE + 2):
            await customers_service.create_customer(
                session,
                # Named in the opposite order to their creation: the two sorts differ.
                name=f"Paging Person {PAGE + 1 - n:02}",
                emails=[f"paging{n:02}@example.org"],
                created_by=user,
                verified=True,
            )
    page = await open_desk(browser, live, ada, path="/customers?search=paging")
    await expect(rows(page)).to_have_count(PAGE)
    await expect(rows(page).last).to_contain_text(f"Paging Person {PAGE - 1:02}")
    await page.get_by_role("button", name="Load more").click()
    await expect(rows(page)).to_have_count(PAGE + 2)
    await expect(rows(page).last).to_contain_text(f"Paging Person {PAGE + 1:02}")
    await expect(page.get_by_role("button", name="Load more")).to_have_count(0)
    # In the order they were added, the search kept.
    await page.get_by_label("Sort by").select_option("id")
    await expect(page).to_have_url(re.compile(r"search=paging&sort=id"))
    await expect(rows(page).first).to_contain_text(f"Paging Person {PAGE + 1:02}")
    await expect(rows(page)).to_have_count(PAGE)
    # Newest first: the last one added, named "00", leads.
    await page.get_by_label("Sort by").select_option("Date added, newest first")
    await expect(page).to_have_url(re.compile(r"search=paging&sort=-id"))
    await expect(rows(page).first).to_contain_text("Paging Person 00")
    await page.get_by_role("button", name="Load more").click()
    await expect(rows(page).last).to_contain_text(f"Paging Person {PAGE + 1:02}")
