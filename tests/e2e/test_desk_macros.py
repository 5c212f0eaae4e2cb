"""Macros and bulk actions in real Chromium (issue #16): a macro built on the Macros page and
applied to ten tickets selected in the list (click, shift-click) once the bulk bar's question is
confirmed, a macro applied from the ticket page's menu after its preview, a macro's reply put in
the reply box for the agent to send (its state or snooze waiting for it), and a bulk reply
that skips the tickets whose thread moved on after they were selected (screenshots:
screenshots/desk-macros-*, desk-bulk-stale)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from frontdesk.db.session import unit_of_work
from frontdesk.labels import service as labels_service
from tests.e2e.desk import DESK_TESTS, api_as, assert_accessible, open_desk, shoot
from tests.e2e.test_desk_dark import expect_dark

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def make_label(app: FastAPI, name: str) -> int:
    async with unit_of_work(app.state.sessionmaker) as session:
        label = await labels_service.create_label(session, name=name)
        return label.id


async def test_build_a_macro_and_apply_it_to_ten_tickets(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    await make_label(app, "refund")
    await make_label(app, "vip")
    api = await api_as(desk, ada_user)
    tickets = []
    for n in range(10):
        body = {
            "inbox_id": inbox["id"],
            "customer": {"email": f"c{n}@example.org", "name": f"Cora{n} Customer"},
            "subject": f"Refund request {n}",
        }
        tickets.append(await api("POST", "/api/v1/tickets", body, status=201))

    page = await open_desk(browser, live, ada_user, path="/macros")
    await page.get_by_role("button", name="Add a macro").click()
    await page.get_by_label("Name").fill("Refund done")
    await page.get_by_label("Who sees it").select_option(label="Team · Support")
    await page.get_by_label("Write a reply").check()
    await page.get_by_placeholder("Hi {{customer.first_name}}, …").fill(
        "Hi {{customer.first_name}}, your refund is on its way."
    )
    await page.get_by_role("group", name="Add labels").get_by_label("refund").check()
    await page.get_by_label("Set the state").select_option("closed")
    await page.get_by_label("Assign to").select_option("me")
    await page.get_by_label("Private note").fill("Refund sent by the bank")
    await assert_accessible(page, "macro editor")
    await shoot(page, screenshots, "macros-editor")
    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "macro editor")
    await shoot(page, screenshots, "macros-editor-dark")
    await page.emulate_media(color_scheme="light")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Macro “Refund done” created.")).to_be_visible()
    macro = page.locator("[data-macro='Refund done']")
    await expect(macro).to_contain_text("Add refund")
    await expect(macro).to_contain_text("Set the state to Closed")
    await shoot(page, screenshots, "macros-list")

    await page.goto(f"{live}/inboxes/{inbox['id']}/open")
    boxes = page.locator("input[data-ticket]")
    await expect(boxes).to_have_count(10)
    await boxes.nth(0).click()
    await boxes.nth(9).click(modifiers=["Shift"])
    await expect(page.get_by_text("10 tickets selected")).to_be_visible()
    await expect(page.locator("input[data-select-all]")).to_be_checked()
    await assert_accessible(page, "ticket list with the bulk bar")
    await shoot(page, screenshots, "macros-bulk-bar")
    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "bulk bar")
    await shoot(page, screenshots, "macros-bulk-bar-dark")
    await page.emulate_media(color_scheme="light")
    await page.get_by_label("Apply a macro…").select_option(label="Refund done")
    asked = page.get_by_role("alertdialog", name="Apply “Refund done” to 10 tickets?")
    await expect(asked).to_contain_text("It emails a reply to the customers of all 10 tickets.")
    await asked.get_by_role("button", name="Apply to 10 tickets").click()
    # The closed tickets leave the Open folder; the result stays until dismissed.
    await expect(page.locator("input[data-ticket]")).to_have_count(0)
    await expect(page.get_by_text("Done on 10 of 10.")).to_be_visible()
    await shoot(page, screenshots, "macros-bulk-done")

    for ticket in tickets:
        detail = await api("GET", f"/api/v1/tickets/{ticket['id']}")
        assert (detail["state"], detail["assignee_id"]) == ("closed", ada_user["id"])
        assert [label["name"] for label in detail["labels"]] == ["refund"]
        texts = [entry["text"] for entry in detail["entries"]]
        assert texts[0] == "Ada Lovelace applied the macro “Refund done”"
        first_name = detail["customer"]["name"].split()[0]
        assert f"Hi {first_name}, your refund is on its way." in texts
    await page.context.close()


async def test_apply_a_macro_from_the_ticket_page(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Billing")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    waiting = await make_label(app, "waiting")
    api = await api_as(desk, ada_user)
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": "cora@example.org", "name": "Cora Customer"},
        "subject": "Where is my invoice?",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    actions = [
        {"type": "label", "add": [waiting]},
        {"type": "note", "text": "Asked accounting"},
        {"type": "set_state", "state": "hold"},
    ]
    await api("POST", "/api/v1/macros", {"name": "Ask accounting", "actions": actions}, status=201)
    await api(
        "POST",
        "/api/v1/macros",
        {"name": "Close", "actions": [{"type": "set_state", "state": "closed"}]},
        status=201,
    )

    page = await open_desk(browser, live, ada_user, path=f"/tickets/{ticket['id']}")
    await expect(page.get_by_role("heading", name="Where is my invoice?")).to_be_visible()
    await page.get_by_role("button", name="Macros").click()
    menu = page.get_by_role("dialog", name="Macros")
    await expect(menu.get_by_role("button")).to_have_count(2)
    await menu.get_by_role("button", name="Ask accounting").click()
    await expect(menu).to_contain_text("Applying “Ask accounting” will:")
    await expect(menu).to_contain_text("Add waiting")
    await expect(menu).to_contain_text("Set the state to Hold")
    await shoot(page, screenshots, "macros-ticket-menu")
    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "macro menu")
    await shoot(page, screenshots, "macros-ticket-menu-dark")
    await page.emulate_media(color_scheme="light")
    await menu.get_by_role("button", name="Apply").click()
    await expect(page.get_by_text("Applied “Ask accounting”.")).to_be_visible()
    await expect(page.get_by_test_id("ticket-state")).to_have_text("Hold")
    await expect(
        page.get_by_text("Ada Lovelace applied the macro “Ask accounting”")
    ).to_be_visible()
    await expect(page.get_by_text("Asked accounting")).to_be_visible()
    await shoot(page, screenshots, "macros-ticket-applied")
    await page.context.close()


async def test_the_bulk_bar_names_each_refused_ticket(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    api = await api_as(desk, ada_user)
    walk_in = await api(
        "POST", "/api/v1/customers", {"name": "Walk In", "phones": ["555 0100"]}, status=201
    )
    subjects = {"With an address": {"email": "cora@example.org", "name": "Cora"}}
    subjects["No address"] = {"id": walk_in["id"]}
    made = {}
    for subject, customer in subjects.items():
        body = {"inbox_id": inbox["id"], "customer": customer, "subject": subject}
        made[subject] = await api("POST", "/api/v1/tickets", body, status=201)
    thanks = {"name": "Thanks", "actions": [{"type": "reply", "text": "Thanks for writing!"}]}
    await api("POST", "/api/v1/macros", thanks, status=201)

    page = await open_desk(browser, live, ada_user, path=f"/inboxes/{inbox['id']}/open")
    await expect(page.locator("input[data-ticket]")).to_have_count(2)
    await page.locator("input[data-select-all]").check()
    await expect(page.get_by_text("2 tickets selected")).to_be_visible()
    await page.get_by_label("Apply a macro…").select_option(label="Thanks")
    await page.get_by_role("button", name="Apply to 2 tickets").click()
    result = page.get_by_role("region", name="Bulk actions")
    await expect(result).to_contain_text("Done on 1 of 2.")
    await expect(result).to_contain_text(f"Ticket #{made['No address']['number']}")
    await expect(result).to_contain_text("no email address")
    await shoot(page, screenshots, "macros-bulk-refused")
    refused = await api("GET", f"/api/v1/tickets/{made['No address']['id']}")
    assert refused["entries"] == []
    await page.context.close()


async def test_the_bulk_bar_asks_before_a_macro_runs(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    api = await api_as(desk, ada_user)
    made = []
    for n in range(3):
        body = {
            "inbox_id": inbox["id"],
            "customer": {"email": f"c{n}@example.org", "name": f"Cora{n} Customer"},
            "subject": f"Parcel {n}",
        }
        made.append(await api("POST", "/api/v1/tickets", body, status=201))
    note = {"name": "Note only", "actions": [{"type": "note", "text": "Checked the carrier"}]}
    await api("POST", "/api/v1/macros", note, status=201)
    thanks = {
        "name": "Thanks",
        "actions": [
            {"type": "reply", "text": "Thanks for writing!"},
            {"type": "set_state", "state": "hold"},
        ],
    }
    await api("POST", "/api/v1/macros", thanks, status=201)

    page = await open_desk(browser, live, ada_user, path=f"/inboxes/{inbox['id']}/open")
    await expect(page.locator("input[data-ticket]")).to_have_count(3)
    await page.locator("input[data-select-all]").check()
    await page.get_by_label("Apply a macro…").select_option(label="Note only")
    asked = page.get_by_role("alertdialog", name="Apply “Note only” to 3 tickets?")
    await expect(asked).to_contain_text("On each of the 3 selected tickets, it will:")
    await expect(asked).to_contain_text("Note: “Checked the carrier”")
    await expect(asked).not_to_contain_text("emails")
    # It opens on Cancel: Enter changes nothing.
    await expect(asked.get_by_role("button", name="Cancel")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(asked).to_be_hidden()
    for ticket in made:
        assert (await api("GET", f"/api/v1/tickets/{ticket['id']}"))["entries"] == []
    await expect(page.get_by_text("3 tickets selected")).to_be_visible()

    await page.get_by_label("Apply a macro…").select_option(label="Thanks")
    asked = page.get_by_role("alertdialog", name="Apply “Thanks” to 3 tickets?")
    await expect(asked).to_contain_text("Reply: “Thanks for writing!”")
    await expect(asked).to_contain_text("It emails a reply to the customers of all 3 tickets.")
    await assert_accessible(page, "the bulk bar's question")
    await shoot(page, screenshots, "macros-bulk-confirm")
    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "the bulk bar's question")
    await shoot(page, screenshots, "macros-bulk-confirm-dark")
    await page.emulate_media(color_scheme="light")
    await asked.get_by_role("button", name="Apply to 3 tickets").click()
    await expect(page.get_by_text("Done on 3 of 3.")).to_be_visible()
    for ticket in made:
        detail = await api("GET", f"/api/v1/tickets/{ticket['id']}")
        assert "Thanks for writing!" in [entry["text"] for entry in detail["entries"]]
    await page.context.close()


async def test_a_macros_reply_goes_into_the_reply_box(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    """The reply is filled, put in the reply box and sent only when the agent sends it, with
    the button the macro's state suggests; the macro's other actions apply at once."""
    inbox = await desk.inbox(name="Billing")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    refund = await make_label(app, "refund")
    api = await api_as(desk, ada_user)
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": "cora@example.org", "name": "Cora Customer"},
        "subject": "Where is my refund?",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    actions = [
        {"type": "label", "add": [refund]},
        {"type": "reply", "text": "Hi {{customer.first_name}}, your refund is on its way."},
        {"type": "set_state", "state": "closed"},
    ]
    await api("POST", "/api/v1/macros", {"name": "Refund done", "actions": actions}, status=201)

    page = await open_desk(browser, live, ada_user, path=f"/tickets/{ticket['id']}")
    await expect(page.get_by_role("heading", name="Where is my refund?")).to_be_visible()
    await page.locator("#reply-text").fill("Thanks for your patience.")
    await page.get_by_role("button", name="Macros").click()
    menu = page.get_by_role("dialog", name="Macros")
    await menu.get_by_role("button", name="Refund done").click()
    await expect(menu).to_contain_text("Its reply goes into the reply box")
    await menu.get_by_role("button", name="Apply").click()
    await expect(
        page.get_by_text("Applied “Refund done”. Its reply is in the reply box")
    ).to_be_visible()
    composer = page.locator("#reply-text")
    await expect(composer).to_have_value(
        "Thanks for your patience.\n\nHi Cora, your refund is on its way."
    )
    await expect(composer).to_be_focused()
    await expect(page.get_by_test_id("macro-draft")).to_have_text(
        "From the macro “Refund done”: Send & Close sends it as the macro would."
    )
    send_close = page.get_by_role("button", name="Send & Close")
    await expect(send_close).to_have_class("btn btn-primary")
    await expect(page.get_by_role("button", name="Send", exact=True)).not_to_have_class(
        "btn btn-primary"
    )
    # The label is on; nothing went to the customer, and the ticket waits for the reply.
    await expect(page.get_by_test_id("ticket-state")).to_have_text("Open")
    detail = await api("GET", f"/api/v1/tickets/{ticket['id']}")
    assert [label["name"] for label in detail["labels"]] == ["refund"]
    assert [entry for entry in detail["entries"] if entry["kind"] == "reply"] == []
    await assert_accessible(page, "a macro's reply in the reply box")
    await shoot(page, screenshots, "macros-ticket-draft")
    shutil.copy(
        screenshots / "desk-macros-ticket-draft.png", DOCS_IMAGES / "desk-macros-ticket-draft.png"
    )

    await composer.fill("Hi Cora, your refund is on its way: 3 to 5 days.")
    # Submitting the form (Enter in Cc) does what the highlighted button says: Send & Close.
    await page.locator("#reply-cc").press("Enter")
    await expect(page.get_by_test_id("reply-done")).to_have_text("Sent; the ticket is closed.")
    await expect(page.get_by_test_id("ticket-state")).to_have_text("Closed")
    await expect(page.get_by_test_id("macro-draft")).to_have_count(0)
    detail = await api("GET", f"/api/v1/tickets/{ticket['id']}")
    replies = [entry["text"] for entry in detail["entries"] if entry["kind"] == "reply"]
    assert replies == ["Hi Cora, your refund is on its way: 3 to 5 days."]
    await page.context.close()


async def test_a_macros_snooze_waits_for_its_reply(
    app: FastAPI, desk: Any, live: str, browser: Browser
) -> None:
    """A macro that replies and snoozes: the ticket is not snoozed while its reply waits in the
    reply box, and Send sends it and then snoozes the ticket, as the macro sending it would."""
    inbox = await desk.inbox(name="Billing")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    api = await api_as(desk, ada_user)
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": "cora@example.org", "name": "Cora Customer"},
        "subject": "Where is my refund?",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    actions = [
        {"type": "reply", "text": "Hi {{customer.first_name}}, the bank is on it."},
        {"type": "snooze", "minutes": 1440},
    ]
    await api("POST", "/api/v1/macros", {"name": "Ask the bank", "actions": actions}, status=201)

    page = await open_desk(browser, live, ada_user, path=f"/tickets/{ticket['id']}")
    await expect(page.get_by_role("heading", name="Where is my refund?")).to_be_visible()
    await page.get_by_role("button", name="Macros").click()
    menu = page.get_by_role("dialog", name="Macros")
    await menu.get_by_role("button", name="Ask the bank").click()
    await menu.get_by_role("button", name="Apply").click()
    await expect(page.locator("#reply-text")).to_have_value("Hi Cora, the bank is on it.")
    await expect(page.get_by_test_id("macro-draft")).to_contain_text(
        "From the macro “Ask the bank”: Send sends it and snoozes the ticket until"
    )
    send = page.get_by_role("button", name="Send", exact=True)
    await expect(send).to_have_class("btn btn-primary")
    await expect(page.get_by_test_id("ticket-state")).to_have_text("Open")

    await send.click()
    await expect(page.get_by_test_id("reply-done")).to_contain_text(
        "Sent; the ticket is snoozed until"
    )
    await expect(page.get_by_test_id("ticket-state")).to_have_text("Snoozed")
    detail = await api("GET", f"/api/v1/tickets/{ticket['id']}")
    assert detail["state"] == "snoozed"
    replies = [entry["text"] for entry in detail["entries"] if entry["kind"] == "reply"]
    assert replies == ["Hi Cora, the bank is on it."]
    await page.context.close()


async def test_the_bulk_bar_skips_tickets_that_changed_since_they_were_selected(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    api = await api_as(desk, ada_user)
    made = []
    for n in range(3):
        body = {
            "inbox_id": inbox["id"],
            "customer": {"email": f"c{n}@example.org", "name": f"Cora{n} Customer"},
            "subject": f"Parcel {n}",
        }
        made.append(await api("POST", "/api/v1/tickets", body, status=201))
    thanks = {"name": "Thanks", "actions": [{"type": "reply", "text": "Thanks for writing!"}]}
    await api("POST", "/api/v1/macros", thanks, status=201)

    page = await open_desk(browser, live, ada_user, path=f"/inboxes/{inbox['id']}/open")
    await expect(page.locator("input[data-ticket]")).to_have_count(3)
    listed = await api("GET", f"/api/v1/tickets?inbox_id={inbox['id']}")
    shown = {str(row["id"]): row["last_public_entry_id"] or 0 for row in listed["items"]}
    await page.locator("input[data-select-all]").check()
    await expect(page.get_by_text("3 tickets selected")).to_be_visible()
    # Once they are selected, two threads move on (answered from another tab); the list
    # follows live, but nobody read them.
    for ticket in made[:2]:
        reply = {"text": "Answered elsewhere."}
        await api("POST", f"/api/v1/tickets/{ticket['id']}/replies", reply, status=201)
    await page.get_by_label("Apply a macro…").select_option(label="Thanks")
    async with page.expect_request(lambda request: "/apply-many" in request.url) as sent:
        await page.get_by_role("button", name="Apply to 3 tickets").click()
    # Each ticket goes with the newest message its row showed when it was selected, not a
    # clock reading (which a message stamped at the same moment would slip under).
    applied: dict[str, Any] = (await sent.value).post_data_json or {}
    assert applied["seen_entry_ids"] == shown, applied
    assert "seen_updated_at" not in applied
    result = page.get_by_role("region", name="Bulk actions")
    await expect(result).to_contain_text("Done on 1 of 3.")
    stale = page.get_by_test_id("bulk-stale")
    await expect(stale).to_have_text(
        "2 tickets changed since you looked; not sent. Open them to read what came:"
    )
    skipped = result.get_by_role("list", name="Tickets that changed since you looked")
    for ticket in made[:2]:
        await expect(
            skipped.get_by_role("link", name=f"Ticket #{ticket['number']}")
        ).to_have_attribute("href", f"/tickets/{ticket['id']}")
    await expect(result).not_to_contain_text("refused")
    await assert_accessible(page, "the bulk bar with tickets that changed")
    await shoot(page, screenshots, "bulk-stale")
    shutil.copy(screenshots / "desk-bulk-stale.png", DOCS_IMAGES / "desk-bulk-stale.png")
    for ticket in made[:2]:
        detail = await api("GET", f"/api/v1/tickets/{ticket['id']}")
        assert "Thanks for writing!" not in [entry["text"] for entry in detail["entries"]]
    detail = await api("GET", f"/api/v1/tickets/{made[2]['id']}")
    assert "Thanks for writing!" in [entry["text"] for entry in detail["entries"]]
    await page.context.close()
