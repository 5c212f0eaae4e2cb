"""The link events in real Chromium (docs/webhooks.md, "Linked tickets"): Settings → Webhooks
offers **Tickets linked** and **Tickets unlinked**, ticked for a new webhook like every event;
a webhook of the two alone hears a link as one delivery for each ticket, shown in its log by
the event's name. Screenshot taken, not saved to docs/images."""

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


async def test_an_owner_subscribes_a_webhook_to_links_and_sees_them_in_its_log(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patient(monkeypatch)
    inbox = await desk.inbox(name="Support")
    olga = await desk.user(role="owner", name="Olga Owner")
    await desk.add_member(inbox, olga)
    page = await open_desk(browser, live, olga)
    api = PageApi(page, live)

    with receiver() as hooks:
        await page.goto(f"{live}/settings/webhooks")
        await page.get_by_role("button", name="Add a webhook").click()
        form = page.get_by_role("form", name="Add a webhook")
        await form.get_by_label("Name").fill("Status page")
        await form.get_by_label("URL").fill(hooks.url)
        linked, unlinked = (
            form.get_by_label("Tickets linked"),
            form.get_by_label("Tickets unlinked"),
        )
        await expect(linked).to_be_checked()
        await expect(unlinked).to_be_checked()
        # The two alone.
        for box in await form.locator(".events input[type=checkbox]").all():
            await box.uncheck()
        await linked.check()
        await unlinked.check()
        await assert_accessible(page, "webhook form with the link events")
        await shoot(page, screenshots, "webhooks-link-events-form")
        await form.get_by_role("button", name="Save").click()

        item = page.locator("[data-webhook='Status page']")
        secret = item.locator("[data-secret]")
        await expect(secret).to_contain_text("whsec_")
        hooks.secret = (await secret.inner_text()).strip()
        await expect(item).to_contain_text("Tickets linked")
        await expect(item).not_to_contain_text("Ticket created")

        async def ticket(subject: str, email: str) -> dict[str, Any]:
            body = {"inbox_id": inbox["id"], "customer": {"email": email}, "subject": subject}
            made: dict[str, Any] = await api("POST", "/api/v1/tickets", body, status=201)
            return made

        outage = await ticket("Outage in Paris", "cora@example.org")
        other = await ticket("Site down", "dan@example.org")
        await api(
            "POST", f"/api/v1/tickets/{outage['id']}/links", {"ticket_id": other["id"]}, status=201
        )
        while await deliver_webhooks(app.state.sessionmaker, app.state.settings):
            pass
        await item.get_by_role("button", name="Delivery log").click()
        rows = item.locator("table.deliveries tbody tr")
        await expect(rows).to_have_count(2)
        await expect(rows.first).to_contain_text("Tickets linked")
        await expect(rows.first).to_contain_text("Delivered")
        assert [e["type"] for e in hooks.events()] == ["ticket.linked"] * 2
        assert all(r.verified for r in hooks.requests)
        await shoot(page, screenshots, "webhooks-link-events-log")
