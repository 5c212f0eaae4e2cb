"""A light agent in real Chromium (docs/desk.md, "Light agents"): the ticket page shows a note
box with a line saying so instead of the reply box, the ticket's settings shown and not
changeable, no macros, merge or spam; the menu has no presence nor chat bar, no reports nor
settings; a note with an @mention reaches the agent named (screenshot:
docs/images/desk-light-agent.png)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, api_as, assert_accessible, open_desk, shoot

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def test_a_light_agent_adds_a_note_with_a_mention_and_cannot_reply(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Billing")
    grace = await desk.user(name="Grace Hopper")
    linus = await desk.user(name="Linus Engineer", role="collaborator")
    for user in (grace, linus):
        await desk.add_member(inbox, user)
    grace_api = await api_as(desk, grace)
    ticket = await grace_api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora Customer"},
            "subject": "Charged twice for order 1042",
        },
        status=201,
    )
    page = await open_desk(browser, live, linus, path=f"/tickets/{ticket['id']}")

    await expect(page.get_by_test_id("light-agent-line")).to_have_text(
        "You are a light agent: you can add private notes, which only the team sees. "
        "Ask an agent to reply to the customer."
    )
    await expect(page.get_by_role("tab", name="Reply")).to_have_count(0)
    await expect(page.get_by_role("button", name="Send", exact=True)).to_have_count(0)
    await expect(page.get_by_test_id("ticket-state-select")).to_be_disabled()
    await expect(page.get_by_test_id("light-agent-badge")).to_have_text("Light agent")
    nav = page.get_by_role("navigation", name="Main")
    for hidden in ("Reports", "Settings", "Macros", "New ticket"):
        await expect(nav.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    await expect(page.get_by_test_id("new-ticket")).to_have_count(0)

    box = page.locator("#reply-text")
    await box.press_sequentially("@Gra")
    options = page.get_by_role("listbox", name="Agents to mention").get_by_role("option")
    await expect(options).to_have_count(1)
    await expect(options.first).to_contain_text("Grace Hopper")
    await box.press("Enter")
    await box.press_sequentially("the payment provider refunded the second charge.")
    await page.get_by_role("button", name="Add note").click()
    await expect(page.get_by_text("Notified: Grace Hopper")).to_be_visible()
    await expect(box).to_have_value("")
    await assert_accessible(page, "light agent's ticket")
    await shoot(page, screenshots, "light-agent")
    shutil.copy(screenshots / "desk-light-agent.png", DOCS_IMAGES)

    told = await grace_api("GET", "/api/v1/notifications")
    assert [n["kind"] for n in told["items"]] == ["mentioned"]
    entries = (await grace_api("GET", f"/api/v1/tickets/{ticket['id']}"))["entries"]
    assert [e["kind"] for e in entries if e["kind"] != "event"] == ["note"]

    # Side conversations are read, not started; the empty panels invite them to nothing.
    await expect(page.get_by_test_id("side-none")).to_have_text("No side conversations.")
    await expect(page.get_by_test_id("side-start")).to_have_count(0)
    await expect(page.get_by_test_id("checklist-none")).to_have_text("No checklist items.")
    await expect(page.get_by_test_id("checklist-new")).to_have_count(0)
    await expect(page.get_by_test_id("ticket-links-none")).to_have_text("No linked tickets.")
    await expect(page.get_by_test_id("ticket-links-search")).to_have_count(0)
    # Nor snoozed: no Snooze menu (a state change, refused to light agents), but when a
    # colleague snoozes it, the page says until when.
    await expect(page.get_by_test_id("snooze-menu")).to_have_count(0)
    await grace_api(
        "PATCH",
        f"/api/v1/tickets/{ticket['id']}",
        {"state": "snoozed", "snoozed_until": "2099-01-05T09:00:00Z"},
    )
    await expect(page.get_by_test_id("snoozed-until")).to_contain_text("Snoozed until")
    await expect(page.get_by_test_id("snoozed-until")).to_contain_text("2099")

    # The customer is read, not changed: no Edit in the panel nor on their page, no merging,
    # no New customer.
    sidebar = page.get_by_role("complementary", name="Customer")
    await expect(sidebar.get_by_role("link", name="Cora Customer")).to_be_visible()
    await expect(sidebar.get_by_role("button", name="Edit")).to_have_count(0)
    await sidebar.get_by_role("link", name="Cora Customer").click()
    await expect(page.get_by_role("heading", name="Cora Customer", level=1)).to_be_visible()
    await expect(page.get_by_text("Charged twice for order 1042")).to_be_visible()
    merge = page.get_by_role("button", name=re.compile("Merge a duplicate"))
    await expect(merge).to_have_count(0)
    await expect(sidebar.get_by_role("button", name="Edit")).to_have_count(0)
    await page.goto(f"{live}/customers")
    await expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()
    await expect(page.get_by_role("link", name="New customer")).to_have_count(0)

    # Reports and settings are not theirs: the desk goes home instead.
    await page.goto(f"{live}/reports")
    await expect(page).to_have_url(re.compile(rf"{live}/inboxes/{inbox['id']}/"))
    await expect(page.get_by_role("heading", name="Reports")).to_have_count(0)


async def test_an_admin_adds_a_light_agent_in_settings(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    admin = await desk.user(name="Olga Admin", role="admin")
    page = await open_desk(browser, live, admin, path="/settings/users")
    role = page.get_by_test_id("new-user-role")
    await expect(role).to_have_accessible_description(
        "Light agent: reads the tickets of their inboxes and adds private notes; never replies, "
        "takes chats or is assigned tickets."
    )
    form = page.get_by_role("region", name="Add a user")
    await form.get_by_label("Name").fill("Linus Engineer")
    await form.get_by_label("Email").fill("linus@example.com")
    await form.get_by_label("Password").fill("a long password 1")
    await role.select_option("collaborator")
    await form.get_by_role("button", name="Add user").click()
    await expect(page.get_by_label("Role of Linus Engineer", exact=True)).to_have_value(
        "collaborator"
    )
    row = page.get_by_role("row").filter(has_text="Linus Engineer")
    await expect(row).to_contain_text("Takes no chats")
    await shoot(page, screenshots, "light-agent-settings")
