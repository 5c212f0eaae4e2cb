"""Email signatures in real Chromium: an admin writes the inbox's signature in Settings → Inboxes;
the reply box shows it, filled for the agent, with "Add signature" ticked; unticked, the reply
goes without it; the sent reply shows the signature it went with (screenshot saved as
docs/images/desk-signature.png); an owner's change reaches the open reply box at once, and
leaves what another admin is typing in the inbox's settings as typed, with a notice. An agent
writes their own signature in Preferences, previews it in each of their inboxes (screenshot
docs/images/desk-own-signature.png), and the reply box and the mail carry it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.e2e.settle import settled
from tests.mail.support import CUSTOMER, SmtpSink, deliver, with_smtp

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
SIGNATURE = "{{agent.name}}\n{{inbox.name}} · https://shop.example/help"


def _plain(message: Any) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


async def test_the_reply_box_shows_the_signature_and_can_leave_it_off(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path, sink: SmtpSink
) -> None:
    # An address the settings form saves again as it is (it refuses reserved names like .test).
    inbox = await desk.inbox(name="Shop Support", email_address="support@example.com")
    owner = await desk.user(name="Olga Owner", role="owner")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)

    # The owner writes it in the inbox's settings.
    admin_page = await open_desk(browser, live, owner)
    await admin_page.goto(f"{live}/settings/inboxes")
    field = admin_page.get_by_label("Email signature")
    await expect(field).to_be_visible()
    await expect(admin_page.get_by_text("{{agent.first_name}}").first).to_be_visible()
    await field.fill(SIGNATURE)
    await field.scroll_into_view_if_needed()
    await shoot(admin_page, screenshots, "signature-settings")
    await admin_page.get_by_role("button", name="Save inbox").click()
    await expect(admin_page.get_by_role("status")).to_contain_text("Saved")
    await admin_page.close()

    page = await open_desk(browser, live, ada_user)
    api = PageApi(page, live)
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": CUSTOMER, "name": "Cora Customer"},
        "subject": "Parcel arrived crushed",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    await page.goto(f"{live}/tickets/{ticket['id']}")
    await expect(page.get_by_role("heading", name="Parcel arrived crushed")).to_be_visible()

    line = page.get_by_test_id("reply-signature")
    await expect(line).to_contain_text("-- Ada Lovelace · Shop Support · https://shop.example/help")
    toggle = page.get_by_label("Add signature")
    await expect(toggle).to_be_checked()
    await page.get_by_label("Reply to the customer").fill("A replacement is on its way.")
    await assert_accessible(page, "reply box with its signature line")

    # Sent with it: the entry shows it under the text, the mail ends with it.
    await page.get_by_role("button", name="Send", exact=True).click()
    entry = page.locator("article.entry.reply.out").last
    await expect(entry).to_contain_text("A replacement is on its way.")
    await expect(entry.get_by_test_id("entry-signature")).to_have_text(
        "-- \nAda Lovelace\nShop Support · https://shop.example/help"
    )

    # Unticked, the next reply goes without it.
    await page.get_by_label("Reply to the customer").fill("Tracking follows.")
    await expect(toggle).to_be_checked()
    await shoot(page, screenshots, "signature")
    shutil.copy(screenshots / "desk-signature.png", DOCS_IMAGES)
    await toggle.uncheck()
    await page.get_by_role("button", name="Send", exact=True).click()
    last = page.locator("article.entry.reply.out").last
    await expect(last).to_contain_text("Tracking follows.")
    await expect(last.get_by_test_id("entry-signature")).to_have_count(0)

    assert await deliver(app, with_smtp(app.state.settings, sink)) == 2
    first, second = (_plain(mail.message) for mail in sink.received)
    assert first.rstrip("\n").endswith(
        "-- \nAda Lovelace\nShop Support · https://shop.example/help"
    )
    assert "-- " not in second

    # Held by Undo send without it, then taken back after a reload ticked the box again: the
    # reply comes back with its own choice, unticked.
    await api("PATCH", "/api/v1/me", {"preferences": {"undo_send_seconds": 30}})
    await page.get_by_label("Reply to the customer").fill("Held without it.")
    await expect(toggle).not_to_be_checked()
    await page.get_by_role("button", name="Send", exact=True).click()
    held = page.get_by_test_id("pending-reply")
    await expect(held).to_contain_text("Held without it.")
    await page.reload()
    await expect(toggle).to_be_checked()
    await held.get_by_role("button", name="Undo send").click()
    await expect(page.get_by_label("Reply to the customer")).to_have_value("Held without it.")
    await expect(toggle).not_to_be_checked()

    # Another admin is writing in the inbox's settings meanwhile.
    alan = await desk.user(name="Alan Admin", role="admin")
    settings_page = await open_desk(browser, live, alan)
    await settings_page.goto(f"{live}/settings/inboxes")
    draft = settings_page.get_by_label("Email signature")
    await expect(draft).to_have_value(SIGNATURE)
    await draft.fill("Alan's draft")

    # Changed by the owner while Ada's reply box is open: the line follows at once, without a
    # reload (`inbox.updated`). Markup in the signature is text in the desk, as in the mail.
    owner_client = await desk.login(owner)
    marked = await owner_client.client.patch(
        f"/api/v1/inboxes/{inbox['id']}", json={"email_signature": '<b>{{agent.name}}</b> & "Co"'}
    )
    assert marked.status_code == 200, marked.text
    # Alan's form keeps what he typed and says the inbox changed; Reload shows it as it is now
    # (screenshot desk-inbox-changed-elsewhere.png).
    notice = settings_page.get_by_test_id("inbox-changed-elsewhere")
    await expect(notice).to_contain_text("Changed by someone else")
    await expect(draft).to_have_value("Alan's draft")
    await shoot(settings_page, screenshots, "inbox-changed-elsewhere")
    await notice.get_by_role("button", name="Reload").click()
    await expect(draft).to_have_value('<b>{{agent.name}}</b> & "Co"')
    await expect(notice).to_have_count(0)
    await settings_page.close()
    await expect(line).to_contain_text('-- <b>Ada Lovelace</b> & "Co"')
    await expect(line.locator("b")).to_have_count(0)
    await toggle.check()
    await page.get_by_label("Reply to the customer").fill("Marked up.")
    await api("PATCH", "/api/v1/me", {"preferences": {"undo_send_seconds": 0}})
    await page.get_by_role("button", name="Send", exact=True).click()
    signed = page.locator("article.entry.reply.out").last
    await expect(signed.get_by_test_id("entry-signature")).to_have_text(
        '-- \n<b>Ada Lovelace</b> & "Co"'
    )
    await expect(signed.locator(".signature b")).to_have_count(0)


OWN = "Ada Lovelace, Support Lead\n+44 20 7946 0000\nhttps://cal.example/ada"


async def test_an_agent_writes_their_own_signature_and_the_reply_box_shows_it(
    app: FastAPI, desk: Any, live: str, browser: Browser, sink: SmtpSink
) -> None:
    owner = await desk.user(name="Olga Owner", role="owner")
    shop = await desk.inbox(name="Shop Support", email_address="support@example.com")
    billing = await desk.inbox(name="Billing", email_address="billing@example.com")
    returns = await desk.inbox(name="Returns", email_address="returns@example.com")
    owner_client = await desk.login(owner)
    for inbox, signature in (
        (shop, "{{agent.signature}}\n{{inbox.name}} · https://shop.example/help"),
        (billing, "The Billing team"),
    ):
        saved = await owner_client.client.patch(
            f"/api/v1/inboxes/{inbox['id']}", json={"email_signature": signature}
        )
        assert saved.status_code == 200, saved.text
    ada_user = await desk.user(name="Ada Lovelace")
    for inbox in (shop, billing, returns):
        await desk.add_member(inbox, ada_user)

    page = await open_desk(browser, live, ada_user)
    await page.goto(f"{live}/preferences")
    section = page.get_by_test_id("own-signature")
    field = section.get_by_label("Your email signature")
    await expect(field).to_have_value("")
    await field.fill(OWN)
    preview = section.get_by_test_id("own-signature-preview")
    choice = section.get_by_label("Preview in the inbox")
    # Billing's signature does not name it: shown as it goes, and said so.
    await expect(choice).to_have_value(str(billing["id"]))
    await expect(preview).to_have_text("-- \nThe Billing team")
    await expect(section.get_by_test_id("own-signature-unused")).to_contain_text(
        "{{agent.signature}}"
    )
    # Returns has none: theirs alone.
    await choice.select_option(label="Returns")
    await expect(preview).to_have_text(f"-- \n{OWN}")
    await expect(section.get_by_test_id("own-signature-unused")).to_have_count(0)
    await choice.select_option(label="Shop Support")
    await expect(preview).to_have_text(f"-- \n{OWN}\nShop Support · https://shop.example/help")
    await section.get_by_role("button", name="Save signature").click()
    await expect(section.get_by_role("status")).to_contain_text("Saved")
    await assert_accessible(page, "preferences with the agent's own signature")
    await section.scroll_into_view_if_needed()
    await settled(page)
    await section.screenshot(path=str(DOCS_IMAGES / "desk-own-signature.png"))

    # Saved as sent, seen again after a reload.
    await page.reload()
    await expect(page.get_by_label("Your email signature")).to_have_value(OWN)

    api = PageApi(page, live)
    body = {
        "inbox_id": shop["id"],
        "customer": {"email": CUSTOMER, "name": "Cora Customer"},
        "subject": "Parcel arrived crushed",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    await page.goto(f"{live}/tickets/{ticket['id']}")
    line = page.get_by_test_id("reply-signature")
    await expect(line).to_contain_text(
        "-- Ada Lovelace, Support Lead · +44 20 7946 0000 · https://cal.example/ada · "
        "Shop Support · https://shop.example/help"
    )
    await page.get_by_label("Reply to the customer").fill("A replacement is on its way.")
    await page.get_by_role("button", name="Send", exact=True).click()
    entry = page.locator("article.entry.reply.out").last
    await expect(entry.get_by_test_id("entry-signature")).to_have_text(
        f"-- \n{OWN}\nShop Support · https://shop.example/help"
    )

    assert await deliver(app, with_smtp(app.state.settings, sink)) == 1
    (mail,) = sink.received
    assert (
        _plain(mail.message)
        .rstrip("\n")
        .endswith(
            f"A replacement is on its way.\n\n-- \n{OWN}\nShop Support · https://shop.example/help"
        )
    )


async def test_an_admin_writes_an_agents_signature_in_settings(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    """Settings → Users: an admin writes Ada's signature for her, with the same preview; Ada's
    Preferences show it, and her replies carry it."""
    admin_user = await desk.user(name="Grace Hopper", role="admin")
    shop = await desk.inbox(name="Shop Support", email_address="support@example.com")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(shop, ada_user)
    page = await open_desk(browser, live, admin_user, path="/settings/users")
    row = page.locator("tr", has_text="ada")
    await row.get_by_role("button", name="Add… (email signature of Ada Lovelace)").click()
    dialog = page.get_by_role("dialog", name="Email signature: Ada Lovelace")
    field = dialog.get_by_label("Ada Lovelace's email signature")
    await expect(field).to_be_focused()
    await field.fill(OWN)
    # Shop Support has no signature of its own: hers alone, as her replies will go.
    await expect(dialog.get_by_test_id("own-signature-preview")).to_have_text(f"-- \n{OWN}")
    await dialog.get_by_role("button", name="Save signature").click()
    await expect(dialog.get_by_role("status")).to_contain_text("Saved")
    await shoot(page, screenshots, "user-signature")
    await assert_accessible(page, "an admin writing an agent's signature")
    await dialog.get_by_role("button", name="Close").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_role("status")).to_have_text(
        "Ada Lovelace's email signature is saved."
    )
    await expect(
        row.get_by_role("button", name="Edit… (email signature of Ada Lovelace)")
    ).to_be_focused()
    users = await PageApi(page, live)("GET", "/api/v1/users")
    (ada,) = [user for user in users if user["id"] == ada_user["id"]]
    assert ada["email_signature"] == OWN

    # Opened again, it holds what was saved; Ada sees it as hers.
    await row.get_by_role("button", name="Edit… (email signature of Ada Lovelace)").click()
    await expect(dialog.get_by_label("Ada Lovelace's email signature")).to_have_value(OWN)
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()

    # An owner's is an owner's to change: the server's sentence, in the dialog, nothing saved.
    await desk.user(name="Olga Owner", role="owner")
    await page.reload()
    olga = page.locator("tr", has_text="Olga Owner")
    await olga.get_by_role("button", name="Add… (email signature of Olga Owner)").click()
    theirs_dialog = page.get_by_role("dialog", name="Email signature: Olga Owner")
    await theirs_dialog.get_by_label("Olga Owner's email signature").fill("Olga, Head of Support")
    await theirs_dialog.get_by_role("button", name="Save signature").click()
    await expect(theirs_dialog.get_by_role("alert")).to_have_text(
        "Only an owner can change an owner."
    )
    await theirs_dialog.get_by_role("button", name="Close").click()
    await expect(
        olga.get_by_role("button", name="Add… (email signature of Olga Owner)")
    ).to_be_visible()
    await page.context.close()
    theirs = await open_desk(browser, live, ada_user, path="/preferences")
    await expect(theirs.get_by_label("Your email signature")).to_have_value(OWN)
    await theirs.context.close()
