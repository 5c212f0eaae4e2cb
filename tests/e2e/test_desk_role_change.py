"""An admin changes the role of an agent whose desk is open (docs/desk.md, "Light agents"): the
desk follows at once, without a reload. Made a light agent, the agent's ticket page shows the
note box and its line, the light agent badge, no Reply, no checklist box, no link box, no New
side conversation, no customer Edit, and a sentence saying what happened; made an agent again,
all of it comes back. On a page the new role may not open (Reports), the desk goes to the
inbox and says why (screenshot: desk-role-changed-light.png)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, WebSocket, expect

from tests.e2e.desk import DESK_TESTS, api_as, assert_accessible, desk_context, shoot, user_menu

pytestmark = DESK_TESTS


async def open_with_socket(
    browser: Browser, live: str, user: dict[str, Any], path: str
) -> tuple[Page, asyncio.Event]:
    """The desk at `path`, and an event set once its socket follows the user's topics (the
    server's `ready` frame): what an admin changes after that reaches this desk."""
    context = await desk_context(browser, live, user)
    page = await context.new_page()
    ready = asyncio.Event()

    def heard(payload: str | bytes) -> None:
        frame = json.loads(payload)
        if isinstance(frame, dict) and frame.get("type") == "ready":
            ready.set()

    def opened(socket: WebSocket) -> None:
        if "/api/v1/ws" in socket.url:
            socket.on("framereceived", heard)

    page.on("websocket", opened)
    await page.goto(f"{live}{path}")
    await expect(user_menu(page)).to_contain_text(user["name"])
    return page, ready


