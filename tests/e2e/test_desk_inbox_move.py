"""Moving a ticket to another inbox in real Chromium, by keyboard: the Inbox field next to the
assignee, the question when the move unassigns someone, the timeline line; the assignee's open
page, in the old inbox only, says the ticket moved; the new inbox's list shows it arrive.
Screenshots: docs/images/desk-ticket-move-confirm.png, desk-ticket-moved.png and
desk-ticket-moved-away.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def test_an_agent_moves_a_ticket_to_another_inbox_and_both_teams_see_it(
    desk: Any, live: str, browser: Browser
) -> None:
    support = await desk.inbox(name="Support")
    billing = await desk.inbox(name="Billing")
    ada = await desk.user(name="Ada Lovelace")
    grace = await desk.user(name="Grace Hopper")
    bill = await desk.user(name="Bill Gates")
    for inbox, user in ((support, ada), (billing, ada), (support, grace), (billing, bill)):
        await desk.add_member(inbox, user)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    ticket = await api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": support["id"],
            "customer": {"email": "lena@example.com", "name": "Lena"},
            "subject": "Invoice for order 1042 is wrong",
            "assignee_id": grace["id"],
            "note": "The amount is twice what the customer paid.",
        },
        status=201,
    )
    # Grace has it open; Bill looks at Billing's open tickets.
    theirs = await open_desk(browser, live, grace)
    await theirs.goto(f"{live}/tickets/{ticket['id']}")
    await expect(theirs.get_by_role("heading", name=ticket["subject"])).to_be_visible()
    billing_list = await open_desk(browser, live, bill)
    await billing_list.goto(f"{live}/inboxes/{billing['id']}/open")
    await expect(billing_list.get_by_text(ticket["subject"])).to_have_count(0)

    await page.goto(f"{live}/tickets/{ticket['id']}")
    field = page.get_by_test_id("ticket-inbox")
    await expect(field).to_have_accessible_name("Inbox")
    await expect(field.locator("option:checked")).to_have_text("Support")
    # By keyboard, as the other fields: ↓ only shows the choice; Enter applies it.
    await field.focus()
    await field.press("ArrowDown" if await _billing_after_support(field) else "ArrowUp")
    await expect(field.locator("option:checked")).to_have_text("Billing")
    dialog = page.get_by_role("alertdialog")
    await expect(dialog).to_have_count(0)
    await field.press("Enter")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_role("heading")).to_have_text(
        f"Move #{ticket['number']} to Billing?"
    )
    await expect(dialog).to_contain_text(
        "Grace Hopper is not a member of Billing, so moving it unassigns the ticket."
    )
    await assert_accessible(page, "the question before a move that unassigns")
    await page.screenshot(path=str(DOCS_IMAGES / "desk-ticket-move-confirm.png"))
    # It opens on Cancel: Esc or Enter changes nothing. Tab, then Enter, confirms.
    await page.keyboard.press("Tab")
    await expect(dialog.get_by_role("button", name="Move and unassign")).to_be_focused()
    await page.keyboard.press("Enter")

    await expect(page.get_by_test_id("ticket-changed")).to_have_text("Moved to Billing.")
    await expect(field.locator("option:checked")).to_have_text("Billing")
    assignee = page.get_by_label("Assignee")
    await expect(assignee.locator("option:checked")).to_have_text("Unassigned")
    # The assignee list is Billing's now.
    await expect(assignee.locator("option", has_text="Bill Gates")).to_have_count(1)
    await expect(assignee.locator("option", has_text="Grace Hopper")).to_have_count(0)
    await expect(
        page.get_by_text(
            "Ada Lovelace moved the ticket from Support to Billing and unassigned Grace Hopper, "
            "who is not a member of Billing"
        )
    ).to_be_visible()
    # The folder counts on the left follow: one open ticket less in Support, one more in Billing.
    await expect(page.locator(f"a[href='/inboxes/{billing['id']}/open']")).to_contain_text("1")
    await expect(page.locator(f"a[href='/inboxes/{support['id']}/open']")).to_contain_text("0")
    await page.screenshot(path=str(DOCS_IMAGES / "desk-ticket-moved.png"))
    saved = await api("GET", f"/api/v1/tickets/{ticket['id']}")
    assert (saved["inbox_id"], saved["assignee_id"]) == (billing["id"], None)

    # Grace no longer sees it: her open page says it moved, rather than failing.
    away = theirs.get_by_test_id("ticket-moved-away")
    await expect(away).to_contain_text("This ticket moved to another inbox")
    await expect(away).to_contain_text(
        f"Ticket #{ticket['number']} was moved to an inbox you are not a member of"
    )
    await expect(theirs.get_by_role("alert")).to_have_count(0)
    await assert_accessible(theirs, "a ticket that moved away")
    await theirs.screenshot(path=str(DOCS_IMAGES / "desk-ticket-moved-away.png"))
    # And Billing's list shows it arrive, without a reload.
    await expect(billing_list.get_by_text(ticket["subject"])).to_be_visible()
    # Come back to it later (a reload, an old notification's link): not a bare error, but why
    # it may not be there, and the way back.
    await theirs.reload()
    gone = theirs.get_by_test_id("ticket-not-found")
    await expect(gone).to_contain_text("This ticket is not here for you")
    await expect(gone).to_contain_text("an inbox you are not a member of")
    await expect(gone.get_by_role("link", name="Back to tickets")).to_be_visible()
    await expect(theirs.get_by_role("alert")).to_have_count(0)
    for each in (page, theirs, billing_list):
        await each.context.close()


async def _billing_after_support(field: Any) -> bool:
    names: list[str] = await field.locator("option").all_inner_texts()
    return names.index("Billing") > names.index("Support")
