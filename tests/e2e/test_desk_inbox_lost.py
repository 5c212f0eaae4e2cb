"""An agent stops seeing an inbox while their desk shows a page of it (docs/desk.md, "Losing an
inbox"): taken out of it by an admin, or an admin made an agent of an inbox they are not a member
of. The desk leaves the ticket, or the inbox's list, at once for the page it would open on the way
in, and a sentence says why; what was typed on the ticket is shown to copy, not lost (screenshot:
desk-inbox-left.png)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, WebSocketRoute, expect

from tests.e2e.desk import (
    DESK_TESTS,
    api_as,
    assert_accessible,
    desk_context,
    eventually,
    open_page,
    shoot,
)
from tests.e2e.test_desk_catch_up import reached
from tests.e2e.test_desk_role_change import open_with_socket

pytestmark = DESK_TESTS


async def a_ticket(api: Any, inbox: dict[str, Any], subject: str) -> dict[str, Any]:
    ticket: dict[str, Any] = await api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora Customer"},
            "subject": subject,
        },
        status=201,
    )
    return ticket


async def test_taken_out_of_the_inbox_the_desk_leaves_its_ticket_and_its_list(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    support = await desk.inbox(name="Support")
    billing = await desk.inbox(name="Billing")
    admin = await desk.user(name="Olga Admin", role="admin")
    grace = await desk.user(name="Grace Hopper")
    await desk.add_member(support, grace)
    await desk.add_member(billing, grace)
    admin_api = await api_as(desk, admin)
    ticket = await a_ticket(admin_api, billing, "Charged twice for order 1042")

    page, ready = await open_with_socket(browser, live, grace, f"/tickets/{ticket['id']}")
    await asyncio.wait_for(ready.wait(), timeout=10)
    await page.evaluate("window.__sameDesk = true")
    await expect(page.get_by_role("heading", name="Charged twice for order 1042")).to_be_visible()
    box = page.locator("#reply-text")
    await box.fill("The refund went out on Monday.")

    await admin_api("DELETE", f"/api/v1/inboxes/{billing['id']}/members/{grace['id']}")

    await expect(page).to_have_url(f"{live}/inboxes/{support['id']}/open")
    left = page.get_by_test_id("inbox-left")
    await expect(left).to_contain_text(
        f"An admin took you out of the inbox Billing: ticket #{ticket['number']}, which you had "
        "open, is no longer yours to see, so the desk left it."
    )
    await expect(left).to_contain_text("What you had typed on it was not sent.")
    await expect(left.get_by_role("textbox")).to_have_value("The refund went out on Monday.")
    nav = page.get_by_role("navigation", name="Main")
    await expect(nav.get_by_role("heading", name="Billing", exact=True)).to_have_count(0)
    assert await page.evaluate("window.__sameDesk") is True
    await assert_accessible(page, "a ticket left for an inbox one was taken out of")
    await shoot(page, screenshots, "inbox-left")
    await left.get_by_role("button", name="Close").click()
    await expect(left).to_have_count(0)

    # Its list, filtered on it: left too, with the list's sentence.
    await admin_api(
        "POST", f"/api/v1/inboxes/{billing['id']}/members", {"user_id": grace["id"]}, status=204
    )
    await expect(nav.get_by_role("heading", name="Billing", exact=True)).to_be_visible()
    ready.clear()
    await page.goto(f"{live}/tickets?inbox_id={billing['id']}&state=open")
    await expect(page.get_by_text("Charged twice for order 1042")).to_be_visible()
    await asyncio.wait_for(ready.wait(), timeout=10)
    await admin_api("DELETE", f"/api/v1/inboxes/{billing['id']}/members/{grace['id']}")
    await expect(page).to_have_url(f"{live}/inboxes/{support['id']}/open")
    await expect(left).to_contain_text(
        "An admin took you out of the inbox Billing: its tickets are no longer yours to see, so "
        "the desk left their list."
    )
    await expect(left.get_by_role("textbox")).to_have_count(0)
    await page.context.close()


async def test_made_an_agent_the_desk_leaves_a_ticket_of_an_inbox_they_are_not_in(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    support = await desk.inbox(name="Support")
    billing = await desk.inbox(name="Billing")
    owner = await desk.user(name="Olga Owner", role="owner")
    linus = await desk.user(name="Linus Admin", role="admin")
    await desk.add_member(support, linus)
    owner_api = await api_as(desk, owner)
    ticket = await a_ticket(owner_api, billing, "A quote for 40 seats")

    page, ready = await open_with_socket(browser, live, linus, f"/tickets/{ticket['id']}")
    await asyncio.wait_for(ready.wait(), timeout=10)
    await page.evaluate("window.__sameDesk = true")
    await expect(page.get_by_role("heading", name="A quote for 40 seats")).to_be_visible()

    await owner_api("PATCH", f"/api/v1/users/{linus['id']}", {"role": "agent"})

    await expect(page).to_have_url(re.compile(rf"{live}/inboxes/{support['id']}/open$"))
    await expect(page.get_by_test_id("role-changed")).to_contain_text(
        "An admin made you an agent: you reply to customers, take chats and are assigned tickets."
    )
    left = page.get_by_test_id("inbox-left")
    await expect(left).to_contain_text(
        "With your new role you see only the inboxes you are a member of, and Billing is not "
        f"one: ticket #{ticket['number']}, which you had open, is no longer yours to see, so the "
        "desk left it."
    )
    # Nothing was typed: nothing to copy.
    await expect(left.get_by_role("textbox")).to_have_count(0)
    assert await page.evaluate("window.__sameDesk") is True
    await shoot(page, screenshots, "inbox-left-role")
    await page.context.close()


async def test_a_light_agent_out_of_their_last_inbox_lands_on_customers(
    desk: Any, live: str, browser: Browser
) -> None:
    billing = await desk.inbox(name="Billing")
    admin = await desk.user(name="Olga Admin", role="admin")
    linus = await desk.user(name="Linus Engineer", role="collaborator")
    await desk.add_member(billing, linus)
    admin_api = await api_as(desk, admin)
    ticket = await a_ticket(admin_api, billing, "Export fails on large accounts")

    page, ready = await open_with_socket(browser, live, linus, f"/tickets/{ticket['id']}")
    await asyncio.wait_for(ready.wait(), timeout=10)
    await expect(page.get_by_role("heading", name="Export fails on large accounts")).to_be_visible()
    await page.locator("#reply-text").fill("The export job times out after 30 s.")

    await admin_api("DELETE", f"/api/v1/inboxes/{billing['id']}/members/{linus['id']}")

    # No inbox left, and no Chats for a light agent: the customers, which every role reads.
    await expect(page).to_have_url(f"{live}/customers")
    left = page.get_by_test_id("inbox-left")
    await expect(left.get_by_role("textbox")).to_have_value("The export job times out after 30 s.")
    await page.context.close()


async def test_taken_out_while_the_desk_was_offline_it_leaves_the_ticket_once_back(
    desk: Any, live: str, browser: Browser
) -> None:
    """The event that says so goes with the connection; the desk's catch-up after reconnecting
    reads its inboxes again and leaves the page of one it no longer sees."""
    support = await desk.inbox(name="Support")
    billing = await desk.inbox(name="Billing")
    admin = await desk.user(name="Olga Admin", role="admin")
    grace = await desk.user(name="Grace Hopper")
    await desk.add_member(support, grace)
    await desk.add_member(billing, grace)
    admin_api = await api_as(desk, admin)
    ticket = await a_ticket(admin_api, billing, "Charged twice for order 1042")

    context = await desk_context(browser, live, grace)
    sockets: list[WebSocketRoute] = []
    back = asyncio.Event()  # a socket opened while this is clear waits for it (offline)
    back.set()

    async def through(ws: WebSocketRoute) -> None:
        sockets.append(ws)
        await back.wait()
        ws.connect_to_server()

    await context.route_web_socket(re.compile(r"/api/v1/ws(\?|$)"), through)
    page = await open_page(context, live, grace, f"/tickets/{ticket['id']}")
    await expect(page.get_by_role("heading", name="Charged twice for order 1042")).to_be_visible()
    await page.locator("#reply-text").fill("The refund went out on Monday.")

    back.clear()
    await sockets[0].close()
    await eventually(reached(lambda: len(sockets) == 2), timeout=15)
    await admin_api("DELETE", f"/api/v1/inboxes/{billing['id']}/members/{grace['id']}")
    # Nothing told the page while it was offline.
    await expect(page.get_by_role("heading", name="Charged twice for order 1042")).to_be_visible()
    back.set()

    await expect(page).to_have_url(f"{live}/inboxes/{support['id']}/open")
    left = page.get_by_test_id("inbox-left")
    await expect(left).to_contain_text(
        "While the desk was offline, you stopped seeing the inbox Billing: ticket "
        f"#{ticket['number']}, which you had open, is no longer yours to see, so the desk left it."
    )
    await expect(left.get_by_role("textbox")).to_have_value("The refund went out on Monday.")
    await context.close()


async def test_the_new_ticket_form_of_a_lost_inbox_keeps_the_text_and_asks_for_another(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    support = await desk.inbox(name="Support")
    billing = await desk.inbox(name="Billing")
    admin = await desk.user(name="Olga Admin", role="admin")
    grace = await desk.user(name="Grace Hopper")
    await desk.add_member(support, grace)
    await desk.add_member(billing, grace)
    admin_api = await api_as(desk, admin)

    page, ready = await open_with_socket(
        browser, live, grace, f"/tickets/new?inbox={billing['id']}"
    )
    await asyncio.wait_for(ready.wait(), timeout=10)
    chosen = page.get_by_test_id("new-ticket-inbox")
    await expect(chosen).to_have_value(str(billing["id"]))
    await page.get_by_test_id("new-ticket-to").fill("cora@example.org")
    await page.get_by_test_id("new-ticket-subject").fill("Your second invoice")
    await page.get_by_test_id("new-ticket-message").fill("We refunded the second charge.")

    await admin_api("DELETE", f"/api/v1/inboxes/{billing['id']}/members/{grace['id']}")

    # The page stays with what was typed; the inbox is no longer chosen, and the select says why.
    error = page.locator("#new-ticket-inbox-error")
    await expect(error).to_have_text(
        "You no longer see the inbox Billing: choose the inbox the ticket goes to."
    )
    await expect(chosen).to_have_value("")
    await expect(chosen).to_have_attribute("aria-invalid", "true")
    await expect(chosen.locator("option")).to_have_text(["Choose an inbox", "Support"])
    await expect(page.get_by_test_id("new-ticket-subject")).to_have_value("Your second invoice")
    await expect(page.get_by_test_id("new-ticket-message")).to_have_value(
        "We refunded the second charge."
    )
    await expect(page).to_have_url(re.compile(r"/tickets/new"))
    await shoot(page, screenshots, "new-ticket-inbox-lost")
    await assert_accessible(page, "a new ticket whose inbox was lost")

    # Sending now files nothing anywhere until an inbox is chosen.
    await page.get_by_test_id("new-ticket-send").click()
    await expect(error).to_have_text("Choose the inbox the ticket goes to.")
    await chosen.select_option(str(support["id"]))
    await expect(error).to_have_count(0)
    await page.get_by_test_id("new-ticket-send").click()
    await expect(page.get_by_role("heading", name="Your second invoice")).to_be_visible()
    (filed,) = (await admin_api("GET", "/api/v1/tickets?state=open"))["items"]
    assert filed["inbox_id"] == support["id"]
    await page.context.close()