async def test_an_open_desk_follows_an_admin_changing_the_role(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Billing")
    admin = await desk.user(name="Olga Admin", role="admin")
    linus = await desk.user(name="Linus Engineer")
    await desk.add_member(inbox, linus)
    admin_api = await api_as(desk, admin)
    company = {"object": "customer", "label": "Company", "kind": "text"}
    await admin_api("POST", "/api/v1/fields", company, status=201)
    ticket = await admin_api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora Customer"},
            "subject": "Charged twice for order 1042",
        },
        status=201,
    )
    page, ready = await open_with_socket(browser, live, linus, f"/tickets/{ticket['id']}")
    await asyncio.wait_for(ready.wait(), timeout=10)
    # Set once: a reload would lose it.
    await page.evaluate("window.__sameDesk = true")

    nav = page.get_by_role("navigation", name="Main")
    sidebar = page.get_by_role("complementary", name="Customer")
    # An agent: the reply box, the sidebar's boxes and buttons.
    await expect(page.get_by_role("tab", name="Reply")).to_be_visible()
    await expect(page.get_by_test_id("checklist-new")).to_be_visible()
    await expect(page.get_by_test_id("checklist-none")).to_have_text(
        "No items yet: add what is to be done."
    )
    await expect(page.get_by_test_id("ticket-links-search")).to_be_visible()
    await expect(page.get_by_test_id("side-start")).to_be_visible()
    await expect(sidebar.get_by_role("button", name="Edit")).to_be_visible()
    company_field = page.get_by_test_id("customer-fields").get_by_label("Company")
    await expect(company_field).to_be_enabled()
    await expect(page.get_by_test_id("light-agent-badge")).to_have_count(0)

    box = page.locator("#reply-text")
    await box.fill("The refund went out on Monday.")

    await admin_api("PATCH", f"/api/v1/users/{linus['id']}", {"role": "collaborator"})

    changed = page.get_by_test_id("role-changed")
    await expect(changed).to_contain_text(
        "An admin made you a light agent: you read the tickets of your inboxes and add private "
        "notes; replies, chats and changes are for agents."
    )
    await expect(page.get_by_test_id("light-agent-badge")).to_have_text("Light agent")
    await expect(page.get_by_test_id("light-agent-line")).to_be_visible()
    await expect(page.get_by_role("tab", name="Reply")).to_have_count(0)
    await expect(page.get_by_role("button", name="Add note")).to_be_visible()
    await expect(box).to_have_value("The refund went out on Monday.")
    await expect(page.get_by_test_id("ticket-state-select")).to_be_disabled()
    # Nothing invites them to do what they may not: no box, no button, the empty panels say so.
    await expect(page.get_by_test_id("checklist-new")).to_have_count(0)
    await expect(page.get_by_test_id("checklist-none")).to_have_text("No checklist items.")
    await expect(page.get_by_test_id("ticket-links-search")).to_have_count(0)
    await expect(page.get_by_test_id("ticket-links-none")).to_have_text("No linked tickets.")
    await expect(page.get_by_test_id("side-start")).to_have_count(0)
    await expect(page.get_by_test_id("side-none")).to_have_text("No side conversations.")
    await expect(sidebar.get_by_role("button", name="Edit")).to_have_count(0)
    await expect(company_field).to_be_disabled()
    for hidden in ("Reports", "Macros", "Chats"):
        await expect(nav.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    await expect(page.get_by_test_id("new-ticket")).to_have_count(0)
    assert await page.evaluate("window.__sameDesk") is True
    await assert_accessible(page, "light agent's ticket after a role change")
    await shoot(page, screenshots, "role-changed-light")

    # Back to agent: everything comes back, still without a reload.
    await admin_api("PATCH", f"/api/v1/users/{linus['id']}", {"role": "agent"})
    await expect(changed).to_contain_text(
        "An admin made you an agent: you reply to customers, take chats and are assigned tickets."
    )
    await expect(page.get_by_role("tab", name="Reply")).to_be_visible()
    # What they were typing was a note: it stays one until they choose Reply.
    await expect(page.get_by_role("tab", name="Private note")).to_have_attribute(
        "aria-selected", "true"
    )
    await expect(box).to_have_value("The refund went out on Monday.")
    await expect(page.get_by_test_id("light-agent-badge")).to_have_count(0)
    await expect(page.get_by_test_id("light-agent-line")).to_have_count(0)
    await expect(page.get_by_test_id("checklist-new")).to_be_visible()
    await expect(page.get_by_test_id("ticket-links-search")).to_be_visible()
    await expect(page.get_by_test_id("side-start")).to_be_visible()
    await expect(sidebar.get_by_role("button", name="Edit")).to_be_visible()
    await expect(company_field).to_be_enabled()
    await expect(nav.get_by_role("link", name="Reports", exact=True)).to_be_visible()

    # On Reports, which a light agent may not open: the desk goes to the inbox and says why.
    await changed.get_by_role("button", name="Close").click()
    await expect(changed).to_have_count(0)
    await nav.get_by_role("link", name="Reports", exact=True).click()
    await expect(page).to_have_url(f"{live}/reports")
    await admin_api("PATCH", f"/api/v1/users/{linus['id']}", {"role": "collaborator"})
    await expect(page).to_have_url(re.compile(rf"{live}/inboxes/{inbox['id']}/"))
    await expect(changed).to_contain_text(
        "The page you were on is not open to your new role, so the desk took you to one that is."
    )
    await expect(page.get_by_test_id("light-agent-badge")).to_have_text("Light agent")
    assert await page.evaluate("window.__sameDesk") is True
    await shoot(page, screenshots, "role-changed-page-closed")


async def test_an_open_desk_follows_being_added_to_an_inbox_and_taken_out(
    desk: Any, live: str, browser: Browser
) -> None:
    # The menu lists the inboxes one follows, with their folders' counts: an admin adding an agent
    # to an inbox, or taking them out, changes it at once (docs/desk.md, "Preferences and
    # settings").
    billing = await desk.inbox(name="Billing")
    sales = await desk.inbox(name="Sales")
    admin = await desk.user(name="Olga Admin", role="admin")
    grace = await desk.user(name="Grace Hopper")
    await desk.add_member(billing, grace)
    admin_api = await api_as(desk, admin)
    await admin_api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": sales["id"],
            "customer": {"email": "cora@example.org", "name": "Cora Customer"},
            "subject": "A quote for 40 seats",
        },
        status=201,
    )
    page, ready = await open_with_socket(browser, live, grace, f"/inboxes/{billing['id']}/open")
    await asyncio.wait_for(ready.wait(), timeout=10)
    await page.evaluate("window.__sameDesk = true")
    nav = page.get_by_role("navigation", name="Main")
    await expect(nav.get_by_role("heading", name="Billing", exact=True)).to_be_visible()
    await expect(nav.get_by_role("heading", name="Sales", exact=True)).to_have_count(0)

    await admin_api(
        "POST", f"/api/v1/inboxes/{sales['id']}/members", {"user_id": grace["id"]}, status=204
    )
    await expect(nav.get_by_role("heading", name="Sales", exact=True)).to_be_visible()
    await expect(nav.locator(f'a[href="/inboxes/{sales["id"]}/open"] .count')).to_have_text("1")

    await admin_api("DELETE", f"/api/v1/inboxes/{sales['id']}/members/{grace['id']}")
    await expect(nav.get_by_role("heading", name="Sales", exact=True)).to_have_count(0)
    await expect(nav.get_by_role("heading", name="Billing", exact=True)).to_be_visible()
    assert await page.evaluate("window.__sameDesk === true")
    await page.context.close()
