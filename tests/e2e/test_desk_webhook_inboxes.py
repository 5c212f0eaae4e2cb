"""A webhook for one team's inbox in real Chromium (docs/webhooks.md, "Inboxes"): on Settings →
Webhooks an owner chooses **Inboxes: Only these** and ticks Billing (none ticked is refused in
words), the list says so, and the receiver hears Billing's new ticket and not Sales'; edited
back to **All inboxes**, the list says that. The event list offers the organisation events.
Screenshot taken, not saved to docs/images."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, expect

from frontdesk.config import Settings
from frontdesk.webhooks.timers import deliver_webhooks
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.unit.webhooks.receiver import patient, receiver

pytestmark = DESK_TESTS


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhooks_allow_private": True})


async def test_an_owner_makes_a_webhook_for_one_inbox(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patient(monkeypatch)
    billing = await desk.inbox(name="Billing")
    sales = await desk.inbox(name="Sales")
    olga = await desk.user(role="owner", name="Olga Owner")
    await desk.add_member(billing, olga)
    await desk.add_member(sales, olga)
    page = await open_desk(browser, live, olga)
    api = PageApi(page, live)

    with receiver() as hooks:
        await page.goto(f"{live}/settings/webhooks")
        await page.get_by_role("button", name="Add a webhook").click()
        form = page.get_by_role("form", name="Add a webhook")
        await form.get_by_label("Name").fill("Billing CRM")
        await form.get_by_label("URL").fill(hooks.url)
        await expect(form.get_by_label("Organisation created")).to_be_checked()
        everything = form.get_by_role("radio", name="All inboxes")
        await expect(everything).to_be_checked()
        await form.get_by_role("radio", name="Only these").check()
        # None ticked: refused before it is sent, in words.
        await form.get_by_role("button", name="Save").click()
        await expect(form.get_by_role("alert")).to_have_text(
            "Choose at least one inbox, or All inboxes."
        )
        await form.get_by_label("Billing", exact=True).check()
        # Ticking one answers the message at once, not at the next save.
        await expect(form.get_by_role("alert")).to_have_count(0)
        await expect(form.get_by_label("Sales", exact=True)).not_to_be_checked()
        await assert_accessible(page, "webhook form for one inbox")
        await shoot(page, screenshots, "webhooks-inboxes-form")
        await form.get_by_role("button", name="Save").click()

        item = page.locator("[data-webhook='Billing CRM']")
        secret = item.locator("[data-secret]")
        await expect(secret).to_contain_text("whsec_")
        hooks.secret = (await secret.inner_text()).strip()
        await expect(item.locator("[data-scope]")).to_have_text("Inboxes: only Billing")

        async def ticket(inbox: dict[str, Any], subject: str, email: str) -> dict[str, Any]:
            body = {"inbox_id": inbox["id"], "customer": {"email": email}, "subject": subject}
            made: dict[str, Any] = await api("POST", "/api/v1/tickets", body, status=201)
            return made

        ours = await ticket(billing, "Invoice missing", "cora@example.org")
        await ticket(sales, "A quote please", "dan@example.org")
        while await deliver_webhooks(app.state.sessionmaker, app.state.settings):
            pass
        created = [e for e in hooks.events() if e["type"] == "ticket.created"]
        assert [e["data"]["ticket"]["id"] for e in created] == [ours["id"]]
        assert all(r.verified for r in hooks.requests)

        await item.get_by_role("button", name="Edit Billing CRM").click()
        edit = page.get_by_role("form", name="Edit webhook")
        await expect(edit.get_by_role("radio", name="Only these")).to_be_checked()
        await expect(edit.get_by_label("Billing", exact=True)).to_be_checked()
        await edit.get_by_role("radio", name="All inboxes").check()
        await edit.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("status")).to_contain_text("Saved.")
        await expect(item.locator("[data-scope]")).to_have_text("Inboxes: All inboxes")
