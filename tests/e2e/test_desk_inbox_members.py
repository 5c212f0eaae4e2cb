"""Taking an agent out of an inbox in real Chromium: the admin reads how many of the agent's
tickets there went back to the team, and they are in Unassigned (docs/desk.md, "Preferences and
settings"; docs/routing.md, "When an agent leaves an inbox")."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.conftest import Desk
from tests.e2e.desk import DESK_TESTS, assert_accessible, open_desk, shoot
from tests.unit.support import new_ticket

pytestmark = DESK_TESTS


async def test_removing_a_member_says_how_many_of_their_tickets_went_back(
    browser: Browser, live: str, desk: Desk, screenshots: Path
) -> None:
    support = await desk.inbox(name="Support")
    olga = await desk.agent(role="owner", name="Olga Owner")
    await desk.agent(inboxes=[support], name="Ada Lovelace")
    grace = await desk.agent(inboxes=[support], name="Grace Hopper")
    theirs = [
        (await new_ticket(olga.client, support, subject=subject, assignee_id=grace.id))["id"]
        for subject in ("Refund", "Invoice", "Parcel", "Old question")
    ]
    closed = await olga.client.patch(f"/api/v1/tickets/{theirs[-1]}", json={"state": "closed"})
    assert closed.status_code == 200, closed.text

    page = await open_desk(browser, live, olga.user)
    await page.goto(f"{live}/settings/inboxes")
    members = page.locator("section[aria-labelledby='inbox-members']")
    row = members.get_by_role("listitem").filter(has_text="Grace Hopper")
    await row.get_by_role("button", name="Remove").click()

    await expect(members.get_by_role("status")).to_have_text(
        "Grace Hopper was removed, and 3 of their tickets here (open, on hold or snoozed) are "
        "unassigned now."
    )
    await expect(members.get_by_role("listitem")).to_have_count(1)
    await members.scroll_into_view_if_needed()
    await shoot(page, screenshots, "settings-inbox-member-removed")
    await assert_accessible(page, "settings: a member removed")

    waiting = await olga.client.get(
        "/api/v1/tickets", params={"inbox_id": support["id"], "unassigned": "true"}
    )
    assert {item["id"] for item in waiting.json()["items"]} == set(theirs[:3])
    kept = await olga.client.get(f"/api/v1/tickets/{theirs[-1]}")
    assert kept.json()["assignee_id"] == grace.id
